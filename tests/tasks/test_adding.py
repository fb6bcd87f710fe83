import numpy as np
import pytest

from kerasseq.tasks import ADDING_BASELINE_MSE
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
    _, y = adding_problem(200_000, 10, seed=0)
    assert np.mean((y - 1.0) ** 2) == pytest.approx(ADDING_BASELINE_MSE, rel=0.01)


@pytest.mark.parametrize("kwargs", [{"num_samples": 0, "length": 5},
                                    {"num_samples": 3, "length": 1}])
def test_bad_sizes(kwargs):
    with pytest.raises(ValueError, match="num_samples|length"):
        adding_problem(**kwargs)
