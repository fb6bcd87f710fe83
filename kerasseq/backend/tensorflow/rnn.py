"""The TensorFlow fast paths of the kerasseq recurrences.

Reached only through `kerasseq.backend` (never imported by the layers):

- `scan`: the time loop as `tf.while_loop` over `TensorArray`s with
  `maximum_iterations`, as Keras's own TensorFlow `rnn` does, because
  `keras.ops.scan` on TensorFlow neither trains under XLA (its gradient
  accumulators need a bounded loop) nor lets the collected outputs differ
  from the carry.
- `fused_recurrence`: a cell's fused gradient
  (`kerasseq.layers.fused_gradient`) under `tf.custom_gradient`: the
  forward loop stores the states and the cell's saved gates, the backward
  loop does one product with `W_h^T` per step, and the recurrent-kernel
  gradient is one product over all steps after the loop. Each loop can run
  as one XLA computation inside a graph (`jit_compile_loops`).
- `auto_parallel_chains`, `split_rows`, `join_rows`: independent
  recurrences on slices of the batch, which graph mode runs side by side,
  one per core (`parallel_chains`).
"""

import os

import tensorflow as tf

from kerasseq.layers.time_loop import hold_masked

def scan(body, init, xs, return_sequences, unroll):
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


def fused_recurrence(
    fused,
    inputs,
    initial_states,
    mask,
    go_backwards,
    return_sequences,
    zero_output_for_mask,
    time_major,
):
    """`run_recurrence` for a `FusedRecurrence`, with its fused gradient.

    The forward loop stores, per step, the states it starts from and what
    the cell saves; the backward loop reads them back in reverse, does the
    one product `dz_t W_h^T`, and writes `dz_t`; after it, `W_h`'s gradient
    is `H_{0..T-1}^T dZ`.

    Inside a graph (`model.fit`, `tf.function`) each of the two loops runs as
    one XLA computation when `fused.compile_loops` is set: XLA fuses a step's
    gate arithmetic into a few kernels where graph mode runs one kernel per
    elementwise op (`tools/bench.py`). The rest of the model stays as it was
    compiled.
    """
    cell = fused.cell
    xs = inputs if time_major else tf.transpose(inputs, (1, 0, 2))
    keep = None  # (time, batch, 1) bool
    if mask is not None:
        keep = tf.transpose(tf.cast(mask, tf.bool))[:, :, None]
    if go_backwards:
        xs = tf.reverse(xs, [0])
        keep = None if keep is None else tf.reverse(keep, [0])
    recurrent_kernel = tf.cast(fused.recurrent_kernel, xs.dtype)
    parameters = [tf.cast(p, xs.dtype) for p in fused.parameters]
    initial_states = [tf.convert_to_tensor(s) for s in initial_states]
    num_parameters, num_states = len(parameters), len(initial_states)
    masked = keep is not None

    def run(xs, initial_states, keep):
        """The recurrence over `xs` (all of the batch, or one chain's rows)."""
        saved_specs = _saved_specs(cell, xs, initial_states, recurrent_kernel, parameters)
        loops = _FusedLoops(cell, saved_specs, return_sequences, zero_output_for_mask)
        forward, backward = loops.forward, loops.backward
        if fused.compile_loops and not tf.executing_eagerly():
            forward, backward = _compiled_loops(loops)

        # Everything the custom gradient uses is an argument (nothing captured
        # from outside), so a SavedModel export can trace and keep it.
        @tf.custom_gradient
        def recurrence(xs, recurrent_kernel, *rest):
            parameters = list(rest[:num_parameters])
            initial = list(rest[num_parameters : num_parameters + num_states])
            keep = rest[-1] if masked else None  # (time, batch, 1) bool
            results, previous, saved = forward(
                xs, recurrent_kernel, parameters, initial, keep
            )

            def gradient(*upstream):
                d_projected, d_kernel, d_parameters, d_initial = backward(
                    list(upstream), xs, recurrent_kernel, parameters, keep,
                    previous, saved,
                )
                d_keep = [None] if masked else []
                return (d_projected, d_kernel, *d_parameters, *d_initial, *d_keep)

            return tuple(results), gradient

        return list(
            recurrence(
                xs,
                recurrent_kernel,
                *parameters,
                *initial_states,
                *([keep] if masked else []),
            )
        )

    results = run(xs, initial_states, keep)
    outputs = results.pop(0) if return_sequences else None
    last_output, final_states = results[0], results[1 : 1 + num_states]
    if return_sequences:
        outputs = tf.transpose(outputs, (1, 0, 2))  # (batch, time, units)
    else:
        outputs = last_output
    return last_output, outputs, final_states


def _compiled_loops(loops):
    """`(forward, backward)` of `loops` as must-compile `tf.function`s,
    shared with every earlier `_FusedLoops` of the same cell and settings:
    the parallel chains of one batch (same shapes) then share one trace and
    one XLA compilation instead of compiling the same program per chain.
    The cache is a plain attribute of the cell, set past Keras's attribute
    tracking, so saving the layer never sees it."""
    key = (
        tuple((dtype.name, tuple(shape.as_list())) for dtype, shape in loops.saved_specs),
        loops.return_sequences,
        loops.zero_output_for_mask,
    )
    cache = loops.cell.__dict__.get("_kerasseq_compiled_loops")
    if cache is None:
        cache = {}
        object.__setattr__(loops.cell, "_kerasseq_compiled_loops", cache)
    if key not in cache:
        cache[key] = (
            tf.function(loops.forward, jit_compile=True, autograph=False),
            tf.function(loops.backward, jit_compile=True, autograph=False),
        )
    return cache[key]


class _FusedLoops:
    """The forward and backward loops of the fused recurrence, as functions
    of tensors only (so each can be compiled on its own with XLA).

    `forward` returns the layer's results, the states every step started from
    and what the cell saved, each stacked `(time, batch, ...)`; `backward`
    takes those back with the upstream gradients.
    """

    def __init__(self, cell, saved_specs, return_sequences, zero_output_for_mask):
        self.cell = cell
        self.saved_specs = saved_specs
        self.return_sequences = return_sequences
        self.zero_output_for_mask = zero_output_for_mask

    def forward(self, xs, recurrent_kernel, parameters, initial, keep):
        cell = self.cell
        length = _length(xs)
        inputs_array = _unstacked(xs, length)
        keep_array = None if keep is None else _unstacked(keep, length)
        zero_output = tf.zeros_like(initial[0])
        state_specs = [(s.dtype, s.shape) for s in initial]
        zero_output_for_mask = self.zero_output_for_mask

        def forward_body(time, output, states, previous, saved_arrays, outputs):
            previous = [a.write(time, s) for a, s in zip(previous, states)]
            new_states, saved = cell.forward_step(
                inputs_array.read(time), states, recurrent_kernel, parameters
            )
            new_states = list(new_states)
            output, fallback = new_states[0], (
                zero_output if zero_output_for_mask else output
            )
            if keep is not None:
                output, new_states = hold_masked(
                    keep_array.read(time), output, new_states, fallback, states
                )
            return (
                time + 1,
                output,
                new_states,
                previous,
                [a.write(time, s) for a, s in zip(saved_arrays, saved)],
                [a.write(time, output) for a in outputs],
            )

        _, last_output, final_states, previous, saved_arrays, outputs = tf.while_loop(
            lambda time, *_: time < length,
            forward_body,
            (
                tf.constant(0),
                zero_output,
                initial,
                _arrays(state_specs, length),
                _arrays(self.saved_specs, length),
                _arrays(state_specs[:1], length) if self.return_sequences else [],
            ),
            maximum_iterations=length,
            parallel_iterations=32,
        )
        results = [last_output, *final_states]
        if self.return_sequences:
            results.insert(0, outputs[0].stack())  # (time, batch, units)
        return (
            results,
            [a.stack() for a in previous],
            [a.stack() for a in saved_arrays],
        )

    def backward(self, upstream, xs, recurrent_kernel, parameters, keep, previous, saved):
        cell = self.cell
        zero_output_for_mask = self.zero_output_for_mask
        length = _length(xs)
        upstream = list(upstream)
        d_outputs = upstream.pop(0) if self.return_sequences else None
        d_last, d_final = upstream[0], upstream[1:]
        d_outputs_array = None if d_outputs is None else _unstacked(d_outputs, length)
        keep_array = None if keep is None else _unstacked(keep, length)
        previous_arrays = [_unstacked(s, length) for s in previous]
        saved_arrays = [_unstacked(s, length) for s in saved]
        transposed_kernel = tf.transpose(recurrent_kernel)
        gradient_spec = [(xs.dtype, xs.shape[1:])]
        separate_projected = []
        zero = tf.zeros((), xs.dtype)

        def backward_body(time, d_states, d_output, d_recurrents, d_projecteds):
            d_new = list(d_states)
            if keep is None:
                # Each output is the new state (`d_last` joined `d_final`).
                if d_outputs_array is not None:
                    d_new[0] += d_outputs_array.read(time)
            else:
                if d_outputs_array is not None:
                    d_output += d_outputs_array.read(time)
                # A masked step passes the output's gradient back to the
                # previous output it repeated (or drops it if it was 0).
                keep_t = keep_array.read(time)
                d_new[0] += tf.where(keep_t, d_output, zero)
                d_output = zero * d_output if zero_output_for_mask else (
                    tf.where(keep_t, zero, d_output)
                )
            d_recurrent, d_projected, d_direct = cell.backward_step(
                d_new,
                [a.read(time) for a in saved_arrays],
                [a.read(time) for a in previous_arrays],
                parameters,
            )
            # The one matrix product of the backward step, all gates fused.
            d_previous = [tf.matmul(d_recurrent, transposed_kernel)]
            if d_direct[0] is not None:
                d_previous[0] += d_direct[0]
            d_previous += [
                tf.zeros_like(d) if direct is None else direct
                for d, direct in zip(d_new[1:], d_direct[1:])
            ]
            if keep is not None:
                # A masked step kept its states: their gradients pass through.
                d_recurrent = tf.where(keep_t, d_recurrent, zero)
                if d_projected is not None:
                    d_projected = tf.where(keep_t, d_projected, zero)
                d_previous = [
                    tf.where(keep_t, d_prev, d_next)
                    for d_prev, d_next in zip(d_previous, d_new)
                ]
            d_recurrents = [a.write(time, d_recurrent) for a in d_recurrents]
            if d_projected is not None:
                separate_projected.append(True)
                d_projecteds = [a.write(time, d_projected) for a in d_projecteds]
            return time - 1, d_previous, d_output, d_recurrents, d_projecteds

        _, d_initial, _, d_recurrents, d_projecteds = tf.while_loop(
            lambda time, *_: time >= 0,
            backward_body,
            (
                length - 1,
                [d_final[0] + d_last, *d_final[1:]] if keep is None else list(d_final),
                d_last,
                _arrays(gradient_spec, length),
                _arrays(gradient_spec, length),
            ),
            maximum_iterations=length,
            parallel_iterations=32,
        )
        d_recurrent = d_recurrents[0].stack()  # (time, batch, width)
        d_projected = d_projecteds[0].stack() if separate_projected else d_recurrent
        units, width = recurrent_kernel.shape
        # W_h's gradient, one product over all steps:
        # H_{0..T-1}^T dZ, (units, time * batch) @ (time * batch, width).
        d_kernel = tf.matmul(
            tf.reshape(previous[0], (-1, units)),
            tf.reshape(d_recurrent, (-1, width)),
            transpose_a=True,
        )
        d_parameters = cell.parameter_gradients(
            d_recurrent, d_projected, lambda: list(saved), parameters
        )
        return d_projected, d_kernel, list(d_parameters), list(d_initial)


def _length(xs):
    return xs.shape[0] if xs.shape[0] is not None else tf.shape(xs)[0]


def _arrays(specs, length):
    return [
        tf.TensorArray(dtype, size=length, element_shape=shape)
        for dtype, shape in specs
    ]


def _unstacked(tensor, length):
    return tf.TensorArray(
        tensor.dtype, size=length, element_shape=tensor.shape[1:],
        clear_after_read=False,
    ).unstack(tensor)


def _saved_specs(cell, xs, states, recurrent_kernel, parameters):
    """Dtypes and shapes of what `cell.forward_step` saves, traced aside."""
    def placeholder(tensor, shape=None):
        shape = tensor.shape if shape is None else shape
        return tf.compat.v1.placeholder(tensor.dtype, shape)

    with tf.Graph().as_default():
        _, saved = cell.forward_step(
            placeholder(xs, xs.shape[1:]),
            [placeholder(s) for s in states],
            placeholder(recurrent_kernel),
            [placeholder(p) for p in parameters],
        )
        return [(s.dtype, s.shape) for s in saved]


# `parallel_chains="auto"` on CPUs: on 2 cores, 2 chains trained the char LM
# 1.2-1.3x faster than 1 (BENCHMARKS.md, "XLA loops, 1 chain" against the
# default); 4 chains measured no faster than 2 (a one-off layer-step timing).
AUTO_CHAINS = 2


def auto_parallel_chains():
    """`parallel_chains="auto"`: 2 in a graph on a machine without GPUs,
    unless the graph is already compiled with XLA (which runs them one after
    the other) or TensorFlow may run only one op at a time; else 1."""
    if (
        tf.executing_eagerly()
        or tf.config.list_physical_devices("GPU")
        # One thread for independent ops: the chains would only take turns.
        or tf.config.threading.get_inter_op_parallelism_threads() == 1
        or (os.cpu_count() or 1) < 2
    ):
        return 1
    return 1 if in_xla_context() else AUTO_CHAINS


def in_xla_context():
    """Whether the graph being traced is compiled with XLA as a whole
    (`jit_compile=True`). TensorFlow answers this only through an internal
    helper; without it, assume not."""
    try:
        from tensorflow.python.ops import control_flow_util
    except ImportError:  # pragma: no cover
        return False
    return control_flow_util.GraphOrParentsInXlaContext(tf.compat.v1.get_default_graph())


def split_rows(tensor, chains, like=None):
    """`tensor` cut along the batch axis into `chains` parts, as even as
    possible (the first parts take the extra rows). The sizes come from the
    batch of `like` (default `tensor`), so that the inputs and the initial
    states of one recurrence are cut alike even where a state's static batch
    (a stateful layer's) differs from the inputs' symbolic one."""
    batch = tf.shape(tensor if like is None else like)[0]
    sizes = tf.stack([(batch + chains - 1 - i) // chains for i in range(chains)])
    return tf.split(tensor, sizes, axis=0, num=chains)


def join_rows(parts, batch_shape):
    """The inverse of `split_rows`; `batch_shape` is the static batch
    dimension (`TensorShape` of rank 1) to restore."""
    joined = tf.concat(parts, axis=0)
    joined.set_shape(batch_shape.concatenate(parts[0].shape[1:]))
    return joined
