"""Keras's own RNN test files, unmodified, with kerasseq's layers swapped in.

Each Keras test module reads its layers from a module global `layers`
(`from keras.src import layers`); here that global is a namespace whose
`SimpleRNN`, `LSTM`, `GRU` and their cells are kerasseq's and whose every
other name is Keras's. The test classes are then collected as subclasses, so
every assertion Keras makes of its own layers (shapes, values with fixed
initializers, masking, dropout, configs, `.keras` round trips) is made of
kerasseq's. Tests of Keras-private internals are deselected in `SKIPPED`,
each with its reason.
"""

import importlib
import types

import pytest
from keras.src import layers as keras_layers

from kerasseq import layers as kerasseq_layers

SWAPPED = ("SimpleRNN", "LSTM", "GRU", "SimpleRNNCell", "LSTMCell", "GRUCell")


class _Layers(types.ModuleType):
    def __getattr__(self, name):
        if name in SWAPPED:
            return getattr(kerasseq_layers, name)
        return getattr(keras_layers, name)


SWAPPED_LAYERS = _Layers("keras_layers_with_kerasseq_rnns")

MODULES = {
    "simple_rnn": ("SimpleRNNTest",),
    "lstm": ("LSTMTest",),
    "gru": ("GRUTest",),
    "rnn": ("RNNTest",),
    "bidirectional": ("SimpleRNNTest",),
    "stacked_rnn_cells": ("StackedRNNTest",),
    "dropout_rnn_cell": ("DropoutRNNCellTest",),
}

#: Keras tests of Keras internals that kerasseq's layers do not share.
SKIPPED = {
    ("bidirectional", "test_fused_lstm_eligibility"):
        "Keras-private Bidirectional._can_attempt_fused_lstm accepts only "
        "keras.layers.LSTM (its JAX cuDNN path)",
    ("bidirectional", "test_fused_gru_eligibility"):
        "Keras-private Bidirectional._can_attempt_fused_gru accepts only "
        "keras.layers.GRU (its JAX cuDNN path)",
}


def _swapped_classes():
    classes = {}
    for module_name, class_names in MODULES.items():
        module = importlib.import_module(f"keras.src.layers.rnn.{module_name}_test")
        module.layers = SWAPPED_LAYERS
        for class_name in class_names:
            base = getattr(module, class_name)
            name = f"TestKeras_{module_name}_{class_name}"
            skipped = {
                test: pytest.mark.skip(reason=reason)(getattr(base, test))
                for (where, test), reason in SKIPPED.items()
                if where == module_name and hasattr(base, test)
            }
            classes[name] = type(name, (base,), {"__module__": __name__, **skipped})
    return classes


globals().update(_swapped_classes())
