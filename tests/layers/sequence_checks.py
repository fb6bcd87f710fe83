"""Helpers shared by the tests of the parametrized cells."""

import numpy as np
import pytest
import tensorflow as tf


def right_padded_mask(rng, batch, steps):
    """A `(batch, steps)` mask of random lengths (row 0 full); and lengths."""
    lengths = rng.integers(1, steps + 1, size=batch)
    lengths[0] = steps
    return np.arange(steps)[None, :] < lengths[:, None], lengths


def assert_gradients_match_finite_differences(
    loss, variables, rng, directions=2, eps=1e-6, rel=1e-6, abs=1e-8
):
    """Tape gradients of `loss()` against central differences (float64).

    Each variable is moved along `directions` random directions; the
    directional derivative `(loss(v + eps d) - loss(v - eps d)) / (2 eps)`
    must equal `<grad, d>`.
    """
    with tf.GradientTape() as tape:
        value = loss()
    grads = tape.gradient(value, variables)
    for variable, grad in zip(variables, grads):
        base = variable.numpy()
        for _ in range(directions):
            direction = rng.standard_normal(base.shape)
            variable.assign(base + eps * direction)
            plus = float(loss())
            variable.assign(base - eps * direction)
            minus = float(loss())
            variable.assign(base)
            numeric = (plus - minus) / (2 * eps)
            analytic = float(np.sum(np.asarray(grad) * direction))
            assert analytic == pytest.approx(numeric, rel=rel, abs=abs), (
                getattr(variable, "path", variable.name)
            )
