import numpy as np

from kerasseq import layers


def test_unit_forget_bias_starts_forget_gate_at_one():
    cell = layers.LSTMCell(3, bias_initializer="zeros")
    cell.build((None, 2))
    np.testing.assert_array_equal(
        np.asarray(cell.bias), [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    )
    plain = layers.LSTMCell(3, unit_forget_bias=False, bias_initializer="ones")
    plain.build((None, 2))
    np.testing.assert_array_equal(np.asarray(plain.bias), np.ones(12))


def test_forget_gate_open_keeps_the_cell_state():
    # i = 0, f = 1 (huge biases): c_t = c_{t-1} exactly.
    layer = layers.LSTM(2, return_state=True, dtype="float64")
    layer.build((None, None, 1))
    bias = np.concatenate([[-50.0] * 2, [50.0] * 2, [0.0] * 2, [0.0] * 2])
    layer.set_weights([np.zeros((1, 8)), np.zeros((2, 8)), bias])
    c0 = np.array([[0.3, -0.7]])
    _, _, c = layer(np.ones((1, 20, 1)), initial_state=[np.zeros((1, 2)), c0])
    np.testing.assert_allclose(c, c0, atol=1e-12)
