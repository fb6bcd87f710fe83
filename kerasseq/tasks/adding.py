"""The adding problem (Hochreiter and Schmidhuber, "Long short-term memory",
Neural Computation 1997; the variant of Arjovsky et al. 2016).

Each input step holds two numbers: a value drawn uniformly from `[0, 1)` and a
marker. Exactly two steps are marked, one in each half of the sequence; the
target is the sum of their two values. Predicting the mean sum (1.0) without
looking at the input scores a mean squared error of Var(U + U') = 1/6.
"""

import numpy as np

#: MSE of the memoryless prediction 1.0: the variance of a sum of two U(0, 1).
ADDING_BASELINE_MSE = 1.0 / 6.0


def adding_problem(num_samples, length, seed=None, dtype="float32"):
    """Generates `num_samples` adding-problem sequences of `length` steps.

    Args:
        num_samples: Positive integer, number of sequences.
        length: Integer >= 2, number of time steps.
        seed: Integer seed; the same seed gives the same data.
        dtype: NumPy float dtype of the arrays.

    Returns:
        `(inputs, targets)`: `(num_samples, length, 2)` and
        `(num_samples, 1)`.

    Example:

    >>> x, y = adding_problem(4, 10, seed=0)
    >>> x.shape, y.shape
    ((4, 10, 2), (4, 1))
    """
    if isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples < 1:
        raise ValueError(
            "Argument `num_samples` must be a positive integer. "
            f"Received: num_samples={num_samples!r}"
        )
    if isinstance(length, bool) or not isinstance(length, int) or length < 2:
        raise ValueError(
            "Argument `length` must be an integer >= 2. "
            f"Received: length={length!r}"
        )
    rng = np.random.default_rng(seed)
    values = rng.uniform(size=(num_samples, length))
    half = length // 2
    first = rng.integers(0, half, size=num_samples)
    second = rng.integers(half, length, size=num_samples)
    markers = np.zeros((num_samples, length))
    rows = np.arange(num_samples)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    inputs = np.stack([values, markers], axis=-1).astype(dtype)
    targets = (values[rows, first] + values[rows, second])[:, None].astype(dtype)
    return inputs, targets
