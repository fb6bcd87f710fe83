"""Recurrent layers by name, for configs and the command line.

`get_recurrent_layer("lstm")` returns `kerasseq.layers.LSTM`. Later cells
register here with `register_recurrent_layer`.
"""

import keras

from kerasseq.layers.gru import GRU
from kerasseq.layers.lstm import LSTM
from kerasseq.layers.orthogonal_rnn import OrthogonalRNN
from kerasseq.layers.simple_rnn import SimpleRNN
from kerasseq.layers.unitary_rnn import UnitaryRNN

_RECURRENT_LAYERS = {}


def register_recurrent_layer(name, layer_class):
    """Makes `layer_class` available under `name` (e.g. `--cell name`)."""
    if name in _RECURRENT_LAYERS and _RECURRENT_LAYERS[name] is not layer_class:
        raise ValueError(
            f"A recurrent layer is already registered as {name!r}: "
            f"{_RECURRENT_LAYERS[name].__name__}."
        )
    _RECURRENT_LAYERS[name] = layer_class
    return layer_class


def recurrent_layer_name(layer_class):
    """The name that `get_recurrent_layer` resolves back to `layer_class`:
    its registered name here (`"lstm"`), else its Keras registration
    (`"package>ClassName"`, `keras.saving.register_keras_serializable`)."""
    for name, registered in _RECURRENT_LAYERS.items():
        if registered is layer_class:
            return name
    return keras.saving.get_registered_name(layer_class)


def recurrent_layer_names():
    """The registered names, in registration order."""
    return tuple(_RECURRENT_LAYERS)


def get_recurrent_layer(name):
    """The sequence-layer class registered as `name`.

    Raises:
        ValueError: `name` is not registered; the message lists the names.
    """
    if isinstance(name, type):
        return name
    try:
        return _RECURRENT_LAYERS[name]
    except (KeyError, TypeError):
        # A class registered with Keras, saved by `recurrent_layer_name`.
        found = (
            keras.saving.get_registered_object(name) if isinstance(name, str) else None
        )
        if isinstance(found, type) and issubclass(found, keras.layers.RNN):
            return found
        allowed = ", ".join(repr(n) for n in _RECURRENT_LAYERS)
        raise ValueError(
            f"Argument `cell` must be one of {allowed}. Received: cell={name!r}"
        ) from None


register_recurrent_layer("simple_rnn", SimpleRNN)
register_recurrent_layer("lstm", LSTM)
register_recurrent_layer("gru", GRU)
register_recurrent_layer("orthogonal", OrthogonalRNN)
register_recurrent_layer("unitary", UnitaryRNN)
