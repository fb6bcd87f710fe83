import math

import numpy as np
import pytest

import keras
from kerasseq.jobs import JobConfig
from kerasseq.jobs.language_model import LanguageModelOptions
from kerasseq.models import build_language_model
from kerasseq.models import generate_ids
from kerasseq.samplers import get_sampler
from kerasseq.training.config import ModelConfig
from tests.helpers.export_builders import favour_padding_and_unknown
from tests.helpers.training import train_job


@pytest.mark.parametrize("cell", ["simple_rnn", "lstm", "gru"])
def test_greedy_generation_with_carried_state_equals_rereading_the_prefix(cell):
    keras.utils.set_random_seed(3)
    model = build_language_model(
        23, ModelConfig(cell=cell, units=12, layers=2, embedding_dim=6)
    )
    rng = np.random.default_rng(0)
    model.set_weights([rng.standard_normal(w.shape) for w in model.get_weights()])
    prompt = np.array([[5, 9, 2], [7, 7, 1]])
    got = np.asarray(generate_ids(model, prompt, 6, get_sampler("greedy")))
    # Reference: the whole prefix through the full model at every step, the
    # best token that is not padding (0) or [UNK] (1).
    sequence = prompt.copy()
    for _ in range(6):
        logits = model.predict(sequence, verbose=0)[:, -1]
        best = 2 + logits[:, 2:].argmax(-1)
        sequence = np.concatenate([sequence, best[:, None]], axis=1)
    np.testing.assert_array_equal(got, sequence[:, 3:])


@pytest.mark.parametrize("cell", ["gru", "self_attention"])
@pytest.mark.parametrize(
    "sampler",
    [get_sampler("greedy"), get_sampler("random", seed=1),
     get_sampler("random", temperature=3.0, seed=2),
     get_sampler("top_k", k=4, seed=3), get_sampler("top_p", p=1.0, seed=4)],
    ids=["greedy", "random", "random_hot", "top_k", "top_p"],
)
def test_padding_and_unknown_are_never_generated(cell, sampler):
    model = build_language_model(
        9, ModelConfig(cell=cell, units=8, embedding_dim=4), max_length=5
    )
    favour_padding_and_unknown(model)
    prompt = np.array([[3, 4, 1, 5], [2, 2, 2, 2]])
    logits = np.asarray(model(prompt))[:, -1]
    assert (logits.argmax(-1) <= 1).all()  # the model does favour them
    got = np.asarray(generate_ids(model, prompt, 8, sampler))
    assert got.shape == (2, 8) and got.min() >= 2


def test_generate_text_never_writes_unknown(tmp_path):
    from kerasseq.models.language_model import generate_text
    from kerasseq.text.tokenizer import Tokenizer

    tokenizer = Tokenizer.fit(["to be or not"], level="char")
    model = build_language_model(
        tokenizer.vocabulary_size, ModelConfig(cell="lstm", units=8, embedding_dim=4)
    )
    favour_padding_and_unknown(model)
    for sampler in ("greedy", "random"):
        text = generate_text(model, tokenizer, "to be", 20, sampler=sampler, seed=0)
        assert len(text) == 20 and set(text) <= set("to be or not")


def test_one_token_prompt_and_bad_prompts():
    model = build_language_model(9, ModelConfig(cell="gru", units=4, embedding_dim=3))
    out = generate_ids(model, [[3]], 4, get_sampler("greedy"))
    assert np.asarray(out).shape == (1, 4)
    with pytest.raises(ValueError, match="prompt_ids"):
        generate_ids(model, np.zeros((1, 0), "int32"), 4, get_sampler("greedy"))


def test_language_model_reads_left_to_right_only():
    with pytest.raises(ValueError, match="bidirectional"):
        build_language_model(9, ModelConfig(bidirectional=True))


def test_lm_job_trains_reports_bits_per_char_and_generates(tmp_path, capsys):
    text = "the cat sat on the mat. " * 400
    (tmp_path / "corpus.txt").write_text(text)
    config = JobConfig(
        job="lm",
        out=str(tmp_path / "lm"),
        model=ModelConfig(cell="gru", units=32, embedding_dim=8),
        options=LanguageModelOptions(data=str(tmp_path / "corpus.txt"), seq_len=24,
                                     sample_prompt="the ", sample_tokens=20),
    )
    config.train.epochs, config.train.batch_size = 6, 16
    config.train.learning_rate = 1e-2
    printed = []
    model, metrics = train_job(config, print_fn=printed.append, verbose=0)
    if keras.backend.backend() == "jax":  # --jit-compile auto: never eager there
        assert model.jit_compile is True
    assert metrics["bits_per_char"] == pytest.approx(metrics["loss"] / math.log(2))
    assert metrics["perplexity"] == pytest.approx(math.exp(metrics["loss"]))
    assert metrics["bits_per_char"] < 1.0  # a periodic text is easy
    assert any(line.startswith("Sample") for line in printed)
    from kerasseq import inference

    continuation = inference.generate(config.out, "the cat ", 12, sampler="greedy")
    assert continuation == "sat on the m"
