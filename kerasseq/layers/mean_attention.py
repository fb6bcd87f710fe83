"""Mean "attention": the uniform average of the valid source states.

The lecture's "Idea 2" against the Seq2Seq information bottleneck: give
every target step the context `(1/N) sum_j s_j`, the same for all steps,
instead of a weighted sum whose weights depend on the target state.
"""

import keras
from keras import ops

from kerasseq.layers.attention import BaseAttention


@keras.saving.register_keras_serializable(package="kerasseq")
class MeanAttention(BaseAttention):
    """Uniform weights over the valid source positions (no attention).

    `score(s_j, t) = 0` for every key `s_j` and query `t`, so the masked
    softmax gives each of the `N` unmasked source positions the weight
    `1 / N` and the output is the average of the valid values, whatever the
    query. It is the baseline that shows what attention adds: the same
    call convention, masks and outputs as the scored variants.

    Args:
        dropout, seed: as in `BaseAttention`.

    Call arguments:
        inputs, mask, training, return_attention_scores, use_causal_mask:
            as in `keras.layers.Attention` (see `BaseAttention`).

    Returns:
        `(batch, Tq, dim_v)`, and the `(batch, Tq, Tv)` weights if
        `return_attention_scores`.

    Example:

    >>> layer = MeanAttention()
    >>> values = np.arange(6.0).reshape(1, 3, 2)  # (batch, Tv, dim_v)
    >>> outputs = layer([np.ones((1, 2, 5)), values],
    ...                 mask=[None, np.array([[True, True, False]])])
    >>> np.asarray(outputs)  # (batch, Tq, dim_v): the mean of rows 0 and 1
    array([[[1., 2.],
            [1., 2.]]], dtype=float32)
    """

    def compute_scores(self, query, key):
        rows = ops.expand_dims(ops.zeros_like(query[..., 0]), -1)  # (b, Tq, 1)
        columns = ops.expand_dims(ops.zeros_like(key[..., 0]), -2)  # (b, 1, Tv)
        return rows + columns  # (batch, Tq, Tv) zeros
