import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasseq.backend

from kerasseq import samplers
from tests.helpers.toy_models import HistoryModel
from tests.helpers.toy_models import markov_next_fn

NAMES = {
    "greedy": samplers.GreedySampler,
    "random": samplers.RandomSampler,
    "top_k": samplers.TopKSampler,
    "top_p": samplers.TopPSampler,
    "beam": samplers.BeamSampler,
}

CONFIGURED = [
    samplers.GreedySampler(temperature=0.5),
    samplers.RandomSampler(temperature=1.5, seed=3),
    samplers.TopKSampler(k=7, temperature=0.9, seed=4),
    samplers.TopPSampler(p=0.6, k=20, seed=5),
    samplers.BeamSampler(num_beams=4, length_penalty=0.6,
                         return_all_beams=True, temperature=0.7),
]


def test_names_map_to_samplers():
    assert set(samplers.sampler_names()) == set(NAMES)
    for name, sampler_class in NAMES.items():
        assert type(samplers.get_sampler(name)) is sampler_class
    sampler = samplers.get_sampler("beam", num_beams=3, length_penalty=1.0)
    assert (sampler.num_beams, sampler.length_penalty) == (3, 1.0)


def test_unknown_name_lists_the_choices():
    with pytest.raises(ValueError) as info:
        samplers.get_sampler("nucleus")
    message = str(info.value)
    assert "'nucleus'" in message and "`sampler`" in message
    assert all(repr(name) in message for name in NAMES)


def test_an_instance_passes_through_and_takes_no_arguments():
    sampler = samplers.TopKSampler(k=2)
    assert samplers.get_sampler(sampler) is sampler
    with pytest.raises(ValueError, match="name only"):
        samplers.get_sampler(sampler, k=3)
    with pytest.raises(ValueError, match="`sampler`"):
        samplers.get_sampler(3)


@pytest.mark.parametrize("sampler", CONFIGURED, ids=lambda s: type(s).__name__)
def test_config_round_trip(sampler):
    config = sampler.get_config()
    clone = type(sampler).from_config(config)
    assert clone.get_config() == config
    serialized = keras.saving.serialize_keras_object(sampler)
    assert serialized["registered_name"] == f"kerasseq>{type(sampler).__name__}"
    restored = samplers.get_sampler(serialized)
    assert type(restored) is type(sampler)
    assert restored.get_config() == config


def test_a_restored_sampler_draws_the_same_tokens():
    sampler = samplers.TopPSampler(p=0.9, seed=8)
    restored = samplers.TopPSampler.from_config(sampler.get_config())
    next_fn = markov_next_fn(np.random.default_rng(0).standard_normal((6, 6)))
    starts = np.arange(30) % 6
    np.testing.assert_array_equal(
        sampler(next_fn, starts, None, 5)["tokens"],
        restored(next_fn, starts, None, 5)["tokens"],
    )


@pytest.mark.parametrize(
    "make, argument, value",
    [
        (samplers.TopKSampler, "k", 0),
        (samplers.TopKSampler, "k", -2),
        (samplers.TopKSampler, "k", 2.5),
        (samplers.TopPSampler, "p", 0.0),
        (samplers.TopPSampler, "p", 1.5),
        (samplers.TopPSampler, "p", -0.1),
        (samplers.TopPSampler, "k", 0),
        (samplers.GreedySampler, "temperature", 0.0),
        (samplers.RandomSampler, "temperature", -1.0),
        (samplers.RandomSampler, "seed", "abc"),
        (samplers.BeamSampler, "num_beams", 0),
        (samplers.BeamSampler, "length_penalty", -0.5),
        (samplers.BeamSampler, "return_all_beams", "yes"),
    ],
)
def test_bad_arguments_name_the_argument_and_value(make, argument, value):
    with pytest.raises(ValueError, match=f"`{argument}`.*{value!r}"):
        make(**{argument: value})


def test_bad_call_arguments():
    sampler = samplers.GreedySampler()
    next_fn = markov_next_fn(np.zeros((3, 3)))
    start = np.zeros(2, "int32")
    with pytest.raises(ValueError, match="`max_length`.*0"):
        sampler(next_fn, start, None, 0)
    with pytest.raises(ValueError, match="`end_token_id`.*-1"):
        sampler(next_fn, start, None, 3, end_token_id=-1)
    with pytest.raises(ValueError, match="next_fn"):
        sampler(lambda tokens, state: tokens, start, None, 3)


def test_without_aux_there_is_no_aux_output():
    out = samplers.BeamSampler(2)(
        markov_next_fn(np.eye(3)), np.zeros(2, "int32"), None, 4
    )
    assert set(out) == {"tokens", "lengths", "scores"}
    assert tuple(out["tokens"].shape) == (2, 4)


@pytest.mark.parametrize(
    "sampler",
    [samplers.GreedySampler(), samplers.BeamSampler(3, length_penalty=0.8)],
    ids=["greedy", "beam"],
)
def test_the_loop_compiles_with_xla_and_matches_eager(sampler):
    model = HistoryModel(vocab=4, max_length=6, seed=7)

    def generate(start, state):
        return sampler(model.next_fn, start, state, 6, end_token_id=0)

    start = np.array([1, 2, 3], "int32")
    state = model.initial_state([0, 1, 0])
    eager = generate(start, state)
    # XLA on TensorFlow, `jax.jit` on JAX.
    compiled = kerasseq.backend.compiled(generate, jit_compile=True)
    for _ in range(2):
        out = compiled(start, state)
        for key in ("tokens", "lengths", "aux"):
            np.testing.assert_array_equal(out[key], eager[key])
        np.testing.assert_allclose(out["scores"], eager["scores"], rtol=1e-6)
    if keras.backend.backend() == "tensorflow":
        assert compiled.experimental_get_tracing_count() == 1


@pytest.mark.tensorflow_only(reason="a tf.function input_signature")
def test_the_loop_traces_with_an_unknown_batch_size():
    model = HistoryModel(vocab=4, max_length=6, seed=7)
    sampler = samplers.BeamSampler(2)
    generate = tf.function(
        lambda start, code, source: sampler(
            model.next_fn, start, {"code": code, "source": source}, 6,
            end_token_id=0,
        ),
        input_signature=[
            tf.TensorSpec([None], tf.int32),
            tf.TensorSpec([None], tf.int32),
            tf.TensorSpec([None, 3], tf.float32),
        ],
    )
    for batch in (1, 3):
        state = model.initial_state(np.arange(batch) % 2)
        out = generate(np.ones(batch, "int32"), state["code"], state["source"])
        assert tuple(out["tokens"].shape) == (batch, 6)
        assert tuple(out["aux"].shape) == (batch, 6, 2)
    assert generate.experimental_get_tracing_count() == 1


@pytest.mark.parametrize("sampler", CONFIGURED, ids=lambda s: type(s).__name__)
def test_never_emit_skips_the_banned_ids_even_when_they_dominate(sampler):
    # A Markov chain whose most likely next tokens are always 0 and 1.
    rng = np.random.default_rng(0)
    table = rng.standard_normal((6, 6))
    table[:, 0] += 30.0
    table[:, 1] += 20.0
    next_fn = samplers.never_emit(markov_next_fn(table), [0, 1])
    out = sampler(next_fn, np.array([2, 3, 4, 5] * 8), None, max_length=12)
    tokens = np.asarray(out["tokens"])
    assert tokens.min() >= 2
    if isinstance(sampler, samplers.GreedySampler):
        # Reference: the best of tokens 2..5 after each token.
        expected, token = [], np.array([2, 3, 4, 5] * 8)
        for _ in range(12):
            token = 2 + table[token, 2:].argmax(axis=-1)
            expected.append(token)
        np.testing.assert_array_equal(tokens, np.stack(expected, axis=1))


def test_never_emit_passes_state_and_aux_through():
    def next_fn(tokens, state):
        logits = keras.ops.one_hot(keras.ops.zeros_like(tokens), 4) * 9.0
        return logits, state + 1, keras.ops.cast(tokens, "float32")[:, None]

    logits, state, aux = samplers.never_emit(next_fn, [0])(np.array([2, 3]), 5)
    assert np.asarray(logits)[:, 0].max() == np.finfo(np.float32).min
    np.testing.assert_array_equal(np.asarray(logits)[:, 1:], 0.0)
    assert int(state) == 6
    np.testing.assert_array_equal(np.asarray(aux), [[2.0], [3.0]])


def test_first_argmax_is_numpys_argmax_ties_included():
    from kerasseq.samplers.sampler import first_argmax

    rng = np.random.default_rng(0)
    x = rng.integers(0, 3, size=(50, 7)).astype("float32")  # many ties
    x[0] = -0.0  # all equal, negative zeros included
    np.testing.assert_array_equal(np.asarray(first_argmax(x)), np.argmax(x, axis=-1))


@pytest.mark.parametrize("name, draws", [("greedy", False), ("beam", False),
                                         ("random", True), ("top_k", True)])
def test_only_random_strategies_advance_the_seed(name, draws):
    sampler = samplers.get_sampler(name, seed=3)
    before = np.asarray(sampler.seed_generator.state).copy()

    def next_fn(tokens, state):
        return keras.ops.one_hot((tokens + 1) % 5, 5) * 2.0, state

    sampler(next_fn, np.array([0, 3]), None, max_length=3)
    after = np.asarray(sampler.seed_generator.state)
    assert (not np.array_equal(before, after)) == draws


def test_sampler_from_options_picks_the_sampler_and_its_own_options():
    from kerasseq.samplers import GreedySampler
    from kerasseq.samplers import RandomSampler
    from kerasseq.samplers import TopKSampler
    from kerasseq.samplers import TopPSampler
    from kerasseq.samplers import sampler_from_options

    top_k = sampler_from_options(top_k=5, temperature=0.5, seed=3)
    assert type(top_k) is TopKSampler and (top_k.k, top_k.temperature) == (5, 0.5)
    top_p = sampler_from_options(top_p=0.8)
    assert type(top_p) is TopPSampler and top_p.p == 0.8
    assert type(sampler_from_options()) is RandomSampler
    # The options of other samplers are not passed on.
    assert type(sampler_from_options("greedy", temperature=0.1, top_k=3)) is GreedySampler
    both = sampler_from_options("top_p", top_k=3, top_p=0.5)
    assert (both.p, both.k) == (0.5, 3)
    assert sampler_from_options("top_k", top_k=3, top_p=0.5).k == 3
    with pytest.raises(ValueError, match="sampler"):
        sampler_from_options("beam")
    with pytest.raises(ValueError, match="`k`"):
        sampler_from_options("top_k", top_k=0)


def fresh(name):
    """A new sampler of each kind, seeded, so two runs draw alike."""
    return {
        "greedy": lambda: samplers.GreedySampler(temperature=0.8),
        "random": lambda: samplers.RandomSampler(temperature=0.8, seed=9),
        "beam": lambda: samplers.BeamSampler(3, length_penalty=0.6),
    }[name]()


@pytest.mark.parametrize("name", ["greedy", "random", "beam"])
@pytest.mark.parametrize("steps", [0, 1, 3, 6])
def test_num_steps_gives_a_shorter_run_padded_to_max_length(name, steps):
    # Reference: the same search run with max_length=steps (no end token,
    # so a run of `steps` steps is a prefix of the longer buffer).
    model = HistoryModel(vocab=4, max_length=6, seed=3)
    start = np.array([1, 2, 3], "int32")
    state = model.initial_state([0, 1, 0])
    out = fresh(name)(model.next_fn, start, state, 6, pad_token_id=5,
                      num_steps=steps)
    tokens = np.asarray(out["tokens"])
    assert tokens.shape == (3, 6)
    np.testing.assert_array_equal(tokens[:, steps:], 5)
    np.testing.assert_array_equal(np.asarray(out["aux"])[:, steps:], 0.0)
    if steps == 0:
        np.testing.assert_array_equal(out["lengths"], 0)
        np.testing.assert_array_equal(out["scores"], 0.0)
        return
    short = fresh(name)(model.next_fn, start, state, steps, pad_token_id=5)
    np.testing.assert_array_equal(tokens[:, :steps], short["tokens"])
    np.testing.assert_array_equal(out["lengths"], short["lengths"])
    np.testing.assert_allclose(out["scores"], short["scores"], rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(out["aux"])[:, :steps], short["aux"])


@pytest.mark.parametrize("name", ["greedy", "random", "beam"])
def test_a_call_temperature_replaces_the_samplers_own(name):
    model = HistoryModel(vocab=4, max_length=5, seed=4)
    start = np.array([0, 2], "int32")
    state = model.initial_state([1, 0])
    reference = {
        "greedy": samplers.GreedySampler(temperature=2.5),
        "random": samplers.RandomSampler(temperature=2.5, seed=9),
        "beam": samplers.BeamSampler(3, length_penalty=0.6, temperature=2.5),
    }[name](model.next_fn, start, state, 5)
    out = fresh(name)(model.next_fn, start, state, 5, temperature=2.5)
    np.testing.assert_array_equal(out["tokens"], reference["tokens"])
    np.testing.assert_allclose(out["scores"], reference["scores"], rtol=1e-6)
    # ... and differs from the sampler's own 0.8.
    own = fresh(name)(model.next_fn, start, state, 5)
    assert not np.allclose(own["scores"], reference["scores"])


@pytest.mark.tensorflow_only(reason="a tf.function input_signature")
def test_steps_and_temperature_can_be_inputs_of_one_graph():
    model = HistoryModel(vocab=4, max_length=6, seed=7)
    sampler = samplers.GreedySampler()
    state = model.initial_state([0, 1])
    start = np.array([1, 2], "int32")
    generate = tf.function(
        lambda steps, temperature: sampler(
            model.next_fn, start, state, 6, num_steps=steps,
            temperature=temperature,
        ),
        input_signature=[tf.TensorSpec([], tf.int32),
                         tf.TensorSpec([], tf.float32)],
    )
    for steps, temperature in ((2, 1.0), (6, 0.5), (0, 3.0)):
        out = generate(steps, temperature)
        expected = samplers.GreedySampler(temperature=temperature)(
            model.next_fn, start, state, 6
        )
        np.testing.assert_array_equal(
            out["tokens"][:, :steps], expected["tokens"][:, :steps]
        )
        np.testing.assert_array_equal(out["tokens"][:, steps:], 0)
    assert generate.experimental_get_tracing_count() == 1


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"num_steps": -1}, "`num_steps`.*-1"),
        ({"num_steps": 4}, r"`num_steps`.*\[0, max_length=3\].*4"),
        ({"num_steps": 1.5}, "`num_steps`.*1.5"),
        ({"temperature": 0.0}, "`temperature`.*0.0"),
    ],
)
def test_bad_num_steps_and_temperature_name_the_value(kwargs, message):
    next_fn = markov_next_fn(np.zeros((3, 3)))
    with pytest.raises(ValueError, match=message):
        samplers.GreedySampler()(next_fn, np.zeros(2, "int32"), None, 3, **kwargs)
