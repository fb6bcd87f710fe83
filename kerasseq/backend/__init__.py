"""Backend-specific fast paths, behind one dispatch, and their runtime tuning.

The layers are written in `keras.ops` and run on every Keras backend. Where
a backend has a faster way to run a recurrence it lives in
`kerasseq.backend.<name>` and is reached only through the functions below,
which raise `NotImplementedError` where the current backend has no fast path
(as Keras's own `keras.src.backend.<name>.rnn.lstm` does); the caller then
runs its portable `keras.ops` loop. Only `kerasseq.backend.tensorflow`
imports TensorFlow, and only when the TensorFlow backend is active.
"""

import keras

from kerasseq.backend.tuning import Tuning
from kerasseq.backend.tuning import get_tuning
from kerasseq.backend.tuning import set_tuning
from kerasseq.backend.tuning import tuning

__all__ = [
    "Tuning",
    "auto_parallel_chains",
    "compiled",
    "fused_recurrence",
    "get_tuning",
    "has_fast_path",
    "join_rows",
    "prefers_broadcast_products",
    "rare_cond",
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


def prefers_broadcast_products():
    """Whether a single query against many keys is better computed as a
    broadcast product and a sum than as a batched matrix product, here and
    now: on TensorFlow outside XLA (its oneDNN batched product of one row
    is slow on a CPU), not under XLA or on JAX."""
    if not has_fast_path("prefers_broadcast_products"):
        return False
    return _dispatch("prefers_broadcast_products")()


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
