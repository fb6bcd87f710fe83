"""`kerasseq export`: files, report, quantization, atomicity, user errors."""

import json
import os
import types

import numpy as np
import pytest
import tensorflow as tf

from kerasseq import cli
from kerasseq.export import ExportOptions
from kerasseq.export import TFLiteModel
from kerasseq.export import export_model
from kerasseq.export import vocabulary
from kerasseq.export.seq2seq import run_tflite_decoder
from kerasseq.export.verify import softmax
from kerasseq.text.tokenizer import Tokenizer
from tests.helpers.export_checks import assert_builtin_only
from tests.export.conftest import MAX_LENGTH
from tests.export.conftest import MAX_PROMPT_TOKENS
from tests.export.conftest import UNITS

#: Largest |probability difference| accepted between the int8-weight and
#: the float TFLite model of the small trained test models.
QUANTIZED_TOLERANCE = 0.02


def listing(root):
    """`{relative path: bytes}` of every file under `root`."""
    return {
        os.path.relpath(os.path.join(directory, name), root):
            open(os.path.join(directory, name), "rb").read()
        for directory, _, names in os.walk(root)
        for name in names
    }


@pytest.mark.parametrize("kind", ["lm", "classifier"])
def test_cli_writes_both_formats_with_app_files_and_reports(
        kind, request, trained_lm, trained_classifier):
    out, report = request.getfixturevalue(f"exported_{kind}")
    model_dir = trained_lm if kind == "lm" else trained_classifier
    files = set(listing(out))
    assert {"saved_model/saved_model.pb", "tflite/model.tflite",
            "tflite/model_dynamic.tflite", "tflite/vocabulary.txt",
            "tflite/vocabulary.json", "tflite/model_info.json"} <= files
    assert not [name for name in os.listdir(out) if name.startswith(".")]
    lines = report.strip().splitlines()
    assert len(lines) == 3 and "saved_model/" in lines[0]
    loops = "1 WHILE loop" if kind == "classifier" else "no WHILE loops"
    assert all(f"built-in ops only, {loops}" in line for line in lines[1:])
    assert "% of float32" in lines[2] and "max |prob difference|" in lines[2]

    tokenizer = Tokenizer.load(os.path.join(model_dir, "vocabulary.json"))
    assert vocabulary.read_text(out / "tflite" / "vocabulary.txt") == tokenizer.vocabulary
    info = json.loads((out / "tflite" / "model_info.json").read_text("utf-8"))
    assert info["vocabulary"]["size"] == tokenizer.vocabulary_size
    assert (info["vocabulary"]["pad_id"], info["vocabulary"]["oov_id"]) == (0, 1)
    model = TFLiteModel(str(out / "tflite" / "model.tflite"))
    assert {i["name"]: tuple(i["shape"]) for i in info["inputs"]} == model.input_shapes()
    if kind == "classifier":
        assert info["class_names"] == ["neg", "pos"]
        assert vocabulary.read_text(out / "tflite" / info["labels_file"]) == ["neg", "pos"]
        assert info["max_length"] == MAX_LENGTH
    else:
        assert [s["name"] for s in info["states"]] == ["state_0_0", "state_0_1"]
        assert info["never_emit_ids"] == [0, 1]
        assert info["max_prompt_tokens"] == MAX_PROMPT_TOKENS  # --max-prompt-tokens


def test_cli_writes_the_seq2seq_graphs_vocabularies_and_info(
        exported_seq2seq, trained_seq2seq):
    out, report = exported_seq2seq
    files = set(listing(out))
    graphs = ("encoder", "decoder_step")
    assert {"saved_model/saved_model.pb", "tflite/model_info.json",
            *(f"tflite/{g}{suffix}.tflite" for g in graphs for suffix in ("", "_dynamic")),
            *(f"tflite/{side}_vocabulary.{ext}" for side in ("source", "target")
              for ext in ("txt", "json"))} <= files
    assert not [name for name in os.listdir(out) if name.startswith(".")]
    lines = report.strip().splitlines()
    assert len(lines) == 3 and "saved_model/" in lines[0]
    assert all("encoder" in line and "decoder_step" in line for line in lines[1:])
    # The encoder's one layer loops over the source's length.
    assert all("built-in ops only, 1 WHILE loop" in line for line in lines[1:])

    info = json.loads((out / "tflite" / "model_info.json").read_text("utf-8"))
    for side in ("source", "target"):
        tokenizer = Tokenizer.load(os.path.join(trained_seq2seq, f"{side}_vocabulary.json"))
        entry = info[f"{side}_vocabulary"]
        assert vocabulary.read_text(out / "tflite" / entry["text_file"]) == (
            tokenizer.vocabulary)
        assert entry["size"] == tokenizer.vocabulary_size
    target = vocabulary.read_text(out / "tflite" / "target_vocabulary.txt")
    special = info["special_ids"]
    assert [target[special[k]] for k in ("start", "end", "oov")] == [
        "[START]", "[END]", "[UNK]"]
    assert (special["pad"], info["never_emit_ids"]) == (0, [0, special["start"]])
    assert (info["max_source_length"], info["max_output_length"]) == (
        MAX_LENGTH, MAX_LENGTH + 1)
    assert info["files"]["decoder_step"] == {
        "float32": "decoder_step.tflite",
        "dynamic_range_int8": "decoder_step_dynamic.tflite"}
    for graph in graphs:
        model = TFLiteModel(str(out / "tflite" / f"{graph}.tflite"))
        shapes = {i["name"]: tuple(i["shape"]) for i in info["graphs"][graph]["inputs"]}
        assert shapes == model.input_shapes()
    # An LSTM decoder layer: h and c, as wide as the units.
    assert [(s["name"], s["shape"]) for s in info["states"]] == [
        ("state_0_0", [-1, UNITS]), ("state_0_1", [-1, UNITS])]


TFLITE_FILES = {"lm": 2, "classifier": 2, "seq2seq": 4}


@pytest.mark.parametrize("kind", ["lm", "classifier", "seq2seq"])
def test_no_flex_ops_in_any_exported_file(kind, request):
    out, _ = request.getfixturevalue(f"exported_{kind}")
    paths = sorted((out / "tflite").glob("*.tflite"))
    assert len(paths) == TFLITE_FILES[kind]
    for path in paths:
        # The classifier and the translation encoder: one WHILE loop per
        # recurrent layer (a bidirectional layer runs both directions in
        # one); the step models have none.
        loops = kind == "classifier" or path.name.startswith("encoder")
        assert_builtin_only(path, while_loops=1 if loops else 0)
        TFLiteModel(str(path)).check_builtin_only()


def test_quantized_files_are_smaller_and_close(exported_lm, exported_classifier,
                                              exported_seq2seq):
    rng = np.random.default_rng(1)
    (lm_out, _), (classifier_out, _) = exported_lm, exported_classifier
    graphs = [(lm_out, "model"), (classifier_out, "model"),
              (exported_seq2seq[0], "encoder"), (exported_seq2seq[0], "decoder_step")]
    for out, graph in graphs:
        small = (out / "tflite" / f"{graph}_dynamic.tflite").stat().st_size
        assert small < 0.95 * (out / "tflite" / f"{graph}.tflite").stat().st_size
    # Classifier: random texts of ids, padded.
    float_model, int8_model = (
        TFLiteModel(str(classifier_out / "tflite" / name))
        for name in ("model.tflite", "model_dynamic.tflite")
    )
    ids = rng.integers(2, 10, size=(16, MAX_LENGTH)).astype(np.int32)
    ids[:, 7:] = 0
    difference = np.abs(float_model.run(tokens=ids)["probabilities"]
                        - int8_model.run(tokens=ids)["probabilities"])
    assert difference.max() < QUANTIZED_TOLERANCE
    # Language model: the same token stream through both, states carried.
    models = [TFLiteModel(str(lm_out / "tflite" / name))
              for name in ("model.tflite", "model_dynamic.tflite")]
    states = [{n: np.zeros(s, np.float32) for n, s in m.input_shapes().items()
               if n != "token"} for m in models]
    for token in rng.integers(2, 20, size=24):
        probabilities = []
        for index, model in enumerate(models):
            outputs = model.run(token=np.array([token], np.int32), **states[index])
            states[index] = {n: outputs[n] for n in states[index]}
            probabilities.append(softmax(outputs["logits"]))
        assert np.abs(probabilities[0] - probabilities[1]).max() < QUANTIZED_TOLERANCE
    # Seq2Seq: the same sources and target tokens through both pairs of graphs.
    source = rng.integers(2, 10, size=(3, MAX_LENGTH)).astype(np.int32)
    source[:, 5:] = 0
    target_in = rng.integers(2, 10, size=(3, 6)).astype(np.int32)
    probabilities = [
        softmax(run_tflite_decoder({
            graph: TFLiteModel(str(exported_seq2seq[0] / "tflite" / f"{graph}{suffix}.tflite"))
            for graph in ("encoder", "decoder_step")}, source, target_in))
        for suffix in ("", "_dynamic")
    ]
    assert np.abs(probabilities[0] - probabilities[1]).max() < QUANTIZED_TOLERANCE


@pytest.mark.parametrize("kind", ["lm", "seq2seq"])
def test_failed_export_leaves_nothing_half_written_and_keeps_the_old(
        kind, request, tmp_path, monkeypatch):
    model_dir = request.getfixturevalue(f"trained_{kind}")
    options = ExportOptions(max_new_tokens=4, samples=4)
    export_model(model_dir, formats=["saved_model"], out=str(tmp_path),
                 options=options, print_fn=lambda line: None)
    before = listing(tmp_path)

    class BrokenConverter:
        target_spec = types.SimpleNamespace()

        def convert(self):
            raise RuntimeError("converter crashed")

    monkeypatch.setattr(tf.lite.TFLiteConverter, "from_saved_model",
                        lambda *args, **kwargs: BrokenConverter())
    with pytest.raises(RuntimeError, match="converter crashed"):
        # The SavedModel is rebuilt first, then the TFLite conversion fails.
        export_model(model_dir, out=str(tmp_path), options=options,
                     print_fn=lambda line: None)
    assert listing(tmp_path) == before  # the old export, byte for byte
    assert sorted(os.listdir(tmp_path)) == ["saved_model"]  # no temporaries


def test_an_export_replaces_an_earlier_one(trained_classifier, tmp_path):
    stale = tmp_path / "tflite" / "stale.txt"
    stale.parent.mkdir()
    stale.write_text("from an earlier export")
    export_model(trained_classifier, formats=["tflite"], out=str(tmp_path),
                 options=ExportOptions(samples=4), print_fn=lambda line: None)
    assert not stale.exists() and (tmp_path / "tflite" / "model.tflite").is_file()
    assert sorted(os.listdir(tmp_path)) == ["tflite"]


def write_config(directory, job):
    directory.mkdir()
    (directory / "config.json").write_text(json.dumps({"job": job}))
    return str(directory)


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["export", "{copy}"], "holds a 'copy' model (copying memory task"),
        (["export", "{copy}"], "'lm' (kerasseq train lm), 'sentiment' (kerasseq "
                               "train sentiment)"),
        (["export", "no/such/dir"], "does not exist"),
        (["export", "{copy}", "--format", "saved_model", "--quantize", "dynamic"],
         "--quantize applies to the TFLite export"),
        (["export", "{copy}", "--max-tokens", "0"], "`max_new_tokens`"),
        (["export", "{copy}", "--max-prompt-tokens", "0"], "`max_prompt_tokens`"),
        (["export", "{copy}", "--decode", "greedy", "--beam-width", "2"],
         "`beam_width` applies to decode='beam'"),
        (["export", "{copy}", "--beam-width", "0"], "`beam_width`"),
    ],
)
def test_user_errors_are_one_line_with_exit_2(capsys, tmp_path, argv, expected):
    copy_dir = write_config(tmp_path / "copy", "copy")
    argv = [a.format(copy=copy_dir) for a in argv]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("kerasseq export: error: ")
    assert "\n" not in err and expected in err and "Traceback" not in err
