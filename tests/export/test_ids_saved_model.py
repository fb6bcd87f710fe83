"""`--format saved_model_ids`: SavedModels on token ids, with no string op
(what the TensorFlow.js converter needs), compute what kerasseq does."""

import json

import numpy as np
import pytest
import tensorflow as tf

from kerasseq.export import ExportOptions
from kerasseq.export import export_trained
from kerasseq.jobs.seq2seq import special_ids
from kerasseq.models.language_model import generate_ids
from kerasseq.models.seq2seq import Seq2SeqDecoder
from kerasseq.samplers import get_sampler
from kerasseq.text.tokenizer import PAD_ID
from tests.helpers import export_builders as builders
from tests.export.test_seq2seq import TEXTS as SOURCES

NEW_TOKENS = 7
TOLERANCE = 1e-4


def export_ids(source, out, **options):
    export_trained(source, str(out), ["saved_model_ids"],
                   options=ExportOptions(max_new_tokens=NEW_TOKENS, **options),
                   print_fn=lambda line: None)
    directory = out / "saved_model_ids"
    info = json.loads((directory / "model_info.json").read_text("utf-8"))
    return tf.saved_model.load(str(directory)), info, directory


def serving_op_types(concrete_function):
    """Op types of a signature's graph and every function it calls."""
    graph = concrete_function.graph.as_graph_def()
    types = {node.op for node in graph.node}
    for function in graph.library.function:
        types.update(node.op for node in function.node_def)
    return types


#: Ops the TensorFlow.js converter (4.22) refuses or cannot freeze, as
#: `tools/check_tfjs.py` found them: string ops, the sign-bit test of
#: Keras's float `argmax`, a sampler's seed-state update.
TFJS_BLOCKERS = ("Bitcast", "BitwiseAnd", "AssignVariableOp", "ResourceGather")


def assert_no_string_op(loaded):
    """No string op, nor an op the TensorFlow.js converter refuses, in any
    signature of a deterministic decoding."""
    for name, function in loaded.signatures.items():
        types = serving_op_types(function)
        assert "MatMul" in types  # the model's graph was read
        refused = sorted(t for t in types if t.startswith(("String", "Lookup"))
                         or "HashTable" in t or "Regex" in t or t in TFJS_BLOCKERS)
        assert refused == [], (name, refused)


def right_padded(rows):
    width = max(len(row) for row in rows)
    return np.array([row + [PAD_ID] * (width - len(row)) for row in rows], np.int32)


def test_classifier_on_ids_equals_the_keras_model(tmp_path):
    source = builders.classifier("lstm", ("neg", "neutral", "pos"), "attention",
                                 max_length=6)
    loaded, info, directory = export_ids(source, tmp_path)
    assert_no_string_op(loaded)
    rows = source.tokenizer.encode(
        ["to be or not", "The slings and arrows of outrageous fortune", "sleep"]
    ).to_list()
    ids = right_padded(rows)
    outputs = loaded.signatures["serving_default"](tokens=tf.constant(ids))
    expected = np.asarray(source.model(ids[:, :6]))  # cut to max_length
    assert np.ptp(expected[:, 0]) > 10 * TOLERANCE  # the rows differ
    np.testing.assert_allclose(outputs["probabilities"].numpy(), expected,
                               atol=TOLERANCE, rtol=0)
    assert outputs["truncated"].numpy().tolist() == [len(r) > 6 for r in rows]
    # The app's files beside the model.
    assert (directory / "vocabulary.txt").read_text("utf-8").splitlines()[
        :len(source.tokenizer.vocabulary)] == source.tokenizer.vocabulary
    assert info["signatures"]["serving_default"]["class_names"] == [
        "neg", "neutral", "pos"]
    assert info["vocabulary"]["pad_id"] == PAD_ID


# An orthogonal cell's random weights give varied tokens (a random GRU or
# self-attention model repeats one token).
@pytest.mark.parametrize("cell", ["orthogonal", "self_attention"])
def test_language_model_on_ids_generates_as_kerasseq(cell, tmp_path):
    source = builders.language_model(cell, seq_len=8)
    loaded, info, _ = export_ids(source, tmp_path)
    assert_no_string_op(loaded)
    prompts = [source.tokenizer.encode_one(text) for text in ("To be", "Or to ta")]
    expected = [
        np.asarray(generate_ids(source.model, [prompt], NEW_TOKENS,
                                get_sampler("greedy")))[0].tolist()
        for prompt in prompts
    ]
    outputs = loaded.signatures["serving_default"](
        token_ids=tf.constant(right_padded(prompts)))
    assert outputs["token_ids"].numpy().tolist() == expected
    assert not outputs["truncated"].numpy().any()
    # A prompt longer than the cap is read from its last ids.
    cap = info["signatures"]["max_prompt_tokens"]
    long = source.tokenizer.encode_one(builders.TEXT * 3)
    assert len(long) > cap
    tail, head = (
        np.asarray(generate_ids(source.model, [part], 3,
                                get_sampler("greedy")))[0].tolist()
        for part in (long[-cap:], long[:cap]))
    if cell == "orthogonal":
        assert tail != head  # so the check below tells which end was read
    outputs = loaded.signatures["generate"](
        token_ids=tf.constant([long]), max_new_tokens=tf.constant(3),
        temperature=tf.constant(1.0))
    assert outputs["token_ids"].numpy().tolist() == [tail]
    assert outputs["truncated"].numpy().tolist() == [True]


def test_seq2seq_on_ids_translates_as_kerasseq(tmp_path):
    source = builders.seq2seq("lstm", "additive", max_length=8)
    loaded, info, directory = export_ids(source, tmp_path, decode="greedy")
    assert_no_string_op(loaded)
    rows = [source.tokenizer.encode_one(text) for text in SOURCES]
    decoder = Seq2SeqDecoder(source.model, *special_ids(source.target_tokenizer))
    steps = info["signatures"]["serving_default"]["outputs"][0]["shape"][1]
    expected, _ = decoder.decode_all([row[:8] for row in rows], "greedy",
                                     max_length=steps)
    outputs = loaded.signatures["serving_default"](
        source=tf.constant(right_padded(rows + [[]])))
    lengths = outputs["length"].numpy()
    got = [row[:n].tolist() for row, n in zip(outputs["token_ids"].numpy(), lengths)]
    assert got[:-1] == expected
    assert got[-1] == [] and outputs["score"].numpy()[-1] == 0  # no source token
    assert (directory / "source_vocabulary.txt").exists()
    assert (directory / "target_vocabulary.txt").exists()
