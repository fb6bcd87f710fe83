"""One row per kerasseq cell: its classes, NumPy step and Keras twin."""

import dataclasses
import functools

import keras

from kerasseq import layers
from tests.helpers import numpy_reference


@dataclasses.dataclass(frozen=True)
class CellSpec:
    name: str
    layer: type
    cell: type
    keras_layer: type
    keras_cell: type
    numpy_step: object
    num_states: int
    kwargs: tuple = ()

    def make_layer(self, units, **kwargs):
        return self.layer(units, **dict(self.kwargs), **kwargs)

    def make_cell(self, units, **kwargs):
        return self.cell(units, **dict(self.kwargs), **kwargs)

    def make_keras_layer(self, units, **kwargs):
        return self.keras_layer(units, **dict(self.kwargs), **kwargs)

    def make_keras_cell(self, units, **kwargs):
        return self.keras_cell(units, **dict(self.kwargs), **kwargs)

    def __str__(self):
        return self.name


SPECS = [
    CellSpec(
        "simple_rnn",
        layers.SimpleRNN,
        layers.SimpleRNNCell,
        keras.layers.SimpleRNN,
        keras.layers.SimpleRNNCell,
        numpy_reference.simple_rnn_step,
        1,
    ),
    CellSpec(
        "lstm",
        layers.LSTM,
        layers.LSTMCell,
        keras.layers.LSTM,
        keras.layers.LSTMCell,
        numpy_reference.lstm_step,
        2,
    ),
    CellSpec(
        "gru_reset_after",
        layers.GRU,
        layers.GRUCell,
        keras.layers.GRU,
        keras.layers.GRUCell,
        functools.partial(numpy_reference.gru_step, reset_after=True),
        1,
        (("reset_after", True),),
    ),
    CellSpec(
        "gru_reset_before",
        layers.GRU,
        layers.GRUCell,
        keras.layers.GRU,
        keras.layers.GRUCell,
        functools.partial(numpy_reference.gru_step, reset_after=False),
        1,
        (("reset_after", False),),
    ),
]

IDS = [spec.name for spec in SPECS]
