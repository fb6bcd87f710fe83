"""Attention base class and dot-product attention.

Scores follow Luong et al., "Effective approaches to attention-based neural
machine translation", EMNLP 2015 (dot score) and Vaswani et al., "Attention
is all you need", NeurIPS 2017 (scaling by `1 / sqrt(d)`).

`BaseAttention` owns everything but the score: the query/value/key call
convention of `keras.layers.Attention`, the padding and causal masks, the
softmax over source positions, dropout on the attention weights and the
weighted sum of the values. A variant overrides `compute_scores`; one whose
score has weights derives from `LearnedScoreAttention` and creates them in
`build_scores`.
"""

import keras
import numpy as np
from keras import ops

from kerasseq.layers import validation


def mask_value(dtype):
    """The most negative finite number of `dtype`, the score of a masked slot.

    A fixed constant such as `-1e9` is `-inf` in float16 (whose largest
    magnitude is 65504), and a row of `-inf` has a NaN softmax; the dtype's
    own minimum is finite, so even a fully masked row stays finite (and
    `BaseAttention` then sets its weights to zero).
    """
    dtype = keras.backend.standardize_dtype(dtype)
    if dtype == "bfloat16":
        return -3.3895313892515355e38  # largest finite bfloat16 magnitude
    return float(np.finfo(dtype).min)


def clone_initializer(initializer):
    """A fresh copy of `initializer`, for one weight.

    Keras initializers return the same values on every call, so one instance
    shared by several weights of equal shape would start them all equal.
    """
    return initializer.__class__.from_config(initializer.get_config())


def causal_mask(query_length, key_length):
    """`(1, Tq, Tv)` boolean mask, True where query `i` may see key `j <= i`."""
    rows = ops.expand_dims(ops.arange(query_length), -1)  # (Tq, 1)
    columns = ops.expand_dims(ops.arange(key_length), 0)  # (1, Tv)
    return ops.expand_dims(ops.greater_equal(rows, columns), 0)  # (1, Tq, Tv)


class BaseAttention(keras.layers.Layer):
    """Base of the kerasseq attention layers (Luong et al. 2015 framework).

    Computes `softmax(scores(query, key)) @ value` with the call convention
    of `keras.layers.Attention`. Subclasses implement `compute_scores` and,
    when the score has weights, `build_scores`.

    Masked (padded) source positions get a weight of exactly zero. A query
    row whose every source position is masked gets all-zero weights and a
    zero output (`keras.layers.Attention` would average over the padding).

    Args:
        dropout: Float in `[0, 1)`, fraction of the attention weights to drop
            in training. Default `0.0`.
        seed: Integer seed of the dropout, or `None`.

    Call arguments:
        inputs: List `[query, value]` or `[query, value, key]`; `query` is
            `(batch, Tq, dim_q)`, `value` `(batch, Tv, dim_v)`, `key`
            `(batch, Tv, dim_k)` and defaults to `value`.
        mask: Optional list `[query_mask, value_mask]` of boolean
            `(batch, Tq)` and `(batch, Tv)` tensors (either may be `None`).
            Outputs at masked query positions are zero; masked value
            positions get zero weight.
        training: Whether dropout is active.
        return_attention_scores: If `True`, also return the attention weights
            (after masking, softmax and dropout).
        use_causal_mask: If `True`, query `i` attends only to source
            positions `j <= i` (decoder self-attention).

    Returns:
        `(batch, Tq, dim_v)`, and the `(batch, Tq, Tv)` weights if
        `return_attention_scores`.
    """

    def __init__(self, dropout=0.0, seed=None, **kwargs):
        validation.check_rate("dropout", dropout)
        validation.check_seed("seed", seed)
        super().__init__(**kwargs)
        self.dropout = float(dropout)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True

    # ----------------------------------------------------------------- build
    def build(self, input_shape):
        query_shape, _, key_shape = self._unpack_inputs(input_shape)
        self.build_scores(tuple(query_shape), tuple(key_shape))

    def build_scores(self, query_shape, key_shape):
        """Creates the weights of the score function; none by default."""

    # ------------------------------------------------------------------ math
    def compute_scores(self, query, key):
        """Unnormalized scores.

        Args:
            query: `(batch, Tq, dim_q)`.
            key: `(batch, Tv, dim_k)`.

        Returns:
            `(batch, Tq, Tv)`.
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement `compute_scores`."
        )

    def call(
        self,
        inputs,
        mask=None,
        training=False,
        return_attention_scores=False,
        use_causal_mask=False,
    ):
        query, value, key = self._unpack_inputs(inputs)
        query_mask, value_mask = self._unpack_mask(mask)
        scores = self.compute_scores(query, key)  # (batch, Tq, Tv)
        scores_mask = self._scores_mask(scores, value_mask, use_causal_mask)
        weights = self._attention_weights(scores, scores_mask, training)
        outputs = ops.matmul(weights, value)  # (batch, Tq, dim_v)
        if query_mask is not None:
            query_mask = ops.expand_dims(query_mask, -1)  # (batch, Tq, 1)
            outputs = ops.where(query_mask, outputs, ops.zeros_like(outputs))
        if return_attention_scores:
            return outputs, weights
        return outputs

    def _scores_mask(self, scores, value_mask, use_causal_mask):
        """Boolean mask broadcastable to `scores`, or `None`."""
        scores_mask = None
        if value_mask is not None:
            scores_mask = ops.expand_dims(value_mask, -2)  # (batch, 1, Tv)
        if use_causal_mask:
            shape = ops.shape(scores)
            causal = causal_mask(shape[-2], shape[-1])  # (1, Tq, Tv)
            scores_mask = (
                causal
                if scores_mask is None
                else ops.logical_and(scores_mask, causal)
            )
        return scores_mask

    def _attention_weights(self, scores, scores_mask, training):
        """Masked softmax over the source positions, then dropout."""
        if scores_mask is not None:
            fill = ops.convert_to_tensor(
                mask_value(scores.dtype), dtype=scores.dtype
            )
            scores = ops.where(scores_mask, scores, fill)
        weights = ops.softmax(scores, axis=-1)  # (batch, Tq, Tv)
        if scores_mask is not None:
            # Exact zeros, also in rows where every position is masked (their
            # softmax is uniform over the fill value).
            weights = ops.where(scores_mask, weights, ops.zeros_like(weights))
        if training and self.dropout > 0:
            weights = keras.random.dropout(
                weights, rate=self.dropout, seed=self.seed_generator
            )
        return weights

    # --------------------------------------------------------------- helpers
    def _unpack_inputs(self, inputs):
        """`[query, value(, key)]` (tensors or shapes) as `(q, v, k)`."""
        if (
            not isinstance(inputs, (list, tuple))
            or len(inputs) not in (2, 3)
            or any(x is None or isinstance(x, int) for x in inputs)  # a shape
        ):
            raise ValueError(
                f"{type(self).__name__} must be called on a list "
                "`[query, value]` or `[query, value, key]`. "
                f"Received: inputs={inputs!r}"
            )
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) == 3 else value
        return query, value, key

    def _unpack_mask(self, mask):
        """`[query_mask, value_mask]` as two boolean tensors (or `None`)."""
        if mask is None:
            return None, None
        if not isinstance(mask, (list, tuple)) or len(mask) not in (2, 3):
            raise ValueError(
                f"{type(self).__name__} takes `mask=[query_mask, value_mask]`. "
                f"Received: mask={mask!r}"
            )
        return tuple(
            None if m is None else ops.cast(m, "bool") for m in mask[:2]
        )

    # ---------------------------------------------------------------- shapes
    def compute_mask(self, inputs, mask=None):
        query_mask, _ = self._unpack_mask(mask)
        return query_mask

    def compute_output_shape(self, input_shape):
        query_shape, value_shape, _ = self._unpack_inputs(input_shape)
        return (*query_shape[:-1], value_shape[-1])

    def compute_output_spec(
        self,
        inputs,
        mask=None,
        training=False,
        return_attention_scores=False,
        use_causal_mask=False,
    ):
        query, value, key = self._unpack_inputs(inputs)
        output_shape = self.compute_output_shape(
            [query.shape, value.shape, key.shape]
        )
        output = keras.KerasTensor(output_shape, dtype=self.compute_dtype)
        if not return_attention_scores:
            return output
        weights_shape = (*query.shape[:-1], key.shape[-2])  # (batch, Tq, Tv)
        return output, keras.KerasTensor(weights_shape, dtype=self.compute_dtype)

    def get_config(self):
        config = {"dropout": self.dropout, "seed": self.seed}
        base_config = super().get_config()
        return {**base_config, **config}


class LearnedScoreAttention(BaseAttention):
    """Base of the attention layers whose score function has weights.

    Holds the `kernel_{initializer,regularizer,constraint}` arguments and
    `add_kernel`, which gives every weight its own copy of the initializer.
    Subclasses create their weights in `build_scores`.

    Args:
        kernel_initializer: Initializer of the score weights. Default
            `"glorot_uniform"`.
        kernel_regularizer: Regularizer of the score weights.
        kernel_constraint: Constraint of the score weights.
        dropout, seed: as in `BaseAttention`.
    """

    def __init__(
        self,
        kernel_initializer="glorot_uniform",
        kernel_regularizer=None,
        kernel_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.kernel_initializer = validation.get_initializer(
            "kernel_initializer", kernel_initializer
        )
        self.kernel_regularizer = validation.get_regularizer(
            "kernel_regularizer", kernel_regularizer
        )
        self.kernel_constraint = validation.get_constraint(
            "kernel_constraint", kernel_constraint
        )

    def build(self, input_shape):
        query_shape, _, key_shape = self._unpack_inputs(input_shape)
        if query_shape[-1] is None or key_shape[-1] is None:
            raise ValueError(
                f"{type(self).__name__} needs known query and key widths. "
                f"Received: query_shape={tuple(query_shape)}, "
                f"key_shape={tuple(key_shape)}"
            )
        super().build(input_shape)

    def add_kernel(self, name, shape):
        """A score weight `name` of `shape` with the kernel arguments."""
        return self.add_weight(
            shape=shape,
            name=name,
            initializer=clone_initializer(self.kernel_initializer),
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )

    def get_config(self):
        config = {
            "kernel_initializer": keras.initializers.serialize(
                self.kernel_initializer
            ),
            "kernel_regularizer": keras.regularizers.serialize(
                self.kernel_regularizer
            ),
            "kernel_constraint": keras.constraints.serialize(
                self.kernel_constraint
            ),
        }
        base_config = super().get_config()
        return {**base_config, **config}


@keras.saving.register_keras_serializable(package="kerasseq")
class DotProductAttention(BaseAttention):
    """Dot-product attention (Luong et al. 2015), scaled (Vaswani et al. 2017).

    `score(s_j, t) = <s_j, t>` between each query `t` and key `s_j`,
    optionally times `scale` (by default `1 / sqrt(d)`, `d` the key width),
    then softmax over the source positions and the weighted sum of values.
    Query and key must have the same width.

    Args:
        use_scale: If `True`, multiply the scores by `scale`. Unlike
            `keras.layers.Attention`, the factor is fixed, not learned.
        scale: Positive float, the factor when `use_scale`; default
            `None` means `1 / sqrt(d)`.
        dropout, seed: as in `BaseAttention`.

    Call arguments:
        inputs, mask, training, return_attention_scores, use_causal_mask:
            as in `keras.layers.Attention` (see `BaseAttention`).

    Returns:
        `(batch, Tq, dim_v)`, and the `(batch, Tq, Tv)` weights if
        `return_attention_scores`.

    Example:

    >>> layer = DotProductAttention(use_scale=True)
    >>> out, weights = layer([np.ones((2, 3, 4)), np.ones((2, 5, 4))],
    ...                      return_attention_scores=True)
    >>> out.shape, weights.shape
    ((2, 3, 4), (2, 3, 5))
    """

    def __init__(self, use_scale=False, scale=None, **kwargs):
        if scale is not None:
            validation.check_positive_float("scale", scale)
            if not use_scale:
                raise ValueError(
                    "Argument `scale` is only used with `use_scale=True`. "
                    f"Received: scale={scale!r}, use_scale={use_scale!r}"
                )
        super().__init__(**kwargs)
        self.use_scale = bool(use_scale)
        self.scale = None if scale is None else float(scale)

    def build_scores(self, query_shape, key_shape):
        query_dim, key_dim = query_shape[-1], key_shape[-1]
        if query_dim is not None and key_dim is not None and query_dim != key_dim:
            raise ValueError(
                f"{type(self).__name__} needs queries and keys of one width. "
                f"Received: query_shape={query_shape}, key_shape={key_shape}"
            )
        if self.use_scale and self.scale is None and key_dim is None:
            raise ValueError(
                f"{type(self).__name__}(use_scale=True) needs a known key "
                f"width for `1 / sqrt(d)`. Received: key_shape={key_shape}"
            )

    def compute_scores(self, query, key):
        if self.use_scale:
            scale = self.scale
            if scale is None:
                scale = 1.0 / float(np.sqrt(key.shape[-1]))
            # Scaling the query, not the scores, keeps the products small
            # (float16).
            query = query * scale
        return ops.matmul(query, ops.swapaxes(key, -1, -2))  # (batch, Tq, Tv)

    def get_config(self):
        config = {"use_scale": self.use_scale, "scale": self.scale}
        base_config = super().get_config()
        return {**base_config, **config}
