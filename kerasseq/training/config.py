"""Configuration shared by every training job, as a plain dataclass."""

import dataclasses

from kerasseq.layers import validation

_OPTIMIZERS = ("adam", "adamw", "rmsprop", "sgd")


@dataclasses.dataclass
class TrainConfig:
    """Optimizer and loop settings of a training job.

    Attributes:
        optimizer: One of `"adam"`, `"adamw"`, `"rmsprop"`, `"sgd"`.
        learning_rate: Positive float.
        clipnorm: If set, each gradient tensor `g` with `||g|| > clipnorm` is
            rescaled to `clipnorm * g / ||g||` (Pascanu et al. 2013).
        global_clipnorm: If set, the same rescaling with the norm of all
            gradients together; exclusive with `clipnorm`.
        epochs: Positive integer.
        batch_size: Positive integer.
        seed: Integer seed of weights, data order and dropout.
    """

    optimizer: str = "adam"
    learning_rate: float = 1e-3
    clipnorm: float | None = None
    global_clipnorm: float | None = None
    epochs: int = 10
    batch_size: int = 64
    seed: int = 0

    def __post_init__(self):
        validation.check_choice("optimizer", self.optimizer, _OPTIMIZERS)
        validation.check_positive_float("learning_rate", self.learning_rate)
        for name in ("clipnorm", "global_clipnorm"):
            if getattr(self, name) is not None:
                validation.check_positive_float(name, getattr(self, name))
        if self.clipnorm is not None and self.global_clipnorm is not None:
            raise ValueError(
                "Set at most one of `clipnorm` and `global_clipnorm`. "
                f"Received: clipnorm={self.clipnorm}, "
                f"global_clipnorm={self.global_clipnorm}"
            )
        validation.check_positive_int("epochs", self.epochs)
        validation.check_positive_int("batch_size", self.batch_size)
        validation.check_seed("seed", self.seed)

