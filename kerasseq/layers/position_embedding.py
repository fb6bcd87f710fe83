"""Learned position embeddings added to token embeddings.

Reference: Vaswani et al., "Attention is all you need", NeurIPS 2017, §3.5
(learned positional embeddings, as in Gehring et al. 2017).
"""

import keras
from keras import ops

from kerasseq.layers import validation


@keras.saving.register_keras_serializable(package="kerasseq")
class PositionEmbedding(keras.layers.Layer):
    """Learned position embeddings (Vaswani et al. 2017), added to the input.

    Holds a `(max_length, features)` table `embeddings`; position `t` of the
    input gets row `t` added. The input mask passes through unchanged.

    Args:
        max_length: Positive integer, the longest sequence the layer takes.
            A longer sequence raises `ValueError` where its length is static.
        embeddings_initializer: Initializer of the table. Default
            `"uniform"` (as `keras.layers.Embedding`).
        embeddings_regularizer: Regularizer of the table.
        embeddings_constraint: Constraint of the table.

    Call arguments:
        inputs: `(batch, time, features)` token embeddings, `time <=
            max_length`.
        mask: Optional `(batch, time)` mask, passed on.

    Returns:
        `(batch, time, features)`: `inputs + embeddings[:time]`.

    Example:

    >>> layer = PositionEmbedding(max_length=16)
    >>> layer(np.zeros((2, 5, 8))).shape
    (2, 5, 8)
    """

    def __init__(
        self,
        max_length,
        embeddings_initializer="uniform",
        embeddings_regularizer=None,
        embeddings_constraint=None,
        **kwargs,
    ):
        validation.check_positive_int("max_length", max_length)
        super().__init__(**kwargs)
        self.max_length = int(max_length)
        self.embeddings_initializer = validation.get_initializer(
            "embeddings_initializer", embeddings_initializer
        )
        self.embeddings_regularizer = validation.get_regularizer(
            "embeddings_regularizer", embeddings_regularizer
        )
        self.embeddings_constraint = validation.get_constraint(
            "embeddings_constraint", embeddings_constraint
        )
        self.supports_masking = True

    def _check_length(self, shape):
        length = shape[1] if len(shape) == 3 else None
        if length is not None and length > self.max_length:
            raise ValueError(
                f"{type(self).__name__} takes sequences of at most "
                f"`max_length={self.max_length}` steps. Received: a sequence "
                f"of length {length} (input shape {tuple(shape)})"
            )

    def build(self, input_shape):
        validation.check_sequence_shape(self, input_shape)
        self._check_length(input_shape)
        self.embeddings = self.add_weight(
            shape=(self.max_length, input_shape[-1]),
            name="embeddings",
            initializer=self.embeddings_initializer,
            regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint,
        )

    def call(self, inputs, mask=None):
        self._check_length(inputs.shape)
        length = ops.shape(inputs)[1]
        table = ops.convert_to_tensor(self.embeddings)  # a Variable: not on JAX
        positions = ops.slice(
            table, (0, 0), (length, ops.shape(table)[1])
        )  # (time, features)
        return inputs + ops.cast(positions, inputs.dtype)

    def compute_mask(self, inputs, mask=None):
        return mask

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = {
            "max_length": self.max_length,
            "embeddings_initializer": keras.initializers.serialize(
                self.embeddings_initializer
            ),
            "embeddings_regularizer": keras.regularizers.serialize(
                self.embeddings_regularizer
            ),
            "embeddings_constraint": keras.constraints.serialize(
                self.embeddings_constraint
            ),
        }
        base_config = super().get_config()
        return {**base_config, **config}
