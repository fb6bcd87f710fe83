"""Trained model directories and their CLI exports, shared by the tests."""

import contextlib
import io

import pytest

from kerasseq import cli
from kerasseq.jobs import JobConfig
from kerasseq.jobs.language_model import LanguageModelOptions
from kerasseq.jobs.sentiment import SentimentOptions
from kerasseq.jobs.seq2seq import Seq2SeqOptions
from kerasseq.training.config import ModelConfig
from kerasseq.training.config import TrainConfig
from tests.helpers import export_builders as builders
from tests.jobs.test_sentiment import write_reviews
from tests.jobs.test_seq2seq import write_digit_pairs
from tests.helpers.training import train_job

#: Big enough that dynamic-range quantization applies (weights of at
#: least 1024 values), small enough to train in a few seconds.
UNITS = 24
MAX_TOKENS = 16
MAX_PROMPT_TOKENS = 30
MAX_LENGTH = 12


def _quiet(*args, **kwargs):
    pass


@pytest.fixture(scope="session")
def trained_lm(tmp_path_factory):
    root = tmp_path_factory.mktemp("lm")
    (root / "text.txt").write_text(builders.TEXT * 6, encoding="utf-8")
    config = JobConfig(
        job="lm",
        out=str(root / "model"),
        model=ModelConfig(cell="lstm", units=UNITS, embedding_dim=UNITS),
        train=TrainConfig(epochs=1, steps_per_epoch=4, validation_steps=1,
                          batch_size=8, learning_rate=1e-2),
        options=LanguageModelOptions(data=str(root / "text.txt"), seq_len=20,
                                     sample_tokens=4),
    )
    train_job(config, print_fn=_quiet, verbose=0)
    return config.out


@pytest.fixture(scope="session")
def trained_classifier(tmp_path_factory):
    root = tmp_path_factory.mktemp("sentiment")
    write_reviews(root / "reviews.csv", count=120)
    config = JobConfig(
        job="sentiment",
        out=str(root / "model"),
        model=ModelConfig(cell="gru", units=UNITS, bidirectional=True,
                          embedding_dim=UNITS),
        train=TrainConfig(epochs=1, batch_size=32, learning_rate=1e-2),
        options=SentimentOptions(data=str(root / "reviews.csv"),
                                 text_column="review", label_column="verdict",
                                 max_length=MAX_LENGTH),
    )
    train_job(config, print_fn=_quiet, verbose=0)
    return config.out


@pytest.fixture(scope="session")
def trained_seq2seq(tmp_path_factory):
    root = tmp_path_factory.mktemp("seq2seq")
    write_digit_pairs(root / "digits.tsv", count=200)
    config = JobConfig(
        job="seq2seq",
        out=str(root / "model"),
        model=ModelConfig(cell="lstm", units=UNITS, embedding_dim=16,
                          bidirectional=True),
        train=TrainConfig(epochs=1, batch_size=32, learning_rate=1e-2),
        options=Seq2SeqOptions(data=str(root / "digits.tsv"), attention="additive",
                               max_length=MAX_LENGTH, beam=3, level="word"),
    )
    train_job(config, print_fn=_quiet, verbose=0)
    return config.out


def cli_export(model_dir, out, *arguments):
    """`kerasseq export` in process: `(exit status, stdout)`."""
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        status = cli.main(["export", model_dir, "--out", str(out), *arguments])
    return status, stdout.getvalue()


@pytest.fixture(scope="session")
def exported_lm(trained_lm, tmp_path_factory):
    out = tmp_path_factory.mktemp("lm_export")
    status, report = cli_export(trained_lm, out, "--quantize", "dynamic",
                                "--max-tokens", str(MAX_TOKENS),
                                "--max-prompt-tokens", str(MAX_PROMPT_TOKENS))
    assert status == 0
    return out, report


@pytest.fixture(scope="session")
def exported_classifier(trained_classifier, tmp_path_factory):
    out = tmp_path_factory.mktemp("classifier_export")
    status, report = cli_export(trained_classifier, out, "--quantize", "dynamic")
    assert status == 0
    return out, report


@pytest.fixture(scope="session")
def exported_seq2seq(trained_seq2seq, tmp_path_factory):
    """Both formats, the SavedModel with the model's beam search."""
    out = tmp_path_factory.mktemp("seq2seq_export")
    status, report = cli_export(trained_seq2seq, out, "--quantize", "dynamic")
    assert status == 0
    return out, report
