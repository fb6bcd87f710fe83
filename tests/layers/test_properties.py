"""Property-based checks over the recurrent layers (hypothesis)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers.cell_specs import SPECS

_LAYERS = {}


def _layer(spec):
    # One built layer per cell type, reused across examples.
    if spec.name not in _LAYERS:
        layer = spec.make_layer(4, return_sequences=True, return_state=True,
                                dtype="float64")
        layer.build((None, None, 3))
        rng = np.random.default_rng(0)
        layer.set_weights([rng.standard_normal(w.shape) for w in layer.get_weights()])
        _LAYERS[spec.name] = layer
    return _LAYERS[spec.name]


@settings(max_examples=25, deadline=None)
@given(
    spec_index=st.integers(0, len(SPECS) - 1),
    lengths=st.lists(st.integers(1, 9), min_size=1, max_size=4),
    seed=st.integers(0, 2**16),
    scale=st.sampled_from([1e-3, 1.0, 50.0]),
)
def test_masked_batch_agrees_with_each_sequence_alone(spec_index, lengths, seed, scale):
    layer = _layer(SPECS[spec_index])
    rng = np.random.default_rng(seed)
    steps = max(lengths)
    x = scale * rng.standard_normal((len(lengths), steps, 3))
    mask = np.arange(steps)[None, :] < np.array(lengths)[:, None]
    outputs, *states = layer(x, mask=mask)
    assert all(np.all(np.isfinite(np.asarray(t))) for t in (outputs, *states))
    for row, length in enumerate(lengths):
        alone, *alone_states = layer(x[row : row + 1, :length])
        np.testing.assert_allclose(outputs[row, :length], alone[0], atol=1e-9)
        for state, alone_state in zip(states, alone_states):
            np.testing.assert_allclose(state[row], alone_state[0], atol=1e-9)


@settings(max_examples=10, deadline=None)
@given(spec_index=st.integers(0, len(SPECS) - 1), value=st.floats(-1e4, 1e4))
def test_long_repeated_input_stays_finite(spec_index, value):
    layer = _layer(SPECS[spec_index])
    outputs, *states = layer(np.full((1, 400, 3), value))
    assert np.all(np.isfinite(np.asarray(outputs)))
    assert all(np.all(np.isfinite(np.asarray(s))) for s in states)
