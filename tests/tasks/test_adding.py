import numpy as np
import pytest

from kerasseq.tasks import ADDING_BASELINE_MSE
from kerasseq.tasks import adding_dataset
from kerasseq.tasks import adding_problem


def test_target_is_the_sum_of_the_two_marked_values():
    x, y = adding_problem(200, 20, seed=3)
    markers = x[..., 1]
    np.testing.assert_array_equal(markers.sum(axis=1), 2)
    assert np.all(markers[:, :10].sum(axis=1) == 1)
    np.testing.assert_allclose(y[:, 0], (x[..., 0] * markers).sum(axis=1), rtol=1e-6)


def test_seeded_and_reproducible():
    a = adding_problem(10, 8, seed=1)
    b = adding_problem(10, 8, seed=1)
    c = adding_problem(10, 8, seed=2)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])


def test_baseline_is_the_variance_of_the_target():
    _, y = adding_problem(100_000, 10, seed=0)
    assert np.mean((y - 1.0) ** 2) == pytest.approx(ADDING_BASELINE_MSE, rel=0.02)


@pytest.mark.parametrize("kwargs", [{"num_samples": 0, "length": 5},
                                    {"num_samples": 3, "length": 1}])
def test_bad_sizes(kwargs):
    with pytest.raises(ValueError, match="num_samples|length"):
        adding_problem(**kwargs)


def test_dataset_batches_are_reproducible_and_valid():
    first = [(x.numpy(), y.numpy()) for x, y in adding_dataset(16, 8, seed=5, num_batches=3)]
    again = [(x.numpy(), y.numpy()) for x, y in adding_dataset(16, 8, seed=5, num_batches=3)]
    for (x, y), (x2, y2) in zip(first, again):
        np.testing.assert_array_equal(x, x2)
        np.testing.assert_allclose(y[:, 0], (x[..., 0] * x[..., 1]).sum(axis=1), rtol=1e-6)
    assert not np.array_equal(first[0][0], first[1][0])
