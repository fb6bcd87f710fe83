"""Recurrent layers as WHILE loops over the input's own length.

An unrolled graph (`frozen_recurrence(unroll=True)`) costs its fixed
length whatever the text: a classifier exported for 200 tokens ran 200
steps of each direction for a five-word review. Inside
`while_loop_recurrence(model)`, every kerasseq recurrent layer of the model
(alone, in a `DeepRNN` stack or in a Seq2Seq encoder) runs as one
`tf.while_loop` over the time axis of the inputs it gets, so the graph
accepts any length and costs what the input costs. TFLite runs
such a loop with its built-in `WHILE` operator (no Flex kernel):

* the input projection `W_x x_t + b` of all steps is one product before the
  loop (`RecurrentCell.project_inputs`); the loop body reads its step with a
  gather and does the recurrent product (`RecurrentCell.step`);
* a bidirectional layer runs both directions in the same iteration (step `t`
  forward and step `T - 1 - t` backward), so it pays the loop's per-step
  overhead once; nothing is reversed (no `REVERSE_V2`, whose LiteRT kernel
  crashes on an empty batch);
* a layer whose outputs feed another layer or a pooling writes each step
  into a `(batch, T, width)` buffer with `DYNAMIC_UPDATE_SLICE`; a last
  layer that returns its final output keeps no buffer.

Masking follows `keras.layers.RNN`: a masked step keeps the states and the
last output, and writes zeros as its output (Keras's `Bidirectional` and
its pooling layers ignore masked steps). Call the model inside the block
and inside `frozen_recurrence(model)` (constant `W_h`), while tracing.
"""

import contextlib

import keras
import tensorflow as tf
from tensorflow.compiler.tf2xla.python import xla

from kerasseq.export.step_models import all_layers
from kerasseq.layers import RecurrentCell

#: `Bidirectional` merge modes the loop can reproduce.
MERGE_MODES = ("concat", "sum", "ave", "mul")


def _merge(forward, backward, mode):
    """`Bidirectional`'s merge of the two directions' outputs."""
    if mode == "concat":
        return tf.concat([forward, backward], axis=-1)
    if mode == "sum":
        return forward + backward
    if mode == "ave":
        return (forward + backward) / 2
    return forward * backward  # "mul"


def recurrent_loop(cells, inputs, mask, return_sequences, initial_states=None):
    """One recurrent layer (one or two directions) as a single WHILE loop.

    Args:
        cells: `[forward]` or `[forward, backward]` `RecurrentCell`s.
        inputs: float `(batch, T, features)`.
        mask: bool `(batch, T)`, True at real steps.
        return_sequences: Whether to return every step's output.
        initial_states: Optional list per direction of its initial states
            (default zeros).

    Returns:
        `(outputs, final_states)`, one entry per direction: the outputs
        `(batch, T, output_size)` (zeros at masked steps) if
        `return_sequences`, else the output of the last real step
        `(batch, output_size)` (of the first, going backwards); the final
        states, a list per direction.
    """
    for cell in cells:
        if not isinstance(cell, RecurrentCell):
            raise ValueError(
                "A WHILE-loop export runs kerasseq cells only. Received: "
                f"{type(cell).__name__}"
            )
    batch = tf.shape(inputs)[0]
    length = tf.shape(inputs)[1]
    projected = [cell.project_inputs(inputs) for cell in cells]  # (b, T, G)
    kernels = [cell.recurrent_matrix() for cell in cells]
    if initial_states is None:
        initial_states = [cell.get_initial_state(batch) for cell in cells]
    states = [list(direction) for direction in initial_states]
    if return_sequences:
        outputs = [tf.zeros([batch, length, cell.output_size]) for cell in cells]
    else:
        outputs = [tf.zeros([batch, cell.output_size]) for cell in cells]

    def body(t, states, outputs):
        new_states, new_outputs = [], []
        for direction, cell in enumerate(cells):
            index = t if direction == 0 else length - 1 - t
            projected_t = tf.gather(projected[direction], index, axis=1)
            keep = tf.gather(mask, index, axis=1)[:, None]  # (batch, 1)
            output, stepped = cell.step(
                projected_t, states[direction], kernels[direction]
            )
            new_states.append([
                tf.where(keep, new, old)
                for new, old in zip(stepped, states[direction])
            ])
            if return_sequences:
                written = tf.where(keep, output, tf.zeros_like(output))
                new_outputs.append(xla.dynamic_update_slice(
                    outputs[direction], written[:, None, :],
                    tf.stack([0, index, 0]),
                ))
            else:
                new_outputs.append(tf.where(keep, output, outputs[direction]))
        return t + 1, new_states, new_outputs

    _, states, outputs = tf.while_loop(
        lambda t, *_: t < length, body, (tf.constant(0), states, outputs)
    )
    return outputs, states


def layer_loop(layer, inputs, mask=None, initial_state=None):
    """`layer(inputs, mask=mask, training=False)` as one WHILE loop.

    Args:
        layer: A kerasseq recurrent layer (a `keras.layers.RNN` of a
            `RecurrentCell`, not `go_backwards`), or a
            `keras.layers.Bidirectional` of two.
        inputs: float `(batch, T, features)`.
        mask: Optional bool `(batch, T)`.
        initial_state: Optional list of initial states (a `Bidirectional`'s:
            the forward ones, then the backward ones), default zeros.

    Returns:
        What the layer returns: the output (merged directions), followed by
        the final states if `return_state` (forward, then backward).
    """
    if mask is None:
        mask = tf.ones(tf.shape(inputs)[:2], tf.bool)
    mask = tf.cast(mask, tf.bool)
    if isinstance(layer, keras.layers.Bidirectional):
        if layer.merge_mode not in MERGE_MODES:
            raise ValueError(
                f"A WHILE-loop export merges directions with one of "
                f"{MERGE_MODES}. Received: merge_mode={layer.merge_mode!r}"
            )
        cells = [layer.forward_layer.cell, layer.backward_layer.cell]
    else:
        if layer.go_backwards:
            raise ValueError(
                "A WHILE-loop export runs a backward layer only inside "
                f"`Bidirectional`. Received: {layer.name} with go_backwards=True"
            )
        cells = [layer.cell]
    if initial_state is not None:
        initial_state = list(initial_state)
        half = len(initial_state) // len(cells)
        initial_state = [initial_state[:half], initial_state[half:]][:len(cells)]
    outputs, states = recurrent_loop(
        cells, inputs, mask, layer.return_sequences, initial_state
    )
    if len(cells) == 2:
        output = _merge(*outputs, layer.merge_mode)
    else:
        output = outputs[0]
    if not layer.return_state:
        return output
    return [output, *(state for direction in states for state in direction)]


def _loops_over_length(layer):
    """Whether `while_loop_recurrence` replaces `layer`'s call."""
    if isinstance(layer, keras.layers.Bidirectional):
        layer = layer.forward_layer
    return isinstance(layer, keras.layers.RNN) and isinstance(
        layer.cell, RecurrentCell
    )


@contextlib.contextmanager
def while_loop_recurrence(model):
    """Within the block, every kerasseq recurrent layer of `model` (and
    every `Bidirectional` of two) runs as `layer_loop`.

    Enter it while tracing an export graph, inside `frozen_recurrence`.
    `DeepRNN` stacks and a Seq2Seq encoder call their layers as usual, and
    the layers loop over the length they get.
    """
    layers = [layer for layer in all_layers(model) if _loops_over_length(layer)]
    # A Bidirectional's own layers are not called: it runs both in one loop.
    for layer in layers:
        layer.call = (
            lambda inputs, mask=None, training=None, initial_state=None,
            layer=layer: layer_loop(layer, inputs, mask, initial_state)
        )
    try:
        yield
    finally:
        for layer in layers:
            del layer.call
