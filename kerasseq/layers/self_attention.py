"""Single-head self-attention and the Transformer block built on it.

Reference: Vaswani et al., "Attention is all you need", NeurIPS 2017:
`softmax(Q K^T / sqrt(d)) V` with `Q, K, V = x W^Q, x W^K, x W^V`, and the
block `LayerNorm(x + Sublayer(x))` around self-attention and the position-wise
feed-forward layer `W2 ReLU(W1 x + b1) + b2`.
"""

import keras
from keras import ops

from kerasseq.layers import validation
from kerasseq.layers.attention import DotProductAttention
from kerasseq.layers.attention import clone_initializer


@keras.saving.register_keras_serializable(package="kerasseq")
class SelfAttention(keras.layers.Layer):
    """Scaled dot-product self-attention of Vaswani et al. 2017 (one head).

    Queries, keys and values come from the same sequence through learned
    projections `W^Q`, `W^K`, `W^V` (`query_kernel`, `key_kernel`,
    `value_kernel`, each `(features, units)`, plus biases); the output is
    `softmax(Q K^T / sqrt(units)) V`. Masking, softmax and dropout are those
    of `DotProductAttention`. The input mask (e.g. from
    `Embedding(mask_zero=True)`) masks the padded keys, zeroes the outputs at
    padded positions and is passed on.

    Args:
        units: Positive integer, width of `Q`, `K`, `V` and of the output.
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
        return_attention_scores: If `True`, also return the
            `(batch, time, time)` attention weights.
        use_causal_mask: Optional bool overriding the constructor's.

    Returns:
        `(batch, time, units)`, and the weights if `return_attention_scores`.

    Example:

    >>> layer = SelfAttention(8, use_causal_mask=True)
    >>> out, weights = layer(np.ones((2, 5, 4)), return_attention_scores=True)
    >>> out.shape, weights.shape
    ((2, 5, 8), (2, 5, 5))
    """

    def __init__(
        self,
        units,
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
        validation.check_positive_int("units", units)
        validation.check_rate("dropout", dropout)
        validation.check_seed("seed", seed)
        super().__init__(**kwargs)
        self.units = int(units)
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

    def build(self, input_shape):
        validation.check_sequence_shape(self, input_shape)
        features = input_shape[-1]
        for name in ("query", "key", "value"):
            kernel = self.add_weight(
                shape=(features, self.units),
                name=f"{name}_kernel",
                initializer=clone_initializer(self.kernel_initializer),
                regularizer=self.kernel_regularizer,
                constraint=self.kernel_constraint,
            )
            bias = None
            if self.use_bias:
                bias = self.add_weight(
                    shape=(self.units,),
                    name=f"{name}_bias",
                    initializer=clone_initializer(self.bias_initializer),
                    regularizer=self.bias_regularizer,
                    constraint=self.bias_constraint,
                )
            setattr(self, f"{name}_kernel", kernel)
            setattr(self, f"{name}_bias", bias)
        projected_shape = (*input_shape[:-1], self.units)
        self.attention.build([projected_shape, projected_shape])

    def _project(self, inputs, kernel, bias):
        projected = ops.matmul(inputs, kernel)  # (batch, time, units)
        return projected if bias is None else projected + bias

    def call(
        self,
        inputs,
        mask=None,
        training=None,
        return_attention_scores=False,
        use_causal_mask=None,
    ):
        if use_causal_mask is None:
            use_causal_mask = self.use_causal_mask
        query = self._project(inputs, self.query_kernel, self.query_bias)
        key = self._project(inputs, self.key_kernel, self.key_bias)
        value = self._project(inputs, self.value_kernel, self.value_bias)
        return self.attention(
            [query, value, key],
            mask=None if mask is None else [mask, mask],
            training=training,
            return_attention_scores=return_attention_scores,
            use_causal_mask=use_causal_mask,
        )

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
        weights_shape = (*inputs.shape[:-1], inputs.shape[-2])  # (b, T, T)
        return output, keras.KerasTensor(weights_shape, dtype=self.compute_dtype)

    def get_config(self):
        config = {
            "units": self.units,
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
    """Transformer encoder/decoder block of Vaswani et al. 2017 (one head).

    Two sublayers, self-attention (`SelfAttention` with `units` equal to the
    input width) and the position-wise feed-forward layer
    `W2 activation(W1 x + b1) + b2`, each wrapped as
    `LayerNorm(x + Dropout(Sublayer(x)))` (post-norm, as in the paper) or,
    with `norm_first=True`, `x + Dropout(Sublayer(LayerNorm(x)))` (pre-norm,
    as in GPT-2; a stack of pre-norm blocks usually ends in one more
    `LayerNormalization`). `residual=False` drops the `x +`,
    `layer_norm=False` the normalization. The input mask is passed to the
    attention and on to the next layer.

    Args:
        feedforward_dim: Positive integer, width of `W1`.
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

    Returns:
        `(batch, time, features)`.

    Example:

    >>> block = SelfAttentionBlock(feedforward_dim=32, use_causal_mask=True)
    >>> block(np.ones((2, 5, 8))).shape
    (2, 5, 8)
    """

    def __init__(
        self,
        feedforward_dim,
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
        validation.check_positive_float("layer_norm_epsilon", layer_norm_epsilon)
        validation.check_rate("dropout", dropout)
        validation.check_rate("attention_dropout", attention_dropout)
        validation.check_seed("seed", seed)
        super().__init__(**kwargs)
        self.feedforward_dim = int(feedforward_dim)
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
        self.attention = SelfAttention(
            features,
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

    def call(self, inputs, mask=None, training=None, use_causal_mask=None):
        def attend(x):
            return self.attention(
                x, mask=mask, training=training, use_causal_mask=use_causal_mask
            )

        x = self._sublayer(
            inputs, attend, self.attention_output_dropout,
            self.attention_norm, training,
        )
        return self._sublayer(
            x, self._feedforward, self.feedforward_dropout,
            self.feedforward_norm, training,
        )

    def compute_mask(self, inputs, mask=None):
        return mask

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = {
            "feedforward_dim": self.feedforward_dim,
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
