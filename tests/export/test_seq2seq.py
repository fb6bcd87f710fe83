"""The Seq2Seq exports translate as `kerasseq translate` does: the SavedModel
with its samplers, the TFLite encoder and decoder step in an app's loop."""

import json
import sys

import numpy as np
import pytest
import tensorflow as tf

from kerasseq.export import ExportOptions
from kerasseq.export import TFLiteModel
from kerasseq.export import export_trained
from kerasseq.jobs.seq2seq import beam_sampler
from kerasseq.jobs.seq2seq import special_ids
from kerasseq.models.seq2seq import Seq2SeqDecoder
from kerasseq.text.tokenizer import PAD_ID
from kerasseq.translation import Translator
from tests.helpers import export_builders as builders
from tests.helpers.export_checks import assert_builtin_only
from tests.helpers.export_checks import assert_builtin_only_no_loop
from tests.export.conftest import MAX_LENGTH
from tests.export.conftest import cli_export
from tests.export.test_saved_model import BAD_TEXTS
from tests.export.test_saved_model import run

#: (cell, attention, bidirectional encoder, layers).
CASES = [
    ("lstm", "additive", True, 1),
    ("gru", "none", False, 2),
    # W_h frozen as a constant: no matrix exponential or inverse.
    ("orthogonal", "dot", False, 1),
    ("unitary", "multiplicative", False, 1),
]
TOLERANCE = 1e-4
SOURCE_LENGTH = 10
STEPS = SOURCE_LENGTH + 1
TEXTS = [source for source, _ in builders.PAIRS] + ["sterben schlafen", "das ist"]


@pytest.fixture(scope="module", params=CASES, ids=lambda case: f"{case[0]}-{case[1]}")
def greedy_export(request, tmp_path_factory):
    cell, attention, bidirectional, layers = request.param
    source = builders.seq2seq(cell, attention, bidirectional=bidirectional,
                              layers=layers, max_length=SOURCE_LENGTH)
    out = tmp_path_factory.mktemp(f"seq2seq_{cell}_{attention}")
    report = export_trained(source, str(out),
                            options=ExportOptions(decode="greedy", samples=8),
                            print_fn=lambda line: None)
    return source, out, report


def keras_decoding(source, texts, sampler="greedy"):
    """Target ids of kerasseq's own decoding (as `Translator` runs it)."""
    decoder = Seq2SeqDecoder(source.model, *special_ids(source.target_tokenizer))
    ids = [source.tokenizer.encode_one(text) for text in texts]
    outputs, _ = decoder.decode_all(ids, sampler, max_length=STEPS)
    return outputs


def tflite_greedy(encoder, decoder_step, source_ids, start_id, end_id):
    """Greedy decoding of one source as an app runs it: the encoder once,
    then one decoder step per token, states passed back by name. The source
    goes in at its own length; `padded` (for the Keras model) is the same
    source padded to `SOURCE_LENGTH`."""
    padded = np.zeros((1, SOURCE_LENGTH), np.int32)
    padded[0, :len(source_ids)] = source_ids
    encoded = encoder.run(source=np.array([source_ids], np.int32))
    names = [n for n in decoder_step.input_shapes()
             if n not in ("token", "encoder_outputs", "source_mask")]
    states = {name: encoded[name] for name in names}
    token, tokens, logits = start_id, [], []
    for _ in range(STEPS):
        outputs = decoder_step.run(
            token=np.array([token], np.int32), source_mask=encoded["source_mask"],
            encoder_outputs=encoded["encoder_outputs"], **states)
        states = {name: outputs[name] for name in names}
        step_logits = outputs["logits"][0]
        logits.append(step_logits)
        allowed = step_logits.copy()
        allowed[[PAD_ID, start_id]] = -np.inf  # never emitted (model_info.json)
        token = int(np.argmax(allowed))
        if token == end_id:
            break
        tokens.append(token)
    return tokens, np.array(logits), padded


def test_saved_model_translates_as_greedy_decoding(greedy_export):
    source, out, _ = greedy_export
    expected = keras_decoding(source, TEXTS)
    assert len({tuple(ids) for ids in expected}) > 2  # the outputs differ
    serving = tf.saved_model.load(str(out / "saved_model"))
    outputs = serving.signatures["serving_default"](text=tf.constant(TEXTS))
    lengths = outputs["length"].numpy().tolist()
    token_ids = outputs["token_ids"].numpy()
    assert token_ids.shape == (len(TEXTS), STEPS)
    assert [row[:n].tolist() for row, n in zip(token_ids, lengths)] == expected
    assert not np.any([row[n:].any() for row, n in zip(token_ids, lengths)])
    target = source.target_tokenizer
    assert [t.decode() for t in outputs["translation"].numpy()] == [
        target.decode(ids) for ids in expected]
    assert not outputs["truncated"].numpy().any()


def test_tflite_encoder_and_decoder_step_decode_greedily_as_keras(greedy_export):
    source, out, report = greedy_export
    encoder, decoder_step = (TFLiteModel(str(out / "tflite" / f"{name}.tflite"))
                             for name in ("encoder", "decoder_step"))
    start_id, end_id = special_ids(source.target_tokenizer)
    for text, expected in zip(TEXTS, keras_decoding(source, TEXTS)):
        ids = source.tokenizer.encode_one(text)
        tokens, logits, padded = tflite_greedy(encoder, decoder_step, ids,
                                               start_id, end_id)
        assert tokens == expected
        # Each step's logits against the teacher-forced Keras model.
        target_in = np.array([[start_id] + tokens[:len(logits) - 1]], np.int32)
        keras_logits = np.asarray(source.model([padded, target_in]))[0]
        np.testing.assert_allclose(logits, keras_logits, atol=TOLERANCE, rtol=TOLERANCE)
    assert report["tflite"]["float32"]["max_abs_difference_vs_keras"] < TOLERANCE


def test_tflite_files_are_builtin_only_with_a_batch_dimension(greedy_export):
    source, out, _ = greedy_export
    paths = sorted((out / "tflite").glob("*.tflite"))
    assert [p.name for p in paths] == ["decoder_step.tflite", "encoder.tflite"]
    # The encoder: one WHILE loop per layer, over the source's own length.
    layers = source.config.model.layers
    assert_builtin_only(paths[1], while_loops=layers)
    assert_builtin_only_no_loop(paths[0])
    info = json.loads((out / "tflite" / "model_info.json").read_text("utf-8"))
    for name, graph in info["graphs"].items():
        model = TFLiteModel(str(out / "tflite" / info["files"][name]["float32"]))
        assert {i["name"]: tuple(i["shape"]) for i in graph["inputs"]} == (
            model.input_shapes())
    # A batch of sources through both graphs, one step.
    encoder = TFLiteModel(str(out / "tflite" / "encoder.tflite"))
    batch = source.tokenizer.encode(TEXTS[:3]).to_tensor(
        shape=(3, SOURCE_LENGTH)).numpy()
    encoded = encoder.run(source=batch)
    assert encoded["source_mask"].tolist() == (batch != 0).astype(int).tolist()
    assert encoded["encoder_outputs"].shape[:2] == (3, SOURCE_LENGTH)
    empty = encoder.run(source=np.zeros((1, SOURCE_LENGTH), np.int32))
    assert empty["source_mask"][0].tolist() == [1] + [0] * (SOURCE_LENGTH - 1)
    # A longer source is cut to max_length; a source of no token reads [UNK].
    long = encoder.run(source=np.full((1, 3 * SOURCE_LENGTH), 5, np.int32))
    assert long["source_mask"].shape == (1, SOURCE_LENGTH)
    nothing = encoder.run(source=np.zeros((1, 0), np.int32))
    assert nothing["source_mask"].tolist() == [[1]]
    # No rows in, no rows out, through both graphs (LiteRT's REVERSE_V2,
    # which the unrolled bidirectional encoder used, crashed on this).
    none = encoder.run(source=np.zeros((0, 4), np.int32))
    assert none["encoder_outputs"].shape[:2] == (0, 4)
    decoder_step = TFLiteModel(str(out / "tflite" / "decoder_step.tflite"))
    step = decoder_step.run(token=np.zeros((0,), np.int32), **{
        name: value for name, value in none.items()
        if name in decoder_step.input_shapes()})
    assert step["logits"].shape == (0, source.target_tokenizer.vocabulary_size)


def test_beam_search_export_matches_the_beam_sampler(tmp_path):
    source = builders.seq2seq("gru", "additive", max_length=SOURCE_LENGTH)
    export_trained(source, str(tmp_path), formats=["saved_model"],
                   options=ExportOptions(decode="beam", beam_width=4),
                   print_fn=lambda line: None)
    sampler = beam_sampler(4, source.config.options.length_penalty)
    expected = keras_decoding(source, TEXTS, sampler)
    greedy = keras_decoding(source, TEXTS)
    assert expected != greedy  # the search finds other outputs
    serving = tf.saved_model.load(str(tmp_path / "saved_model"))
    outputs = serving.signatures["serving_default"](text=tf.constant(TEXTS))
    lengths = outputs["length"].numpy()
    assert [row[:n].tolist() for row, n in
            zip(outputs["token_ids"].numpy(), lengths)] == expected


# ------------------------------------------- a trained model, from the CLI
@pytest.fixture(scope="module")
def translator(trained_seq2seq):
    return Translator(trained_seq2seq)


@pytest.fixture(scope="module")
def beam_model(exported_seq2seq):
    return tf.saved_model.load(str(exported_seq2seq[0] / "saved_model"))


DIGIT_TEXTS = ["eins zwei drei.", "neun acht", "sieben sieben null vier fünf."]


def test_cli_exports_translate_as_kerasseq_translate(
        trained_seq2seq, translator, beam_model, tmp_path):
    # The CLI default: the model's beam search (width 3).
    beam = beam_model.signatures["serving_default"](text=tf.constant(DIGIT_TEXTS))
    assert [t.decode() for t in beam["translation"].numpy()] == [
        t.translation for t in translator.translate(DIGIT_TEXTS)]
    status, _ = cli_export(trained_seq2seq, tmp_path, "--format", "saved_model",
                           "--decode", "greedy")
    assert status == 0
    greedy = tf.saved_model.load(str(tmp_path / "saved_model")).signatures[
        "serving_default"](text=tf.constant(DIGIT_TEXTS))
    expected = translator.translate(DIGIT_TEXTS, beam=1)
    assert [t.decode() for t in greedy["translation"].numpy()] == [
        t.translation for t in expected]
    target = translator.vocabularies.target
    for row, length, translation in zip(greedy["token_ids"].numpy(),
                                        greedy["length"].numpy(), expected):
        tokens = [token for token in translation.target_tokens if token != "[END]"]
        assert [target.vocabulary[i] for i in row[:length]] == tokens


def test_translation_of_bad_texts_is_defined(beam_model):
    outputs = beam_model.signatures["serving_default"](text=tf.constant(BAD_TEXTS))
    assert outputs["token_ids"].shape == (len(BAD_TEXTS), MAX_LENGTH + 1)
    for text in outputs["translation"].numpy():
        text.decode("utf-8")  # valid UTF-8
    assert outputs["truncated"].numpy().tolist() == [False, False, True, False, False]
    assert np.isfinite(outputs["score"].numpy()).all()
    # No token at all ("" and "!!! ... ???"): an empty translation.
    assert outputs["translation"].numpy()[:2].tolist() == [b"", b""]
    assert outputs["length"].numpy()[:2].tolist() == [0, 0]
    assert not outputs["token_ids"].numpy()[:2].any()
    assert outputs["score"].numpy()[:2].tolist() == [0.0, 0.0]
    # An unknown word is a token: it is decoded (a log-probability < 0).
    unknown = beam_model.signatures["serving_default"](text=tf.constant(["qwxz"]))
    assert unknown["score"].numpy()[0] < 0
    # A long text is cut to the trained max_length tokens.
    long, cut = (" ".join(["eins zwei"] * n) for n in (500, MAX_LENGTH // 2))
    both = beam_model.signatures["serving_default"](text=tf.constant([long, cut]))
    assert both["truncated"].numpy().tolist() == [True, False]
    assert both["translation"].numpy()[0] == both["translation"].numpy()[1]
    empty = beam_model.signatures["serving_default"](text=tf.constant([], tf.string))
    assert empty["translation"].shape == (0,)


FRESH_PROCESS = """
import json, sys
import tensorflow as tf
model = tf.saved_model.load(sys.argv[1])
outputs = model.signatures["serving_default"](text=tf.constant(json.loads(sys.argv[2])))
print(json.dumps({
    "translation": [t.decode("utf-8") for t in outputs["translation"].numpy()],
    "token_ids": outputs["token_ids"].numpy().tolist(),
    "length": outputs["length"].numpy().tolist(),
    "kerasseq_imported": any(m.split(".")[0] == "kerasseq" for m in sys.modules),
}))
"""


def test_loads_and_translates_in_a_fresh_process_without_kerasseq(
        exported_seq2seq, beam_model, tmp_path):
    result = run([sys.executable, "-c", FRESH_PROCESS,
                  str(exported_seq2seq[0] / "saved_model"), json.dumps(DIGIT_TEXTS)],
                 cwd=tmp_path)
    outputs = json.loads(result.stdout.strip().splitlines()[-1])
    assert outputs["kerasseq_imported"] is False
    here = beam_model.signatures["serving_default"](text=tf.constant(DIGIT_TEXTS))
    assert outputs["translation"] == [t.decode() for t in here["translation"].numpy()]
    assert outputs["token_ids"] == here["token_ids"].numpy().tolist()
