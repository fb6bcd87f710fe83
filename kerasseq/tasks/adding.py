"""The adding problem (Hochreiter and Schmidhuber, "Long short-term memory",
Neural Computation 1997; the variant of Arjovsky et al. 2016).

Each input step holds two numbers: a value drawn uniformly from `[0, 1)` and a
marker. Exactly two steps are marked, one in each half of the sequence; the
target is the sum of their two values. Predicting the mean sum (1.0) without
looking at the input scores a mean squared error of Var(U + U') = 1/6.

Data are generated on the fly with stateless random ops keyed on
`(seed, batch index)`, so every batch is reproducible and no data set is
held in memory.
"""

import tensorflow as tf

from kerasseq.tasks import generation

#: MSE of the memoryless prediction 1.0: the variance of a sum of two U(0, 1).
ADDING_BASELINE_MSE = 1.0 / 6.0


def adding_batch(seed, batch_size, length):
    """One batch of the adding problem from a stateless `seed` (shape `[2]`).

    Returns:
        `(inputs, targets)`: `(batch, length, 2)` float32 and `(batch, 1)`.
    """
    value_seed, first_seed, second_seed = tf.unstack(
        tf.random.split(seed, 3)
    )
    half = length // 2
    values = tf.random.stateless_uniform((batch_size, length), value_seed)
    first = tf.random.stateless_uniform(
        (batch_size,), first_seed, minval=0, maxval=half, dtype=tf.int32
    )
    second = tf.random.stateless_uniform(
        (batch_size,), second_seed, minval=half, maxval=length, dtype=tf.int32
    )
    markers = tf.one_hot(first, length) + tf.one_hot(second, length)  # (batch, length)
    inputs = tf.stack([values, markers], axis=-1)
    targets = tf.reduce_sum(values * markers, axis=1, keepdims=True)
    return inputs, targets


def adding_dataset(length, batch_size, seed=0, num_batches=None, start=0):
    """A `tf.data.Dataset` of adding-problem batches, seeded and reproducible.

    Args:
        length: Integer >= 2, time steps per sequence.
        batch_size: Positive integer.
        seed: Integer seed; batch `i` depends only on `(seed, i)`.
        num_batches: Number of batches, or `None` for an endless stream.
        start: Index of the first batch (to continue a stream).

    Example:

    >>> x, y = next(iter(adding_dataset(50, batch_size=8)))
    >>> x.shape, y.shape
    (TensorShape([8, 50, 2]), TensorShape([8, 1]))
    """
    generation.check_sizes(length=(length, 2), batch_size=(batch_size, 1))
    return generation.stateless_batches(
        lambda batch_seed: adding_batch(batch_seed, batch_size, length),
        seed,
        num_batches,
        start,
    )


def adding_problem(num_samples, length, seed=None):
    """`num_samples` adding-problem sequences as NumPy arrays.

    Example:

    >>> x, y = adding_problem(4, 10, seed=0)
    >>> x.shape, y.shape
    ((4, 10, 2), (4, 1))
    """
    generation.check_sizes(num_samples=(num_samples, 1), length=(length, 2))
    inputs, targets = adding_batch(
        generation.seed_pair(seed or 0, 0), num_samples, length
    )
    return inputs.numpy(), targets.numpy()
