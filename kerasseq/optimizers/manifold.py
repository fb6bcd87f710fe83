"""A separate learning rate for the parameters of a manifold constraint.

The orthogonal and unitary cells keep their recurrent matrix on a manifold
through an unconstrained parameter (the skew-symmetric `A` of
`W_h = exp(A)` or of the Cayley map; the phases and reflections of the
unitary product). The expRNN and scoRNN papers train that parameter with a
learning rate ten times smaller than the rest of the model (expRNN: 2e-4 and
2e-5; scoRNN: 1e-3 and 1e-4), because a step on `A` moves every eigenvalue
of `W_h` at once.

Layers mark such variables with `mark_manifold_variable`; the optimizers of
this module (the Keras optimizers of the same names, plus the
`manifold_multiplier` argument) scale the learning rate of the marked
variables only. The rest of the update (moments, clipping, EMA, loss
scaling) is the Keras optimizer's own, so the scaled step is exactly the
Keras step at `learning_rate * manifold_multiplier`.
"""

import numbers

import keras

#: Name of the attribute that marks a variable as a manifold parameter.
MANIFOLD_ATTRIBUTE = "_kerasseq_manifold"

#: The papers' ratio of the manifold learning rate to the base learning rate.
PAPERS_MANIFOLD_MULTIPLIER = 0.1


def mark_manifold_variable(variable):
    """Marks `variable` as the parameter of a manifold constraint.

    Returns:
        `variable`, so that `self.w = mark_manifold_variable(self.add_weight(...))`.
    """
    setattr(variable, MANIFOLD_ATTRIBUTE, True)
    return variable


def is_manifold_variable(variable):
    """Whether a layer marked `variable` with `mark_manifold_variable`."""
    return bool(getattr(variable, MANIFOLD_ATTRIBUTE, False))


def manifold_variables(model_or_layer):
    """The marked variables among the trainable weights of `model_or_layer`."""
    return [v for v in model_or_layer.trainable_weights if is_manifold_variable(v)]


class ManifoldLearningRateMixin:
    """Scales the learning rate of marked variables by `manifold_multiplier`.

    Mixed in before a Keras optimizer class (`manifold_optimizer_class`).
    `update_step(gradient, variable, learning_rate)` is the per-variable step
    of every Keras optimizer, on every backend and under `tf.distribute`;
    the mixin multiplies `learning_rate` there for the variables that were
    marked when the optimizer was built. Decoupled weight decay (AdamW) is
    applied by Keras with the base rate to every variable, as before.
    """

    def __init__(self, *args, manifold_multiplier=PAPERS_MANIFOLD_MULTIPLIER,
                 **kwargs):
        if (isinstance(manifold_multiplier, bool)
                or not isinstance(manifold_multiplier, numbers.Real)
                or not manifold_multiplier > 0):
            raise ValueError(
                "Argument `manifold_multiplier` must be a positive number "
                "(the ratio of the manifold parameters' learning rate to the "
                f"learning rate). Received: manifold_multiplier={manifold_multiplier!r}"
            )
        super().__init__(*args, **kwargs)
        self.manifold_multiplier = float(manifold_multiplier)
        self._manifold_keys = ()

    def build(self, variables):
        # Keras's optimizers return early once built; the keys are refreshed
        # on every call so an optimizer built empty learns the model's.
        super().build(variables)
        self._manifold_keys = tuple(
            self._var_key(v) for v in variables if is_manifold_variable(v)
        )

    def update_step(self, gradient, variable, learning_rate):
        if self._var_key(variable) in self._manifold_keys:
            learning_rate = learning_rate * self.manifold_multiplier
        return super().update_step(gradient, variable, learning_rate)

    def get_config(self):
        return {**super().get_config(), "manifold_multiplier": self.manifold_multiplier}


_CLASSES = {}


def manifold_optimizer_class(optimizer_class):
    """The subclass of a Keras optimizer class with `manifold_multiplier`.

    Created once per class and registered for `.keras` files as
    `kerasseq>{ClassName}`.

    Example:

    >>> Lion = manifold_optimizer_class(keras.optimizers.Lion)
    >>> Lion(1e-4, manifold_multiplier=0.1).manifold_multiplier
    0.1
    """
    if not (isinstance(optimizer_class, type)
            and issubclass(optimizer_class, keras.optimizers.Optimizer)):
        raise ValueError(
            "Argument `optimizer_class` must be a subclass of "
            f"keras.optimizers.Optimizer. Received: {optimizer_class!r}"
        )
    if issubclass(optimizer_class, ManifoldLearningRateMixin):
        return optimizer_class
    if optimizer_class not in _CLASSES:
        name = optimizer_class.__name__
        subclass = type(name, (ManifoldLearningRateMixin, optimizer_class), {
            "__module__": __name__,
            "__doc__": (
                f"`keras.optimizers.{name}` with `manifold_multiplier`: the "
                "learning rate of variables marked by `mark_manifold_variable` "
                "is multiplied by it (default 0.1, the expRNN and scoRNN "
                f"papers' ratio). Other arguments: as `keras.optimizers.{name}`."
            ),
        })
        _CLASSES[optimizer_class] = keras.saving.register_keras_serializable(
            package="kerasseq"
        )(subclass)
    return _CLASSES[optimizer_class]


Adam = manifold_optimizer_class(keras.optimizers.Adam)
AdamW = manifold_optimizer_class(keras.optimizers.AdamW)
RMSprop = manifold_optimizer_class(keras.optimizers.RMSprop)
SGD = manifold_optimizer_class(keras.optimizers.SGD)
