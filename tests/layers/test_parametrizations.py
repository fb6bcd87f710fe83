"""The skew-symmetric -> orthogonal maps against float64 NumPy references."""

import numpy as np
import pytest
import tensorflow as tf

from kerasseq.layers import parametrizations
from tests.helpers import orthogonal_reference as ref
from tests.helpers.gradient_check import check_gradients

SIZES = [1, 2, 5, 16]
# Entry scales from tiny to large: 30 drives the 1-norm into the hundreds,
# so `expm` needs several squarings.
SCALES = [1e-3, 0.5, 3.0, 30.0]


def random_skew(rng, size, scale):
    return ref.skew(scale * rng.standard_normal((size, size)))


def test_skew_symmetric_uses_the_strict_upper_triangle():
    rng = np.random.default_rng(0)
    params = rng.standard_normal((6, 6))
    got = np.asarray(parametrizations.skew_symmetric(tf.constant(params)))
    np.testing.assert_array_equal(got, ref.skew(params))
    np.testing.assert_array_equal(got, -got.T)
    lower_changed = params + np.tril(rng.standard_normal((6, 6)))
    np.testing.assert_array_equal(
        parametrizations.skew_symmetric(tf.constant(lower_changed)), got
    )


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("scale", SCALES)
def test_cayley_matches_numpy_inverse_formula(size, scale):
    rng = np.random.default_rng(size)
    a = random_skew(rng, size, scale)
    got = np.asarray(parametrizations.cayley(tf.constant(a)))
    np.testing.assert_allclose(got, ref.cayley(a), atol=1e-11)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("scale", SCALES)
def test_expm_matches_eigendecomposition_and_taylor(size, scale):
    rng = np.random.default_rng(size)
    a = random_skew(rng, size, scale)
    got = np.asarray(parametrizations.expm(tf.constant(a)))
    np.testing.assert_allclose(got, ref.expm_eig(a), atol=1e-12)
    np.testing.assert_allclose(got, ref.expm_taylor(a), atol=1e-11)


def test_expm_of_a_general_matrix_matches_taylor():
    # The Pade approximant is the exponential of any matrix, not only a skew.
    rng = np.random.default_rng(1)
    for scale in (0.1, 1.0, 4.0):
        a = scale * rng.standard_normal((7, 7))
        want = ref.expm_taylor(a)
        got = np.asarray(parametrizations.expm(tf.constant(a)))
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


def test_known_rotations():
    angle = 0.7
    a = np.array([[0.0, angle], [-angle, 0.0]])
    rotation = np.array(
        [[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]]
    )
    np.testing.assert_allclose(
        parametrizations.expm(tf.constant(a)), rotation, atol=1e-15
    )
    # Cayley: angle 2 * arctan(a) in the other direction.
    half = np.arctan(angle)
    np.testing.assert_allclose(
        parametrizations.cayley(tf.constant(a)),
        np.array(
            [[np.cos(2 * half), -np.sin(2 * half)],
             [np.sin(2 * half), np.cos(2 * half)]]
        ),
        atol=1e-15,
    )


@pytest.mark.parametrize("name", ["cayley", "exp"])
@pytest.mark.parametrize("scale", [0.1, 1.0, 3.0])
def test_float32_results_are_orthogonal(name, scale):
    rng = np.random.default_rng(2)
    a = random_skew(rng, 64, scale).astype("float32")
    w = np.asarray(parametrizations.get_parametrization(name)(tf.constant(a)))
    assert w.dtype == np.float32
    assert np.abs(w.T @ w - np.eye(64)).max() < 1e-5
    assert np.linalg.det(w.astype("float64")) == pytest.approx(1.0, abs=1e-4)


@pytest.mark.parametrize("name", ["cayley", "exp"])
def test_gradient_matches_finite_differences(name):
    rng = np.random.default_rng(3)
    params = tf.Variable(2.0 * rng.standard_normal((5, 5)))
    probe = tf.constant(rng.standard_normal((5, 5)))
    function = parametrizations.get_parametrization(name)

    def loss():
        return tf.reduce_sum(
            function(parametrizations.skew_symmetric(params)) * probe
        )

    check_gradients(loss, [params], rng, directions=4, rtol=1e-7)


@pytest.mark.parametrize("name", ["cayley", "exp"])
def test_xla_compiles_value_and_gradient(name):
    rng = np.random.default_rng(4)
    params = tf.Variable(rng.standard_normal((12, 12)).astype("float32"))
    probe = tf.constant(rng.standard_normal((12, 12)).astype("float32"))
    function = parametrizations.get_parametrization(name)

    def value_and_grad():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(
                function(parametrizations.skew_symmetric(params)) * probe
            )
        return loss, tape.gradient(loss, params)

    compiled = tf.function(value_and_grad, jit_compile=True)
    assert "HloModule" in compiled.experimental_get_compiler_ir()(stage="hlo")
    eager_loss, eager_grad = value_and_grad()
    xla_loss, xla_grad = compiled()
    np.testing.assert_allclose(xla_loss, eager_loss, rtol=1e-4)
    np.testing.assert_allclose(xla_grad, eager_grad, atol=1e-4)


def test_unknown_parametrization_names_argument_choices_and_value():
    with pytest.raises(ValueError) as info:
        parametrizations.get_parametrization("expm")
    message = str(info.value)
    assert "`parametrization`" in message and "'expm'" in message
    assert "'cayley'" in message and "'exp'" in message
