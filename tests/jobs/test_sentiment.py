import csv

import numpy as np
import pytest

from kerasseq.jobs import JobConfig
from kerasseq.jobs.sentiment import SentimentOptions
from kerasseq.jobs.sentiment import bucket_ratings
from kerasseq.jobs.sentiment import encode_labels
from kerasseq.training.config import ModelConfig
from kerasseq.training.config import TrainConfig
from tests.helpers.training import train_job

POSITIVE = ["great", "wonderful", "superb", "moving", "brilliant"]
NEGATIVE = ["dull", "awful", "boring", "tedious", "clumsy"]


def write_reviews(path, count=300, seed=0):
    rng = np.random.default_rng(seed)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["review", "verdict"])
        for _ in range(count):
            good = rng.random() < 0.5
            words = list(rng.choice(POSITIVE if good else NEGATIVE, 2))
            words += list(rng.choice(["the", "film", "was", "a", "plot"], 4))
            rng.shuffle(words)
            writer.writerow([" ".join(words), "pos" if good else "neg"])


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("sentiment")
    write_reviews(root / "reviews.csv")
    config = JobConfig(
        job="sentiment",
        out=str(root / "model"),
        model=ModelConfig(cell="gru", units=8, bidirectional=True, embedding_dim=8),
        train=TrainConfig(epochs=6, batch_size=16, learning_rate=1e-2),
        options=SentimentOptions(data=str(root / "reviews.csv"),
                                 text_column="review", label_column="verdict"),
    )
    _, metrics = train_job(config, print_fn=lambda *a: None, verbose=0)
    return config, metrics


def test_learns_a_separable_task_and_reports_baseline(trained):
    config, metrics = trained
    assert metrics["accuracy"] > 0.9
    assert 0.3 < metrics["majority_baseline"] < 0.75
    assert metrics["auc"] > 0.9


def test_classifier_answers_raw_text(trained):
    from kerasseq import inference

    classifier = inference.Classifier(trained[0].out)
    assert classifier.class_names == ["neg", "pos"]
    results = classifier.classify(["a superb brilliant film", "dull awful plot"])
    assert [label for label, _, _ in results] == ["pos", "neg"]
    long_text = " ".join(["great"] * 500)
    assert classifier.classify([long_text])[0][2] is True  # truncated


def test_ratings_are_bucketed():
    ids, names = bucket_ratings([-2.5, -0.2, 0.0, 3.1], 2)
    assert ids.tolist() == [0, 0, 1, 1] and names == ["negative", "positive"]
    ids, names = bucket_ratings([-2.5, -0.2, 0.7], 3)
    assert ids.tolist() == [0, 1, 2] and names[1] == "neutral"
    ids, names = encode_labels([1.5, -0.5, 2.0], 2)
    assert ids.tolist() == [1, 0, 1]
    ids, names = encode_labels(["b", "a", "b"], 2)
    assert ids.tolist() == [1, 0, 1] and names == ["a", "b"]


def test_pretrained_frozen_vectors_are_used_and_coverage_reported(tmp_path):
    import keras

    write_reviews(tmp_path / "reviews.csv", count=120)
    rng = np.random.default_rng(1)
    vectors = {word: rng.standard_normal(8).round(4) for word in POSITIVE + NEGATIVE}
    (tmp_path / "vectors.txt").write_text("".join(
        f"{word} {' '.join(map(str, vector))}\n" for word, vector in vectors.items()))
    config = JobConfig(
        job="sentiment",
        out=str(tmp_path / "model"),
        model=ModelConfig(cell="gru", units=4, embedding_dim=8),
        train=TrainConfig(epochs=1, batch_size=16),
        options=SentimentOptions(
            data=str(tmp_path / "reviews.csv"), text_column="review",
            label_column="verdict", embeddings=str(tmp_path / "vectors.txt"),
            freeze_embeddings=True),
    )
    printed = []
    train_job(config, print_fn=printed.append, verbose=0)
    # 10 of the 15 words of the vocabulary have vectors.
    assert any("Pretrained vectors cover 66.7%" in line for line in printed)
    model = keras.saving.load_model(tmp_path / "model" / "model.keras")
    from kerasseq.text import Tokenizer

    tokenizer = Tokenizer.load(tmp_path / "model" / "vocabulary.json")
    embedding = np.asarray(model.get_layer("embedding").embeddings)
    row = tokenizer.index()["superb"]
    np.testing.assert_allclose(embedding[row], vectors["superb"], rtol=1e-6)
