"""Orthogonal recurrent cell and sequence layer (expRNN and scoRNN).

References: Lezcano-Casado and Martinez-Rubio, "Cheap orthogonal constraints
in neural networks: a simple parametrization of the orthogonal and unitary
group", ICML 2019; Helfrich, Willmott and Ye, "Orthogonal recurrent neural
networks with scaled Cayley transform", ICML 2018.
"""

import keras
from keras import ops

from kerasseq.initializers import SKEW_INITIALIZERS
from kerasseq.layers import validation
from kerasseq.layers.fused_gradient import activation_derivative
from kerasseq.layers.fused_gradient import column_sum
from kerasseq.layers.modrelu import add_modrelu_bias
from kerasseq.layers.modrelu import modrelu
from kerasseq.layers.parametrizations import get_parametrization
from kerasseq.layers.parametrizations import skew_symmetric
from kerasseq.layers.rnn import RecurrentCell
from kerasseq.layers.rnn import RecurrentLayer
from kerasseq.optimizers.manifold import mark_manifold_variable


def _check_activation(activation):
    """Accepts `"modrelu"` or any Keras activation; names both if neither."""
    if activation == "modrelu":
        return
    try:
        validation.get_activation("activation", activation)
    except ValueError:
        raise ValueError(
            "Argument `activation` must be 'modrelu' or a Keras activation "
            f"such as 'tanh'. Received: activation={activation!r}"
        ) from None


@keras.saving.register_keras_serializable(package="kerasseq")
class OrthogonalRNNCell(RecurrentCell):
    """Orthogonal RNN cell (expRNN, Lezcano-Casado 2019; scoRNN, Helfrich 2018).

    `h_t = activation(h_{t-1} W_h + x_t W_x + b)` with `W_h` exactly
    orthogonal: `W_h = map(A)` for the skew-symmetric `A` taken from the
    strict upper triangle of an unconstrained variable `skew_kernel`, and
    `map` the matrix exponential (`"exp"`, expRNN) or the Cayley transform
    `(I + A)^{-1} (I - A)` (`"cayley"`, scoRNN without its diagonal scaling
    `D`). Gradients reach `skew_kernel` through the map, so every optimizer
    keeps `W_h` orthogonal with no retraction step.

    Weights: `kernel` `(features, units)`, `skew_kernel` `(units, units)`,
    `bias` `(units,)` if `use_bias`, and `modrelu_bias` `(units,)` with
    `activation="modrelu"` (initialized, regularized and constrained like
    `bias`). `recurrent_regularizer` and `recurrent_constraint` act on
    `skew_kernel`.

    Args:
        units: Positive integer, dimensionality of the state.
        activation: `"modrelu"` (default: `sign(z) * relu(|z| + b_mod)`,
            Arjovsky et al. 2016, the activation of the expRNN and scoRNN
            papers, whose derivative is 1 wherever it is active, so the
            orthogonal `W_h` keeps gradient norms), `"tanh"` (shrinks the
            gradient by `tanh' <= 1` every step) or another Keras
            activation.
        parametrization: `"exp"` (default) or `"cayley"`, a key of
            `kerasseq.layers.parametrizations.PARAMETRIZATIONS`.
        recurrent_initializer: Initializer of the skew matrix `A`:
            `"henaff"` (default, Henaff et al. 2016), `"cayley"` (Helfrich
            et al. 2018), `"random_orthogonal"`, or any Keras initializer.
        negative_ones: Number of `-1` entries on the diagonal of scoRNN's
            scaling matrix `D` (default 0): `W_h = map(A) D`, the last
            `negative_ones` columns of `map(A)` negated. The Cayley map
            cannot reach an orthogonal matrix with eigenvalue `-1`; `D`
            gives it access to them (Helfrich et al. use 95 of 190 units
            for the copying task).
        rebase_every: `None` (default: `W_h = map(A)`, the static
            trivialization) or a positive integer `K`: expRNN's dynamic
            trivialization, `W_h = B map(A) D` with a non-trainable orthogonal
            base point `B` (`base`, initially the identity) that moves to
            the current `W_h` every `K` optimizer steps while `A` returns to
            zero (`rebase()`, called by
            `kerasseq.callbacks.DynamicTrivialization`, which the trainer
            adds). The map is then always used near zero, where it is
            best conditioned.
        use_bias, kernel_initializer, bias_initializer, *_regularizer,
        *_constraint, dropout, recurrent_dropout, seed: as in
        `keras.layers.SimpleRNNCell`.

    Call arguments:
        inputs: `(batch, features)`.
        states: list holding the previous state `(batch, units)`.
        training: whether dropout is active.

    Returns:
        `(h_t, [h_t])`, each `(batch, units)`.

    Example:

    >>> cell = OrthogonalRNNCell(4, parametrization="cayley")
    >>> h, _ = cell(np.ones((2, 3)), [np.zeros((2, 4))])
    >>> h.shape, cell.recurrent_matrix().shape
    ((2, 4), (4, 4))
    """

    gate_count = 1

    def __init__(
        self,
        units,
        activation="modrelu",
        parametrization="exp",
        recurrent_initializer="henaff",
        negative_ones=0,
        rebase_every=None,
        **kwargs,
    ):
        _check_activation(activation)
        get_parametrization(parametrization)  # raises on an unknown name
        if rebase_every is not None:
            validation.check_positive_int("rebase_every", rebase_every)
        use_modrelu = activation == "modrelu"
        if isinstance(recurrent_initializer, str):
            skew_initializer = SKEW_INITIALIZERS.get(recurrent_initializer)
            if skew_initializer is not None:
                recurrent_initializer = skew_initializer()
        super().__init__(
            units,
            activation=None if use_modrelu else activation,
            recurrent_initializer=recurrent_initializer,
            **kwargs,
        )
        self.use_modrelu = use_modrelu
        self.parametrization = parametrization
        self.rebase_every = rebase_every
        if (isinstance(negative_ones, bool) or not isinstance(negative_ones, int)
                or not 0 <= negative_ones <= self.units):
            raise ValueError(
                "Argument `negative_ones` must be an integer from 0 to `units` "
                f"({self.units}). Received: negative_ones={negative_ones!r}"
            )
        self.negative_ones = negative_ones

    def build_recurrent(self):
        self.skew_kernel = mark_manifold_variable(self.add_weight(
            shape=(self.units, self.units),
            name="skew_kernel",
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        ))
        self.base = None
        if self.rebase_every is not None:
            self.base = self.add_weight(
                shape=(self.units, self.units),
                name="base",
                initializer="identity",
                trainable=False,
            )

    def build(self, input_shape):
        super().build(input_shape)
        self.modrelu_bias = add_modrelu_bias(self) if self.use_modrelu else None

    def recurrent_matrix(self):
        """The orthogonal `W_h = B map(A) D`, `(units, units)`; `h_t` uses
        `h W_h`. `B` is the identity without `rebase_every`, and `D` the
        identity without `negative_ones`."""
        parametrization = get_parametrization(self.parametrization)
        matrix = parametrization(skew_symmetric(self.skew_kernel))
        if self.base is not None:
            matrix = ops.matmul(ops.convert_to_tensor(self.base), matrix)
        return self._scale(matrix)

    def _scale(self, matrix):
        """`matrix D`: the last `negative_ones` columns negated."""
        if not self.negative_ones:
            return matrix
        signs = [1.0] * (self.units - self.negative_ones) + [-1.0] * self.negative_ones
        return matrix * ops.convert_to_tensor(signs, dtype=matrix.dtype)

    def rebase(self):
        """Moves the base point to the current `W_h` and `A` back to zero.

        `W_h` (and so the cell's function) is unchanged up to rounding. The
        new base is the orthogonal matrix nearest to `W_h` (`U V^T` of its
        SVD), so rounding does not accumulate over many changes of base.
        Only for a cell built with `rebase_every`.
        """
        if self.base is None:
            raise ValueError(
                "rebase() needs a cell built with `rebase_every` (dynamic "
                "trivialization); this one has rebase_every=None."
            )
        # W_h = B map(A) D, and D D = I: the new B is W_h D.
        u, _, v_transposed = ops.linalg.svd(self._scale(self.recurrent_matrix()))
        self.base.assign(ops.matmul(u, v_transposed))
        self.skew_kernel.assign(ops.zeros(self.skew_kernel.shape, self.skew_kernel.dtype))

    def step(self, projected, states, recurrent_kernel, recurrent_mask=None):
        return self.step_through_forward(
            projected, states, recurrent_kernel, recurrent_mask
        )

    # The fused gradient: `W_h` stays a function of `skew_kernel`, so autodiff
    # carries the one `dW_h` product of the loop back through the map.
    def supports_fused_gradient(self):
        return self.use_modrelu or activation_derivative(self.activation) is not None

    def fused_parameters(self):
        return [self.modrelu_bias] if self.use_modrelu else []

    def forward_step(self, projected, states, recurrent_kernel, parameters):
        z = projected + ops.matmul(states[0], recurrent_kernel)  # (batch, units)
        h = modrelu(z, parameters[0]) if self.use_modrelu else self.activation(z)
        return [h], (h,)

    def backward_step(self, d_states, saved, previous_states, parameters):
        h = saved[0]
        if self.use_modrelu:
            # sign(z) relu(|z| + b) has slope 1 wherever it is not zero.
            slope = ops.cast(ops.not_equal(h, 0), h.dtype)
        else:
            slope = activation_derivative(self.activation)(h)
        return d_states[0] * slope, None, [None]

    def parameter_gradients(self, d_recurrent, d_projected, saved, parameters):
        if not self.use_modrelu:
            return []
        # d h / d b = sign(z) = sign(h) where the unit is active, else 0.
        return [column_sum(d_projected * ops.sign(saved()[0]))]

    def get_config(self):
        config = {"parametrization": self.parametrization}
        if self.rebase_every is not None:
            config["rebase_every"] = self.rebase_every
        if self.negative_ones:
            config["negative_ones"] = self.negative_ones
        base_config = super().get_config()
        if self.use_modrelu:
            base_config["activation"] = "modrelu"
        return {**base_config, **config}


@keras.saving.register_keras_serializable(package="kerasseq")
class OrthogonalRNN(RecurrentLayer):
    """Orthogonal RNN layer (expRNN 2019, scoRNN 2018) on `OrthogonalRNNCell`.

    Takes `units`, every `OrthogonalRNNCell` argument (`parametrization`,
    `activation`, ...) and the options of `keras.layers.RNN`
    (`return_sequences`, `return_state`, `go_backwards`, `stateful`,
    `unroll`, `zero_output_for_mask`). The orthogonal `W_h` is computed once
    per sequence, and the input projection of all steps is one product.

    Call arguments:
        sequences: `(batch, time, features)`.
        initial_state: optional list with one `(batch, units)` tensor.
        mask: optional `(batch, time)` boolean mask.
        training: whether dropout is active.

    Returns:
        `(batch, time, units)` if `return_sequences` else `(batch, units)`,
        then the final state if `return_state`.

    Example:

    >>> layer = OrthogonalRNN(8, parametrization="exp", activation="modrelu",
    ...                       return_sequences=True)
    >>> layer(np.ones((2, 7, 3))).shape
    (2, 7, 8)
    """

    cell_class = OrthogonalRNNCell
