"""Initializers of the skew-symmetric matrix behind an orthogonal `W_h`.

References: Henaff, Szlam and LeCun, "Recurrent orthogonal networks and
long-memory tasks", ICML 2016; Helfrich, Willmott and Ye, "Orthogonal
recurrent neural networks with scaled Cayley transform", ICML 2018.

Each initializer returns a skew-symmetric `A` (`A^T = -A`) of a square shape:
the unconstrained variable of `OrthogonalRNNCell`, which maps `A` onto an
orthogonal matrix with `expm` or `cayley`. The first two are block diagonal
with 2x2 rotation generators `[[0, a_k], [-a_k, 0]]`, one per pair of units
(an odd last unit gets a zero row), as in expRNN's `henaff_init_` and
`cayley_init_`.
"""

import math
import numbers
import random

import keras
from keras import ops


def _block_diagonal_skew(values, size, dtype):
    """`(size, size)` skew matrix with `values[k]` at `[2k, 2k + 1]`."""
    zeros = ops.zeros_like(values)
    superdiagonal = ops.reshape(ops.stack([values, zeros], axis=-1), (-1,))
    upper = ops.diag(ops.cast(superdiagonal[: size - 1], dtype), k=1)
    return upper - ops.transpose(upper)


class _BlockSkewInitializer(keras.initializers.Initializer):
    """Shared seed handling and shape check; subclasses draw `block_values`."""

    def __init__(self, seed=None):
        # Checked here rather than with `kerasseq.layers.validation`: the
        # layers import this package, so it must not import them.
        if seed is not None and (
            isinstance(seed, bool) or not isinstance(seed, numbers.Integral)
        ):
            raise ValueError(
                "Argument `seed` must be an integer or None. "
                f"Received: seed={seed!r}"
            )
        self.seed = seed
        # As Keras's random initializers: an unseeded instance draws its seed
        # once (from Python's `random`, which `keras.utils.set_random_seed`
        # seeds), so repeated calls agree and nothing stateful runs in a trace.
        self._draw_seed = seed if seed is not None else random.randint(1, 10**9)

    def block_values(self, count, seed, dtype):
        raise NotImplementedError

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        if len(shape) != 2 or shape[0] != shape[1]:
            raise ValueError(
                f"{type(self).__name__} initializes a square matrix. "
                f"Received: shape={shape}"
            )
        dtype = dtype or keras.config.floatx()
        size = shape[0]
        if size < 2:
            return ops.zeros(shape, dtype=dtype)
        values = self.block_values(size // 2, self._draw_seed, dtype)
        return _block_diagonal_skew(values, size, dtype)

    def get_config(self):
        return {"seed": self.seed}


@keras.saving.register_keras_serializable(package="kerasseq")
class HenaffSkew(_BlockSkewInitializer):
    """Henaff et al. 2016: 2x2 blocks with angles uniform in `[-pi, pi]`.

    `expm(A)` is block diagonal with 2x2 rotations by those angles, the
    initialization expRNN uses for its exponential map. Selected in
    `OrthogonalRNNCell` by `recurrent_initializer="henaff"`.

    Args:
        seed: Integer seed, or `None` for a fresh one.

    Call arguments:
        shape: `(n, n)`.
        dtype: float dtype.

    Returns:
        `(n, n)` skew-symmetric tensor.

    Example:

    >>> HenaffSkew(seed=1)((4, 4)).shape  # A^T = -A
    (4, 4)
    """

    def block_values(self, count, seed, dtype):
        return keras.random.uniform(
            (count,), -math.pi, math.pi, dtype=dtype, seed=seed
        )


@keras.saving.register_keras_serializable(package="kerasseq")
class CayleySkew(_BlockSkewInitializer):
    """Helfrich et al. 2018 (scoRNN): blocks `a = tan(t / 2)`, `t ~ U[0, pi/2]`.

    `a = sqrt((1 - cos t) / (1 + cos t))`, so `cayley(A)` is block diagonal
    with 2x2 rotations by angles `t` uniform in `[0, pi/2]`. Selected in
    `OrthogonalRNNCell` by `recurrent_initializer="cayley"`.

    Args:
        seed: Integer seed, or `None` for a fresh one.

    Call arguments:
        shape: `(n, n)`.
        dtype: float dtype.

    Returns:
        `(n, n)` skew-symmetric tensor.

    Example:

    >>> CayleySkew(seed=1)((4, 4)).shape
    (4, 4)
    """

    def block_values(self, count, seed, dtype):
        angles = keras.random.uniform(
            (count,), 0.0, math.pi / 2, dtype=dtype, seed=seed
        )
        return ops.sqrt((1.0 - ops.cos(angles)) / (1.0 + ops.cos(angles)))


@keras.saving.register_keras_serializable(package="kerasseq")
class RandomOrthogonalSkew(HenaffSkew):
    """A random rotation's generator: `A = P H P^T`, `P` Haar-orthogonal.

    `H` is the Henaff block matrix, so `expm(A) = P expm(H) P^T` is a random
    rotation whose eigenbasis is Haar-distributed and whose eigen-angles are
    uniform in `[-pi, pi]` (not exactly Haar on SO(n), whose angles repel).
    Selected in `OrthogonalRNNCell` by
    `recurrent_initializer="random_orthogonal"`.

    Args:
        seed: Integer seed, or `None` for a fresh one.

    Call arguments:
        shape: `(n, n)`.
        dtype: float dtype.

    Returns:
        `(n, n)` skew-symmetric tensor.

    Example:

    >>> RandomOrthogonalSkew(seed=1)((5, 5)).shape
    (5, 5)
    """

    def __call__(self, shape, dtype=None):
        blocks = super().__call__(shape, dtype)
        basis = keras.initializers.Orthogonal(seed=self._draw_seed + 1)(
            shape, dtype=blocks.dtype
        )
        return ops.matmul(ops.matmul(basis, blocks), ops.transpose(basis))


#: Short names accepted by `OrthogonalRNNCell(recurrent_initializer=...)`.
SKEW_INITIALIZERS = {
    "henaff": HenaffSkew,
    "cayley": CayleySkew,
    "random_orthogonal": RandomOrthogonalSkew,
}
