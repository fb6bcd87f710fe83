import numpy as np
import pytest

from kerasseq import samplers
from tests.helpers.toy_models import HistoryModel
from tests.helpers.toy_models import markov_next_fn
from tests.helpers.toy_models import nucleus
from tests.helpers.toy_models import softmax

TABLE = 1.5 * np.random.default_rng(4).standard_normal((8, 8))


def transitions(sampler, steps=3):
    """(previous token, token) pairs; the first 1600 start 200 times from
    each token."""
    starts = np.arange(1600) % 8
    out = sampler(markov_next_fn(TABLE), starts, None, steps)
    tokens = np.asarray(out["tokens"])
    previous = np.concatenate([starts[:, None], tokens[:, :-1]], axis=1)
    return previous.T.ravel(), tokens.T.ravel()


@pytest.mark.parametrize("p", [0.5, 0.8])
def test_tokens_stay_in_the_nucleus(p):
    temperature = 0.8
    previous, tokens = transitions(
        samplers.TopPSampler(p=p, temperature=temperature, seed=1)
    )
    for a in range(8):
        allowed = nucleus(softmax(TABLE[a] / temperature), p)
        assert set(tokens[previous == a].tolist()) <= allowed
        # In 200 first steps from `a`, every token of the nucleus shows up,
        # the one that crosses p included.
        first = tokens[:1600][previous[:1600] == a]
        assert set(first.tolist()) == allowed


def test_k_bounds_the_nucleus():
    previous, tokens = transitions(samplers.TopPSampler(p=0.95, k=2, seed=1))
    for a in range(8):
        allowed = nucleus(softmax(TABLE[a]), 0.95)
        top_two = set(np.argsort(-TABLE[a])[:2].tolist())
        assert set(tokens[previous == a].tolist()) <= allowed & top_two


def test_a_tiny_p_is_greedy():
    model = HistoryModel(vocab=4, max_length=5, seed=2)
    out = samplers.TopPSampler(p=1e-3, seed=0)(
        model.next_fn, np.array([0, 1]), model.initial_state([1, 0]), 5
    )
    for row, (source, start) in enumerate([(1, 0), (0, 1)]):
        tokens = model.greedy(source, start, 5)[0]
        np.testing.assert_array_equal(np.asarray(out["tokens"])[row], tokens)
