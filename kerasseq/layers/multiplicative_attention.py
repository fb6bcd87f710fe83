"""Multiplicative ("general") attention.

Reference: Luong et al., "Effective approaches to attention-based neural
machine translation", EMNLP 2015, score `h_t^T W_a h_s`.
"""

import keras
from keras import ops

from kerasseq.layers.attention import LearnedScoreAttention


@keras.saving.register_keras_serializable(package="kerasseq")
class MultiplicativeAttention(LearnedScoreAttention):
    """Multiplicative ("general") attention of Luong et al. 2015.

    `score(s_j, t) = <s_j, W t>` between key `s_j` and query `t`, with a
    learned `kernel` of shape `(dim_q, dim_k)` (so the scores are
    `query @ kernel @ key^T`), then softmax over the source positions and the
    weighted sum of values. Queries and keys may have different widths.

    Args:
        kernel_initializer: Initializer of the kernel. Default
            `"glorot_uniform"`.
        kernel_regularizer: Regularizer of the kernel (name, instance or
            `None`).
        kernel_constraint: Constraint of the kernel (name, instance or
            `None`).
        dropout, seed: as in `BaseAttention`.

    Call arguments:
        inputs, mask, training, return_attention_scores, use_causal_mask:
            as in `keras.layers.Attention` (see `BaseAttention`).

    Returns:
        `(batch, Tq, dim_v)`, and the `(batch, Tq, Tv)` weights if
        `return_attention_scores`.

    Example:

    >>> layer = MultiplicativeAttention()
    >>> layer([np.ones((2, 3, 4)), np.ones((2, 5, 6))]).shape
    (2, 3, 6)
    >>> tuple(layer.kernel.shape)
    (4, 6)
    """

    def build_scores(self, query_shape, key_shape):
        self.kernel = self.add_kernel("kernel", (query_shape[-1], key_shape[-1]))

    def compute_scores(self, query, key):
        projected = ops.matmul(query, self.kernel)  # (batch, Tq, dim_k)
        return ops.matmul(projected, ops.swapaxes(key, -1, -2))  # (batch, Tq, Tv)
