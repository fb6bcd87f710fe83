"""Maps from skew-symmetric matrices onto the orthogonal group.

Reference: Lezcano-Casado and Martinez-Rubio, "Cheap orthogonal constraints
in neural networks: a simple parametrization of the orthogonal and unitary
group", ICML 2019 (expRNN); Helfrich, Willmott and Ye, "Orthogonal recurrent
neural networks with scaled Cayley transform", ICML 2018 (scoRNN).

An orthogonal matrix is kept as an unconstrained square variable `B`:
`skew_symmetric(B)` takes its strict upper triangle to a skew-symmetric `A`
(`A^T = -A`), and a parametrization maps `A` onto an orthogonal `W`. Both
maps are differentiable, so any optimizer trains `B` freely while `W` stays
orthogonal to rounding. The maps are pluggable: `PARAMETRIZATIONS` holds them
by name, and a function added there (skew `(n, n)` -> orthogonal `(n, n)`)
becomes a valid `parametrization` of `OrthogonalRNNCell`.

Everything is written in `keras.ops` with static shapes and no data-dependent
loops, so it runs and differentiates under XLA (`jit_compile=True`), where
`tf.linalg.expm` gradients and `tf.linalg.inv` do not compile.
"""

from keras import ops

from kerasseq.layers import validation

# Higham, "The scaling and squaring method for the matrix exponential
# revisited", SIAM J. Matrix Anal. Appl. 2005: coefficients b_0 .. b_13 of the
# [13/13] Pade approximant of exp, and the 1-norm theta_13 below which it is
# accurate to double-precision roundoff (Table 2.3). In float32 the same
# degree measured slightly closer to orthogonal than Higham's single-precision
# choice [7/7], so one degree serves every dtype.
_PADE_13 = (
    64764752532480000.0,
    32382376266240000.0,
    7771770303897600.0,
    1187353796428800.0,
    129060195264000.0,
    10559470521600.0,
    670442572800.0,
    33522128640.0,
    1323241920.0,
    40840800.0,
    960960.0,
    16380.0,
    182.0,
    1.0,
)
_THETA_13 = 5.371920351148152

#: Most squarings `expm` performs: it is accurate for a 1-norm up to
#: `theta_13 * 2**MAX_SQUARINGS` (about 3.5e5); larger inputs lose accuracy.
MAX_SQUARINGS = 16


def skew_symmetric(params):
    """`A = triu(B, 1) - triu(B, 1)^T`, the skew-symmetric part of `B`.

    Only the strict upper triangle of `params` is used; the diagonal and the
    lower triangle get zero gradient. A skew-symmetric input maps to itself.

    Args:
        params: `(n, n)` unconstrained matrix `B`.

    Returns:
        `(n, n)` skew-symmetric `A`.
    """
    upper = ops.triu(params, k=1)
    return upper - ops.transpose(upper)


def cayley(skew):
    """Cayley transform `W = (I + A)^{-1} (I - A)` (scoRNN, Helfrich 2018).

    Orthogonal for skew-symmetric `A`, with no eigenvalue `-1`. Computed with
    one linear solve (no matrix inverse, which has no XLA kernel).

    Args:
        skew: `(n, n)` skew-symmetric `A`.

    Returns:
        `(n, n)` orthogonal `W`.

    Example:

    >>> a = np.array([[0.0, 1.0], [-1.0, 0.0]])
    >>> cayley(a)  # (2, 2), orthogonal
    [[0., -1.], [1., 0.]]
    """
    eye = ops.eye(ops.shape(skew)[-1], dtype=skew.dtype)
    return ops.linalg.solve(eye + skew, eye - skew)


def _pade_13(a):
    """Numerator `V + U` and denominator `V - U` of the [13/13] Pade of exp.

    Higham's evaluation: six matrix products, `U` odd and `V` even in `a`.
    """
    b = _PADE_13
    eye = ops.eye(ops.shape(a)[-1], dtype=a.dtype)
    a2 = ops.matmul(a, a)
    a4 = ops.matmul(a2, a2)
    a6 = ops.matmul(a4, a2)
    u = ops.matmul(
        a,
        ops.matmul(a6, b[13] * a6 + b[11] * a4 + b[9] * a2)
        + b[7] * a6
        + b[5] * a4
        + b[3] * a2
        + b[1] * eye,
    )
    v = (
        ops.matmul(a6, b[12] * a6 + b[10] * a4 + b[8] * a2)
        + b[6] * a6
        + b[4] * a4
        + b[2] * a2
        + b[0] * eye
    )
    return v + u, v - u


def expm(matrix):
    """Matrix exponential by Pade scaling and squaring (expRNN's map).

    Higham's 2005 algorithm with the number of squarings `s` chosen from the
    1-norm: `exp(A) = r(A / 2^s)^(2^s)` with `r` the [13/13] Pade
    approximant and `||A / 2^s||_1 <= theta_13`. The squarings are a fixed
    chain of `MAX_SQUARINGS` steps, each applied only when needed (`cond`),
    so shapes and loop bounds stay static for XLA. `s` is a constant for the
    gradient, which is exact because the identity holds for every `s`.

    Args:
        matrix: `(n, n)` matrix, skew-symmetric for an orthogonal result.

    Returns:
        `(n, n)` matrix exponential.

    Example:

    >>> a = np.array([[0.0, np.pi / 2], [-np.pi / 2, 0.0]])
    >>> expm(a)  # (2, 2), orthogonal
    [[0., 1.], [-1., 0.]]
    """
    norm = ops.max(ops.sum(ops.abs(matrix), axis=0))  # 1-norm
    squarings = ops.ceil(ops.log2(norm / _THETA_13))
    squarings = ops.stop_gradient(ops.clip(squarings, 0.0, MAX_SQUARINGS))
    scaled = matrix * ops.power(ops.cast(2.0, matrix.dtype), -squarings)
    numerator, denominator = _pade_13(scaled)
    result = ops.linalg.solve(denominator, numerator)
    for index in range(MAX_SQUARINGS):
        result = ops.cond(
            index < squarings,
            lambda r=result: ops.matmul(r, r),
            lambda r=result: r,
        )
    return result


PARAMETRIZATIONS = {"cayley": cayley, "exp": expm}


def get_parametrization(name):
    """The map registered as `name` in `PARAMETRIZATIONS`.

    Raises:
        ValueError: `name` is not registered; the message lists the names.
    """
    validation.check_choice("parametrization", name, tuple(PARAMETRIZATIONS))
    return PARAMETRIZATIONS[name]
