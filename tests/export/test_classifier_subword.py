"""A subword (SentencePiece) sentiment classifier: `kerasseq classify` and
the exported SavedModel, which tokenizes in the graph with TF Text, give the
same probabilities; the TFLite model on ids tokenized by the shipped
SentencePiece model does too."""

import json

import numpy as np
import pytest
import sentencepiece
import tensorflow as tf

from kerasseq import cli
from kerasseq.export import TFLiteModel
from kerasseq.inference import Classifier
from tests.export.conftest import cli_export
from tests.jobs.test_sentiment import write_reviews

MAX_LENGTH = 12
TEXTS = ["the film was superb", "A dull, tedious plot!", "Ωμέγα 😀 film"]


@pytest.fixture(scope="module")
def classifier_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("subword_sentiment")
    write_reviews(root / "reviews.csv", count=120)
    out = root / "model"
    assert cli.main([
        "train", "sentiment", "--data", str(root / "reviews.csv"),
        "--text-column", "review", "--label-column", "verdict",
        "--level", "subword", "--vocab-size", "300", "--cell", "gru",
        "--units", "8", "--embedding-dim", "8", "--epochs", "1",
        "--batch-size", "32", "--max-length", str(MAX_LENGTH), "--out", str(out),
    ]) == 0
    return out


def test_saved_model_and_tflite_agree_with_classify(classifier_dir, tmp_path):
    status, _ = cli_export(str(classifier_dir), tmp_path)
    assert status == 0
    classifier = Classifier(str(classifier_dir))
    ids = classifier.tokenizer.encode(TEXTS).to_tensor(shape=(len(TEXTS), MAX_LENGTH))
    fresh = np.asarray(classifier.model(ids))[:, 0]  # P(second class), sigmoid
    expected = np.stack([1 - fresh, fresh], axis=1)  # (texts, classes)
    serving = tf.saved_model.load(str(tmp_path / "saved_model"))
    outputs = serving.signatures["serving_default"](text=tf.constant(TEXTS))
    np.testing.assert_allclose(outputs["probabilities"].numpy(), expected, atol=1e-5)
    assert [label.decode() for label in outputs["labels"].numpy()] == [
        name for name, _, _ in classifier.classify(TEXTS)]

    info = json.loads((tmp_path / "tflite" / "model_info.json").read_text("utf-8"))
    assert info["tokenizer"]["level"] == "subword"
    processor = sentencepiece.SentencePieceProcessor(model_file=str(
        tmp_path / "tflite" / info["vocabulary"]["sentencepiece_model_file"]))
    model = TFLiteModel(str(tmp_path / "tflite" / info["files"]["model"]["float32"]))
    for text, row in zip(TEXTS, expected):
        tokens = np.zeros((1, MAX_LENGTH), np.int32)
        pieces = processor.EncodeAsIds(text)[:MAX_LENGTH]
        tokens[0, :len(pieces)] = pieces
        got = model.run(tokens=tokens)["probabilities"][0]
        np.testing.assert_allclose(got, row, atol=1e-4)
