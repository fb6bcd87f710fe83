import numpy as np

from kerasseq import layers


def test_linear_cell_state_is_a_power_of_the_recurrent_matrix():
    # Identity activation, no input: h_t = h_0 W_h^t (the lecture's analysis).
    rng = np.random.default_rng(0)
    w_h = 0.5 * rng.standard_normal((4, 4))
    layer = layers.SimpleRNN(4, activation=None, use_bias=False,
                             return_sequences=True, dtype="float64")
    layer.build((None, None, 1))
    layer.set_weights([np.zeros((1, 4)), w_h])
    h0 = rng.standard_normal((1, 4))
    out = np.asarray(layer(np.zeros((1, 6, 1)), initial_state=[h0]))
    for t in range(6):
        np.testing.assert_allclose(
            out[0, t], (h0 @ np.linalg.matrix_power(w_h, t + 1))[0], atol=1e-12
        )
