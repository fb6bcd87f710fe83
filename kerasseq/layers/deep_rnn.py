"""Deep (stacked) recurrent network, optionally bidirectional and residual.

Stacking follows Graves et al., "Speech recognition with deep recurrent
neural networks", ICASSP 2013; residual connections between recurrent
layers follow Wu et al., "Google's neural machine translation system", 2016.
"""

import keras

from kerasseq.layers import validation
from kerasseq.layers.registry import get_recurrent_layer
from kerasseq.layers.registry import recurrent_layer_name
from kerasseq.layers.stacking import call_stack
from kerasseq.layers.stacking import stack_layers

_MERGE_MODES = ("concat", "sum", "mul", "ave")


@keras.saving.register_keras_serializable(package="kerasseq")
class DeepRNN(keras.layers.Layer):
    """A stack of `num_layers` recurrent layers of one cell type.

    Every layer but the last returns sequences. With `bidirectional=True`
    each layer is a `keras.layers.Bidirectional` with `merge_mode`. With
    `residual=True`, every layer after the first that returns sequences adds
    its input to its output (the first layer's input width generally
    differs; a last layer that returns only its final step has none).
    The mask of the input (e.g. from `Embedding(mask_zero=True)`) reaches
    every layer.

    Args:
        cell: Name of a registered recurrent layer (`"simple_rnn"`,
            `"lstm"`, `"gru"`, ...) or a kerasseq sequence-layer class.
        units: Positive integer, units of every layer.
        num_layers: Positive integer, depth of the stack. Default 2.
        bidirectional: Whether each layer reads both directions.
        merge_mode: How `Bidirectional` merges the directions: one of
            `"concat"`, `"sum"`, `"mul"`, `"ave"`.
        residual: Whether layers after the first add a residual connection.
        return_sequences: Whether the last layer returns the whole sequence.
        dropout: Dropout rate between layers (on each layer's output except
            the last), drawn with `seed`.
        seed: Integer seed for the dropout between layers and inside cells.
        cell_kwargs: Dict of further arguments for every recurrent layer
            (e.g. `{"recurrent_dropout": 0.1}`).

    Call arguments:
        inputs: `(batch, time, features)`.
        mask: optional `(batch, time)` boolean mask.
        training: whether dropout is active.

    Returns:
        `(batch, time, width)` if `return_sequences` else `(batch, width)`,
        where `width` is `2 * units` for bidirectional concat, else `units`.

    Example:

    >>> deep = DeepRNN("gru", 8, num_layers=3, bidirectional=True,
    ...                residual=True)
    >>> deep(np.ones((2, 5, 4))).shape
    (2, 16)
    """

    def __init__(
        self,
        cell="lstm",
        units=64,
        num_layers=2,
        bidirectional=False,
        merge_mode="concat",
        residual=False,
        return_sequences=False,
        dropout=0.0,
        seed=None,
        cell_kwargs=None,
        **kwargs,
    ):
        layer_class = get_recurrent_layer(cell)
        validation.check_positive_int("units", units)
        validation.check_positive_int("num_layers", num_layers)
        validation.check_choice("merge_mode", merge_mode, _MERGE_MODES)
        validation.check_rate("dropout", dropout)
        validation.check_seed("seed", seed)
        super().__init__(**kwargs)
        # A name the registry resolves, so that `from_config` rebuilds it.
        self.cell = cell if isinstance(cell, str) else recurrent_layer_name(layer_class)
        self.units = units
        self.num_layers = num_layers
        self.bidirectional = bool(bidirectional)
        self.merge_mode = merge_mode
        self.residual = bool(residual)
        self.return_sequences = bool(return_sequences)
        self.dropout = float(dropout)
        self.seed = seed
        self.cell_kwargs = dict(cell_kwargs or {})
        self.supports_masking = True

        self.recurrent_layers, dropout_layers = stack_layers(
            layer_class, units, num_layers,
            bidirectional=self.bidirectional, merge_mode=merge_mode,
            return_sequences=self.return_sequences,
            make_dropout=lambda index: (
                keras.layers.Dropout(
                    dropout, seed=self._layer_seed(index),
                    dtype=self.dtype_policy,
                ) if index < num_layers - 1 else None
            ),
            seeds=[self._layer_seed(index) for index in range(num_layers)],
            dtype=self.dtype_policy,
            cell_kwargs=self.cell_kwargs,
        )
        self.dropout_layers = dropout_layers[:-1]  # between layers

    def _layer_seed(self, index):
        return None if self.seed is None else self.seed + index

    def build(self, input_shape):
        shape = tuple(input_shape)
        for index, layer in enumerate(self.recurrent_layers):
            layer.build(shape)
            output_shape = layer.compute_output_shape(shape)
            if index < len(self.dropout_layers):
                self.dropout_layers[index].build(output_shape)
            if self._has_residual(index) and output_shape[-1] != shape[-1]:
                raise ValueError(
                    "`residual=True` needs layers of equal width; layer "
                    f"{index} maps width {shape[-1]} to {output_shape[-1]}."
                )
            shape = output_shape

    def call(self, inputs, mask=None, training=None):
        return call_stack(
            self.recurrent_layers, inputs, dropouts_after=self.dropout_layers,
            residual=self.residual, mask=mask, training=training,
        )

    def _has_residual(self, index):
        last = index == self.num_layers - 1
        return self.residual and index > 0 and (self.return_sequences or not last)

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        for layer in self.recurrent_layers:
            shape = layer.compute_output_shape(shape)
        return shape

    def compute_mask(self, inputs, mask=None):
        return mask if self.return_sequences else None

    def get_config(self):
        config = {
            "cell": self.cell,
            "units": self.units,
            "num_layers": self.num_layers,
            "bidirectional": self.bidirectional,
            "merge_mode": self.merge_mode,
            "residual": self.residual,
            "return_sequences": self.return_sequences,
            "dropout": self.dropout,
            "seed": self.seed,
            "cell_kwargs": self.cell_kwargs,
        }
        base_config = super().get_config()
        return {**base_config, **config}
