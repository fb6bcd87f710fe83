import math

import numpy as np
import pytest

from kerasseq.tasks import copying_baseline_loss
from kerasseq.tasks import copying_dataset


def _batches(**kwargs):
    return [(x.numpy(), y.numpy()) for x, y in copying_dataset(**kwargs)]


def test_layout_follows_arjovsky_et_al():
    delay = 7
    (x, y), = _batches(delay=delay, batch_size=16, seed=1, num_batches=1)
    assert x.shape == y.shape == (16, delay + 20)
    symbols = x[:, :10]
    assert symbols.min() >= 1 and symbols.max() <= 8
    np.testing.assert_array_equal(x[:, 10 : 10 + delay - 1], 0)
    np.testing.assert_array_equal(x[:, delay + 9], 9)
    np.testing.assert_array_equal(x[:, delay + 10 :], 0)
    np.testing.assert_array_equal(y[:, : delay + 10], 0)
    np.testing.assert_array_equal(y[:, delay + 10 :], symbols)


def test_symbols_are_uniform_over_eight_categories():
    (x, _), = _batches(delay=3, batch_size=4000, seed=0, num_batches=1)
    counts = np.bincount(x[:, :10].ravel(), minlength=9)[1:]
    assert counts.min() > 0.9 * counts.mean() and counts.max() < 1.1 * counts.mean()


def test_stream_is_seeded_and_batches_differ():
    a = _batches(delay=5, batch_size=8, seed=3, num_batches=2)
    b = _batches(delay=5, batch_size=8, seed=3, num_batches=2)
    c = _batches(delay=5, batch_size=8, seed=4, num_batches=1)
    np.testing.assert_array_equal(a[0][0], b[0][0])
    assert not np.array_equal(a[0][0], a[1][0])
    assert not np.array_equal(a[0][0], c[0][0])


def test_baseline_is_the_memoryless_cross_entropy():
    delay = 100
    # Blanks predicted perfectly, the 10 symbols uniformly over 8 categories.
    assert copying_baseline_loss(delay) == pytest.approx(10 * math.log(8) / 120)


def test_bad_delay():
    with pytest.raises(ValueError, match="`delay`.*0"):
        copying_dataset(delay=0, batch_size=2)
