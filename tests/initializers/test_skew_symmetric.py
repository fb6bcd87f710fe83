"""The skew-symmetric initializers of the orthogonal cells (Henaff 2016,
Helfrich 2018), checked through the spectra of their NumPy exponentials."""

import numpy as np
import pytest

import keras
from kerasseq import initializers
from tests.helpers import orthogonal_reference as ref

CLASSES = [
    initializers.HenaffSkew,
    initializers.CayleySkew,
    initializers.RandomOrthogonalSkew,
]


def draw(cls, size, seed=1):
    return np.asarray(cls(seed=seed)((size, size), dtype="float64"))


@pytest.mark.parametrize("cls", CLASSES)
@pytest.mark.parametrize("size", [1, 2, 7, 8])
def test_skew_symmetric_and_seeded(cls, size):
    a = draw(cls, size)
    np.testing.assert_allclose(a, -a.T, atol=1e-15)
    np.testing.assert_array_equal(draw(cls, size), a)
    if size > 1:
        assert not np.array_equal(draw(cls, size, seed=2), a)


def test_henaff_is_block_diagonal_with_angles_in_pi():
    a = draw(initializers.HenaffSkew, 9)
    angles = a[np.arange(0, 8, 2), np.arange(1, 9, 2)]
    assert np.all(np.abs(angles) <= np.pi) and np.ptp(angles) > 0
    expected = np.zeros((9, 9))
    expected[np.arange(0, 8, 2), np.arange(1, 9, 2)] = angles
    np.testing.assert_array_equal(a, expected - expected.T)


def test_cayley_init_rotates_by_angles_in_a_quarter_turn():
    # Helfrich et al.: cayley(A) has eigenvalues exp(+-i t), t in [0, pi/2].
    w = ref.cayley(draw(initializers.CayleySkew, 64))
    angles = np.abs(np.angle(np.linalg.eigvals(w)))
    assert angles.max() <= np.pi / 2 + 1e-12
    assert angles.max() > 1.2 and angles.min() < 0.3


def test_random_orthogonal_is_a_rotated_henaff_spectrum():
    a = draw(initializers.RandomOrthogonalSkew, 8)
    henaff = draw(initializers.HenaffSkew, 8)
    np.testing.assert_allclose(
        np.sort(np.linalg.eigvalsh(1j * a)),
        np.sort(np.linalg.eigvalsh(1j * henaff)),
        atol=1e-12,
    )
    assert np.count_nonzero(np.abs(a) > 1e-9) > 8 * 4  # not block diagonal


@pytest.mark.parametrize("cls", CLASSES)
def test_registered_config_round_trip(cls):
    initializer = cls(seed=4)
    config = keras.initializers.serialize(initializer)
    assert config["registered_name"] == f"kerasseq>{cls.__name__}"
    clone = keras.initializers.deserialize(config)
    np.testing.assert_array_equal(clone((6, 6)), initializer((6, 6)))


def test_non_square_shape_is_rejected():
    with pytest.raises(ValueError, match=r"square.*shape=\(3, 4\)"):
        initializers.HenaffSkew()((3, 4))
    with pytest.raises(ValueError, match="`seed`"):
        initializers.HenaffSkew(seed="x")
