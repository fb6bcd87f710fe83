"""Gated recurrent unit cell and sequence layer.

Reference: Cho et al., "Learning phrase representations using RNN
encoder-decoder for statistical machine translation", EMNLP 2014.
"""

import keras
from keras import ops

from kerasseq.layers import validation
from kerasseq.layers.fused_gradient import activation_derivative
from kerasseq.layers.fused_gradient import column_sum
from kerasseq.layers.rnn import RecurrentCell
from kerasseq.layers.rnn import RecurrentLayer
from kerasseq.layers.rnn import affine


@keras.saving.register_keras_serializable(package="kerasseq")
class GRUCell(RecurrentCell):
    """GRU cell with update gate `u`, reset gate `r` and new content `g`.

    `u, r = sigmoid(W_x x_t + W_h h_{t-1} + b)`, and
    `h_t = u * h_{t-1} + (1 - u) * g` with

    * `reset_after=False` (the lecture's form, Cho et al. 2014):
      `g = tanh(W_h (r * h_{t-1}) + W_x x_t + b_g)`;
    * `reset_after=True` (Keras's default and cuDNN's):
      `g = tanh(r * (W_h h_{t-1} + b_h) + W_x x_t + b_g)`, with separate input
      and recurrent biases (`bias` of shape `(2, 3 * units)`).

    Columns are in Keras order u, r, g; weights match `keras.layers.GRUCell`
    with the same `reset_after`.

    Args:
        units: Positive integer, dimensionality of the state.
        activation: Activation of `g`. Default `"tanh"`.
        recurrent_activation: Activation of the gates. Default `"sigmoid"`.
        reset_after: Where the reset gate applies (see above). Default `True`.
        use_bias, kernel_initializer, recurrent_initializer,
        bias_initializer, *_regularizer, *_constraint, dropout,
        recurrent_dropout, seed: as in `keras.layers.GRUCell`.
        implementation: Accepted for configs of Keras and tf.keras (0, 1 or
            2) and ignored, as Keras ignores it: kerasseq has one
            implementation. Not saved in the config.

    Call arguments:
        inputs: `(batch, features)`.
        states: `[h_{t-1}]`, `(batch, units)`.
        training: whether dropout is active.

    Returns:
        `(h_t, [h_t])`.

    Example:

    >>> cell = GRUCell(4, reset_after=False)
    >>> h, _ = cell(np.ones((2, 3)), [np.zeros((2, 4))])
    >>> h.shape
    (2, 4)
    """

    gate_count = 3

    def __init__(
        self,
        units,
        activation="tanh",
        recurrent_activation="sigmoid",
        reset_after=True,
        implementation=2,
        **kwargs,
    ):
        validation.check_choice("implementation", implementation, (0, 1, 2))
        super().__init__(units, activation=activation, **kwargs)
        self.implementation = implementation
        self.recurrent_activation = validation.get_activation(
            "recurrent_activation", recurrent_activation
        )
        validation.check_choice("reset_after", reset_after, (True, False))
        self.reset_after = reset_after

    def build_bias(self):
        shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
        return self.add_weight(
            shape=shape,
            name="bias",
            initializer=self.bias_initializer,
            regularizer=self.bias_regularizer,
            constraint=self.bias_constraint,
        )

    def project_inputs(self, inputs):
        if not self.use_bias:
            return affine(inputs, self.kernel)
        return affine(inputs, self.kernel, self.bias[0] if self.reset_after else self.bias)

    def step(self, projected, states, recurrent_kernel, recurrent_mask=None):
        h_tm1 = states[0]
        h_rec = h_tm1 if recurrent_mask is None else h_tm1 * recurrent_mask
        if self.reset_after:
            rec = ops.matmul(h_rec, recurrent_kernel)  # (batch, 3u)
            if self.use_bias:
                rec = rec + self.bias[1]
            return self._reset_after_update(projected, rec, h_tm1)[:2]
        units = self.units
        x_u, x_r, x_g = ops.split(projected, 3, axis=-1)
        rec = ops.matmul(h_rec, recurrent_kernel[:, : 2 * units])
        rec_u, rec_r = ops.split(rec, 2, axis=-1)
        u = self.recurrent_activation(x_u + rec_u)
        r = self.recurrent_activation(x_r + rec_r)
        g = self.activation(
            x_g + ops.matmul(r * h_rec, recurrent_kernel[:, 2 * units :])
        )
        h = u * h_tm1 + (1.0 - u) * g
        return h, [h]

    def _reset_after_update(self, projected, rec, h_tm1):
        """`h_t` from the input and recurrent projections (`reset_after`)."""
        x_u, x_r, x_g = ops.split(projected, 3, axis=-1)
        rec_u, rec_r, rec_g = ops.split(rec, 3, axis=-1)
        u = self.recurrent_activation(x_u + rec_u)
        r = self.recurrent_activation(x_r + rec_r)
        g = self.activation(x_g + r * rec_g)
        h = u * h_tm1 + (1.0 - u) * g
        return h, [h], (u, r, g, rec_g)

    # The fused gradient covers `reset_after=True` (Keras's and cuDNN's
    # default), where the step has one recurrent product.
    def supports_fused_gradient(self):
        return (
            self.reset_after
            and activation_derivative(self.activation) is not None
            and activation_derivative(self.recurrent_activation) is not None
        )

    def fused_parameters(self):
        return [self.bias[1]] if self.use_bias else []  # the recurrent bias

    def forward_step(self, projected, states, recurrent_kernel, parameters):
        rec = ops.matmul(states[0], recurrent_kernel)  # (batch, 3u)
        if parameters:
            rec = rec + parameters[0]
        _, new_states, saved = self._reset_after_update(projected, rec, states[0])
        return new_states, saved

    def backward_step(self, d_states, saved, previous_states, parameters):
        d_h = d_states[0]
        u, r, g, rec_g = saved
        gate_derivative = activation_derivative(self.recurrent_activation)
        d_g = d_h * (1.0 - u) * activation_derivative(self.activation)(g)
        d_u = d_h * (previous_states[0] - g) * gate_derivative(u)
        d_r = d_g * rec_g * gate_derivative(r)
        d_recurrent = ops.concatenate([d_u, d_r, d_g * r], axis=-1)  # (batch, 3u)
        d_projected = ops.concatenate([d_u, d_r, d_g], axis=-1)
        return d_recurrent, d_projected, [d_h * u]

    def parameter_gradients(self, d_recurrent, d_projected, saved, parameters):
        return [column_sum(d_recurrent)] if parameters else []

    def get_config(self):
        config = {
            "recurrent_activation": keras.activations.serialize(
                self.recurrent_activation
            ),
            "reset_after": self.reset_after,
        }
        base_config = super().get_config()
        return {**base_config, **config}


@keras.saving.register_keras_serializable(package="kerasseq")
class GRU(RecurrentLayer):
    """GRU layer over a sequence, built on `GRUCell`.

    Takes `units`, every `GRUCell` argument (including `reset_after`),
    `use_cudnn` (accepted as in Keras and ignored: kerasseq has no cuDNN
    kernel) and the options of `keras.layers.RNN` (`return_sequences`, `return_state`,
    `go_backwards`, `stateful`, `unroll`, `zero_output_for_mask`). The input
    projection of all steps is one matrix product before the time loop.

    Call arguments:
        sequences: `(batch, time, features)`.
        initial_state: optional `[h_0]`.
        mask: optional `(batch, time)` boolean mask.
        training: whether dropout is active.

    Returns:
        `(batch, time, units)` if `return_sequences` else `(batch, units)`,
        then `h_T` if `return_state`.

    Example:

    >>> GRU(4)(np.ones((2, 7, 3))).shape
    (2, 4)
    """

    cell_class = GRUCell

    def __init__(self, units, use_cudnn="auto", **kwargs):
        validation.check_choice("use_cudnn", use_cudnn, ("auto", True, False))
        super().__init__(units, **kwargs)
        # As in Keras: kept as an attribute (Bidirectional copies it), not
        # saved in the config. kerasseq has no cuDNN kernel; on TensorFlow
        # it trains with its own fused gradient whatever the value.
        self.use_cudnn = use_cudnn
