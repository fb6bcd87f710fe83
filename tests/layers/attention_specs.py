"""One row per kerasseq attention variant: how to make it, its NumPy score."""

import dataclasses

import numpy as np

from kerasseq import layers
from tests.layers import attention_reference


@dataclasses.dataclass(frozen=True)
class AttentionSpec:
    name: str
    layer: type
    numpy_scores: object  # (query, key, weights) -> (batch, Tq, Tv)
    kwargs: tuple = ()

    def make(self, **kwargs):
        return self.layer(**{**dict(self.kwargs), **kwargs})

    def __str__(self):
        return self.name


SPECS = [
    AttentionSpec(
        "dot",
        layers.DotProductAttention,
        lambda q, k, w: attention_reference.dot_scores(q, k),
    ),
    AttentionSpec(
        "scaled_dot",
        layers.DotProductAttention,
        lambda q, k, w: attention_reference.dot_scores(
            q, k, 1.0 / np.sqrt(k.shape[-1])
        ),
        (("use_scale", True),),
    ),
    AttentionSpec(
        "multiplicative",
        layers.MultiplicativeAttention,
        lambda q, k, w: attention_reference.multiplicative_scores(q, k, *w),
    ),
    AttentionSpec(
        "additive",
        layers.AdditiveAttention,
        lambda q, k, w: attention_reference.additive_scores(q, k, *w),
        (("units", 6),),
    ),
]

IDS = [spec.name for spec in SPECS]


def built(spec, rng, dim=4, dtype="float64", scale=0.5, **kwargs):
    """`spec`'s layer built for width `dim`, with random weights."""
    layer = spec.make(dtype=dtype, **kwargs)
    layer.build([(None, None, dim), (None, None, dim)])
    weights = [scale * rng.standard_normal(w.shape) for w in layer.get_weights()]
    layer.set_weights(weights)
    return layer, [np.asarray(w, np.float64) for w in layer.get_weights()]


def right_padded_mask(rng, batch, steps):
    """`(batch, steps)` mask of random lengths >= 1; row 0 is full."""
    lengths = rng.integers(1, steps + 1, size=batch)
    lengths[0] = steps
    return np.arange(steps)[None, :] < lengths[:, None]


def check_gradients(layer, inputs, mask, rng, eps=1e-6, directions=2):
    """Finite differences (float64) against the tape, weights and inputs.

    Compares the directional derivative of `sum(layer(inputs) * probe)`
    along random directions with central differences.
    """
    import tensorflow as tf

    inputs = [tf.Variable(np.asarray(x, np.float64)) for x in inputs]
    probe = None

    def loss():
        outputs = layer([tf.convert_to_tensor(x) for x in inputs], mask=mask)
        nonlocal probe
        if probe is None:
            probe = rng.standard_normal(outputs.shape)
        return tf.reduce_sum(outputs * probe)

    loss()
    variables = list(layer.trainable_weights) + inputs
    with tf.GradientTape() as tape:
        value = loss()
    grads = tape.gradient(value, variables)
    for variable, grad in zip(variables, grads):
        for _ in range(directions):
            direction = rng.standard_normal(variable.shape)
            base = np.asarray(variable.numpy())
            variable.assign(base + eps * direction)
            plus = float(loss())
            variable.assign(base - eps * direction)
            minus = float(loss())
            variable.assign(base)
            numeric = (plus - minus) / (2 * eps)
            analytic = float(np.sum(np.asarray(grad) * direction))
            assert abs(analytic - numeric) <= 1e-6 * abs(numeric) + 1e-8, (
                getattr(variable, "path", variable.name), analytic, numeric
            )
