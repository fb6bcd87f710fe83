"""Unitary evolution recurrent cell and sequence layer (uRNN).

Reference: Arjovsky, Shah and Bengio, "Unitary evolution recurrent neural
networks", ICML 2016.
"""

import math

import keras
from keras import ops

from kerasseq.layers import validation
from kerasseq.layers.modrelu import add_modrelu_bias
from kerasseq.layers.modrelu import complex_modrelu
from kerasseq.layers.modrelu import complex_modrelu_gradient
from kerasseq.layers.modrelu import modrelu_bias_gradient
from kerasseq.layers.rnn import RecurrentCell
from kerasseq.layers.rnn import RecurrentLayer
from kerasseq.optimizers.manifold import mark_manifold_variable

# Complex tensors are `(real, imag)` pairs of real tensors, as `keras.ops.fft`
# takes and returns them; every operator below acts on each row `h` (last
# axis) of a `(rows, n)` pair as the matrix product `M h` on a column.


def _phase(z, angles):
    """`D z` with `D = diag(exp(i angles))`."""
    real, imag = z
    cos, sin = ops.cos(angles), ops.sin(angles)
    return real * cos - imag * sin, real * sin + imag * cos


def _fourier(z):
    """`F z`, the unitary DFT (`numpy.fft.fft(..., norm="ortho")`)."""
    scale = 1.0 / math.sqrt(ops.shape(z[0])[-1])
    real, imag = ops.fft(z)
    return real * scale, imag * scale


def _inverse_fourier(z):
    """`F^{-1} z = conj(F conj(z))`, the inverse unitary DFT."""
    real, imag = _fourier((z[0], -z[1]))
    return real, -imag


def _reflect(z, vector):
    """`R z` with `R = I - 2 v v^H / ||v||^2`, `v = vector[0] + i vector[1]`."""
    real, imag = z
    v_real, v_imag = vector[0], vector[1]
    # v^H z per row: sum_k conj(v_k) z_k.
    dot_real = ops.sum(real * v_real + imag * v_imag, axis=-1, keepdims=True)
    dot_imag = ops.sum(imag * v_real - real * v_imag, axis=-1, keepdims=True)
    scale = 2.0 / ops.sum(v_real * v_real + v_imag * v_imag)
    return (
        real - scale * (dot_real * v_real - dot_imag * v_imag),
        imag - scale * (dot_real * v_imag + dot_imag * v_real),
    )


def _permute(z, permutation):
    """`P z` with `(P z)_i = z_{permutation[i]}`."""
    return tuple(ops.take(part, permutation, axis=-1) for part in z)


@keras.saving.register_keras_serializable(package="kerasseq")
class UnitaryRNNCell(RecurrentCell):
    """Unitary evolution RNN cell (uRNN), Arjovsky, Shah and Bengio 2016.

    The state is a complex vector `h` of `units` entries, stored as the real
    vector `[Re h, Im h]` of size `2 * units`:
    `h_t = modrelu(W h_{t-1} + V x_t + b)` with the unitary
    `W = D3 R2 F^{-1} D2 P R1 F D1`: diagonal phase matrices
    `D_j = diag(exp(i theta_j))`, complex Householder reflections
    `R_j = I - 2 v_j v_j^H / ||v_j||^2`, the unitary DFT `F` and a fixed
    permutation `P` drawn from `seed` at build time. `W` has `7 * units`
    real parameters.

    `recurrent_matrix()` applies this product to the basis vectors once and
    returns the real `(2 units, 2 units)` orthogonal matrix `K` with
    `[Re W h, Im W h] = [Re h, Im h] K`, so in the sequence layer each step
    is a single matrix product.

    Weights: `kernel` `(features, 2 units)` (`V`, real and imaginary
    columns), `phases` `(3, units)` (uniform in `[-pi, pi)`),
    `reflections` `(2, 2, units)` (`v_1`, `v_2` as real and imaginary rows;
    `recurrent_initializer`, `_regularizer` and `_constraint` act on them),
    `bias` `(2 units,)` if `use_bias`, `modrelu_bias` `(units,)` with
    `activation="modrelu"`, and the non-trainable int32 `permutation`
    `(units,)`. `phases` and `reflections` are marked as manifold
    parameters: the optimizers of `kerasseq.optimizers` train them with
    `manifold_multiplier` times the learning rate.

    Args:
        units: Positive integer, complex dimension of the state (the state
            and output have `2 * units` real entries).
        activation: `"modrelu"` (default) or `"linear"`.
        recurrent_initializer: Initializer of the reflection vectors (their
            scale does not matter). Default `"random_normal"`.
        use_bias, kernel_initializer, bias_initializer, *_regularizer,
        *_constraint, dropout, recurrent_dropout, seed: as in
        `keras.layers.SimpleRNNCell`; `seed` also draws the permutation.

    Call arguments:
        inputs: `(batch, features)`.
        states: list holding the previous state `(batch, 2 * units)`.
        training: whether dropout is active.

    Returns:
        `(h_t, [h_t])`, each `(batch, 2 * units)`.

    Example:

    >>> cell = UnitaryRNNCell(4)
    >>> h, _ = cell(np.ones((2, 3)), [np.zeros((2, 8))])
    >>> h.shape, cell.recurrent_matrix().shape
    ((2, 8), (8, 8))
    """

    gate_count = 2  # `kernel` and `bias` hold real and imaginary columns

    def __init__(
        self,
        units,
        activation="modrelu",
        recurrent_initializer="random_normal",
        **kwargs,
    ):
        validation.check_choice("activation", activation, ("modrelu", "linear"))
        super().__init__(
            units,
            activation="linear",
            recurrent_initializer=recurrent_initializer,
            **kwargs,
        )
        self.use_modrelu = activation == "modrelu"
        self.state_size = 2 * self.units
        self.output_size = 2 * self.units

    def build_recurrent(self):
        units = self.units
        self.phases = mark_manifold_variable(self.add_weight(
            shape=(3, units),
            name="phases",
            initializer=keras.initializers.RandomUniform(-math.pi, math.pi),
        ))
        self.reflections = mark_manifold_variable(self.add_weight(
            shape=(2, 2, units),
            name="reflections",
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        ))
        self.permutation = self.add_weight(
            shape=(units,),
            name="permutation",
            dtype="int32",
            trainable=False,
            initializer=lambda shape, dtype: ops.cast(
                keras.random.shuffle(ops.arange(shape[0]), seed=self.seed_generator),
                dtype,
            ),
        )

    def build(self, input_shape):
        super().build(input_shape)
        self.modrelu_bias = add_modrelu_bias(self) if self.use_modrelu else None

    def recurrent_matrix(self):
        """The real orthogonal `K`, `(2 units, 2 units)`: new state = `h K`."""
        units = self.units
        phases = ops.convert_to_tensor(self.phases)  # (3, units)
        dtype = phases.dtype
        # Row k of the result is W e_k, so `rows` holds W^T.
        rows = (ops.eye(units, dtype=dtype), ops.zeros((units, units), dtype))
        rows = _phase(rows, phases[0])  # D1
        rows = _fourier(rows)  # F
        rows = _reflect(rows, self.reflections[0])  # R1
        rows = _permute(rows, self.permutation)  # P
        rows = _phase(rows, phases[1])  # D2
        rows = _inverse_fourier(rows)  # F^-1
        rows = _reflect(rows, self.reflections[1])  # R2
        real, imag = _phase(rows, phases[2])  # D3
        return ops.concatenate(
            [
                ops.concatenate([real, imag], axis=1),  # rows for Re h
                ops.concatenate([-imag, real], axis=1),  # rows for Im h
            ],
            axis=0,
        )  # (2 units, 2 units)

    def step(self, projected, states, recurrent_kernel, recurrent_mask=None):
        return self.step_through_forward(
            projected, states, recurrent_kernel, recurrent_mask
        )

    # The fused gradient: `K` stays a function of phases and reflections, so
    # autodiff carries the one `dK` product of the loop back through them.
    def supports_fused_gradient(self):
        return True

    def fused_parameters(self):
        return [self.modrelu_bias] if self.use_modrelu else []

    def forward_step(self, projected, states, recurrent_kernel, parameters):
        z = projected + ops.matmul(states[0], recurrent_kernel)  # (batch, 2 units)
        h = complex_modrelu(z, parameters[0]) if parameters else z
        return [h], (z,)

    def backward_step(self, d_states, saved, previous_states, parameters):
        d_h = d_states[0]
        if parameters:
            d_h = complex_modrelu_gradient(d_h, saved[0], parameters[0])
        return d_h, None, [None]

    def parameter_gradients(self, d_recurrent, d_projected, saved, parameters):
        if not parameters:
            return []
        return [modrelu_bias_gradient(d_projected, saved()[0], parameters[0])]

    def get_config(self):
        base_config = super().get_config()
        base_config["activation"] = "modrelu" if self.use_modrelu else "linear"
        return base_config


@keras.saving.register_keras_serializable(package="kerasseq")
class UnitaryRNN(RecurrentLayer):
    """Unitary evolution RNN layer (Arjovsky et al. 2016) on `UnitaryRNNCell`.

    Takes `units` (the complex state size), every `UnitaryRNNCell` argument
    and the options of `keras.layers.RNN` (`return_sequences`,
    `return_state`, `go_backwards`, `stateful`, `unroll`,
    `zero_output_for_mask`). The real `(2 units, 2 units)` form of `W` is
    built once per sequence; each step is one matrix product and modReLU.

    Call arguments:
        sequences: `(batch, time, features)`.
        initial_state: optional list with one `(batch, 2 * units)` tensor.
        mask: optional `(batch, time)` boolean mask.
        training: whether dropout is active.

    Returns:
        `(batch, time, 2 * units)` if `return_sequences` else
        `(batch, 2 * units)` (`[Re h, Im h]`), then the final state if
        `return_state`.

    Example:

    >>> layer = UnitaryRNN(8, return_sequences=True)
    >>> layer(np.ones((2, 7, 3))).shape
    (2, 7, 16)
    """

    cell_class = UnitaryRNNCell
