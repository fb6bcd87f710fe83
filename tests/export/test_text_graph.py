"""How exported graphs read the ids an app gives them."""

import numpy as np
import tensorflow as tf

from kerasseq.export.text_graph import clean_ids


def test_clean_ids_cuts_reads_outside_ids_as_oov_and_never_returns_no_token():
    ids = tf.constant([[5, -3, 9, 10, 4], [0, 0, 0, 0, 0]], tf.int32)
    # vocabulary of 10 ids: 9 is the last one, 10 and -3 are outside.
    got = clean_ids(ids, max_length=4, vocabulary_size=10).numpy()
    np.testing.assert_array_equal(got, [[5, 1, 9, 1], [1, 0, 0, 0]])
    # No column at all: one [UNK] per row; no row at all: still none.
    np.testing.assert_array_equal(
        clean_ids(tf.zeros([2, 0], tf.int32), 4, 10).numpy(), [[1], [1]])
    assert clean_ids(tf.zeros([0, 3], tf.int32), 4, 10).shape == (0, 3)
