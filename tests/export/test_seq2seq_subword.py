"""A subword (SentencePiece) translator from `kerasseq train seq2seq
--level subword`: `kerasseq translate`, the SavedModel (tokenizing inside
the graph with TF Text) and the TFLite graphs in an app's loop (tokenizing
with the SentencePiece model files beside them) give the same tokens."""

import json
import sys

import numpy as np
import pytest
import sentencepiece
import tensorflow as tf

from kerasseq import cli
from kerasseq.export import TFLiteModel
from kerasseq.jobs.seq2seq import special_ids
from kerasseq.translation import Translator
from tests.export.conftest import cli_export
from tests.export.test_saved_model import run
from tests.jobs.test_seq2seq import write_digit_pairs

MAX_LENGTH = 14
TEXTS = ["Eins zwei drei.", "neun acht!", "Sieben, sieben null vier fünf?"]
BAD_TEXTS = [
    b"",
    "😀🎉".encode(),
    "Ωμέγα 映画は素晴らしい фильм".encode(),
    ("eins zwei " * 1000).encode(),  # 10,000 characters
    b"\xff\xfe\xc3\x28 broken \x80 utf-8 \xed\xa0\x80",
]


@pytest.fixture(scope="module")
def subword_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("subword_seq2seq")
    write_digit_pairs(root / "digits.tsv", count=300)
    out = root / "model"
    assert cli.main([
        "train", "seq2seq", "--data", str(root / "digits.tsv"),
        "--level", "subword", "--vocab-size", "320",
        "--cell", "gru", "--units", "16", "--embedding-dim", "8",
        "--epochs", "2", "--batch-size", "32", "--max-length", str(MAX_LENGTH),
        "--beam", "2", "--out", str(out),
    ]) == 0
    return out


@pytest.fixture(scope="module")
def exported(subword_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("subword_export")
    status, _ = cli_export(str(subword_dir), out, "--decode", "greedy",
                           "--quantize", "dynamic")
    assert status == 0
    return out


@pytest.fixture(scope="module")
def greedy(subword_dir):
    return {t.text: t for t in Translator(str(subword_dir)).translate(TEXTS, beam=1)}


def test_the_model_directory_holds_the_sentencepiece_models(subword_dir):
    for side in ("source", "target"):
        config = json.loads((subword_dir / f"{side}_vocabulary.json").read_text("utf-8"))
        assert config["level"] == "subword"
        assert (subword_dir / config["model_file"]).is_file()
    processor = sentencepiece.SentencePieceProcessor(
        model_file=str(subword_dir / "target_vocabulary.model"))
    # Case and punctuation are pieces of the vocabulary.
    assert processor.DecodeIds(processor.EncodeAsIds("Nine, eight.")) == "Nine, eight."


def test_translations_are_cased_text_without_unk(greedy):
    for translation in greedy.values():
        assert "[UNK]" not in translation.translation
        assert "▁" not in translation.translation
        assert translation.translation == translation.translation.strip()


def test_saved_model_tokenizes_in_the_graph_and_translates_as_translate(
        exported, greedy, subword_dir):
    serving = tf.saved_model.load(str(exported / "saved_model"))
    outputs = serving.signatures["serving_default"](text=tf.constant(TEXTS))
    assert [t.decode() for t in outputs["translation"].numpy()] == [
        greedy[text].translation for text in TEXTS]
    target = Translator(str(subword_dir)).vocabularies.target
    for row, length, text in zip(outputs["token_ids"].numpy(),
                                 outputs["length"].numpy(), TEXTS):
        tokens = [t for t in greedy[text].target_tokens if t != "[END]"]
        assert [target.vocabulary[i] for i in row[:length]] == tokens


FRESH_PROCESS = """
import json, sys
import tensorflow as tf
import tensorflow_text  # registers the SentencePiece ops the graph uses
model = tf.saved_model.load(sys.argv[1])
outputs = model.signatures["serving_default"](text=tf.constant(json.loads(sys.argv[2])))
print(json.dumps({
    "translation": [t.decode("utf-8") for t in outputs["translation"].numpy()],
    "kerasseq_imported": any(m.split(".")[0] == "kerasseq" for m in sys.modules),
}))
"""


def test_serving_needs_only_tensorflow_text_not_kerasseq(exported, greedy, tmp_path):
    result = run([sys.executable, "-c", FRESH_PROCESS,
                  str(exported / "saved_model"), json.dumps(TEXTS)], cwd=tmp_path)
    outputs = json.loads(result.stdout.strip().splitlines()[-1])
    assert outputs["kerasseq_imported"] is False
    assert outputs["translation"] == [greedy[text].translation for text in TEXTS]


def test_bad_texts_give_defined_translations(exported, subword_dir):
    serving = tf.saved_model.load(str(exported / "saved_model"))
    outputs = serving.signatures["serving_default"](text=tf.constant(BAD_TEXTS))
    assert outputs["token_ids"].shape == (len(BAD_TEXTS), MAX_LENGTH + 1)
    for text in outputs["translation"].numpy():
        text.decode("utf-8")  # valid UTF-8
    # Unseen characters are spelled in UTF-8 byte pieces, so they can make
    # a short text longer than max_length: cut like any other.
    processor = sentencepiece.SentencePieceProcessor(
        model_file=str(subword_dir / "source_vocabulary.model"))
    lengths = [len(processor.EncodeAsIds(t.decode("utf-8", "replace")))
               for t in BAD_TEXTS]
    assert lengths[0] == 0 and lengths[3] > MAX_LENGTH
    assert outputs["truncated"].numpy().tolist() == [n > MAX_LENGTH for n in lengths]
    assert np.isfinite(outputs["score"].numpy()).all()
    assert outputs["translation"].numpy()[0] == b"" and outputs["length"].numpy()[0] == 0
    empty = serving.signatures["serving_default"](text=tf.constant([], tf.string))
    assert empty["translation"].shape == (0,)


def test_app_loop_on_text_with_sentencepiece_and_tflite(exported, greedy):
    """What an app does: SentencePiece encodes the text with the shipped
    model file, the encoder runs once, the decoder step once per token
    (greedy, never an id of never_emit_ids), and SentencePiece decodes."""
    folder = exported / "tflite"
    info = json.loads((folder / "model_info.json").read_text("utf-8"))
    assert info["tokenizer"]["level"] == info["target_tokenizer"]["level"] == "subword"
    source_spm, target_spm = (
        sentencepiece.SentencePieceProcessor(model_file=str(
            folder / info[f"{side}_vocabulary"]["sentencepiece_model_file"]))
        for side in ("source", "target"))
    encoder = TFLiteModel(str(folder / info["files"]["encoder"]["float32"]))
    step = TFLiteModel(str(folder / info["files"]["decoder_step"]["float32"]))
    length = info["max_source_length"]
    start, end = info["special_ids"]["start"], info["special_ids"]["end"]
    for text in TEXTS:
        ids = source_spm.EncodeAsIds(text)[:length]
        padded = np.zeros((1, length), np.int32)
        padded[0, :len(ids)] = ids
        encoded = encoder.run(source=padded)
        names = [state["name"] for state in info["states"]]
        states = {name: encoded[name] for name in names}
        token, tokens = start, []
        for _ in range(info["max_output_length"]):
            outputs = step.run(token=np.array([token], np.int32),
                               encoder_outputs=encoded["encoder_outputs"],
                               source_mask=encoded["source_mask"], **states)
            states = {name: outputs[name] for name in names}
            logits = outputs["logits"][0].copy()
            logits[info["never_emit_ids"]] = -np.inf
            token = int(np.argmax(logits))
            if token == end:
                break
            tokens.append(token)
        decoded = target_spm.DecodeIds([t for t in tokens if t > end])
        assert decoded == greedy[text].translation


def test_a_missing_sentencepiece_model_is_one_clear_error(subword_dir, tmp_path, capsys):
    import shutil

    broken = tmp_path / "model"
    shutil.copytree(subword_dir, broken)
    (broken / "target_vocabulary.model").write_bytes(b"garbage")
    assert cli.main(["translate", str(broken), "eins"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Not a SentencePiece model" in err[0], err
    (broken / "target_vocabulary.model").unlink()
    assert cli.main(["translate", str(broken), "eins"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "missing" in err[0], err


def test_translate_gives_text_for_emoji_unknown_scripts_and_long_input(subword_dir):
    texts = [t.decode("utf-8", "replace") for t in BAD_TEXTS[1:]]
    results = Translator(str(subword_dir)).translate(texts, beam=2)
    assert [r.text for r in results] == texts
    for result in results:
        assert isinstance(result.translation, str)
        assert "[UNK]" not in result.translation
        assert len(result.target_tokens) <= MAX_LENGTH + 1
    # The long text is read whole (the SavedModel cuts it to max_length).
    assert len(results[2].source_tokens) > 1000


def test_evaluate_reads_the_subword_directory_and_repeats_the_metrics(subword_dir):
    from kerasseq.jobs import evaluate_model_dir

    saved = json.loads((subword_dir / "metrics.json").read_text("utf-8"))
    again = evaluate_model_dir(str(subword_dir))
    for key in ("bleu", "bleu_greedy", "chrf", "bleu_longest_third", "token_accuracy"):
        assert again[key] == pytest.approx(saved[key], abs=1e-6)
    assert list(again["bleu_by_source_length"]) == list(saved["bleu_by_source_length"])
    for bucket, scores in saved["bleu_by_source_length"].items():
        assert again["bleu_by_source_length"][bucket] == pytest.approx(scores)
    assert sum(b["pairs"] for b in saved["bleu_by_source_length"].values()) == (
        saved["test_pairs"])


def test_int8_files_ship_beside_the_float_ones(exported):
    info = json.loads((exported / "tflite" / "model_info.json").read_text("utf-8"))
    for graph in ("encoder", "decoder_step"):
        assert set(info["files"][graph]) == {"float32", "dynamic_range_int8"}
        for name in info["files"][graph].values():
            assert (exported / "tflite" / name).is_file()
