"""Recurrent cell base class and the sequence layer that runs it.

A kerasseq cell splits the classic step `h_t = f(W_h h_{t-1} + W_x x_t + b)`
into two halves:

* `project_inputs(x)`: the input projection `W_x x + b`. It works on a single
  step `(batch, features)` and on a whole sequence `(batch, time, features)`.
* `step(projected_t, states)`: the recurrence on an already projected input.

`cell.call` chains the two, so every cell is an ordinary Keras cell that works
inside `keras.layers.RNN`, `keras.layers.StackedRNNCells` and
`keras.layers.Bidirectional`. The sequence layer `kerasseq.layers.RNN` instead
projects all time steps with one batched matrix product before the time loop
and keeps only the recurrent product inside it.
"""

import inspect
import re

import keras
from keras import ops

from kerasseq import backend
from kerasseq.backend import tuning
from kerasseq.layers import validation
from kerasseq.layers.fused_gradient import FusedRecurrence
from kerasseq.layers.time_loop import run_recurrence


class RecurrentCell(keras.layers.Layer):
    """Base class of the kerasseq cells: weights, dropout and the cell API.

    Subclasses set `gate_count` (how many blocks of `units` columns the
    kernels hold) and implement `step`; they may override `build_bias` and
    `project_inputs` when their bias is not a single vector added to the input
    projection.

    Args:
        units: Positive integer, dimensionality of the state.
        activation: Activation of the candidate state. Default `"tanh"`.
        use_bias: Whether the cell uses a bias vector. Default `True`.
        kernel_initializer: Initializer of the input kernel `W_x`.
        recurrent_initializer: Initializer of the recurrent kernel `W_h`.
        bias_initializer: Initializer of the bias.
        kernel_regularizer, recurrent_regularizer, bias_regularizer:
            Regularizers of the three weights (name, instance or `None`).
        kernel_constraint, recurrent_constraint, bias_constraint:
            Constraints of the three weights (name, instance or `None`).
        dropout: Float in `[0, 1]`, fraction of the input units to drop.
        recurrent_dropout: Float in `[0, 1]`, fraction of the state units to
            drop in the recurrent product.
        seed: Integer seed of the dropout masks.
    """

    #: Number of `units`-wide blocks in the kernels (gates plus candidate).
    gate_count = 1

    def __init__(
        self,
        units,
        activation="tanh",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        seed=None,
        **kwargs,
    ):
        validation.check_positive_int("units", units)
        validation.check_rate("dropout", dropout)
        validation.check_rate("recurrent_dropout", recurrent_dropout)
        validation.check_seed("seed", seed)
        super().__init__(**kwargs)
        self.units = int(units)
        self.activation = validation.get_activation("activation", activation)
        self.use_bias = bool(use_bias)

        self.kernel_initializer = validation.get_initializer(
            "kernel_initializer", kernel_initializer
        )
        self.recurrent_initializer = validation.get_initializer(
            "recurrent_initializer", recurrent_initializer
        )
        self.bias_initializer = validation.get_initializer(
            "bias_initializer", bias_initializer
        )
        self.kernel_regularizer = validation.get_regularizer(
            "kernel_regularizer", kernel_regularizer
        )
        self.recurrent_regularizer = validation.get_regularizer(
            "recurrent_regularizer", recurrent_regularizer
        )
        self.bias_regularizer = validation.get_regularizer(
            "bias_regularizer", bias_regularizer
        )
        self.kernel_constraint = validation.get_constraint(
            "kernel_constraint", kernel_constraint
        )
        self.recurrent_constraint = validation.get_constraint(
            "recurrent_constraint", recurrent_constraint
        )
        self.bias_constraint = validation.get_constraint(
            "bias_constraint", bias_constraint
        )

        self.dropout = float(dropout)
        self.recurrent_dropout = float(recurrent_dropout)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

        self.state_size = self.units
        self.output_size = self.units

    # ----------------------------------------------------------------- build
    def build(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError(
                f"{type(self).__name__} expects one time step of shape "
                "`(batch, features)`. Received: "
                f"input_shape={tuple(input_shape)}"
            )
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(
                f"{type(self).__name__} needs a known feature dimension. "
                f"Received: input_shape={tuple(input_shape)}"
            )
        width = self.gate_count * self.units
        self.kernel = self.add_weight(
            shape=(input_dim, width),
            name="kernel",
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.build_recurrent()
        self.bias = self.build_bias() if self.use_bias else None

    def build_recurrent(self):
        """Creates the recurrent weights; the default is `recurrent_kernel`.

        Cells whose `W_h` is parametrized (orthogonal, unitary) create their
        unconstrained variables here and override `recurrent_matrix`.
        """
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, self.gate_count * self.units),
            name="recurrent_kernel",
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )

    def recurrent_matrix(self):
        """The recurrent matrix `W_h`, `(units, gate_count * units)`.

        The sequence layer calls this once per sequence and hands the result
        to every `step`, so a parametrized `W_h` is computed once, not once
        per time step.
        """
        return self.recurrent_kernel

    def build_bias(self):
        """Creates the bias; the default is one `(gate_count * units,)` vector."""
        return self.add_weight(
            shape=(self.gate_count * self.units,),
            name="bias",
            initializer=self.bias_initializer,
            regularizer=self.bias_regularizer,
            constraint=self.bias_constraint,
        )

    # ------------------------------------------------------------------ math
    def project_inputs(self, inputs):
        """Returns `inputs @ W_x + b` for one step or a whole sequence.

        Args:
            inputs: `(batch, features)` or `(batch, time, features)`.

        Returns:
            The projection, `(..., gate_count * units)`.
        """
        return affine(inputs, self.kernel, self.bias if self.use_bias else None)

    def step(self, projected, states, recurrent_kernel, recurrent_mask=None):
        """One recurrent step on a projected input.

        Args:
            projected: `(batch, gate_count * units)`, from `project_inputs`.
            states: list of state tensors, each `(batch, units)`.
            recurrent_kernel: `W_h`, the result of `recurrent_matrix()`.
            recurrent_mask: optional `(batch, units)` dropout mask (already
                scaled by `1 / (1 - rate)`) applied to the previous state
                before the recurrent product.

        Returns:
            `(output, new_states)`.
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement `step`."
        )

    # ------------------------------------------- fused gradient (optional)
    # See `kerasseq.layers.fused_gradient` for the protocol. A cell that
    # returns `True` here implements `forward_step` and `backward_step`.
    def supports_fused_gradient(self):
        """Whether the cell describes its fused gradient; default `False`."""
        return False

    def fused_parameters(self):
        """Tensors besides `W_h` that `forward_step` uses; default none."""
        return []

    def forward_step(self, projected, states, recurrent_kernel, parameters):
        """`step` without dropout, plus what `backward_step` needs.

        Returns:
            `(new_states, saved)`, `saved` a tuple of `(batch, ...)` tensors.
        """
        raise NotImplementedError(
            f"{type(self).__name__} has no fused gradient."
        )

    def step_through_forward(self, projected, states, recurrent_kernel,
                             recurrent_mask=None):
        """`step` for a cell whose `forward_step` is its whole step and whose
        output is its first state: the dropout mask scales that state."""
        if recurrent_mask is not None:
            states = [states[0] * recurrent_mask, *states[1:]]
        new_states, _ = self.forward_step(
            projected, states, recurrent_kernel, self.fused_parameters()
        )
        return new_states[0], list(new_states)

    def backward_step(self, d_states, saved, previous_states, parameters):
        """Gradients of one step: `(d_recurrent, d_projected, d_previous)`."""
        raise NotImplementedError(
            f"{type(self).__name__} has no fused gradient."
        )

    def parameter_gradients(self, d_recurrent, d_projected, saved, parameters):
        """Gradients of `fused_parameters()` from `(time, batch, ...)` tensors.

        `saved()` returns the stacked `saved` tensors of `forward_step`.
        """
        return []

    def call(self, inputs, states, training=False):
        if not isinstance(states, (list, tuple)):
            # A bare tensor state, as Keras's one-state cells accept it:
            # the new state comes back as a bare tensor too.
            output, new_states = self.call(inputs, [states], training=training)
            return output, new_states[0] if len(new_states) == 1 else new_states
        states = list(states)
        if training and self.dropout > 0:
            inputs = inputs * self.dropout_mask(ops.shape(inputs), self.dropout)
        recurrent_mask = None
        if training and self.recurrent_dropout > 0:
            recurrent_mask = self.dropout_mask(
                ops.shape(states[0]), self.recurrent_dropout
            )
        return self.step(
            self.project_inputs(inputs),
            states,
            self.recurrent_matrix(),
            recurrent_mask,
        )

    # --------------------------------------------------------------- dropout
    def dropout_mask(self, shape, rate):
        """A dropout mask of `shape`: zeros at rate `rate`, kept units scaled.

        The sequence layer draws one mask per sequence and uses it at every
        step (variational dropout, Gal and Ghahramani 2016). Inside a plain
        `keras.layers.RNN`, `call` draws a fresh mask at each step.
        """
        ones = ops.ones(shape, dtype=self.compute_dtype)
        return keras.random.dropout(ones, rate=rate, seed=self.seed_generator)

    # ----------------------------------------------------------------- state
    def get_initial_state(self, batch_size=None):
        sizes = (
            self.state_size
            if isinstance(self.state_size, (list, tuple))
            else [self.state_size]
        )
        return [ops.zeros((batch_size, d), dtype=self.compute_dtype) for d in sizes]

    def get_config(self):
        config = {
            "units": self.units,
            "activation": keras.activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(
                self.kernel_initializer
            ),
            "recurrent_initializer": keras.initializers.serialize(
                self.recurrent_initializer
            ),
            "bias_initializer": keras.initializers.serialize(
                self.bias_initializer
            ),
            "kernel_regularizer": keras.regularizers.serialize(
                self.kernel_regularizer
            ),
            "recurrent_regularizer": keras.regularizers.serialize(
                self.recurrent_regularizer
            ),
            "bias_regularizer": keras.regularizers.serialize(
                self.bias_regularizer
            ),
            "kernel_constraint": keras.constraints.serialize(
                self.kernel_constraint
            ),
            "recurrent_constraint": keras.constraints.serialize(
                self.recurrent_constraint
            ),
            "bias_constraint": keras.constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        }
        base_config = super().get_config()
        return {**base_config, **config}


@keras.saving.register_keras_serializable(package="kerasseq")
class RNN(keras.layers.RNN):
    """Sequence layer that hoists the input projection out of the time loop.

    For a `RecurrentCell`, the projection `W_x x_t + b` of all time steps is
    one batched matrix product before the loop, and the loop body keeps only
    the recurrent product. Other cells run through `keras.layers.RNN`
    unchanged. Dropout masks are drawn once per sequence.

    On TensorFlow, a cell that supports it trains (`training=True`) with the
    fused gradient of `kerasseq.layers.fused_gradient` (one product with
    `W_h^T` per backward step, the weight gradients as one product over all
    steps); with `recurrent_dropout` active, `unroll` or `training=False`,
    the time loop is differentiated by autodiff. Inside a graph
    (`model.fit`, `tf.function`) the two loops of the fused gradient run as
    XLA computations, which fuse each step's gate arithmetic: graph mode
    runs one kernel per elementwise op (BENCHMARKS.md). Other backends run
    the portable `keras.ops` loop.

    Takes the arguments of `keras.layers.RNN`: `cell`, `return_sequences`,
    `return_state`, `go_backwards`, `stateful`, `unroll`,
    `zero_output_for_mask`, and:

    Args:
        fused_gradient, jit_compile_loops, parallel_chains: Runtime tuning
            of this layer object (`kerasseq.backend.tuning`), overriding the
            `kerasseq.backend.tuning(...)` block, process default or
            environment in effect. Default `None`: follow those. How a
            recurrence runs depends on the machine, so these are not saved
            in the layer's config; configs of older kerasseq versions that
            carry them load, and the values are dropped.

    Call arguments:
        sequences: `(batch, time, features)`.
        initial_state: optional list of initial state tensors.
        mask: optional `(batch, time)` boolean mask (left or right padding).
        training: whether dropout is active.

    Returns:
        `(batch, time, units)` if `return_sequences`, else `(batch, units)`;
        followed by the final states if `return_state`.

    Example:

    >>> layer = RNN(kerasseq.layers.LSTMCell(8), return_sequences=True)
    >>> layer(np.zeros((2, 5, 3))).shape
    (2, 5, 8)
    """

    def __init__(
        self,
        cell,
        fused_gradient=None,
        jit_compile_loops=None,
        parallel_chains=None,
        **kwargs,
    ):
        tuning.check(
            fused_gradient=fused_gradient,
            jit_compile_loops=jit_compile_loops,
            parallel_chains=parallel_chains,
        )
        super().__init__(cell, **kwargs)
        self.fused_gradient = fused_gradient
        self.jit_compile_loops = jit_compile_loops
        self.parallel_chains = parallel_chains

    @classmethod
    def from_config(cls, config, custom_objects=None):
        # Configs saved before tuning became a runtime setting carry it.
        config = {k: v for k, v in config.items() if k not in tuning.NAMES}
        return super().from_config(config, custom_objects=custom_objects)

    def tuning(self):
        """The `kerasseq.backend.Tuning` this layer runs with now: its own
        arguments over the settings in effect."""
        return tuning.get_tuning(
            fused_gradient=self.fused_gradient,
            jit_compile_loops=self.jit_compile_loops,
            parallel_chains=self.parallel_chains,
        )

    def _compile_loops(self, projected):
        """Whether the fused loops over `projected` (time-major) compile."""
        setting = self.tuning().jit_compile_loops
        if setting == "auto":
            return projected.shape[0] is not None
        return setting

    def _chains(self):
        """Into how many independent recurrences the fused path splits the
        batch (`parallel_chains`; `"auto"` is the backend's answer)."""
        setting = self.tuning().parallel_chains
        if setting != "auto":
            return setting
        return backend.auto_parallel_chains()

    def inner_loop(self, sequences, initial_state, mask, training=False):
        cell = self.cell
        if not isinstance(cell, RecurrentCell):
            return super().inner_loop(
                sequences, initial_state, mask, training=training
            )
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        chains = self._chains() if self._trains_fused(training) else 1
        batch = sequences.shape[0]
        if batch is not None and batch < MIN_ROWS_PER_CHAIN * chains:
            chains = 1  # too few rows to be worth a second chain
        # `W_h` once per batch, shared by the chains: an orthogonal or
        # unitary parametrization is a fixed cost worth paying once.
        recurrent_kernel = cell.recurrent_matrix()
        if chains == 1:
            return self._inner_loop(
                sequences, initial_state, mask, training, recurrent_kernel
            )
        return self._inner_loop_in_chains(
            chains, sequences, initial_state, mask, training, recurrent_kernel
        )

    def _trains_fused(self, training):
        """Whether a training call takes the fused path (TensorFlow)."""
        cell = self.cell
        return bool(
            training
            and not self.unroll
            and cell.recurrent_dropout == 0
            and cell.supports_fused_gradient()
            and backend.has_fast_path("fused_recurrence")
            and self.tuning().fused_gradient
        )

    def _inner_loop_in_chains(
        self, chains, sequences, initial_state, mask, training, recurrent_kernel
    ):
        """`_inner_loop` on `chains` slices of the batch, as independent
        recurrences that graph mode runs side by side, one per core; the
        results are joined back along the batch axis (the weight gradients
        of the chains add up). Rows are divided as evenly as possible."""

        def split(tensor):
            return backend.split_rows(tensor, chains, like=sequences)

        sequence_parts = split(sequences)
        mask_parts = [None] * chains if mask is None else split(mask)
        state_parts = [split(state) for state in initial_state]
        per_chain = [
            self._inner_loop(
                sequence_parts[i],
                [parts[i] for parts in state_parts],
                mask_parts[i],
                training,
                recurrent_kernel,
            )
            for i in range(chains)
        ]
        last_output, outputs, final_states = zip(*per_chain)

        def join(parts):
            return backend.join_rows(list(parts), sequences.shape[:1])

        return (
            join(last_output),
            join(outputs),
            [join(parts) for parts in zip(*final_states)],
        )

    def _inner_loop(self, sequences, initial_state, mask, training, recurrent_kernel):
        cell = self.cell
        # Time-major from here on: the narrow inputs are transposed, not the
        # `gates * units`-wide projection (nor its gradient).
        sequences = ops.transpose(sequences, (1, 0, 2))  # (time, batch, features)
        if training and cell.dropout > 0:
            input_mask = cell.dropout_mask(
                (1, ops.shape(sequences)[1], ops.shape(sequences)[2]),
                cell.dropout,
            )
            sequences = sequences * input_mask  # same mask at every step
        recurrent_mask = None
        if training and cell.recurrent_dropout > 0:
            recurrent_mask = cell.dropout_mask(
                ops.shape(initial_state[0]), cell.recurrent_dropout
            )
        projected = cell.project_inputs(sequences)  # (time, batch, gates*units)

        def step_fn(projected_t, states):
            return cell.step(projected_t, states, recurrent_kernel, recurrent_mask)

        fused = None
        if self._trains_fused(training):  # inference needs no saved gates
            fused = FusedRecurrence(
                cell,
                recurrent_kernel,
                tuple(cell.fused_parameters()),
                compile_loops=self._compile_loops(projected),
            )

        return run_recurrence(
            step_fn,
            projected,
            list(initial_state),
            output_size=cell.output_size,
            mask=mask,
            go_backwards=self.go_backwards,
            return_sequences=self.return_sequences,
            zero_output_for_mask=self.zero_output_for_mask,
            unroll=self.unroll,
            fused=fused,
            time_major=True,
        )


# A batch is split into parallel chains only if each gets this many rows.
MIN_ROWS_PER_CHAIN = 8


def affine(inputs, kernel, bias=None):
    """`inputs @ kernel + bias`, for one step or a whole sequence.

    On a sequence, the bias rides in the product as one more kernel row
    against a column of ones: its gradient then comes out of the one
    kernel-gradient product over all steps, where `inputs @ kernel + bias`
    would sum the `(batch * time, width)` gradient over its rows, a
    reduction TensorFlow's CPU kernels run about 8x slower than that product
    (`tools/bench.py`).

    Args:
        inputs: `(batch, features)` or `(..., features)` of rank 3.
        kernel: `(features, width)`.
        bias: optional `(width,)`.

    Returns:
        `(..., width)`.
    """
    if bias is None:
        return ops.matmul(inputs, kernel)
    if len(inputs.shape) < 3:
        return ops.matmul(inputs, kernel) + bias
    ones = ops.ones_like(inputs[..., :1])
    return ops.matmul(
        ops.concatenate([inputs, ones], axis=-1),
        ops.concatenate([kernel, ops.expand_dims(bias, 0)], axis=0),
    )


def _snake_case(name):
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def _named_parameters(classes):
    """The named constructor parameters of `classes` (each class's own
    `__init__`, in order), the first of each name, up to `keras.layers.Layer`."""
    parameters = {}
    for klass in classes:
        if klass is keras.layers.Layer:
            break
        if "__init__" not in vars(klass):
            continue
        for parameter in inspect.signature(klass.__init__).parameters.values():
            if parameter.kind in (
                parameter.POSITIONAL_OR_KEYWORD,
                parameter.KEYWORD_ONLY,
            ) and parameter.name != "self":
                parameters.setdefault(parameter.name, parameter)
    return parameters


def _cell_argument_names(cell_class):
    """Constructor arguments of `cell_class` and of its kerasseq bases."""
    return tuple(_named_parameters(cell_class.__mro__))


def _flattened_signature(layer_class):
    """What `help(layer_class)` and `inspect.signature` show: `units`, the
    layer's own arguments (e.g. `use_cudnn`), every argument of its cell
    with its default, the sequence options of `keras.layers.RNN`, the
    runtime-tuning overrides, then `**kwargs` (the base `Layer`'s `name`,
    `dtype`, ...). The constructor
    itself takes the cell's arguments through `**kwargs`."""
    mro = layer_class.__mro__
    own = _named_parameters(mro[:mro.index(RecurrentLayer)])
    cell = _named_parameters(layer_class.cell_class.__mro__)
    sequence = _named_parameters([RecurrentLayer])
    tuning = {  # runtime tuning overrides of this object (`kerasseq.backend`)
        name: parameter for name, parameter in _named_parameters([RNN]).items()
        if name != "cell"
    }
    merged = {**tuning, **sequence, **cell, **own}
    ordered = [merged["units"]] + [
        merged[name] for name in {**own, **cell, **sequence, **tuning}
        if name != "units"
    ]
    parameters = [ordered[0].replace(kind=inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    parameters += [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in ordered[1:]]
    parameters.append(inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD))
    return inspect.Signature(parameters)


class RecurrentLayer(RNN):
    """Base of `SimpleRNN`, `LSTM`, `GRU`: a cell's arguments, flattened.

    A subclass names its `cell_class`; the layer takes `units`, the
    arguments of that cell (`activation`, initializers, `dropout`, ...) and
    the sequence options of `keras.layers.RNN`. Every cell argument is also
    a read-only attribute of the layer (`layer.units`, `layer.dropout`), and
    the config is the cell's arguments plus the sequence options, so
    `from_config` is `cls(**config)` as for the Keras layers.
    """

    cell_class = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.cell_class is None:
            return
        cls._cell_arguments = _cell_argument_names(cls.cell_class)
        cls.__signature__ = _flattened_signature(cls)
        for name in cls._cell_arguments:
            if not hasattr(cls, name):
                setattr(
                    cls,
                    name,
                    property(lambda self, _name=name: getattr(self.cell, _name)),
                )

    def __init__(
        self,
        units,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        zero_output_for_mask=False,
        activity_regularizer=None,
        **kwargs,
    ):
        cell_kwargs = {
            key: kwargs.pop(key)
            for key in list(kwargs)
            if key in self._cell_arguments
        }
        cell = self.cell_class(
            units,
            dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True),
            name=_snake_case(self.cell_class.__name__),
            **cell_kwargs,
        )
        super().__init__(
            cell,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            unroll=unroll,
            zero_output_for_mask=zero_output_for_mask,
            activity_regularizer=activity_regularizer,
            **kwargs,
        )
        self.input_spec = keras.InputSpec(ndim=3)

    def call(self, sequences, initial_state=None, mask=None, training=False):
        return super().call(
            sequences, initial_state=initial_state, mask=mask, training=training
        )

    def get_config(self):
        cell_config = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            cell_config.pop(key, None)
        base_config = super().get_config()
        del base_config["cell"]
        base_config["activity_regularizer"] = keras.regularizers.serialize(
            self.activity_regularizer
        )
        return {**base_config, **cell_config}

    @classmethod
    def from_config(cls, config):
        # Configs saved before tuning became a runtime setting carry it.
        return cls(**{k: v for k, v in config.items() if k not in tuning.NAMES})
