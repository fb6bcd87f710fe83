import numpy as np
import pytest

from kerasseq import layers


def test_reset_after_selects_bias_layout():
    after = layers.GRUCell(4, reset_after=True)
    after.build((None, 3))
    before = layers.GRUCell(4, reset_after=False)
    before.build((None, 3))
    assert tuple(after.bias.shape) == (2, 12)
    assert tuple(before.bias.shape) == (12,)


def test_reset_placement_changes_the_output():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 5, 3))
    kernels = [rng.standard_normal((3, 12)), rng.standard_normal((4, 12))]
    outputs = []
    for reset_after in (True, False):
        layer = layers.GRU(4, reset_after=reset_after, use_bias=False,
                           dtype="float64")
        layer.build((None, None, 3))
        layer.set_weights(kernels)
        outputs.append(np.asarray(layer(x)))
    # Same weights, no bias: only where r applies differs.
    assert not np.allclose(*outputs)


def test_reset_after_must_be_boolean():
    with pytest.raises(ValueError, match="`reset_after`.*'yes'"):
        layers.GRU(4, reset_after="yes")


def test_update_gate_closed_keeps_the_state():
    # u = 1: h_t = h_{t-1} whatever the input.
    layer = layers.GRU(2, reset_after=False, dtype="float64")
    layer.build((None, None, 3))
    bias = np.concatenate([[60.0] * 2, [0.0] * 4])
    rng = np.random.default_rng(1)
    layer.set_weights([rng.standard_normal((3, 6)), rng.standard_normal((2, 6)), bias])
    h0 = np.array([[0.25, -0.5]])
    out = layer(rng.standard_normal((1, 9, 3)), initial_state=[h0])
    np.testing.assert_allclose(out, h0, atol=1e-12)
