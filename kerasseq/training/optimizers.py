"""Keras optimizers from a `TrainConfig`, with the lecture's gradient clipping
and the expRNN/scoRNN papers' smaller learning rate for manifold parameters."""

import keras

from kerasseq import optimizers

_OPTIMIZER_CLASSES = {
    "adam": optimizers.Adam,
    "adamw": optimizers.AdamW,
    "rmsprop": optimizers.RMSprop,
    "sgd": optimizers.SGD,
}


def make_optimizer(config, total_steps=None):
    """The optimizer that `config` describes.

    Clipping uses the optimizer's own `clipnorm` / `global_clipnorm`: when
    the norm of the gradient exceeds the threshold xi, the gradient is
    replaced by `xi * g / ||g||` before the update. The optimizer is the
    Keras one of that name with `manifold_multiplier`
    (`kerasseq.optimizers`): variables that orthogonal and unitary cells
    mark as manifold parameters train at `config.manifold_learning_rate`
    (`learning_rate / 10` unless set); a model without such variables trains
    exactly as with the plain Keras optimizer.

    With `config.learning_rate_decay="cosine"` the learning rate is a
    `keras.optimizers.schedules.CosineDecay` from `learning_rate` to 0 over
    `total_steps` (the whole run: epochs times the steps of an epoch), which
    the manifold multiplier scales like a constant rate.

    Example:

    >>> make_optimizer(TrainConfig(learning_rate=0.01, global_clipnorm=1.0))
    <kerasseq.optimizers.manifold.Adam ...>
    """
    learning_rate = config.learning_rate
    if config.learning_rate_decay == "cosine":
        if isinstance(total_steps, bool) or not isinstance(total_steps, int) or total_steps < 1:
            raise ValueError(
                "learning_rate_decay='cosine' needs the number of training "
                "steps: set steps_per_epoch (--steps-per-epoch), or train on "
                f"data of known size. Received: total_steps={total_steps!r}"
            )
        learning_rate = keras.optimizers.schedules.CosineDecay(
            config.learning_rate, decay_steps=total_steps
        )
    return _OPTIMIZER_CLASSES[config.optimizer](
        learning_rate=learning_rate,
        clipnorm=config.clipnorm,
        global_clipnorm=config.global_clipnorm,
        manifold_multiplier=config.manifold_multiplier,
        **config.optimizer_options,
    )
