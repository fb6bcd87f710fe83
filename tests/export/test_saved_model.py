"""The exported SavedModels: TensorFlow only, TF Serving tools, bad inputs."""

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from kerasseq.export import ExportOptions
from kerasseq.export import export_trained
from tests.helpers import export_builders as builders
from tests.helpers.export_checks import graph_op_types
from tests.export.conftest import MAX_LENGTH
from tests.export.conftest import MAX_TOKENS

SAVED_MODEL_CLI = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")

FRESH_PROCESS = """
import json, sys
import tensorflow as tf
lm = tf.saved_model.load(sys.argv[1])
classifier = tf.saved_model.load(sys.argv[2])
generated = lm.signatures["generate"](
    text=tf.constant(["To be"]), max_new_tokens=tf.constant(5),
    temperature=tf.constant(1.0))
classified = classifier.signatures["serving_default"](
    text=tf.constant(["a superb brilliant film", "dull awful plot"]))
print(json.dumps({
    "text": generated["text"].numpy()[0].decode("utf-8"),
    "token_ids": generated["token_ids"].numpy().tolist(),
    "labels": [l.decode() for l in classified["labels"].numpy()],
    "probabilities": classified["probabilities"].numpy().tolist(),
    "kerasseq_imported": any(m.split(".")[0] == "kerasseq" for m in sys.modules),
}))
"""


def run(argv, cwd):
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    environment.pop("PYTHONPATH", None)
    return subprocess.run(argv, capture_output=True, text=True, cwd=cwd,
                          env=environment, check=True, timeout=120)


def test_loads_and_runs_in_a_fresh_process_without_kerasseq(
        exported_lm, exported_classifier, tmp_path):
    lm, classifier = (out / "saved_model" for out, _ in (exported_lm, exported_classifier))
    result = run([sys.executable, "-c", FRESH_PROCESS, str(lm), str(classifier)],
                 cwd=tmp_path)
    outputs = json.loads(result.stdout.strip().splitlines()[-1])
    assert outputs["kerasseq_imported"] is False
    assert len(outputs["token_ids"][0]) == 5
    assert outputs["labels"] == ["pos", "neg"]  # the model learned a little
    np.testing.assert_allclose(np.sum(outputs["probabilities"], axis=1), 1, atol=1e-6)


def test_saved_model_cli_shows_the_signatures(exported_lm, tmp_path):
    result = run([SAVED_MODEL_CLI, "show", "--all", "--dir",
                  str(exported_lm[0] / "saved_model")], cwd=tmp_path)
    shown = result.stdout
    for expected in ("signature_def['serving_default']", "signature_def['generate']",
                     "inputs['text']", "inputs['max_new_tokens']",
                     "inputs['temperature']", "outputs['text']",
                     "outputs['token_ids']", "outputs['truncated']",
                     "dtype: DT_STRING"):
        assert expected in shown


def test_saved_model_cli_runs_the_classifier(exported_classifier, tmp_path):
    """What TF Serving's tooling sees: `saved_model_cli run` on raw text."""
    texts = ["a superb brilliant film", "dull awful plot"]
    directory = exported_classifier[0] / "saved_model"
    result = run([SAVED_MODEL_CLI, "run", "--dir", str(directory), "--tag_set", "serve",
                  "--signature_def", "serving_default",
                  "--input_exprs", f"text={json.dumps(texts)}"], cwd=tmp_path)
    # Each output prints as "Result for output key NAME:" and its NumPy value.
    sections = dict(re.findall(r"Result for output key (\w+):\n(.*?)(?=Result|\Z)",
                               result.stdout, flags=re.S))
    assert set(sections) == {"labels", "probabilities", "truncated"}
    assert sections["labels"].strip() == "[b'pos' b'neg']"  # as in a fresh process
    assert sections["truncated"].strip() == "[False False]"
    printed = np.array(re.findall(r"[-+.\de]+", sections["probabilities"]), float)
    expected = tf.saved_model.load(str(directory)).signatures["serving_default"](
        text=tf.constant(texts))["probabilities"].numpy()
    np.testing.assert_allclose(printed.reshape(expected.shape), expected, atol=1e-6)


@pytest.mark.parametrize("kind", ["lm", "classifier", "seq2seq"])
def test_no_xla_only_ops_for_tensorflow_serving(kind, request):
    types = graph_op_types(request.getfixturevalue(f"exported_{kind}")[0] / "saved_model")
    assert "StringSplitV2" in types or "UnicodeDecode" in types  # tokenizes
    assert not [t for t in types if t.startswith("Xla")]


BAD_TEXTS = [
    b"",
    b"!!! ... ???",  # no word left after stripping punctuation
    " ".join(["great"] * 5000).encode(),
    "film épatant, très émouvant. 映画は素晴らしい。 фильм отличный".encode(),
    b"\xff\xfe\xc3\x28 broken \x80 utf-8 \xed\xa0\x80",
]


@pytest.fixture(scope="module")
def classifier(exported_classifier):
    return tf.saved_model.load(str(exported_classifier[0] / "saved_model"))


@pytest.fixture(scope="module")
def lm(exported_lm):
    return tf.saved_model.load(str(exported_lm[0] / "saved_model"))


def test_classifier_answers_bad_texts(classifier):
    outputs = classifier.signatures["serving_default"](text=tf.constant(BAD_TEXTS))
    probabilities = outputs["probabilities"].numpy()
    assert probabilities.shape == (len(BAD_TEXTS), 2)
    assert np.isfinite(probabilities).all()
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, atol=1e-6)
    assert set(outputs["labels"].numpy()) <= {b"neg", b"pos"}
    assert outputs["truncated"].numpy().tolist() == [False, False, True, False, False]
    # No token at all reads as one unknown token.
    unknown = classifier.signatures["serving_default"](text=tf.constant(["qwxz"]))
    np.testing.assert_allclose(probabilities[0], unknown["probabilities"].numpy()[0])
    np.testing.assert_allclose(probabilities[1], probabilities[0])
    # A long text is cut to max_length tokens, as the Keras model saw it.
    cut = " ".join(["great"] * MAX_LENGTH)
    short = classifier.signatures["serving_default"](text=tf.constant([cut]))
    np.testing.assert_allclose(short["probabilities"].numpy()[0], probabilities[2],
                               atol=1e-6)


def test_classifier_answers_an_empty_batch(classifier):
    outputs = classifier.signatures["serving_default"](
        text=tf.constant([], dtype=tf.string))
    assert outputs["probabilities"].shape == (0, 2) and outputs["labels"].shape == (0,)


def test_language_model_answers_bad_prompts(lm):
    outputs = lm.signatures["generate"](
        text=tf.constant(BAD_TEXTS), max_new_tokens=tf.constant(6),
        temperature=tf.constant(0.7))
    assert outputs["token_ids"].shape == (len(BAD_TEXTS), 6)
    for text in outputs["text"].numpy():
        text.decode("utf-8")  # valid UTF-8
    default = lm.signatures["serving_default"](text=tf.constant(["", "To be"]))
    assert default["token_ids"].shape == (2, MAX_TOKENS)
    none = lm.signatures["generate"](text=tf.constant(["To be"]),
                                     max_new_tokens=tf.constant(0),
                                     temperature=tf.constant(1.0))
    assert none["text"].numpy().tolist() == [b""] and none["token_ids"].shape == (1, 0)


@pytest.mark.parametrize(
    "max_new_tokens, temperature, message",
    [
        (5, 0.0, "`temperature` must be > 0"),
        (5, float("nan"), "`temperature` must be > 0"),
        (MAX_TOKENS + 1, 1.0, f"`max_new_tokens` must be at most {MAX_TOKENS}"),
        (-1, 1.0, "`max_new_tokens` must be >= 0"),
    ],
)
def test_language_model_rejects_bad_settings_clearly(lm, max_new_tokens, temperature,
                                                     message):
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        lm.signatures["generate"](
            text=tf.constant(["To be"]), max_new_tokens=tf.constant(max_new_tokens),
            temperature=tf.constant(temperature))


def test_a_sampling_export_is_seeded_and_advances(tmp_path):
    source = builders.language_model("gru", units=4, layers=1)
    export_trained(source, str(tmp_path), formats=["saved_model"],
                   options=ExportOptions(sampler="top_k", top_k=5, seed=3,
                                         max_new_tokens=8),
                   print_fn=lambda line: None)

    def first_two():
        generate = tf.saved_model.load(str(tmp_path / "saved_model")).signatures[
            "serving_default"]
        return [generate(text=tf.constant(["To be"]))["token_ids"].numpy()
                for _ in range(2)]

    first, second = first_two()
    assert not np.array_equal(first, second)  # the seed state advances
    again, _ = first_two()
    np.testing.assert_array_equal(first, again)  # and starts from the export's
    assert first.min() >= 0 and first.max() < source.tokenizer.vocabulary_size
