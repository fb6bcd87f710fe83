"""One row per kerasseq attention variant: how to make it, its NumPy score."""

import dataclasses

import numpy as np

from kerasseq import layers
from tests.helpers import attention_reference


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
    AttentionSpec(
        "mean",
        layers.MeanAttention,
        lambda q, k, w: np.zeros(q.shape[:-1] + k.shape[-2:-1]),
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

