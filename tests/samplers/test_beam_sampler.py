import itertools

import numpy as np
import pytest

from kerasseq import samplers
from tests.helpers.toy_models import HistoryModel
from tests.helpers.toy_models import markov_next_fn
from tests.helpers.toy_models import padded

# Vocabulary 3, 4 steps, token 0 as the end token. With seed 5 the best
# sequence is not the greedy one and the length penalty changes the winner
# (checked in the first test), so matching the search below means something.
MAX_LENGTH = 4
ALL = 27  # beams enough to keep every hypothesis up to the last step


def history_model():
    return HistoryModel(vocab=3, max_length=MAX_LENGTH, seed=5, scale=1.0)


def search(model, sources, num_beams, end=None, pad=0, **kwargs):
    sampler = samplers.BeamSampler(num_beams, **kwargs)
    out = sampler(
        model.next_fn,
        np.ones(len(sources), "int32"),  # start token 1
        model.initial_state(sources),
        MAX_LENGTH,
        end_token_id=end,
        pad_token_id=pad,
    )
    return {k: np.asarray(v) for k, v in out.items()}


def test_the_toy_problem_separates_beam_search_from_greedy():
    model = history_model()
    for end in (None, 0):
        best = [
            model.hypotheses(s, 1, MAX_LENGTH, end=end)[0][1] for s in (0, 1)
        ]
        greedy = [model.greedy(s, 1, MAX_LENGTH, end=end) for s in (0, 1)]
        greedy = [list(tokens[:length]) for tokens, length, _, _ in greedy]
        assert best != greedy
    penalised = [
        model.hypotheses(s, 1, MAX_LENGTH, end=0, alpha=1.5)[0][1]
        for s in (0, 1)
    ]
    plain = [model.hypotheses(s, 1, MAX_LENGTH, end=0)[0][1] for s in (0, 1)]
    assert penalised != plain


@pytest.mark.parametrize("end", [None, 0])
@pytest.mark.parametrize("alpha", [0.0, 1.5])
def test_best_hypothesis_matches_exhaustive_search(end, alpha):
    model = history_model()
    out = search(model, [0, 1], ALL, end=end, pad=7, length_penalty=alpha)
    assert out["tokens"].shape == (2, MAX_LENGTH)
    assert out["aux"].shape == (2, MAX_LENGTH, 2)
    for row, source in enumerate((0, 1)):
        score, tokens, aux = model.hypotheses(
            source, 1, MAX_LENGTH, end=end, alpha=alpha
        )[0]
        np.testing.assert_array_equal(
            out["tokens"][row], padded(tokens, MAX_LENGTH, pad=7)
        )
        assert out["lengths"][row] == len(tokens)
        np.testing.assert_allclose(out["scores"][row], score, rtol=1e-5)
        # The aux of the chosen hypothesis is the one produced along its
        # path (the codes of its prefixes, the source's encoder output),
        # then zeros after its end.
        expected_aux = np.zeros((MAX_LENGTH, 2))
        expected_aux[: len(aux)] = aux
        np.testing.assert_allclose(out["aux"][row], expected_aux, rtol=1e-6)


@pytest.mark.parametrize("end", [None, 0])
def test_all_beams_are_the_best_hypotheses_best_first(end):
    model = history_model()
    out = search(model, [0, 1], ALL, end=end, pad=7, length_penalty=1.0,
                 return_all_beams=True)
    assert out["tokens"].shape == (2, ALL, MAX_LENGTH)
    assert out["scores"].shape == out["lengths"].shape == (2, ALL)
    for row, source in enumerate((0, 1)):
        reference = model.hypotheses(source, 1, MAX_LENGTH, end=end, alpha=1.0)
        reference = reference[:ALL]
        np.testing.assert_allclose(
            out["scores"][row], [h[0] for h in reference], rtol=1e-5
        )
        for beam, (_, tokens, _) in enumerate(reference[:5]):
            np.testing.assert_array_equal(
                out["tokens"][row, beam], padded(tokens, MAX_LENGTH, pad=7)
            )
            assert out["lengths"][row, beam] == len(tokens)


@pytest.mark.parametrize("seed", [5, 8])
@pytest.mark.parametrize("num_beams", [2, 3])
@pytest.mark.parametrize("alpha", [0.0, 1.0])
def test_pruned_beams_match_a_list_based_beam_search(seed, num_beams, alpha):
    # Few beams: hypotheses are dropped at every step, finished ones compete
    # with their penalised score. (With seed 8 and three beams, ranking the
    # candidates without the penalty keeps another set of beams.)
    model = HistoryModel(vocab=3, max_length=MAX_LENGTH, seed=seed, scale=1.0)
    out = search(model, [0, 1], num_beams, end=0, pad=7, length_penalty=alpha,
                 return_all_beams=True)
    for row, source in enumerate((0, 1)):
        reference = model.beam_search(source, 1, MAX_LENGTH, num_beams, end=0,
                                      alpha=alpha)
        np.testing.assert_allclose(
            out["scores"][row], [score for score, _ in reference], rtol=1e-5
        )
        for beam, (_, tokens) in enumerate(reference):
            np.testing.assert_array_equal(
                out["tokens"][row, beam], padded(tokens, MAX_LENGTH, pad=7)
            )


@pytest.mark.parametrize("end", [None, 0])
def test_one_beam_is_greedy(end):
    model = history_model()
    out = search(model, [0, 1], 1, end=end, pad=5)
    for row, source in enumerate((0, 1)):
        tokens, length, total, _ = model.greedy(source, 1, MAX_LENGTH, end=end,
                                                pad=5)
        np.testing.assert_array_equal(out["tokens"][row], tokens)
        assert out["lengths"][row] == length
        np.testing.assert_allclose(out["scores"][row], total, rtol=1e-5)


def test_sources_are_searched_independently():
    # Three beams out of up to 15 hypotheses: the search prunes, and each
    # source's result must not depend on the other sources in the batch.
    model = history_model()
    together = search(model, [0, 1, 0], 3, end=0, length_penalty=0.5)
    for row, source in enumerate((0, 1, 0)):
        alone = search(model, [source], 3, end=0, length_penalty=0.5)
        for key in ("tokens", "lengths", "aux"):
            np.testing.assert_array_equal(together[key][row], alone[key][0])
        np.testing.assert_allclose(together["scores"][row], alone["scores"][0],
                                   rtol=1e-6)


def test_two_beams_find_what_greedy_misses():
    # After the start token 0: token 1 (p=0.5) then a flat distribution, or
    # token 2 (p=0.4) then token 2 again (p=0.9). Greedy takes 1 (best path
    # probability 0.5 * 0.34); two beams keep 2 and find 0.4 * 0.9.
    probabilities = np.array(
        [[0.1, 0.5, 0.4], [0.34, 0.33, 0.33], [0.05, 0.05, 0.9]]
    )
    next_fn = markov_next_fn(np.log(probabilities))
    start = np.zeros(1, "int32")
    greedy = samplers.GreedySampler()(next_fn, start, None, 2)
    beam = samplers.BeamSampler(2)(next_fn, start, None, 2)
    np.testing.assert_array_equal(greedy["tokens"], [[1, 0]])
    np.testing.assert_array_equal(beam["tokens"], [[2, 2]])
    # The exhaustive best over the 9 sequences, from the table.
    best = max(
        itertools.product(range(3), repeat=2),
        key=lambda s: probabilities[0, s[0]] * probabilities[s[0], s[1]],
    )
    assert tuple(np.asarray(beam["tokens"])[0]) == best
    np.testing.assert_allclose(beam["scores"], [np.log(0.4 * 0.9)], rtol=1e-5)


def test_finished_beams_keep_their_score_and_end_the_search():
    # The end token 0 takes 98% at every step: after two steps both beams
    # have ended and the loop stops, well before max_length.
    logits = np.log(np.array([[0.98, 0.012, 0.008]] * 3))
    calls = []
    table_fn = markov_next_fn(logits)

    def next_fn(tokens, state):
        calls.append(1)
        return table_fn(tokens, state)

    out = samplers.BeamSampler(2, return_all_beams=True)(
        next_fn, np.array([1, 2]), None, 6, end_token_id=0, pad_token_id=4
    )
    assert len(calls) == 2
    for row in range(2):
        np.testing.assert_array_equal(
            np.asarray(out["tokens"])[row],
            [[0, 4, 4, 4, 4, 4], [1, 0, 4, 4, 4, 4]],
        )
        np.testing.assert_array_equal(np.asarray(out["lengths"])[row], [1, 2])
        np.testing.assert_allclose(
            np.asarray(out["scores"])[row],
            [np.log(0.98), np.log(0.012 * 0.98)],
            rtol=1e-5,
        )
