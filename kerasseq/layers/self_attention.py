"""Multi-head self-attention and the Transformer block built on it.

Reference: Vaswani et al., "Attention is all you need", NeurIPS 2017:
`head_i = softmax(Q_i K_i^T / sqrt(d_k)) V_i` with
`Q_i, K_i, V_i = x W_i^Q, x W_i^K, x W_i^V`,
`MultiHead(x) = Concat(head_1, ..., head_h) W^O`, and the block
`LayerNorm(x + Sublayer(x))` around self-attention and the position-wise
feed-forward layer `W2 ReLU(W1 x + b1) + b2`.
"""

import keras
import numpy as np
from keras import ops

from kerasseq import backend
from kerasseq.layers import validation
from kerasseq.layers.attention import DotProductAttention
from kerasseq.layers.attention import clone_initializer
from kerasseq.layers.attention import mask_value


def check_head_arguments(num_heads, key_dim=None, value_dim=None):
    """`num_heads` a positive int, `key_dim`/`value_dim` positive or None."""
    validation.check_positive_int("num_heads", num_heads)
    for name, value in (("key_dim", key_dim), ("value_dim", value_dim)):
        if value is not None:
            validation.check_positive_int(name, value)


def head_dims(units, num_heads=1, key_dim=None, value_dim=None,
              width_name="units"):
    """Checks the head arguments; returns `(key_dim, value_dim)` resolved.

    `key_dim` defaults to `units // num_heads` (a `ValueError` if `units` is
    not divisible by `num_heads`), `value_dim` to `units // num_heads` as
    well, or to `key_dim` where `units` is not divisible. One head has no
    output projection, so its `value_dim` must be `units`.

    Args:
        units: Positive integer, the width of the attention's output.
        num_heads, key_dim, value_dim: as in `SelfAttention`.
        width_name: The argument the error messages name for `units` (a
            block's width is its input's, a model's its `embedding_dim`).
    """
    validation.check_positive_int(width_name, units)
    check_head_arguments(num_heads, key_dim, value_dim)
    divisible = units % num_heads == 0
    if key_dim is None and not divisible:
        raise ValueError(
            f"The width `{width_name}` must be divisible by `num_heads` "
            f"(each head's `key_dim` is `{width_name} // num_heads`), or "
            f"`key_dim` must be given. Received: {width_name}={units!r}, "
            f"num_heads={num_heads!r}"
        )
    if key_dim is None:
        key_dim = units // num_heads
    if value_dim is None:
        value_dim = units // num_heads if divisible else key_dim
    if num_heads == 1 and value_dim != units:
        raise ValueError(
            "With `num_heads=1` there is no output projection, so "
            f"`value_dim` must equal the width `{width_name}` or be None. "
            f"Received: value_dim={value_dim!r}, {width_name}={units!r}"
        )
    return int(key_dim), int(value_dim)


def _query_scores(query, keys, how):
    """Each row's one query against its cached keys: `(batch, [heads,]
    dim)` and `(batch, max_length, [heads,] dim)` -> `(batch, max_length[,
    heads])`, computed `how` (`kerasseq.backend.StepOps.scores`)."""
    if how == "matmul":  # one row of one head
        return ops.matmul(query, ops.transpose(keys[0]))
    if how == "sums":
        return ops.sum(ops.expand_dims(query, 1) * keys, axis=-1)
    if len(query.shape) == 2:
        return ops.einsum("bd,btd->bt", query, keys)
    return ops.einsum("bhd,bthd->bth", query, keys)


def _weighted_values(weights, values, how):
    """The weighted sum of the cached values, which are stored with the
    positions last: `(batch, max_length[, heads])` and `(batch, [heads,]
    dim, max_length)` -> `(batch, [heads,] dim)`, computed `how`
    (`kerasseq.backend.StepOps.values`)."""
    if how == "matmul":  # one row of one head: (dim, max_length) @ (max_length, 1)
        return ops.reshape(ops.matmul(values[0], ops.transpose(weights)), (1, -1))
    if len(weights.shape) == 2:
        if how == "sums":
            return ops.sum(weights[:, None, :] * values, axis=-1)
        return ops.einsum("bt,bdt->bd", weights, values)
    if how == "sums":
        weights = ops.transpose(weights, (0, 2, 1))  # (batch, heads, max_length)
        return ops.sum(weights[:, :, None, :] * values, axis=-1)
    return ops.einsum("bth,bhdt->bhd", weights, values)


@keras.saving.register_keras_serializable(package="kerasseq")
class SelfAttention(keras.layers.Layer):
    """Scaled dot-product self-attention of Vaswani et al. 2017, multi-head.

    Queries, keys and values come from the same sequence through learned
    projections `W^Q`, `W^K`, `W^V` (`query_kernel`, `key_kernel`,
    `value_kernel`, `(features, num_heads * key_dim)` for queries and keys,
    `(features, num_heads * value_dim)` for values, plus biases). Their last
    axis is split into `num_heads` heads, head-major (columns
    `h * key_dim ... (h + 1) * key_dim - 1` are head `h`), and each head
    computes `softmax(Q_h K_h^T / sqrt(key_dim)) V_h` with the masking,
    softmax and dropout of `DotProductAttention`.

    The output projection follows one rule: one head (`num_heads=1`, the
    default) has none, its output is `softmax(Q K^T / sqrt(key_dim)) V`
    (`value_dim = units`), as this layer was before it had heads, with the
    same weights; several heads are concatenated to
    `(..., num_heads * value_dim)` and projected back to `units` by
    `output_kernel` `(num_heads * value_dim, units)` and `output_bias`
    (as `keras.layers.MultiHeadAttention`, whose results it equals with
    the kernels reshaped to `(features, num_heads, key_dim)` and
    `(num_heads, value_dim, units)`, except at padded positions, which
    Keras does not zero).

    The input mask (e.g. from `Embedding(mask_zero=True)`) masks the padded
    keys of every head, zeroes the outputs at padded positions and is
    passed on.

    Args:
        units: Positive integer, width of the output (and, with the default
            head sizes, of `Q`, `K` and `V`).
        num_heads: Positive integer, number of attention heads. Default `1`.
        key_dim: Positive integer, width of each head's queries and keys.
            Default `units // num_heads` (`units` must then be divisible by
            `num_heads`).
        value_dim: Positive integer, width of each head's values. Default
            `units // num_heads`, or `key_dim` if `units` is not divisible;
            with one head it must be `units`.
        use_bias: Whether the projections have biases. Default `True`.
        use_causal_mask: Whether position `i` attends only to positions
            `j <= i` (language models). Default `False`; the call argument
            of the same name overrides it.
        dropout: Float in `[0, 1)`, dropout on the attention weights.
        seed: Integer seed of the dropout.
        kernel_initializer, bias_initializer: Initializers of the
            projections (each weight gets its own copy).
        kernel_regularizer, bias_regularizer, kernel_constraint,
        bias_constraint: as in `keras.layers.Dense`.

    Call arguments:
        inputs: `(batch, time, features)`.
        mask: Optional `(batch, time)` boolean padding mask.
        training: Whether dropout is active.
        return_attention_scores: If `True`, also return the attention
            weights: `(batch, time, time)` for one head (as before heads
            existed), `(batch, num_heads, time, time)` for several.
        use_causal_mask: Optional bool overriding the constructor's.
        cache: Optional key/value cache for generation, `(key_cache,
            value_cache)`, `(batch, max_length, num_heads * key_dim)` and
            `(batch, num_heads * value_dim, max_length)` (the values with
            the positions last, so that the weighted sum over them reads
            rows; the fastest layout measured with XLA and TFLite,
            BENCHMARKS.md). With one new
            position, `inputs` `(batch, 1, features)`, its key and value are
            written at `cache_index` and it attends to the cached positions
            `<= cache_index`: one step costs `O(max_length)`, not a rerun of
            the window. With a whole window, `inputs` `(batch, max_length,
            features)`, the cache is filled from position 0 (causal
            attention, `mask` and `use_causal_mask` ignored in both cases).
        cache_index: int `(batch,)`, the position of each row's new input.

    Returns:
        `(batch, time, units)`, and the weights if `return_attention_scores`;
        with a `cache`, `(outputs, new_cache)`.

    Example:

    >>> layer = SelfAttention(8, use_causal_mask=True)
    >>> out, weights = layer(np.ones((2, 5, 4)), return_attention_scores=True)
    >>> out.shape, weights.shape
    ((2, 5, 8), (2, 5, 5))
    >>> layer = SelfAttention(8, num_heads=2)
    >>> out, weights = layer(np.ones((2, 5, 4)), return_attention_scores=True)
    >>> out.shape, weights.shape
    ((2, 5, 8), (2, 2, 5, 5))
    """

    def __init__(
        self,
        units,
        num_heads=1,
        key_dim=None,
        value_dim=None,
        use_bias=True,
        use_causal_mask=False,
        dropout=0.0,
        seed=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        key_dim, value_dim = head_dims(units, num_heads, key_dim, value_dim)
        validation.check_rate("dropout", dropout)
        validation.check_seed("seed", seed)
        super().__init__(**kwargs)
        self.units = int(units)
        self.num_heads = int(num_heads)
        self.key_dim = key_dim
        self.value_dim = value_dim
        self.use_bias = bool(use_bias)
        self.use_causal_mask = bool(use_causal_mask)
        self.dropout = float(dropout)
        self.seed = seed
        self.kernel_initializer = validation.get_initializer(
            "kernel_initializer", kernel_initializer
        )
        self.bias_initializer = validation.get_initializer(
            "bias_initializer", bias_initializer
        )
        self.kernel_regularizer = validation.get_regularizer(
            "kernel_regularizer", kernel_regularizer
        )
        self.bias_regularizer = validation.get_regularizer(
            "bias_regularizer", bias_regularizer
        )
        self.kernel_constraint = validation.get_constraint(
            "kernel_constraint", kernel_constraint
        )
        self.bias_constraint = validation.get_constraint(
            "bias_constraint", bias_constraint
        )
        self.attention = DotProductAttention(
            use_scale=True,
            dropout=dropout,
            seed=seed,
            dtype=self.dtype_policy,
            name="attention",
        )
        self.supports_masking = True

    def _add_projection(self, name, input_dim, output_dim):
        """Weights `{name}_kernel` `(input_dim, output_dim)`, `{name}_bias`."""
        kernel = self.add_weight(
            shape=(input_dim, output_dim),
            name=f"{name}_kernel",
            initializer=clone_initializer(self.kernel_initializer),
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        bias = None
        if self.use_bias:
            bias = self.add_weight(
                shape=(output_dim,),
                name=f"{name}_bias",
                initializer=clone_initializer(self.bias_initializer),
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        setattr(self, f"{name}_kernel", kernel)
        setattr(self, f"{name}_bias", bias)

    def build(self, input_shape):
        validation.check_sequence_shape(self, input_shape)
        features = input_shape[-1]
        heads = self.num_heads
        self._add_projection("query", features, heads * self.key_dim)
        self._add_projection("key", features, heads * self.key_dim)
        self._add_projection("value", features, heads * self.value_dim)
        if heads > 1:
            self._add_projection("output", heads * self.value_dim, self.units)
        # The attention sees one head at a time, the heads in the batch axis.
        batch, time = input_shape[0], input_shape[1]
        if heads > 1:
            batch = None if batch is None else batch * heads
        key_shape = (batch, time, self.key_dim)
        value_shape = (batch, time, self.value_dim)
        self.attention.build([key_shape, value_shape, key_shape])

    def _project(self, inputs, kernel, bias):
        projected = ops.matmul(inputs, kernel)  # (batch, time, output_dim)
        return projected if bias is None else projected + bias

    def _split_heads(self, x):
        """`(batch, time, heads * dim)` -> `(batch * heads, time, dim)`.

        Row `b * heads + h` of the result is head `h` of sequence `b`. The
        identity for one head.
        """
        if self.num_heads == 1:
            return x
        batch, time = ops.shape(x)[0], ops.shape(x)[1]
        dim = x.shape[-1] // self.num_heads
        x = ops.reshape(x, (batch, time, self.num_heads, dim))
        x = ops.transpose(x, (0, 2, 1, 3))  # (batch, heads, time, dim)
        return ops.reshape(x, (-1, time, dim))

    def _merge_heads(self, x):
        """`(batch * heads, time, dim)` -> `(batch, time, heads * dim)`.

        The inverse of `_split_heads`; the identity for one head.
        """
        if self.num_heads == 1:
            return x
        time, dim = ops.shape(x)[1], x.shape[-1]
        x = ops.reshape(x, (-1, self.num_heads, time, dim))
        x = ops.transpose(x, (0, 2, 1, 3))  # (batch, time, heads, dim)
        return ops.reshape(x, (ops.shape(x)[0], time, self.num_heads * dim))

    def _heads_mask(self, mask):
        """`(batch, time)` mask -> `(batch * heads, time)`, rows as in
        `_split_heads`; the identity for one head."""
        if mask is None or self.num_heads == 1:
            return mask
        return ops.repeat(mask, self.num_heads, axis=0)

    def _heads_weights(self, weights):
        """`(batch * heads, Tq, Tv)` -> `(batch, heads, Tq, Tv)`; one head's
        weights keep their `(batch, Tq, Tv)`."""
        if self.num_heads == 1:
            return weights
        shape = ops.shape(weights)
        return ops.reshape(weights, (-1, self.num_heads, shape[1], shape[2]))

    def call(
        self,
        inputs,
        mask=None,
        training=None,
        return_attention_scores=False,
        use_causal_mask=None,
        cache=None,
        cache_index=None,
    ):
        if use_causal_mask is None:
            use_causal_mask = self.use_causal_mask
        query = self._project(inputs, self.query_kernel, self.query_bias)
        key = self._project(inputs, self.key_kernel, self.key_bias)
        value = self._project(inputs, self.value_kernel, self.value_bias)
        attention_mask = None if mask is None else [mask, mask]
        if cache is not None:
            key_cache, value_cache, key_mask = self._write_cache(
                cache, cache_index, key, value)
            cache = (key_cache, value_cache)
            if key_mask is not None:  # one new position: the keys up to it
                key, value = key_cache, ops.transpose(value_cache, (0, 2, 1))
                attention_mask, use_causal_mask = [None, key_mask], False
            else:  # the whole window from position 0: causal
                attention_mask, use_causal_mask = None, True
        # (batch * heads, time, key_dim), and value_dim for the values
        query, key, value = (self._split_heads(x) for x in (query, key, value))
        if attention_mask is not None:
            attention_mask = [self._heads_mask(m) for m in attention_mask]
        outputs = self.attention(
            [query, value, key],
            mask=attention_mask,
            training=training,
            return_attention_scores=return_attention_scores,
            use_causal_mask=use_causal_mask,
        )
        if return_attention_scores:
            outputs, weights = outputs
        outputs = self._merge_heads(outputs)  # (batch, time, heads * value_dim)
        if self.num_heads > 1:
            outputs = self._project(
                outputs, self.output_kernel, self.output_bias
            )  # (batch, time, units)
            if mask is not None:  # the bias is not output at padding
                padded = ops.expand_dims(ops.cast(mask, "bool"), -1)
                outputs = ops.where(padded, outputs, ops.zeros_like(outputs))
        if return_attention_scores:
            outputs = (outputs, self._heads_weights(weights))
        if cache is not None:
            return outputs, cache
        return outputs

    def _write_cache(self, cache, cache_index, key, value, write=None):
        """Writes this call's keys and values into the cache.

        `cache` is `(key_cache, value_cache)`, `(batch, max_length, heads *
        key_dim)` and `(batch, heads * value_dim, max_length)`. One new
        position (`inputs` `(batch, 1, features)`) is written at `cache_index`, int
        `(batch,)` (each row its own position), as `write` says
        (`kerasseq.backend.StepOps.write`; default: the fastest here); it
        attends to the keys at positions `<= cache_index`, and the mask of
        those is returned. A whole window (`(batch, max_length, features)`,
        `cache_index` 0) replaces the cache; its attention is causal (mask
        `None`).
        """
        key_cache, value_cache = cache
        length = ops.shape(key_cache)[1]
        if key.shape[1] != 1:
            if key.shape[1] is not None and key_cache.shape[1] is not None and (
                key.shape[1] != key_cache.shape[1]
            ):
                raise ValueError(
                    "A cached call takes one new position, or the whole "
                    f"window of {key_cache.shape[1]} positions from index 0. "
                    f"Received: {key.shape[1]} positions"
                )
            return key, ops.transpose(value, (0, 2, 1)), None
        if write is None:
            write = backend.attention_step_ops(key_cache.shape[0], self.num_heads).write
        positions = ops.arange(length, dtype="int32")[None, :]  # (1, max_length)
        index = ops.cast(ops.reshape(cache_index, (-1, 1)), "int32")  # (batch, 1)
        if write == "slice":  # one row: write just its slot
            # One index dtype throughout (JAX with 64-bit ints refuses a mix).
            zero = ops.zeros_like(index[0, 0])
            column = ops.transpose(value, (0, 2, 1))  # (1, heads * value_dim, 1)
            key_cache = ops.slice_update(key_cache, (zero, index[0, 0], zero), key)
            value_cache = ops.slice_update(value_cache, (zero, zero, index[0, 0]), column)
        elif write == "scatter":  # (row, position) of every row
            batch, width = ops.shape(index)[0], ops.shape(value_cache)[1]
            rows = ops.arange(batch, dtype="int32")[:, None]
            key_cache = ops.scatter_update(
                key_cache, ops.concatenate([rows, index], axis=1), key[:, 0])
            # (row, feature, position) of every value
            features = ops.arange(width, dtype="int32")[None, :]
            slots = ops.stack([ops.broadcast_to(rows, (batch, width)),
                               ops.broadcast_to(features, (batch, width)),
                               ops.broadcast_to(index, (batch, width))], axis=-1)
            value_cache = ops.scatter_update(
                value_cache, ops.reshape(slots, (-1, 3)), ops.reshape(value, (-1,)))
        else:  # each row at its own position, by a select
            here = positions == index  # (batch, max_length)
            key_cache = ops.where(here[:, :, None], key, key_cache)
            value_cache = ops.where(
                here[:, None, :], ops.transpose(value, (0, 2, 1)), value_cache)
        return key_cache, value_cache, positions <= index

    def step_weights(self):
        """The weights of `step`, merged once per decoding.

        The query, key and value projections become one kernel `(features,
        heads * (2 * key_dim + value_dim))` (and one bias), the query
        columns already times the attention's scale `1 / sqrt(key_dim)`;
        with several heads, the output projection follows. All are tensors
        in the compute dtype, read from the variables here: computed
        before a decoding loop, the loop reads no variable and merges
        nothing per token.
        """
        scale = self.attention.scale
        if scale is None:
            scale = 1.0 / float(np.sqrt(self.key_dim))

        def read(variable, factor=None):
            tensor = ops.cast(variable, self.compute_dtype)
            return tensor if factor is None else tensor * factor

        kernels = [read(self.query_kernel, scale), read(self.key_kernel),
                   read(self.value_kernel)]
        weights = {"kernel": ops.concatenate(kernels, axis=-1), "bias": None,
                   "output_kernel": None, "output_bias": None}
        if self.use_bias:
            weights["bias"] = ops.concatenate(
                [read(self.query_bias, scale), read(self.key_bias),
                 read(self.value_bias)], axis=-1)
        if self.num_heads > 1:
            weights["output_kernel"] = read(self.output_kernel)
            if self.use_bias:
                weights["output_bias"] = read(self.output_bias)
        return weights

    def step(self, inputs, cache, cache_index, weights=None):
        """One new position against the key/value cache, for generation.

        The same result as `call(inputs[:, None], cache=cache,
        cache_index=cache_index)` at inference (no dropout), in fewer
        operations: one projection for queries, keys and values, and the
        scores of every head in one product with the cache.

        Args:
            inputs: `(batch, features)`, the new position.
            cache: `(key_cache, value_cache)` as in `call`.
            cache_index: int `(batch,)`, the position of each row's input.
            weights: `step_weights()`, computed once before the decoding
                loop (default: computed here).

        Returns:
            `(outputs (batch, units), new_cache)`.
        """
        if weights is None:
            weights = self.step_weights()
        heads, key_dim, value_dim = self.num_heads, self.key_dim, self.value_dim
        projected = ops.matmul(inputs, weights["kernel"])
        if weights["bias"] is not None:
            projected = projected + weights["bias"]
        query, key, value = ops.split(
            projected, [heads * key_dim, 2 * heads * key_dim], axis=-1
        )
        plan = backend.attention_step_ops(inputs.shape[0], heads)
        key_cache, value_cache, key_mask = self._write_cache(
            cache, cache_index, key[:, None], value[:, None], plan.write
        )
        keys, values = key_cache, value_cache
        if heads > 1:  # heads on their own axis (the keys' after the positions)
            length = ops.shape(key_cache)[1]
            query = ops.reshape(query, (-1, heads, key_dim))
            keys = ops.reshape(key_cache, (-1, length, heads, key_dim))
            values = ops.reshape(value_cache, (-1, heads, value_dim, length))
            key_mask = key_mask[:, :, None]
        scores = _query_scores(query, keys, plan.scores)  # (batch, max_length[, heads])
        fill = ops.convert_to_tensor(mask_value(scores.dtype), dtype=scores.dtype)
        # At least the new position is unmasked, so the masked weights are 0.
        attention = ops.softmax(ops.where(key_mask, scores, fill), axis=1)
        outputs = _weighted_values(attention, values, plan.values)  # (batch, [heads,] value_dim)
        if heads > 1:
            outputs = ops.reshape(outputs, (-1, heads * value_dim))
            outputs = ops.matmul(outputs, weights["output_kernel"])
            if weights["output_bias"] is not None:
                outputs = outputs + weights["output_bias"]
        return outputs, (key_cache, value_cache)

    def compute_mask(self, inputs, mask=None):
        return mask

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def compute_output_spec(
        self,
        inputs,
        mask=None,
        training=None,
        return_attention_scores=False,
        use_causal_mask=None,
    ):
        shape = self.compute_output_shape(inputs.shape)
        output = keras.KerasTensor(shape, dtype=self.compute_dtype)
        if not return_attention_scores:
            return output
        batch, time = inputs.shape[0], inputs.shape[1]
        weights_shape = (batch, time, time)
        if self.num_heads > 1:
            weights_shape = (batch, self.num_heads, time, time)
        return output, keras.KerasTensor(weights_shape, dtype=self.compute_dtype)

    def get_config(self):
        config = {
            "units": self.units,
            "num_heads": self.num_heads,
            "key_dim": self.key_dim,
            "value_dim": self.value_dim,
            "use_bias": self.use_bias,
            "use_causal_mask": self.use_causal_mask,
            "dropout": self.dropout,
            "seed": self.seed,
            "kernel_initializer": keras.initializers.serialize(
                self.kernel_initializer
            ),
            "bias_initializer": keras.initializers.serialize(
                self.bias_initializer
            ),
            "kernel_regularizer": keras.regularizers.serialize(
                self.kernel_regularizer
            ),
            "bias_regularizer": keras.regularizers.serialize(
                self.bias_regularizer
            ),
            "kernel_constraint": keras.constraints.serialize(
                self.kernel_constraint
            ),
            "bias_constraint": keras.constraints.serialize(self.bias_constraint),
        }
        base_config = super().get_config()
        return {**base_config, **config}


@keras.saving.register_keras_serializable(package="kerasseq")
class SelfAttentionBlock(keras.layers.Layer):
    """Transformer encoder/decoder block of Vaswani et al. 2017.

    Two sublayers, self-attention (`SelfAttention` with `units` equal to the
    input width and `num_heads` heads) and the position-wise feed-forward
    layer
    `W2 activation(W1 x + b1) + b2`, each wrapped as
    `LayerNorm(x + Dropout(Sublayer(x)))` (post-norm, as in the paper) or,
    with `norm_first=True`, `x + Dropout(Sublayer(LayerNorm(x)))` (pre-norm,
    as in GPT-2; a stack of pre-norm blocks usually ends in one more
    `LayerNormalization`). `residual=False` drops the `x +`,
    `layer_norm=False` the normalization. The input mask is passed to the
    attention and on to the next layer.

    Args:
        feedforward_dim: Positive integer, width of `W1`.
        num_heads: Positive integer, attention heads. Default `1` (one head
            and no output projection, as before the block had heads).
        key_dim, value_dim: Widths of each head's queries/keys and values;
            by default the input width divided by `num_heads` (which must
            then divide it). See `SelfAttention`.
        activation: Activation of the feed-forward layer. Default `"relu"`.
        residual: Whether each sublayer adds its input. Default `True`.
        layer_norm: Whether each sublayer is layer-normalized. Default `True`.
        norm_first: Pre-norm instead of post-norm. Default `False`.
        layer_norm_epsilon: Positive float, epsilon of the normalizations.
        use_causal_mask: Whether the attention is causal (language models).
        dropout: Float in `[0, 1)`, dropout on each sublayer's output.
        attention_dropout: Float in `[0, 1)`, dropout on the attention
            weights.
        seed: Integer seed; the attention, the attention-output dropout and
            the feed-forward dropout use `seed`, `seed + 1`, `seed + 2`.
        kernel_initializer, bias_initializer: Initializers of the
            projections and feed-forward weights (each gets its own copy).

    Call arguments:
        inputs: `(batch, time, features)`.
        mask: Optional `(batch, time)` boolean padding mask.
        training: Whether dropout is active.
        use_causal_mask: Optional bool overriding the constructor's.
        cache, cache_index: The attention's key/value cache, as in
            `SelfAttention` (generation, one position at a time).

    Returns:
        `(batch, time, features)`; with a `cache`, `(outputs, new_cache)`.

    Example:

    >>> block = SelfAttentionBlock(feedforward_dim=32, use_causal_mask=True)
    >>> block(np.ones((2, 5, 8))).shape
    (2, 5, 8)
    >>> SelfAttentionBlock(feedforward_dim=32, num_heads=4)(
    ...     np.ones((2, 5, 8))).shape
    (2, 5, 8)
    """

    def __init__(
        self,
        feedforward_dim,
        num_heads=1,
        key_dim=None,
        value_dim=None,
        activation="relu",
        residual=True,
        layer_norm=True,
        norm_first=False,
        layer_norm_epsilon=1e-5,
        use_causal_mask=False,
        dropout=0.0,
        attention_dropout=0.0,
        seed=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        **kwargs,
    ):
        validation.check_positive_int("feedforward_dim", feedforward_dim)
        check_head_arguments(num_heads, key_dim, value_dim)
        validation.check_positive_float("layer_norm_epsilon", layer_norm_epsilon)
        validation.check_rate("dropout", dropout)
        validation.check_rate("attention_dropout", attention_dropout)
        validation.check_seed("seed", seed)
        super().__init__(**kwargs)
        self.feedforward_dim = int(feedforward_dim)
        self.num_heads = int(num_heads)
        self.key_dim = None if key_dim is None else int(key_dim)
        self.value_dim = None if value_dim is None else int(value_dim)
        self.activation = validation.get_activation("activation", activation)
        self.residual = bool(residual)
        self.layer_norm = bool(layer_norm)
        self.norm_first = bool(norm_first)
        self.layer_norm_epsilon = float(layer_norm_epsilon)
        self.use_causal_mask = bool(use_causal_mask)
        self.dropout = float(dropout)
        self.attention_dropout = float(attention_dropout)
        self.seed = seed
        self.kernel_initializer = validation.get_initializer(
            "kernel_initializer", kernel_initializer
        )
        self.bias_initializer = validation.get_initializer(
            "bias_initializer", bias_initializer
        )
        self.supports_masking = True

    def _seed(self, offset):
        return None if self.seed is None else self.seed + offset

    def _dense(self, units, name, activation=None):
        return keras.layers.Dense(
            units,
            activation=activation,
            kernel_initializer=clone_initializer(self.kernel_initializer),
            bias_initializer=clone_initializer(self.bias_initializer),
            dtype=self.dtype_policy,
            name=name,
        )

    def _norm(self, name):
        if not self.layer_norm:
            return None
        return keras.layers.LayerNormalization(
            epsilon=self.layer_norm_epsilon, dtype=self.dtype_policy, name=name
        )

    def build(self, input_shape):
        validation.check_sequence_shape(self, input_shape)
        shape = tuple(input_shape)
        features = shape[-1]
        # Sublayers are made here: the attention width is the input width.
        head_dims(
            features, self.num_heads, self.key_dim, self.value_dim,
            width_name="features",
        )
        self.attention = SelfAttention(
            features,
            num_heads=self.num_heads,
            key_dim=self.key_dim,
            value_dim=self.value_dim,
            use_causal_mask=self.use_causal_mask,
            dropout=self.attention_dropout,
            seed=self._seed(0),
            kernel_initializer=clone_initializer(self.kernel_initializer),
            bias_initializer=clone_initializer(self.bias_initializer),
            dtype=self.dtype_policy,
            name="self_attention",
        )
        self.attention_output_dropout = keras.layers.Dropout(
            self.dropout, seed=self._seed(1), dtype=self.dtype_policy
        )
        self.attention_norm = self._norm("attention_norm")
        self.feedforward_inner = self._dense(
            self.feedforward_dim, "feedforward_inner", self.activation
        )
        self.feedforward_outer = self._dense(features, "feedforward_outer")
        self.feedforward_dropout = keras.layers.Dropout(
            self.dropout, seed=self._seed(2), dtype=self.dtype_policy
        )
        self.feedforward_norm = self._norm("feedforward_norm")

        self.attention.build(shape)
        self.feedforward_inner.build(shape)
        self.feedforward_outer.build((*shape[:-1], self.feedforward_dim))
        for norm in (self.attention_norm, self.feedforward_norm):
            if norm is not None:
                norm.build(shape)

    def _sublayer(self, x, function, dropout, norm, training):
        """`norm(x + dropout(function(x)))`, or pre-norm; see the class."""
        pre_norm = norm is not None and self.norm_first
        y = function(norm(x) if pre_norm else x)
        y = dropout(y, training=training)
        if self.residual:
            y = x + y
        if norm is not None and not self.norm_first:
            y = norm(y)
        return y

    def _feedforward(self, x):
        hidden = self.feedforward_inner(x)  # (batch, time, feedforward_dim)
        return self.feedforward_outer(hidden)  # (batch, time, features)

    def call(self, inputs, mask=None, training=None, use_causal_mask=None,
             cache=None, cache_index=None):
        new_cache = []

        def attend(x):
            if cache is None:
                return self.attention(
                    x, mask=mask, training=training,
                    use_causal_mask=use_causal_mask,
                )
            outputs, updated = self.attention(
                x, training=training, cache=cache, cache_index=cache_index
            )
            new_cache.append(updated)
            return outputs

        x = self._sublayer(
            inputs, attend, self.attention_output_dropout,
            self.attention_norm, training,
        )
        outputs = self._sublayer(
            x, self._feedforward, self.feedforward_dropout,
            self.feedforward_norm, training,
        )
        if cache is not None:
            return outputs, new_cache[0]
        return outputs

    def step_weights(self):
        """The weights of `step`, read once per decoding: the attention's
        `step_weights()`, the feed-forward kernels and biases and the
        normalizations' scales and offsets, as tensors in the compute
        dtype."""
        def read(variable):
            return None if variable is None else ops.cast(variable, self.compute_dtype)

        def norm(layer):
            if layer is None:
                return None
            return (read(layer.gamma) if layer.scale else None,
                    read(layer.beta) if layer.center else None)

        return {
            "attention": self.attention.step_weights(),
            "inner": (read(self.feedforward_inner.kernel),
                      read(self.feedforward_inner.bias)),
            "outer": (read(self.feedforward_outer.kernel),
                      read(self.feedforward_outer.bias)),
            "attention_norm": norm(self.attention_norm),
            "feedforward_norm": norm(self.feedforward_norm),
        }

    def step(self, inputs, cache, cache_index, weights=None):
        """One new position through the block with the attention's
        key/value cache: `call(inputs[:, None], cache=cache,
        cache_index=cache_index)` at inference, in fewer operations (see
        `SelfAttention.step`).

        Args:
            inputs: `(batch, features)`.
            cache, cache_index: as in `SelfAttention.step`.
            weights: `step_weights()`, computed before the decoding loop
                (default: computed here).

        Returns:
            `(outputs (batch, features), new_cache)`.
        """
        if weights is None:
            weights = self.step_weights()
        new_cache = []

        def attend(x):
            outputs, updated = self.attention.step(
                x, cache, cache_index, weights["attention"]
            )
            new_cache.append(updated)
            return outputs

        def feedforward(x):
            kernel, bias = weights["inner"]
            hidden = self.feedforward_inner.activation(ops.matmul(x, kernel) + bias)
            kernel, bias = weights["outer"]
            return ops.matmul(hidden, kernel) + bias

        def no_dropout(y, training=None):  # inference; a Keras layer call
            return y  # would add operations to every decoding step

        x = self._sublayer(
            inputs, attend, no_dropout,
            self._step_norm(weights["attention_norm"]), training=False,
        )
        x = self._sublayer(
            x, feedforward, no_dropout,
            self._step_norm(weights["feedforward_norm"]), training=False,
        )
        return x, new_cache[0]

    def _step_norm(self, norm):
        """`LayerNormalization` from `norm`'s `(gamma, beta)` tensors, in
        fewer operations than the layer's; `None` for no normalization."""
        if norm is None:
            return None
        gamma, beta = norm

        def normalize(y):
            centered = y - ops.mean(y, axis=-1, keepdims=True)
            variance = ops.mean(ops.square(centered), axis=-1, keepdims=True)
            scale = ops.rsqrt(variance + self.layer_norm_epsilon)
            if gamma is not None:
                scale = scale * gamma
            y = centered * scale
            return y if beta is None else y + beta

        return normalize

    def compute_mask(self, inputs, mask=None):
        return mask

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = {
            "feedforward_dim": self.feedforward_dim,
            "num_heads": self.num_heads,
            "key_dim": self.key_dim,
            "value_dim": self.value_dim,
            "activation": keras.activations.serialize(self.activation),
            "residual": self.residual,
            "layer_norm": self.layer_norm,
            "norm_first": self.norm_first,
            "layer_norm_epsilon": self.layer_norm_epsilon,
            "use_causal_mask": self.use_causal_mask,
            "dropout": self.dropout,
            "attention_dropout": self.attention_dropout,
            "seed": self.seed,
            "kernel_initializer": keras.initializers.serialize(
                self.kernel_initializer
            ),
            "bias_initializer": keras.initializers.serialize(
                self.bias_initializer
            ),
        }
        base_config = super().get_config()
        return {**base_config, **config}
