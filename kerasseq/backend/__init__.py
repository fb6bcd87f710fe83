"""Backend-specific fast paths, behind one dispatch, and their runtime tuning.

The layers are written in `keras.ops` and run on every Keras backend. Where
a backend has a faster way to run a recurrence it lives in
`kerasseq.backend.<name>` and is reached only through the functions below,
which raise `NotImplementedError` where the current backend has no fast path
(as Keras's own `keras.src.backend.<name>.rnn.lstm` does); the caller then
runs its portable `keras.ops` loop. Only `kerasseq.backend.tensorflow`
imports TensorFlow, and only when the TensorFlow backend is active.
"""

import contextlib
import contextvars
import dataclasses

import keras

from kerasseq.backend.tuning import Tuning
from kerasseq.backend.tuning import get_tuning
from kerasseq.backend.tuning import set_tuning
from kerasseq.backend.tuning import tuning

__all__ = [
    "RUNTIMES",
    "StepOps",
    "Tuning",
    "attention_step_ops",
    "auto_parallel_chains",
    "compiled",
    "current_runtime",
    "fused_recurrence",
    "get_tuning",
    "has_fast_path",
    "join_rows",
    "rare_cond",
    "rarely",
    "running_on",
    "scan",
    "set_tuning",
    "split_rows",
    "tuning",
]


def _fast_paths():
    """The fast-path module of the active backend, or `None`."""
    if keras.backend.backend() == "tensorflow":
        from kerasseq.backend.tensorflow import rnn

        return rnn
    return None


def _dispatch(name):
    module = _fast_paths()
    function = getattr(module, name, None)
    if function is None:
        raise NotImplementedError(
            f"kerasseq has no {name} fast path for the "
            f"{keras.backend.backend()!r} backend."
        )
    return function


def has_fast_path(name):
    """Whether the active backend has the fast path `name` (e.g. `"scan"`,
    `"fused_recurrence"`); callers that ask first never see
    `NotImplementedError`."""
    return getattr(_fast_paths(), name, None) is not None


def scan(body, init, xs, return_sequences, unroll):
    """The time loop `(carry, x_t) -> (carry, output_t)` over time-major
    `xs`; returns `(carry, stacked outputs or None)`."""
    return _dispatch("scan")(body, init, xs, return_sequences, unroll)


def fused_recurrence(fused, inputs, initial_states, mask, go_backwards,
                     return_sequences, zero_output_for_mask, time_major):
    """`kerasseq.layers.time_loop.run_recurrence` with a fused gradient."""
    return _dispatch("fused_recurrence")(
        fused, inputs, initial_states, mask, go_backwards, return_sequences,
        zero_output_for_mask, time_major,
    )


def auto_parallel_chains():
    """What `parallel_chains="auto"` means here and now (1 where the
    backend has no use for chains)."""
    if not has_fast_path("auto_parallel_chains"):
        return 1
    return _dispatch("auto_parallel_chains")()


def split_rows(tensor, chains, like=None):
    """`tensor` cut along the batch axis into `chains` near-equal parts,
    sized by the batch of `like` (default `tensor`)."""
    return _dispatch("split_rows")(tensor, chains, like)


def join_rows(parts, batch_shape):
    """The inverse of `split_rows`."""
    return _dispatch("join_rows")(parts, batch_shape)


#: Where a traced graph runs, as `attention_step_ops` tells them apart:
#: TensorFlow's graph executor (and eager ops), XLA (a graph compiled as a
#: whole, TensorFlow's `jit_compile=True`), the LiteRT (TFLite) interpreter
#: of a converted graph, and any other backend (JAX compiles with XLA).
RUNTIMES = ("tensorflow", "xla", "tflite", "portable")

_runtime = contextvars.ContextVar("kerasseq_runtime", default=None)


@contextlib.contextmanager
def running_on(runtime):
    """Declares where the graphs traced inside the block will run, for the
    code paths that differ by runtime (`attention_step_ops`): the TFLite
    export traces its graphs inside `running_on("tflite")`, which the
    tracing itself cannot see. One of `RUNTIMES`."""
    if runtime not in RUNTIMES:
        raise ValueError(
            f"Argument `runtime` must be one of {RUNTIMES}. "
            f"Received: runtime={runtime!r}"
        )
    token = _runtime.set(runtime)
    try:
        yield runtime
    finally:
        _runtime.reset(token)


def current_runtime():
    """The runtime of what is being traced or run now: the innermost
    `running_on` block's, else XLA inside a TensorFlow graph compiled with
    XLA, else `"tensorflow"` on the TensorFlow backend and `"portable"` on
    others."""
    declared = _runtime.get()
    if declared is not None:
        return declared
    if keras.backend.backend() != "tensorflow":
        return "portable"
    return "xla" if _dispatch("in_xla_context")() else "tensorflow"


@dataclasses.dataclass(frozen=True)
class StepOps:
    """How one query row meets its key/value cache (`SelfAttention.step`).

    Attributes:
        scores: The query against the keys: `"matmul"` (one 2-D matrix
            product, for one row of one head), `"dot"` (a batched product)
            or `"sums"` (a broadcast product and a sum).
        values: The weights against the values, the same three ways.
        write: The new key and value rows into the caches: `"slice"` (one
            slice update, for one row), `"scatter"` (one scatter of every
            row) or `"where"` (a select over the whole cache).
    """

    scores: str
    values: str
    write: str


def attention_step_ops(batch_size, num_heads):
    """The fastest `StepOps` for one generation step on the current runtime
    (`current_runtime()`), batch `batch_size` (`None` if unknown when
    traced) and `num_heads` heads: the same result every way, to float
    rounding. Measured at width 64 against a 256-position cache on a CPU
    (BENCHMARKS.md):

    - TensorFlow's executor runs a single row best as 2-D matrix products
      (its oneDNN batched product of one row is 5-10x slower than either)
      and writes cache rows by scatter, which updates the cache in place
      (its slice update runs a small XLA program and copies the cache).
    - XLA and JAX: dot products both ways (with the values stored
      positions last: with XLA 2 us a token less than their sums, which
      copy the value cache to fuse the new row's write into them).
    - TFLite: sums both ways (its batched product transposes an operand on
      every call, and a matrix product whose weights are an input repacks
      them), one slice update.
    """
    runtime = current_runtime()
    one_row = batch_size == 1
    single = one_row and num_heads == 1
    if runtime == "tensorflow":
        how = "matmul" if single else "sums"
        return StepOps(how, how, "scatter")
    write = "slice" if one_row else "where"
    if runtime == "tflite":
        return StepOps("sums", "sums", write)
    return StepOps("dot", "dot", write)


def rare_cond(pred, true_fn, false_fn):
    """`keras.ops.cond` for a branch taken rarely in a loop.

    On TensorFlow the branches stay one `If` op in graphs (not lowered to
    `Switch`/`Merge`, which runs every op of the untaken branch on dead
    tensors at each call): a large branch taken once every few hundred
    steps then costs nothing on the others. The same result as
    `keras.ops.cond` on every backend.
    """
    if keras.backend.backend() == "tensorflow":
        from kerasseq.backend.tensorflow.control_flow import rare_cond as cond

        return cond(pred, true_fn, false_fn)
    return keras.ops.cond(pred, true_fn, false_fn)


def rarely(pred, update, state):
    """`update(state)` where the scalar `pred` holds, else `state` as it is:
    for an update taken once every many steps of a loop (a sliding window's
    slide), with the untaken case as cheap as the runtime allows.

    In TensorFlow graphs and TFLite it is a `rare_cond`. Under XLA and on
    JAX it is a loop of at most one trip: XLA keeps a loop's state in place
    when the loop does not run, where a conditional whose taken branch
    builds new tensors copies every large tensor of `state` into its result
    at every step (two 64 KB caches: about 1.5 us a token on a CPU).
    `update` should compute from its argument only: large tensors it
    captures from outside the loop are copied into it at every step (a
    decoding step three times slower, measured).
    """
    if current_runtime() in ("xla", "portable"):
        (state,) = keras.ops.while_loop(
            lambda state: pred, lambda state: (update(state),), (state,),
            maximum_iterations=1,
        )
        return state
    return rare_cond(pred, lambda: update(state), lambda: state)


def compiled(function, jit_compile=False, assigns_variables=False):
    """`function` as one compiled graph: `tf.function` on TensorFlow (with
    XLA if `jit_compile`), `jax.jit` on JAX, as is on other backends.

    `assigns_variables`: whether `function` writes Keras variables (a random
    sampler advances its seed). `jax.jit` cannot write a variable from inside
    (the value would leak out of the trace), so on JAX such a function runs
    as is; its loops are still traced `lax` loops."""
    name = keras.backend.backend()
    if name == "tensorflow":
        import tensorflow as tf

        return tf.function(function, jit_compile=jit_compile)
    if name == "jax" and not assigns_variables:
        import jax

        return jax.jit(function)
    return function
