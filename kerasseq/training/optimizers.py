"""Keras optimizers from a `TrainConfig`, with the lecture's gradient clipping
and the expRNN/scoRNN papers' smaller learning rate for manifold parameters."""

from kerasseq import optimizers

_OPTIMIZER_CLASSES = {
    "adam": optimizers.Adam,
    "adamw": optimizers.AdamW,
    "rmsprop": optimizers.RMSprop,
    "sgd": optimizers.SGD,
}


def make_optimizer(config):
    """The optimizer that `config` describes.

    Clipping uses the optimizer's own `clipnorm` / `global_clipnorm`: when
    the norm of the gradient exceeds the threshold xi, the gradient is
    replaced by `xi * g / ||g||` before the update. The optimizer is the
    Keras one of that name with `manifold_multiplier`
    (`kerasseq.optimizers`): variables that orthogonal and unitary cells
    mark as manifold parameters train at `config.manifold_learning_rate`
    (`learning_rate / 10` unless set); a model without such variables trains
    exactly as with the plain Keras optimizer.

    Example:

    >>> make_optimizer(TrainConfig(learning_rate=0.01, global_clipnorm=1.0))
    <kerasseq.optimizers.manifold.Adam ...>
    """
    return _OPTIMIZER_CLASSES[config.optimizer](
        learning_rate=config.learning_rate,
        clipnorm=config.clipnorm,
        global_clipnorm=config.global_clipnorm,
        manifold_multiplier=config.manifold_multiplier,
        **config.optimizer_options,
    )
