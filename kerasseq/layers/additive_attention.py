"""Additive attention.

Reference: Bahdanau et al., "Neural machine translation by jointly learning
to align and translate", ICLR 2015, score `v_a^T tanh(W_a s + U_a h_j)`.
"""

import keras
from keras import ops

from kerasseq.layers import validation
from kerasseq.layers.attention import LearnedScoreAttention


@keras.saving.register_keras_serializable(package="kerasseq")
class AdditiveAttention(LearnedScoreAttention):
    """Additive attention of Bahdanau et al. 2015.

    `score(s_j, t) = v^T tanh(W1 s_j + W2 t)` for key `s_j` and query `t`,
    with learned `key_kernel` `W1` `(dim_k, units)`, `query_kernel` `W2`
    `(dim_q, units)` and `score_kernel` `v` `(units,)`, then softmax over the
    source positions and the weighted sum of values. With `W1 = W2 = I` and
    `v` equal to its `scale` vector this is `keras.layers.AdditiveAttention`.

    Args:
        units: Positive integer, width of the hidden layer `tanh(...)`;
            default `None` takes the key width.
        kernel_initializer: Initializer of `W1`, `W2` and `v` (each weight
            gets its own copy). Default `"glorot_uniform"`.
        kernel_regularizer: Regularizer of the three weights.
        kernel_constraint: Constraint of the three weights.
        dropout, seed: as in `BaseAttention`.

    Call arguments:
        inputs, mask, training, return_attention_scores, use_causal_mask:
            as in `keras.layers.Attention` (see `BaseAttention`).

    Returns:
        `(batch, Tq, dim_v)`, and the `(batch, Tq, Tv)` weights if
        `return_attention_scores`.

    Example:

    >>> layer = AdditiveAttention(units=8)
    >>> layer([np.ones((2, 3, 4)), np.ones((2, 5, 6))]).shape
    (2, 3, 6)
    """

    def __init__(self, units=None, **kwargs):
        if units is not None:
            validation.check_positive_int("units", units)
        super().__init__(**kwargs)
        self.units = None if units is None else int(units)

    def build_scores(self, query_shape, key_shape):
        units = key_shape[-1] if self.units is None else self.units
        self.key_kernel = self.add_kernel("key_kernel", (key_shape[-1], units))
        self.query_kernel = self.add_kernel(
            "query_kernel", (query_shape[-1], units)
        )
        self.score_kernel = self.add_kernel("score_kernel", (units,))

    def compute_scores(self, query, key):
        keys = ops.matmul(key, self.key_kernel)  # (batch, Tv, units)
        queries = ops.matmul(query, self.query_kernel)  # (batch, Tq, units)
        hidden = ops.tanh(
            ops.expand_dims(queries, -2) + ops.expand_dims(keys, -3)
        )  # (batch, Tq, Tv, units)
        return ops.sum(hidden * self.score_kernel, axis=-1)  # (batch, Tq, Tv)

    def get_config(self):
        config = {"units": self.units}
        base_config = super().get_config()
        return {**base_config, **config}
