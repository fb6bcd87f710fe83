"""Soft orthogonality penalty on recurrent kernels.

Reference: Vorontsov, Trabelsi, Kadoury and Pal, "On orthogonality and
learning recurrent networks with long term dependencies", ICML 2017 (the
soft constraint `lambda * ||W^T W - I||_F^2` they compare hard
parametrizations against).
"""

import numbers

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasseq")
class SoftOrthogonality(keras.regularizers.Regularizer):
    """Soft orthogonality (Vorontsov et al. 2017): `factor * ||W^T W - I||_F^2`.

    For a gated recurrent kernel `(units, k * units)` (LSTM `k = 4`, GRU
    `k = 3`) the penalty is the sum over its `k` square blocks, one per gate,
    each pushed towards an orthogonal matrix. Selectable by name as
    `"kerasseq>SoftOrthogonality"` (default factor).

    Args:
        factor: Non-negative float, the weight `lambda`. Default `1e-3`.

    Call arguments:
        x: `(n, k * n)` kernel.

    Returns:
        Scalar penalty.

    Example:

    >>> layer = kerasseq.layers.LSTM(
    ...     8, recurrent_regularizer=SoftOrthogonality(1e-3))
    >>> SoftOrthogonality(0.5)(np.eye(3)) == 0  # zero on orthogonal W
    True
    """

    def __init__(self, factor=1e-3):
        if (
            isinstance(factor, bool)
            or not isinstance(factor, numbers.Real)
            or factor < 0
        ):
            raise ValueError(
                "Argument `factor` must be a non-negative float. "
                f"Received: factor={factor!r}"
            )
        self.factor = float(factor)

    def __call__(self, x):
        rows, columns = x.shape
        if columns % rows:
            raise ValueError(
                "SoftOrthogonality expects a kernel of shape `(n, k * n)`. "
                f"Received: shape={tuple(x.shape)}"
            )
        blocks = ops.reshape(x, (rows, columns // rows, rows))  # (n, k, n)
        gram = ops.einsum("igj,igl->gjl", blocks, blocks)  # (k, n, n)
        residual = gram - ops.eye(rows, dtype=gram.dtype)
        return self.factor * ops.sum(ops.square(residual))

    def get_config(self):
        return {"factor": self.factor}
