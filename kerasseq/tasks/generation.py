"""Reproducible on-the-fly batches for the generated tasks.

Batch `i` of a stream with seed `s` is drawn from the stateless seed `(s, i)`:
the same seed gives the same data in any order, across processes and after a
restart, and no data set is kept in memory.
"""

import numbers

import tensorflow as tf


def seed_pair(seed, index):
    """The stateless seed `[seed, index]` (int64, shape `[2]`)."""
    return tf.stack(
        [tf.cast(seed, tf.int64), tf.cast(index, tf.int64)]
    )


def stateless_batches(make_batch, seed, num_batches=None, start=0):
    """`Dataset` of `make_batch(seed_pair(seed, i))` for i = start, start+1, ...

    `start` lets a resumed run continue the stream where it stopped.
    """
    check_sizes(start=(start, 0))
    if num_batches is None:
        indices = tf.data.Dataset.counter(start=start)
    else:
        check_sizes(num_batches=(num_batches, 1))
        indices = tf.data.Dataset.range(start, start + num_batches)
    return indices.map(
        lambda index: make_batch(seed_pair(seed, index)),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    ).prefetch(tf.data.AUTOTUNE)


def check_sizes(**sizes):
    """Each keyword is `name=(value, minimum)`; raises a naming ValueError."""
    for name, (value, minimum) in sizes.items():
        if (
            isinstance(value, bool)
            or not isinstance(value, numbers.Integral)
            or value < minimum
        ):
            raise ValueError(
                f"Argument `{name}` must be an integer >= {minimum}. "
                f"Received: {name}={value!r}"
            )
