"""The time loop of the kerasseq sequence layers.

`run_recurrence` applies a step function along the time axis with masking,
reversal and output collection. It is the one place in the layers that knows
the backend: on TensorFlow it runs `tf.while_loop` with `TensorArray`s and
`maximum_iterations` (as Keras's own TensorFlow `rnn` does), because
`keras.ops.scan` there neither trains under XLA (`jit_compile=True`: its
gradient accumulators need a bounded loop) nor lets the collected outputs
differ from the carry; every other backend uses `keras.ops.scan`, which on
JAX is `jax.lax.scan`. The step math itself stays in `keras.ops`.
"""

import keras
from keras import ops


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

    Returns:
        `(last_output, outputs, final_states)`, with `outputs` of shape
        `(batch, time, output_size)` when `return_sequences` else
        `last_output`.
    """
    xs = ops.transpose(inputs, (1, 0, 2))  # (time, batch, features)
    if mask is not None:
        # The mask rides along as one extra feature column, so the loop scans
        # a single tensor.
        keep = ops.cast(ops.transpose(mask, (1, 0)), xs.dtype)  # (time, batch)
        xs = ops.concatenate([xs, ops.expand_dims(keep, -1)], axis=-1)
    if go_backwards:
        xs = ops.flip(xs, axis=0)

    num_states = len(initial_states)
    batch = ops.shape(inputs)[0]
    zero_output = ops.zeros((batch, output_size), dtype=initial_states[0].dtype)

    def body(carry, x_t):
        previous_output, states = carry[0], list(carry[1:])
        if mask is not None:
            x_t, keep = x_t[:, :-1], ops.cast(x_t[:, -1:], "bool")  # (batch, 1)
        output, new_states = step_fn(x_t, states)
        new_states = list(keras.tree.flatten(new_states))
        if mask is not None:
            new_states = [
                ops.where(keep, new, old) for new, old in zip(new_states, states)
            ]
            fallback = zero_output if zero_output_for_mask else previous_output
            output = ops.where(keep, output, fallback)
        return [output] + new_states, output

    init = [zero_output] + list(initial_states)
    if keras.backend.backend() == "tensorflow":
        carry, outputs = _tensorflow_scan(body, init, xs, return_sequences, unroll)
    else:
        carry, outputs = _keras_scan(body, init, xs, return_sequences, unroll)
    last_output, final_states = carry[0], list(carry[1 : 1 + num_states])
    if return_sequences:
        outputs = ops.transpose(outputs, (1, 0, 2))  # (batch, time, units)
    else:
        outputs = last_output
    return last_output, outputs, final_states


def _keras_scan(body, init, xs, return_sequences, unroll):
    def scan_body(carry, x_t):
        new_carry, output = body(carry, x_t)
        return new_carry, (output if return_sequences else None)

    return ops.scan(scan_body, init, xs, unroll=unroll)


def _tensorflow_scan(body, init, xs, return_sequences, unroll):
    import tensorflow as tf

    steps = xs.shape[0]
    if unroll and steps is not None:
        carry, outputs = list(init), []
        for t in range(steps):
            carry, output = body(carry, xs[t])
            outputs.append(output)
        return carry, (tf.stack(outputs) if return_sequences else None)

    length = steps if steps is not None else tf.shape(xs)[0]
    inputs_array = tf.TensorArray(
        xs.dtype, size=length, element_shape=xs.shape[1:]
    ).unstack(xs)
    loop_kwargs = {"maximum_iterations": length, "parallel_iterations": 32}

    if not return_sequences:

        def last_only_body(time, *carry):
            new_carry, _ = body(list(carry), inputs_array.read(time))
            return (time + 1, *new_carry)

        _, *carry = tf.while_loop(
            lambda time, *_: time < length,
            last_only_body,
            (tf.constant(0), *init),
            **loop_kwargs,
        )
        return carry, None

    outputs_array = tf.TensorArray(
        init[0].dtype, size=length, element_shape=init[0].shape
    )

    def collecting_body(time, outputs_array, *carry):
        new_carry, output = body(list(carry), inputs_array.read(time))
        return (time + 1, outputs_array.write(time, output), *new_carry)

    _, outputs_array, *carry = tf.while_loop(
        lambda time, *_: time < length,
        collecting_body,
        (tf.constant(0), outputs_array, *init),
        **loop_kwargs,
    )
    outputs = outputs_array.stack()
    outputs.set_shape(xs.shape[:1].concatenate(init[0].shape))
    return carry, outputs
