"""The one way kerasseq stacks recurrent layers.

Every stack in the package (the `DeepRNN` layer of the classifier and the
long-memory tasks, the language model's layers, the Seq2Seq encoder and
decoder) creates its layers with `stack_layers`, runs them over a sequence
with `call_stack`, and steps their cells one token at a time with
`step_stack`. What differs between them is a choice of arguments: names,
where dropout sits (between layers, after each, before each), whether the
final states are returned, whether initial states are given.

Layers are created in order, each followed by its dropout layer (when the
caller asks for one), so a model's initial weights depend only on the seed.
"""

import keras

from kerasseq.layers.registry import get_recurrent_layer


def stack_layers(cell, units, num_layers, name=None, bidirectional=False,
                 merge_mode="concat", return_sequences=True, return_state=False,
                 make_dropout=None, wrapper_name="bidirectional", seeds=None,
                 dtype=None, cell_kwargs=None):
    """Creates the layers of a stack of `num_layers` recurrent layers.

    Args:
        cell: A registered recurrent layer name (`"lstm"`, ...) or a
            kerasseq sequence-layer class.
        units: Units of every layer.
        num_layers: Depth of the stack.
        name: Layer `i` is named `f"{name}_{i}"`; default the class name in
            lower case (`"lstm_0"`).
        bidirectional: Whether each layer is wrapped in
            `keras.layers.Bidirectional(merge_mode=merge_mode)`, named
            `f"{wrapper_name}_{i}"`.
        return_sequences: Whether the last layer returns sequences (the
            others always do).
        return_state: Whether every layer also returns its final states.
        make_dropout: Optional `make_dropout(i)`, called after layer `i` is
            created: a dropout layer (or `None`) that belongs to layer `i`;
            `call_stack` decides where it is applied.
        seeds: Optional list of per-layer seeds (the cells' dropout).
        dtype: The layers' dtype policy.
        cell_kwargs: Further arguments of every recurrent layer.

    Returns:
        `(layers, dropouts)`: lists of length `num_layers` (dropouts `[]`
        without `make_dropout`, else one entry per layer, `None` where
        `make_dropout` returned none).
    """
    layer_class = get_recurrent_layer(cell)
    prefix = name or layer_class.__name__.lower()
    layers, dropouts = [], []
    for index in range(num_layers):
        kwargs = dict(cell_kwargs or {})
        if seeds is not None:
            kwargs["seed"] = seeds[index]
        if dtype is not None:
            kwargs["dtype"] = dtype
        layer = layer_class(
            units,
            return_sequences=return_sequences or index < num_layers - 1,
            return_state=return_state,
            name=f"{prefix}_{index}",
            **kwargs,
        )
        if bidirectional:
            layer = keras.layers.Bidirectional(
                layer, merge_mode=merge_mode, name=f"{wrapper_name}_{index}",
                **({} if dtype is None else {"dtype": dtype}),
            )
        layers.append(layer)
        if make_dropout is not None:
            dropouts.append(make_dropout(index))
    return layers, dropouts


def call_stack(layers, x, dropouts_before=(), dropouts_after=(), residual=False,
               initial_states=None, return_state=False, mask=None,
               training=None):
    """Runs a stack over `x` `(batch, time, features)`.

    Args:
        layers: The stack's layers, in order.
        dropouts_before, dropouts_after: Dropout layers (or `None`) indexed
            like `layers`, applied to a layer's input and to its output; a
            shorter list leaves the later layers without.
        residual: Whether a layer after the first adds its input to its
            output (where the widths agree and the layer returns
            sequences).
        initial_states: Optional list, one entry (a list of states, or
            `None`) per layer.
        return_state: Whether the layers return their final states (they
            were created with `return_state=True`).
        mask: Optional `(batch, time)` mask passed to every layer.
        training: Whether dropout is active.

    Returns:
        The last layer's output, or `(output, states)` with
        `return_state=True`: `states` one list per layer (a bidirectional
        layer's forward states, then its backward ones).
    """
    states = []
    for index, layer in enumerate(layers):
        if index < len(dropouts_before) and dropouts_before[index] is not None:
            x = dropouts_before[index](x, training=training)
        kwargs = {}
        if mask is not None:
            kwargs["mask"] = mask
        if initial_states is not None and initial_states[index] is not None:
            kwargs["initial_state"] = initial_states[index]
        outputs = layer(x, training=training, **kwargs)
        if return_state:
            outputs, final = outputs[0], list(outputs[1:])
            states.append(final)
        if residual and index > 0 and is_residual(layer, x, outputs):
            outputs = outputs + x
        if index < len(dropouts_after) and dropouts_after[index] is not None:
            outputs = dropouts_after[index](outputs, training=training)
        x = outputs
    return (x, states) if return_state else x


def is_residual(layer, inputs, outputs):
    """Whether a residual connection fits: same rank and width."""
    return (
        len(inputs.shape) == len(outputs.shape)
        and inputs.shape[-1] == outputs.shape[-1]
    )


def step_stack(cells, x, states, kernels):
    """One time step through stacked cells.

    Args:
        cells: The stack's `RecurrentCell`s, in order.
        x: `(batch, features)`, the first cell's input.
        states: One list of states per cell.
        kernels: Each cell's `recurrent_matrix()`, computed once per
            sequence.

    Returns:
        `(output (batch, units), new states)`, one list per cell.
    """
    new_states = []
    for cell, state, kernel in zip(cells, states, kernels, strict=True):
        x, state = cell.step(cell.project_inputs(x), list(state), kernel)
        new_states.append(list(state))
    return x, new_states
