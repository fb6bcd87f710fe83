"""Attention pooling: a learned query summarizes a sequence.

Reference: Yang et al., "Hierarchical attention networks for document
classification", NAACL 2016 (a learned context vector `u_w` attends over the
word states).
"""

import keras
from keras import ops

from kerasseq.layers import validation
from kerasseq.layers.additive_attention import AdditiveAttention


@keras.saving.register_keras_serializable(package="kerasseq")
class AttentionPooling(keras.layers.Layer):
    """Weighted mean of a sequence, weights from additive attention.

    A learned query vector `u` attends over the steps with
    `AdditiveAttention` (`v^T tanh(W1 h_t + W2 u)`); padded steps get weight
    zero. The result summarizes the sequence like mean pooling, but learns
    which steps matter.

    Args:
        units: Width of the attention's hidden layer; `None` takes the
            input width.
        seed: Seed of the query initializer.

    Call arguments:
        inputs: `(batch, time, features)`.
        mask: optional `(batch, time)` boolean mask.
        return_attention_scores: also return the `(batch, time)` weights.

    Returns:
        `(batch, features)`.

    Example:

    >>> AttentionPooling()(np.ones((2, 7, 4))).shape
    (2, 4)
    """

    def __init__(self, units=None, seed=None, **kwargs):
        if units is not None:
            validation.check_positive_int("units", units)
        validation.check_seed("seed", seed)
        super().__init__(**kwargs)
        self.units = units
        self.seed = seed
        self.supports_masking = True
        self.attention = AdditiveAttention(
            units=units, seed=seed, name="attention", dtype=self.dtype_policy
        )

    def build(self, input_shape):
        features = input_shape[-1]
        self.query = self.add_weight(
            shape=(1, 1, features),
            name="query",
            initializer=keras.initializers.RandomNormal(stddev=0.1, seed=self.seed),
        )
        self.attention.build([(None, 1, features), tuple(input_shape)])

    def call(self, inputs, mask=None, return_attention_scores=False):
        query = ops.broadcast_to(
            self.query, (ops.shape(inputs)[0], 1, ops.shape(inputs)[-1])
        )  # (batch, 1, features)
        pooled, weights = self.attention(
            [query, inputs], mask=[None, mask], return_attention_scores=True
        )
        pooled = ops.squeeze(pooled, axis=1)  # (batch, features)
        if return_attention_scores:
            return pooled, ops.squeeze(weights, axis=1)
        return pooled

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1])

    def get_config(self):
        config = {"units": self.units, "seed": self.seed}
        base_config = super().get_config()
        return {**base_config, **config}
