import numpy as np

from kerasseq import samplers
from tests.helpers.toy_models import HistoryModel
from tests.helpers.toy_models import markov_next_fn


def test_tokens_stay_among_the_k_most_probable():
    table = 2.0 * np.random.default_rng(0).standard_normal((8, 8))
    starts = np.arange(400) % 8
    out = samplers.TopKSampler(k=3, temperature=1.5, seed=2)(
        markov_next_fn(table), starts, None, 6
    )
    tokens = np.asarray(out["tokens"])
    previous = np.concatenate([starts[:, None], tokens[:, :-1]], axis=1)
    # Rank of each emitted token among its row's logits, 0 the most probable.
    ranks = (table[previous] > table[previous, tokens][..., None]).sum(-1)
    assert ranks.max() <= 2
    assert set(np.unique(ranks)) == {0, 1, 2}  # all three are drawn


def test_k_of_one_is_greedy():
    model = HistoryModel(vocab=4, max_length=5, seed=1)
    out = samplers.TopKSampler(k=1, seed=0)(
        model.next_fn, np.array([2, 3]), model.initial_state([0, 1]), 5
    )
    for row, (source, start) in enumerate([(0, 2), (1, 3)]):
        tokens = model.greedy(source, start, 5)[0]
        np.testing.assert_array_equal(np.asarray(out["tokens"])[row], tokens)


def test_k_above_the_vocabulary_keeps_every_token():
    out = samplers.TopKSampler(k=50, seed=0)(
        markov_next_fn(np.zeros((4, 4))), np.zeros(200, "int32"), None, 3
    )
    assert set(np.unique(np.asarray(out["tokens"]))) == {0, 1, 2, 3}
