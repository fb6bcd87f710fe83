"""Keras optimizers from a `TrainConfig`, with the lecture's gradient clipping."""

import keras

_OPTIMIZER_CLASSES = {
    "adam": keras.optimizers.Adam,
    "adamw": keras.optimizers.AdamW,
    "rmsprop": keras.optimizers.RMSprop,
    "sgd": keras.optimizers.SGD,
}


def make_optimizer(config):
    """The Keras optimizer that `config` describes.

    Clipping uses the optimizer's own `clipnorm` / `global_clipnorm`: when
    the norm of the gradient exceeds the threshold xi, the gradient is
    replaced by `xi * g / ||g||` before the update.

    Example:

    >>> make_optimizer(TrainConfig(learning_rate=0.01, global_clipnorm=1.0))
    <keras.src.optimizers.adam.Adam ...>
    """
    return _OPTIMIZER_CLASSES[config.optimizer](
        learning_rate=config.learning_rate,
        clipnorm=config.clipnorm,
        global_clipnorm=config.global_clipnorm,
    )
