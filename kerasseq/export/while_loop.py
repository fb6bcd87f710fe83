"""Stacked recurrent layers as WHILE loops over the input's own length.

An unrolled graph (`frozen_recurrence(unroll=True)`) costs its fixed
length whatever the text: a classifier exported for 200 tokens ran 200
steps of each direction for a five-word review. Inside
`while_loop_recurrence(model)`, every `DeepRNN` of the model runs each of
its layers as one `tf.while_loop` over the time axis of the inputs it gets,
so the graph accepts any length and costs what the input costs. TFLite runs
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
from kerasseq.layers import DeepRNN
from kerasseq.layers import RecurrentCell

#: `Bidirectional` merge modes the loop can reproduce.
MERGE_MODES = ("concat", "sum", "ave", "mul")


def _merge(forward, backward, mode):
    if mode == "concat":
        return tf.concat([forward, backward], axis=-1)
    if mode == "sum":
        return forward + backward
    if mode == "ave":
        return (forward + backward) / 2
    return forward * backward  # "mul"


def _directions(layer):
    """`(cells, merge_mode)` of one layer of a `DeepRNN`: one forward cell,
    or a forward and a backward cell."""
    if isinstance(layer, keras.layers.Bidirectional):
        if layer.merge_mode not in MERGE_MODES:
            raise ValueError(
                f"A WHILE-loop export merges directions with one of "
                f"{MERGE_MODES}. Received: merge_mode={layer.merge_mode!r}"
            )
        cells = [layer.forward_layer.cell, layer.backward_layer.cell]
        return cells, layer.merge_mode
    return [layer.cell], None


def recurrent_layer_loop(cells, inputs, mask, return_sequences):
    """One recurrent layer (one or two directions) as a single WHILE loop.

    Args:
        cells: `[forward]` or `[forward, backward]` `RecurrentCell`s.
        inputs: float `(batch, T, features)`.
        mask: bool `(batch, T)`, True at real steps.
        return_sequences: Whether to return every step's output.

    Returns:
        Per direction, the outputs `(batch, T, output_size)` (zeros at
        masked steps) if `return_sequences`, else the output of the last
        real step `(batch, output_size)` (of the first, going backwards).
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
    states = [list(cell.get_initial_state(batch)) for cell in cells]
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

    _, _, outputs = tf.while_loop(
        lambda t, *_: t < length, body, (tf.constant(0), states, outputs)
    )
    return outputs


def deep_rnn_loops(deep_rnn, inputs, mask=None):
    """`DeepRNN.call` at inference, each layer one WHILE loop.

    Args:
        deep_rnn: A `kerasseq.layers.DeepRNN`.
        inputs: float `(batch, T, features)`.
        mask: Optional bool `(batch, T)`.

    Returns:
        What `deep_rnn(inputs, mask=mask, training=False)` returns.
    """
    if mask is None:
        mask = tf.ones(tf.shape(inputs)[:2], tf.bool)
    mask = tf.cast(mask, tf.bool)
    x = inputs
    for index, layer in enumerate(deep_rnn.recurrent_layers):
        cells, merge_mode = _directions(layer)
        return_sequences = bool(layer.return_sequences)
        outputs = recurrent_layer_loop(cells, x, mask, return_sequences)
        y = outputs[0] if merge_mode is None else _merge(*outputs, merge_mode)
        if deep_rnn._has_residual(index):
            y = y + x
        x = y  # dropout is the identity at inference
    return x


@contextlib.contextmanager
def while_loop_recurrence(model):
    """Within the block, every `DeepRNN` in `model` runs `deep_rnn_loops`.

    Enter it while tracing an export graph, inside `frozen_recurrence`.
    """
    deep_rnns = [layer for layer in all_layers(model) if isinstance(layer, DeepRNN)]
    for layer in deep_rnns:
        layer.call = (
            lambda inputs, mask=None, training=None, layer=layer:
            deep_rnn_loops(layer, inputs, mask)
        )
    try:
        yield
    finally:
        for layer in deep_rnns:
            del layer.call
