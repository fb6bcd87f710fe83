import keras
import numpy as np

from kerasseq import samplers
from tests.helpers.toy_models import HistoryModel


def run(model, sources, starts, max_length, **kwargs):
    out = samplers.GreedySampler()(
        model.next_fn,
        np.array(starts),
        model.initial_state(sources),
        max_length,
        **kwargs,
    )
    return {k: np.asarray(v) for k, v in out.items()}


def test_greedy_follows_the_argmax_path_with_the_state_carried():
    model = HistoryModel(vocab=4, max_length=5, seed=0)
    out = run(model, [0, 1], [1, 2], 5)
    assert out["tokens"].shape == (2, 5) and out["tokens"].dtype == np.int32
    for row, (source, start) in enumerate([(0, 1), (1, 2)]):
        tokens, length, total, aux = model.greedy(source, start, 5)
        np.testing.assert_array_equal(out["tokens"][row], tokens)
        assert out["lengths"][row] == length == 5
        np.testing.assert_allclose(out["scores"][row], total, rtol=1e-5)
        np.testing.assert_allclose(out["aux"][row], aux, rtol=1e-6)


def test_greedy_stops_at_the_end_token_and_pads_after_it():
    model = HistoryModel(vocab=4, max_length=6, seed=3)
    plain = list(model.greedy(0, 0, 6)[0])
    # A token source 0 first emits after step 0: it ends there, not at once.
    stop = next(t for t in range(1, 6) if plain[t] not in plain[:t])
    end = int(plain[stop])
    model.calls = 0
    out = run(model, [0, 1], [0, 0], 6, end_token_id=end, pad_token_id=9)
    lengths = []
    for row, source in enumerate((0, 1)):
        tokens, length, _, aux = model.greedy(source, 0, 6, end=end, pad=9)
        np.testing.assert_array_equal(out["tokens"][row], tokens)
        assert out["lengths"][row] == length
        np.testing.assert_allclose(out["aux"][row], aux, rtol=1e-6)
        assert np.all(out["tokens"][row, length:] == 9)
        assert np.all(out["aux"][row, length:] == 0)
        lengths.append(length)
    assert lengths[0] == stop + 1
    # The loop stops once both sequences have ended (counted on TensorFlow,
    # which runs the body eagerly; JAX traces it once).
    if keras.backend.backend() == "tensorflow":
        assert model.calls == max(lengths)
