import numpy as np
import pytest

from kerasseq import layers
from kerasseq.diagnostics import gradient_flow
from kerasseq.diagnostics import gradient_flow_for_cells
from kerasseq.diagnostics import plot_gradient_flow


def _linear_rnn(w_h, features=3):
    layer = layers.SimpleRNN(w_h.shape[0], activation=None, use_bias=False,
                             dtype="float64")
    layer.build((None, None, features))
    rng = np.random.default_rng(0)
    layer.set_weights([rng.standard_normal((features, w_h.shape[0])), w_h])
    return layer


def test_linear_rnn_gradient_is_a_power_of_w_h():
    # h_t = h_{t-1} W_h + x_t W_x  =>  dL/dh_t = v (W_h^T)^(T-t).
    rng = np.random.default_rng(1)
    w_h = 0.4 * rng.standard_normal((5, 5))
    v = rng.standard_normal(5)
    steps = 12
    flow = gradient_flow(_linear_rnn(w_h), rng.standard_normal((1, steps, 3)),
                         loss_direction=v)
    for t in range(steps):
        want = v @ np.linalg.matrix_power(w_h.T, steps - 1 - t)
        assert flow.gradient_norms[t] == pytest.approx(np.linalg.norm(want), rel=1e-9)
    np.testing.assert_allclose(flow.jacobian_norms, np.linalg.norm(w_h, 2), rtol=1e-9)


def test_orthogonal_linear_rnn_preserves_the_gradient_norm():
    rng = np.random.default_rng(2)
    q, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    flow = gradient_flow(_linear_rnn(q), rng.standard_normal((2, 100, 3)))
    np.testing.assert_allclose(flow.gradient_norms, 1.0, atol=1e-4)


def test_tanh_rnn_with_small_weights_vanishes_exponentially():
    rng = np.random.default_rng(3)
    layer = layers.SimpleRNN(8, dtype="float64")
    layer.build((None, None, 3))
    layer.set_weights([0.1 * rng.standard_normal((3, 8)),
                       0.1 * rng.standard_normal((8, 8)), np.zeros(8)])
    flow = gradient_flow(layer, rng.standard_normal((2, 60, 3)))
    logs = np.log(flow.gradient_norms)
    slope = np.polyfit(np.arange(60), logs, 1)[0]
    assert slope > 0.5  # grows towards the end: decays towards early steps
    assert flow.gradient_norms[0] < 1e-20
    assert flow.decay_per_step < 0.6


def test_lstm_state_includes_the_cell_state():
    flows = gradient_flow_for_cells(["lstm", "gru"], T=20, units=4, batch=2)
    assert len(flows["lstm"].gradient_norms) == 20
    assert len(flows["gru"].jacobian_norms) == 19


def test_plot_is_written(tmp_path):
    flows = gradient_flow_for_cells(["simple_rnn"], T=10, units=4, batch=2)
    path = tmp_path / "flow.png"
    plot_gradient_flow(flows, path)
    assert path.read_bytes()[:4] == b"\x89PNG"


def test_rejects_non_recurrent_layers_and_bad_shapes():
    import keras

    with pytest.raises(ValueError, match="Dense"):
        gradient_flow(keras.layers.Dense(3), np.zeros((1, 4, 2)))
    layer = layers.GRU(3)
    layer.build((None, None, 2))
    with pytest.raises(ValueError, match="`inputs`"):
        gradient_flow(layer, np.zeros((4, 2)))


def test_orthogonal_cell_with_identity_activation_preserves_gradient_norm():
    rng = np.random.default_rng(4)
    for parametrization in ("cayley", "exp"):
        layer = layers.OrthogonalRNN(8, activation="linear",
                                     parametrization=parametrization, seed=1)
        layer.build((None, None, 3))
        flow = gradient_flow(layer, rng.standard_normal((2, 200, 3)).astype("float32"))
        np.testing.assert_allclose(flow.gradient_norms, 1.0, atol=1e-4)


def test_orthogonal_and_unitary_cells_in_the_cell_comparison():
    flows = gradient_flow_for_cells(["orthogonal", "unitary"], T=30, units=4, batch=2)
    assert len(flows["unitary"].gradient_norms) == 30
    assert np.all(np.isfinite(flows["orthogonal"].gradient_norms))
