import numpy as np
import pytest
import tensorflow as tf

from kerasseq import samplers
from tests.helpers.toy_models import markov_next_fn
from tests.helpers.toy_models import softmax

LOGITS = np.array([1.5, 0.5, 0.0, -0.5, -1.0])
DRAWS = 4000
# Chi-square with 4 degrees of freedom exceeds 18.47 with probability 0.001.
CRITICAL = 18.47


def chi_square(counts, probabilities):
    expected = probabilities * counts.sum()
    return float(((counts - expected) ** 2 / expected).sum())


def first_tokens(sampler, draws=DRAWS):
    # Every row starts from token 0, whose row of the table is LOGITS.
    next_fn = markov_next_fn(np.tile(LOGITS, (5, 1)))
    out = sampler(next_fn, np.zeros(draws, "int32"), None, 1)
    return np.asarray(out["tokens"])[:, 0]


@pytest.mark.parametrize("temperature", [0.5, 1.0, 2.0])
def test_frequencies_follow_the_tempered_softmax(temperature):
    tokens = first_tokens(samplers.RandomSampler(temperature, seed=11))
    counts = np.bincount(tokens, minlength=5)
    assert chi_square(counts, softmax(LOGITS / temperature)) < CRITICAL
    # The test can tell temperatures apart: another one is rejected.
    wrong = softmax(LOGITS / (temperature * 2))
    assert chi_square(counts, wrong) > 10 * CRITICAL


def test_the_same_seed_repeats_and_other_seeds_differ():
    first = first_tokens(samplers.RandomSampler(seed=3), draws=200)
    again = first_tokens(samplers.RandomSampler(seed=3), draws=200)
    other = first_tokens(samplers.RandomSampler(seed=4), draws=200)
    np.testing.assert_array_equal(first, again)
    assert np.mean(first != other) > 0.3


def test_the_seed_generator_advances_between_calls():
    sampler = samplers.RandomSampler(seed=3)
    first = first_tokens(sampler, draws=200)
    second = first_tokens(sampler, draws=200)
    assert np.mean(first != second) > 0.3


@pytest.mark.tensorflow_only(reason="a seed generator inside tf.function")
def test_each_step_draws_anew_inside_a_compiled_loop():
    # A uniform chain: a repeated seed would repeat the previous step's draw.
    sampler = samplers.RandomSampler(seed=5)
    next_fn = markov_next_fn(np.zeros((5, 5)))
    generate = tf.function(
        lambda start: sampler(next_fn, start, None, 8)["tokens"],
        jit_compile=True,
    )
    first = np.asarray(generate(tf.zeros(300, "int32")))
    second = np.asarray(generate(tf.zeros(300, "int32")))
    assert np.mean(first[:, 1:] != first[:, :-1]) > 0.6
    assert np.mean(first != second) > 0.6
    counts = np.bincount(first.ravel(), minlength=5)
    assert chi_square(counts, np.full(5, 0.2)) < CRITICAL
