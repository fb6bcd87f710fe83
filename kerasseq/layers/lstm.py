"""Long short-term memory cell and sequence layer.

Reference: Hochreiter and Schmidhuber, "Long short-term memory", Neural
Computation 1997; forget-gate bias of one after Jozefowicz et al. 2015.
"""

import keras
from keras import ops

from kerasseq.layers import validation
from kerasseq.layers.fused_gradient import activation_derivative
from kerasseq.layers.rnn import RecurrentCell
from kerasseq.layers.rnn import RecurrentLayer


@keras.saving.register_keras_serializable(package="kerasseq")
class LSTMCell(RecurrentCell):
    """LSTM cell with input, forget, output gates and candidate `g`.

    `[i, f, g, o]` come from `W_x x_t + W_h h_{t-1} + b` (columns in Keras
    order i, f, g, o), then `c_t = f * c_{t-1} + i * g` and
    `h_t = o * tanh(c_t)`. Weights match `keras.layers.LSTMCell`.

    Args:
        units: Positive integer, dimensionality of `h` and `c`.
        activation: Activation of `g` and of `c_t` in the output. Default
            `"tanh"`.
        recurrent_activation: Activation of the gates. Default `"sigmoid"`.
        unit_forget_bias: If `True`, the forget-gate bias starts at one (the
            other biases from `bias_initializer`).
        use_bias, kernel_initializer, recurrent_initializer,
        bias_initializer, *_regularizer, *_constraint, dropout,
        recurrent_dropout, seed: as in `keras.layers.LSTMCell`.
        implementation: Accepted for configs of Keras and tf.keras (0, 1 or
            2) and ignored, as Keras ignores it: kerasseq has one
            implementation. Not saved in the config.

    Call arguments:
        inputs: `(batch, features)`.
        states: `[h_{t-1}, c_{t-1}]`, each `(batch, units)`.
        training: whether dropout is active.

    Returns:
        `(h_t, [h_t, c_t])`.

    Example:

    >>> cell = LSTMCell(4)
    >>> h, (h, c) = cell(np.ones((2, 3)), [np.zeros((2, 4))] * 2)
    >>> c.shape
    (2, 4)
    """

    gate_count = 4

    def __init__(
        self,
        units,
        activation="tanh",
        recurrent_activation="sigmoid",
        unit_forget_bias=True,
        implementation=2,
        **kwargs,
    ):
        validation.check_choice("implementation", implementation, (0, 1, 2))
        super().__init__(units, activation=activation, **kwargs)
        self.implementation = implementation
        self.recurrent_activation = validation.get_activation(
            "recurrent_activation", recurrent_activation
        )
        self.unit_forget_bias = bool(unit_forget_bias)
        self.state_size = [self.units, self.units]

    def build_bias(self):
        initializer = self.bias_initializer
        if self.unit_forget_bias:
            units, base = self.units, self.bias_initializer

            def initializer(shape, dtype=None):
                return ops.concatenate(
                    [
                        base((units,), dtype=dtype),
                        ops.ones((units,), dtype=dtype),
                        base((2 * units,), dtype=dtype),
                    ]
                )

        return self.add_weight(
            shape=(4 * self.units,),
            name="bias",
            initializer=initializer,
            regularizer=self.bias_regularizer,
            constraint=self.bias_constraint,
        )

    def step(self, projected, states, recurrent_kernel, recurrent_mask=None):
        return self.step_through_forward(
            projected, states, recurrent_kernel, recurrent_mask
        )

    def supports_fused_gradient(self):
        return (
            activation_derivative(self.activation) is not None
            and activation_derivative(self.recurrent_activation) is not None
        )

    def forward_step(self, projected, states, recurrent_kernel, parameters):
        h_tm1, c_tm1 = states[0], states[1]
        z = projected + ops.matmul(h_tm1, recurrent_kernel)  # (batch, 4u)
        z_i, z_f, z_g, z_o = ops.split(z, 4, axis=-1)
        i = self.recurrent_activation(z_i)
        f = self.recurrent_activation(z_f)
        g = self.activation(z_g)
        o = self.recurrent_activation(z_o)
        c = f * c_tm1 + i * g
        activated_c = self.activation(c)
        h = o * activated_c
        return [h, c], (i, f, g, o, activated_c)

    def backward_step(self, d_states, saved, previous_states, parameters):
        d_h, d_c = d_states[0], d_states[1]
        i, f, g, o, activated_c = saved
        gate_derivative = activation_derivative(self.recurrent_activation)
        derivative = activation_derivative(self.activation)
        d_c = d_c + d_h * o * derivative(activated_c)
        d_z = ops.concatenate(
            [
                d_c * g * gate_derivative(i),
                d_c * previous_states[1] * gate_derivative(f),
                d_c * i * derivative(g),
                d_h * activated_c * gate_derivative(o),
            ],
            axis=-1,
        )  # (batch, 4u)
        return d_z, None, [None, d_c * f]

    def get_config(self):
        config = {
            "recurrent_activation": keras.activations.serialize(
                self.recurrent_activation
            ),
            "unit_forget_bias": self.unit_forget_bias,
        }
        base_config = super().get_config()
        return {**base_config, **config}


@keras.saving.register_keras_serializable(package="kerasseq")
class LSTM(RecurrentLayer):
    """LSTM layer over a sequence, built on `LSTMCell`.

    Takes `units`, every `LSTMCell` argument, `use_cudnn` (accepted as in
    Keras and ignored: kerasseq has no cuDNN kernel) and the options of
    `keras.layers.RNN` (`return_sequences`, `return_state`, `go_backwards`,
    `stateful`, `unroll`, `zero_output_for_mask`). The input projection of all
    steps is one matrix product before the time loop.

    Call arguments:
        sequences: `(batch, time, features)`.
        initial_state: optional `[h_0, c_0]`.
        mask: optional `(batch, time)` boolean mask.
        training: whether dropout is active.

    Returns:
        `(batch, time, units)` if `return_sequences` else `(batch, units)`,
        then `h_T, c_T` if `return_state`.

    Example:

    >>> out, h, c = LSTM(4, return_sequences=True, return_state=True)(
    ...     np.ones((2, 7, 3)))
    >>> out.shape, h.shape, c.shape
    ((2, 7, 4), (2, 4), (2, 4))
    """

    cell_class = LSTMCell

    def __init__(self, units, use_cudnn="auto", **kwargs):
        validation.check_choice("use_cudnn", use_cudnn, ("auto", True, False))
        super().__init__(units, **kwargs)
        # As in Keras: kept as an attribute (Bidirectional copies it), not
        # saved in the config. kerasseq has no cuDNN kernel; on TensorFlow
        # it trains with its own fused gradient whatever the value.
        self.use_cudnn = use_cudnn
