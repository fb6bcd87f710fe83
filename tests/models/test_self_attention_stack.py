"""`--cell self_attention`: the language model and the classifier built on a
stack of `SelfAttentionBlock`s, their generation, saving and bad settings."""

import numpy as np
import pytest

import keras
from kerasseq.jobs import JobConfig
from kerasseq.jobs import get_job
from kerasseq.jobs.sentiment import SentimentOptions
from kerasseq.models import CachedGenerator
from kerasseq.models import WindowedGenerator
from kerasseq.models import build_classifier
from kerasseq.models import build_language_model
from kerasseq.models import generate_ids
from kerasseq.models import language_model_generator
from kerasseq.models.language_model import NEVER_EMIT_IDS
from kerasseq.samplers import get_sampler
from kerasseq.training.config import ModelConfig

VOCABULARY = 17


def spread_weights(model, seed=0, scale=0.5):
    """Random weights, so that a wrong mask or position shows."""
    rng = np.random.default_rng(seed)
    model.set_weights(
        [scale * rng.standard_normal(w.shape).astype("float32")
         for w in model.get_weights()]
    )


def config(**overrides):
    settings = {"cell": "self_attention", "units": 12, "layers": 2,
                "embedding_dim": 8, **overrides}
    return ModelConfig(**settings)


def language_model(max_length=6, **overrides):
    model = build_language_model(VOCABULARY, config(**overrides),
                                 max_length=max_length)
    spread_weights(model)
    return model


def classifier(pooling="mean", **overrides):
    model = build_classifier(VOCABULARY, 3, config(**overrides),
                             pooling=pooling, max_length=10)
    spread_weights(model)
    return model


def test_language_model_layers_and_shapes():
    model = language_model(max_length=6)
    names = [layer.name for layer in model.layers]
    assert names == ["tokens", "embedding", "position_embedding",
                     "self_attention_0", "self_attention_1", "logits"]
    assert model.get_layer("self_attention_0").feedforward_dim == 12
    assert model.get_layer("self_attention_0").use_causal_mask
    assert model.get_layer("position_embedding").max_length == 6
    logits = model(np.ones((2, 5), "int32"))
    assert tuple(logits.shape) == (2, 5, VOCABULARY)


@pytest.mark.parametrize("t", [0, 2, 4])
def test_language_model_is_causal(t):
    model = language_model(max_length=6)
    rng = np.random.default_rng(t)
    tokens = rng.integers(1, VOCABULARY, (3, 6))
    changed = tokens.copy()
    changed[:, t + 1:] = rng.integers(1, VOCABULARY, (3, 6 - t - 1))
    logits = np.asarray(model(tokens))
    other = np.asarray(model(changed))
    np.testing.assert_allclose(other[:, :t + 1], logits[:, :t + 1], atol=1e-6)
    if t + 1 < 6:  # the later positions do read the change
        assert np.abs(other[:, t + 1:] - logits[:, t + 1:]).max() > 1e-3


@pytest.mark.parametrize("pooling", ["mean", "attention"])
def test_classifier_ignores_right_padding(pooling):
    model = classifier(pooling)
    assert not model.get_layer("self_attention_0").use_causal_mask
    tokens = np.array([[4, 9, 2, 7], [3, 5, 1, 8]])
    padded = np.pad(tokens, [(0, 0), (0, 3)])  # id 0 is padding
    np.testing.assert_allclose(
        model.predict(padded, verbose=0), model.predict(tokens, verbose=0),
        atol=1e-6,
    )
    # Rows of different lengths in one batch, each as if alone.
    ragged = np.array([[4, 9, 2, 7], [3, 5, 0, 0]])
    alone = model.predict(np.array([[3, 5]]), verbose=0)
    np.testing.assert_allclose(model.predict(ragged, verbose=0)[1], alone[0],
                               atol=1e-6)


@pytest.mark.parametrize("num_heads", [2, 4])
def test_heads_reach_every_block_of_both_models(num_heads):
    options = {"num_heads": num_heads}
    model = language_model(max_length=6, cell_options=options)
    for index in (0, 1):
        attention = model.get_layer(f"self_attention_{index}").attention
        assert attention.num_heads == num_heads
        assert attention.key_dim == 8 // num_heads
        assert tuple(attention.output_kernel.shape) == (8, 8)
    rng = np.random.default_rng(num_heads)
    tokens = rng.integers(1, VOCABULARY, (3, 6))
    changed = tokens.copy()
    changed[:, 3:] = rng.integers(1, VOCABULARY, (3, 3))
    np.testing.assert_allclose(np.asarray(model(changed))[:, :3],
                               np.asarray(model(tokens))[:, :3], atol=1e-6)
    model = classifier(cell_options=options)
    assert model.get_layer("self_attention_1").attention.num_heads == num_heads
    ragged = np.array([[4, 9, 2, 7], [3, 5, 0, 0]])
    alone = model.predict(np.array([[3, 5]]), verbose=0)
    np.testing.assert_allclose(model.predict(ragged, verbose=0)[1], alone[0],
                               atol=1e-6)


@pytest.mark.parametrize("build", ["language_model", "classifier"])
def test_keras_file_round_trip_gives_identical_outputs(build, tmp_path):
    model = (language_model(cell_options={"norm_first": True})
             if build == "language_model"
             else classifier(cell_options={"num_heads": 2}))
    tokens = np.array([[4, 9, 2, 7, 1], [3, 5, 1, 8, 0]])
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(
        np.asarray(loaded(tokens)), np.asarray(model(tokens))
    )


def test_norm_first_ends_in_a_final_norm():
    model = language_model(cell_options={"norm_first": True})
    assert model.get_layer("final_norm") is not None


def reference_next_logits(model, context, token, window):
    """The rerun reference of the cache's rule, one row: the context (at
    most `window` tokens) slides to its newest `window // 2` tokens when
    full, takes `token`, and the plain model reads it."""
    if len(context) == window:
        context = context[-(window // 2):]
    context = context + [int(token)]
    logits = np.array(model(np.array([context], np.int32)))[0, -1]
    return context, logits


def reference_greedy(model, prompt, steps, window):
    """Greedy decoding by rerunning the model on the context of
    `reference_next_logits` (padding and [UNK] never chosen)."""
    out = []
    for row in np.asarray(prompt):
        context, token, tokens = list(row[:-1])[-window:], row[-1], []
        for _ in range(steps):
            context, logits = reference_next_logits(model, context, token, window)
            logits[list(NEVER_EMIT_IDS)] = -np.inf
            token = int(np.argmax(logits))
            tokens.append(token)
        out.append(tokens)
    return np.array(out)


@pytest.mark.parametrize("rows, jit_compile", [(2, False), (1, False), (1, True)])
@pytest.mark.parametrize("prompt_length", [1, 3, 9])
def test_cached_generation_follows_the_sliding_rule_past_max_length(
        prompt_length, rows, jit_compile):
    """Graph and XLA decoding (their step ops and slides differ:
    `attention_step_ops`, `CachedGenerator._slide`), one row and two."""
    model = language_model(max_length=5)
    assert isinstance(language_model_generator(model), CachedGenerator)
    rng = np.random.default_rng(prompt_length)
    prompt = rng.integers(2, VOCABULARY, (rows, prompt_length))
    got = np.asarray(generate_ids(model, prompt, 12, get_sampler("greedy"),
                                  jit_compile=jit_compile))
    np.testing.assert_array_equal(got, reference_greedy(model, prompt, 12, window=5))


@pytest.mark.parametrize("num_heads, norm_first", [(1, False), (2, True)])
def test_each_cached_step_equals_a_rerun(num_heads, norm_first):
    """Logits of every step, teacher-forced on random tokens: within the
    window against `WindowedGenerator` (the whole window rerun at every
    step), past it against the rerun of the sliding rule."""
    window = 6
    model = language_model(max_length=window, cell_options={
        "num_heads": num_heads, "norm_first": norm_first})
    tokens = np.random.default_rng(0).integers(2, VOCABULARY, (2, 20)).astype("int32")
    cached, rerun = CachedGenerator(model), WindowedGenerator(model)
    state, rerun_state = cached.initial_state(tokens[:, :2]), rerun.initial_state(tokens[:, :2])
    contexts = [list(row[:2]) for row in tokens]
    for t in range(2, tokens.shape[1]):
        logits, state = cached.step(tokens[:, t], state)
        if t < window:
            expected, rerun_state = rerun.step(tokens[:, t], rerun_state)
            np.testing.assert_allclose(logits, expected, atol=1e-5)
        for b in range(2):
            contexts[b], expected = reference_next_logits(
                model, contexts[b], tokens[b, t], window)
            np.testing.assert_allclose(np.asarray(logits)[b], expected, atol=1e-5)
    assert np.ptp(np.asarray(logits)) > 0.1  # the logits say something


def test_beam_and_random_samplers_generate():
    model = language_model(max_length=4)
    prompt = np.array([[3, 4, 5]])
    for sampler in (get_sampler("beam", num_beams=3),
                    get_sampler("top_k", k=3, seed=1),
                    get_sampler("top_p", p=0.9, seed=1),
                    get_sampler("random", seed=1)):
        out = np.asarray(generate_ids(model, prompt, 7, sampler))
        assert out.shape == (1, 7) and out.min() >= 2  # never padding or [UNK]


@pytest.mark.parametrize(
    "build, overrides, expected",
    [
        ("lm", {"bidirectional": True}, "bidirectional"),
        ("classifier", {"bidirectional": True}, "bidirectional"),
        ("lm", {"cell_options": {"stateful": True}}, "'stateful'"),
        ("lm", {"cell_options": {"dropout": 0.1}}, "--dropout"),
        ("classifier", {"cell_options": {"feedforward_dim": 4}}, "--units"),
        ("lm", {"cell_options": {"num_heads": 3}},
         "`embedding_dim`.*embedding_dim=8, num_heads=3"),
        ("classifier", {"cell_options": {"num_heads": 0}}, "`num_heads`"),
    ],
)
def test_bad_settings_are_value_errors(build, overrides, expected):
    with pytest.raises(ValueError, match=expected):
        if build == "lm":
            build_language_model(VOCABULARY, config(**overrides), max_length=5)
        else:
            build_classifier(VOCABULARY, 2, config(**overrides),
                             pooling="mean", max_length=5)


def test_max_length_and_pooling_are_required():
    with pytest.raises(ValueError, match="max_length"):
        build_language_model(VOCABULARY, config())
    with pytest.raises(ValueError, match="max_length"):
        build_classifier(VOCABULARY, 2, config(), pooling="mean")
    with pytest.raises(ValueError, match="pooling='mean' or 'attention'"):
        build_classifier(VOCABULARY, 2, config(), max_length=5)


def test_unknown_cell_lists_self_attention():
    with pytest.raises(ValueError, match="'self_attention'"):
        ModelConfig(cell="self_attn")


def test_jobs_check_self_attention_before_any_work():
    with pytest.raises(ValueError, match="jobs lm, sentiment; job 'copy'"):
        get_job("copy").check_config(JobConfig(job="copy", out="", model=config()))
    sentiment = get_job("sentiment")
    with pytest.raises(ValueError, match="--pooling mean"):
        sentiment.check_config(JobConfig(
            job="sentiment", out="", model=config(),
            options=SentimentOptions(pooling="last"),
        ))
    sentiment.check_config(JobConfig(
        job="sentiment", out="", model=config(),
        options=SentimentOptions(pooling="mean"),
    ))


def test_xla_compiled_generation_gives_the_same_tokens():
    model = language_model(max_length=5)
    prompt = np.random.default_rng(4).integers(2, VOCABULARY, (2, 3))
    got = np.asarray(generate_ids(model, prompt, 9, get_sampler("greedy"),
                                  jit_compile=True))
    np.testing.assert_array_equal(got, reference_greedy(model, prompt, 9, window=5))
    # The window rerun, on request, agrees within the window.
    rerun = np.asarray(generate_ids(model, prompt[:, :1], 4, get_sampler("greedy"),
                                    generator=WindowedGenerator(model)))
    np.testing.assert_array_equal(rerun, reference_greedy(model, prompt[:, :1], 4, window=5))
