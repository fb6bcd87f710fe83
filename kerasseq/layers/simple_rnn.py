"""Elman recurrent cell and sequence layer.

Reference: Elman, "Finding structure in time", Cognitive Science 1990.
"""

import keras
from keras import ops

from kerasseq.layers.fused_gradient import activation_derivative
from kerasseq.layers.rnn import RecurrentCell
from kerasseq.layers.rnn import RecurrentLayer


@keras.saving.register_keras_serializable(package="kerasseq")
class SimpleRNNCell(RecurrentCell):
    """Elman cell: `h_t = activation(W_h h_{t-1} + W_x x_t + b)`.

    Weights follow `keras.layers.SimpleRNNCell` (`kernel` `(features, units)`,
    `recurrent_kernel` `(units, units)`, `bias` `(units,)`), so weights copy
    across with `set_weights`.

    Args:
        units: Positive integer, dimensionality of the state.
        activation: Default `"tanh"`.
        use_bias, kernel_initializer, recurrent_initializer,
        bias_initializer, *_regularizer, *_constraint, dropout,
        recurrent_dropout, seed: as in `keras.layers.SimpleRNNCell`.

    Call arguments:
        inputs: `(batch, features)`.
        states: list holding the previous state `(batch, units)`.
        training: whether dropout is active.

    Returns:
        `(h_t, [h_t])`.

    Example:

    >>> cell = SimpleRNNCell(4)
    >>> h, _ = cell(np.ones((2, 3)), [np.zeros((2, 4))])
    >>> h.shape
    (2, 4)
    """

    gate_count = 1

    def step(self, projected, states, recurrent_kernel, recurrent_mask=None):
        return self.step_through_forward(
            projected, states, recurrent_kernel, recurrent_mask
        )

    def supports_fused_gradient(self):
        return activation_derivative(self.activation) is not None

    def forward_step(self, projected, states, recurrent_kernel, parameters):
        h = self.activation(projected + ops.matmul(states[0], recurrent_kernel))
        return [h], (h,)

    def backward_step(self, d_states, saved, previous_states, parameters):
        derivative = activation_derivative(self.activation)
        d_z = d_states[0] * derivative(saved[0])  # (batch, units)
        return d_z, None, [None]


@keras.saving.register_keras_serializable(package="kerasseq")
class SimpleRNN(RecurrentLayer):
    """Elman recurrent layer over a sequence, built on `SimpleRNNCell`.

    Takes `units`, every `SimpleRNNCell` argument and the options of
    `keras.layers.RNN` (`return_sequences`, `return_state`, `go_backwards`,
    `stateful`, `unroll`, `zero_output_for_mask`). The input projection of all
    steps is one matrix product before the time loop.

    Call arguments:
        sequences: `(batch, time, features)`.
        initial_state: optional list with one `(batch, units)` tensor.
        mask: optional `(batch, time)` boolean mask.
        training: whether dropout is active.

    Returns:
        `(batch, time, units)` if `return_sequences` else `(batch, units)`,
        then the final state if `return_state`.

    Example:

    >>> layer = SimpleRNN(4, return_sequences=True)
    >>> layer(np.ones((2, 7, 3))).shape
    (2, 7, 4)
    """

    cell_class = SimpleRNNCell
