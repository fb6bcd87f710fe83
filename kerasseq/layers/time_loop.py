"""The time loop of the kerasseq sequence layers.

`run_recurrence` applies a step function along the time axis with masking,
reversal and output collection, in `keras.ops`. Where the backend has a
fast path (`kerasseq.backend`: on TensorFlow a bounded `tf.while_loop`, and
the fused gradient of `kerasseq.layers.fused_gradient`) the loop runs there;
everywhere else it is `keras.ops.scan`, which on JAX is `jax.lax.scan`.
"""

import keras
from keras import ops

from kerasseq import backend


def run_recurrence(
    step_fn,
    inputs,
    initial_states,
    output_size,
    mask=None,
    go_backwards=False,
    return_sequences=True,
    zero_output_for_mask=False,
    unroll=False,
    fused=None,
    time_major=False,
):
    """Runs `step_fn` over the time axis.

    Args:
        step_fn: `(input_t, states) -> (output_t, new_states)`.
        inputs: `(batch, time, features)`.
        initial_states: list of `(batch, ...)` tensors.
        output_size: width of `output_t`.
        mask: optional `(batch, time)` boolean mask; a masked step keeps the
            previous states and outputs zeros (if `zero_output_for_mask`) or
            the previous output.
        go_backwards: process the sequence in reverse order; the returned
            outputs are in processing order, as in `keras.layers.RNN`.
        return_sequences: whether to collect the output of every step.
        zero_output_for_mask: see `mask`.
        unroll: unroll the loop (`keras.ops.scan`'s `unroll`; on TensorFlow,
            a Python loop over a static number of steps).
        fused: optional `FusedRecurrence` of the same step. Where the
            backend has a fused path (TensorFlow; not unrolled) the loop then
            runs with the fused gradient; the step's output must be its first
            state. Other backends ignore it.
        time_major: whether `inputs` is `(time, batch, features)`; the
            outputs are batch-major either way.

    Returns:
        `(last_output, outputs, final_states)`, with `outputs` of shape
        `(batch, time, output_size)` when `return_sequences` else
        `last_output`.
    """
    if fused is not None and not unroll and backend.has_fast_path("fused_recurrence"):
        return backend.fused_recurrence(
            fused,
            inputs,
            initial_states,
            mask,
            go_backwards,
            return_sequences,
            zero_output_for_mask,
            time_major,
        )
    xs = inputs if time_major else ops.transpose(inputs, (1, 0, 2))  # (time, batch, features)
    if mask is not None:
        # The mask rides along as one extra feature column, so the loop scans
        # a single tensor.
        keep = ops.cast(ops.transpose(mask, (1, 0)), xs.dtype)  # (time, batch)
        xs = ops.concatenate([xs, ops.expand_dims(keep, -1)], axis=-1)
    if go_backwards:
        xs = ops.flip(xs, axis=0)

    num_states = len(initial_states)
    batch = ops.shape(xs)[1]
    zero_output = ops.zeros((batch, output_size), dtype=initial_states[0].dtype)

    def body(carry, x_t):
        previous_output, states = carry[0], list(carry[1:])
        if mask is not None:
            x_t, keep = x_t[:, :-1], ops.cast(x_t[:, -1:], "bool")  # (batch, 1)
        output, new_states = step_fn(x_t, states)
        new_states = list(keras.tree.flatten(new_states))
        if mask is not None:
            fallback = zero_output if zero_output_for_mask else previous_output
            output, new_states = hold_masked(keep, output, new_states, fallback, states)
        return [output] + new_states, output

    init = [zero_output] + list(initial_states)
    if backend.has_fast_path("scan"):
        carry, outputs = backend.scan(body, init, xs, return_sequences, unroll)
    else:
        carry, outputs = _keras_scan(body, init, xs, return_sequences, unroll)
    last_output, final_states = carry[0], list(carry[1 : 1 + num_states])
    if return_sequences:
        outputs = ops.transpose(outputs, (1, 0, 2))  # (batch, time, units)
    else:
        outputs = last_output
    return last_output, outputs, final_states


def hold_masked(keep, output, new_states, fallback, states):
    """Where `keep` (`(batch, 1)` bool) is false, the step holds its states
    and outputs `fallback` (zeros or the previous output)."""
    new_states = [ops.where(keep, new, old) for new, old in zip(new_states, states)]
    return ops.where(keep, output, fallback), new_states


def _keras_scan(body, init, xs, return_sequences, unroll):
    def scan_body(carry, x_t):
        new_carry, output = body(carry, x_t)
        return new_carry, (output if return_sequences else None)

    return ops.scan(scan_body, init, xs, unroll=unroll)
