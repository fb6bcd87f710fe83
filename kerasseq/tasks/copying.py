"""The copying memory task (Arjovsky, Shah and Bengio, "Unitary evolution
recurrent neural networks", ICML 2016).

An input of `T + 20` symbols: 10 symbols drawn from the 8 categories 1..8,
then `T - 1` blanks (0), a delimiter (9) and 10 more blanks. The target is
`T + 10` blanks followed by the 10 symbols of the start. A model that only
learns to emit blanks, then guesses the symbols uniformly, scores the
cross-entropy `10 log(8) / (T + 20)` per step: the baseline.
"""

import math

import tensorflow as tf

from kerasseq.metrics.copying import COPY_SYMBOLS
from kerasseq.tasks import generation

#: Categories, and the token ids of blank and delimiter (`COPY_SYMBOLS`, the
#: symbols to remember, is shared with the task's metric).
COPY_CATEGORIES = 8
BLANK = 0
DELIMITER = 9
COPY_VOCAB_SIZE = COPY_CATEGORIES + 2


def copying_baseline_loss(delay):
    """Memoryless cross-entropy per step, `10 log(8) / (T + 20)`."""
    return COPY_SYMBOLS * math.log(COPY_CATEGORIES) / (delay + 2 * COPY_SYMBOLS)


def copying_batch(seed, batch_size, delay):
    """One batch of the copying task from a stateless `seed` (shape `[2]`).

    Returns:
        `(inputs, targets)`, both int32 `(batch, delay + 20)`.
    """
    symbols = tf.random.stateless_uniform(
        (batch_size, COPY_SYMBOLS), seed, minval=1,
        maxval=COPY_CATEGORIES + 1, dtype=tf.int32,
    )
    blanks = lambda n: tf.fill((batch_size, n), BLANK)  # noqa: E731
    delimiter = tf.fill((batch_size, 1), DELIMITER)
    inputs = tf.concat(
        [symbols, blanks(delay - 1), delimiter, blanks(COPY_SYMBOLS)], axis=1
    )
    targets = tf.concat([blanks(delay + COPY_SYMBOLS), symbols], axis=1)
    return inputs, targets


def copying_dataset(delay, batch_size, seed=0, num_batches=None, start=0):
    """A `tf.data.Dataset` of copying-task batches, seeded and reproducible.

    Args:
        delay: `T`, the number of steps between the symbols and the
            delimiter (>= 1).
        batch_size: Positive integer.
        seed: Integer seed; batch `i` depends only on `(seed, i)`.
        num_batches: Number of batches, or `None` for an endless stream.
        start: Index of the first batch (to continue a stream).

    Example:

    >>> x, y = next(iter(copying_dataset(100, batch_size=4)))
    >>> x.shape, y.shape
    (TensorShape([4, 120]), TensorShape([4, 120]))
    """
    generation.check_sizes(delay=(delay, 1), batch_size=(batch_size, 1))
    return generation.stateless_batches(
        lambda batch_seed: copying_batch(batch_seed, batch_size, delay),
        seed,
        num_batches,
        start,
    )
