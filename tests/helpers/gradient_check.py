"""Finite-difference check of tape gradients (float64)."""

import numpy as np
import tensorflow as tf


def check_gradients(loss, variables, rng, eps=1e-6, directions=2, rtol=1e-6):
    """Directional derivatives of `loss()` against central differences.

    Args:
        loss: Callable returning a scalar tensor that depends on `variables`.
        variables: `tf.Variable`s or Keras variables (weights, inputs).
        rng: NumPy generator for the random directions.
    """
    with tf.GradientTape() as tape:
        value = loss()
    grads = tape.gradient(value, variables)
    for variable, grad in zip(variables, grads, strict=True):
        base = np.asarray(variable.numpy())
        for _ in range(directions):
            direction = rng.standard_normal(variable.shape)
            variable.assign(base + eps * direction)
            plus = float(loss())
            variable.assign(base - eps * direction)
            minus = float(loss())
            variable.assign(base)
            numeric = (plus - minus) / (2 * eps)
            analytic = float(np.sum(np.asarray(grad) * direction))
            assert abs(analytic - numeric) <= rtol * abs(numeric) + 1e-8, (
                getattr(variable, "path", variable.name), analytic, numeric
            )


def check_layer_gradients(layer, inputs, rng, **call_kwargs):
    """`check_gradients` of `sum(layer(inputs) * probe)`, weights and inputs.

    `inputs` is a list of arrays (the layer is called on the list).
    """
    inputs = [tf.Variable(np.asarray(x, np.float64)) for x in inputs]
    outputs = layer([tf.convert_to_tensor(x) for x in inputs], **call_kwargs)
    probe = tf.constant(rng.standard_normal(outputs.shape))

    def loss():
        outputs = layer([tf.convert_to_tensor(x) for x in inputs], **call_kwargs)
        return tf.reduce_sum(outputs * probe)

    check_gradients(loss, list(layer.trainable_weights) + inputs, rng)
