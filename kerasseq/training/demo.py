"""The foundation demo: each classic cell learns the adding problem.

`kerasseq demo` trains `SimpleRNN`, `LSTM` and `GRU` on a small generated
adding task and prints the training and validation loss of every epoch beside
the memoryless baseline, so a newcomer sees the loss fall within a minute.
"""

import dataclasses
import time

import keras

from kerasseq.layers import get_recurrent_layer
from kerasseq.tasks import ADDING_BASELINE_MSE
from kerasseq.tasks import adding_problem
from kerasseq.training.config import TrainConfig
from kerasseq.training.optimizers import make_optimizer
from kerasseq.training.plots import plot_curves


@dataclasses.dataclass
class DemoConfig:
    """Settings of `kerasseq demo`.

    Attributes:
        cells: Names of the recurrent layers to train, one model each.
        length: Time steps of each adding-problem sequence.
        units: Units of the recurrent layer.
        train_samples, val_samples: Sizes of the generated splits.
        plot: Where to write the validation-loss curves (PNG), or `None`.
        train: Optimizer and loop settings.
    """

    cells: tuple = ("simple_rnn", "lstm", "gru")
    length: int = 30
    units: int = 32
    train_samples: int = 4000
    val_samples: int = 500
    plot: str | None = "saved_models/demo/adding_loss.png"
    train: TrainConfig = dataclasses.field(
        default_factory=lambda: TrainConfig(
            learning_rate=1e-2, global_clipnorm=1.0, epochs=8, batch_size=64
        )
    )

    def __post_init__(self):
        for cell in self.cells:
            get_recurrent_layer(cell)  # a bad name fails before any training


def build_adding_model(cell, units, length, seed=None):
    """`Input(length, 2) -> recurrent layer -> Dense(1)`, functional API."""
    layer_class = get_recurrent_layer(cell)
    inputs = keras.Input((length, 2), name="sequence")
    hidden = layer_class(units, seed=seed, name=cell)(inputs)
    outputs = keras.layers.Dense(1, name="sum")(hidden)
    return keras.Model(inputs, outputs, name=f"adding_{cell}")


class _EpochPrinter(keras.callbacks.Callback):
    def __init__(self, label, epochs, baseline, print_fn):
        super().__init__()
        self.label, self.epochs = label, epochs
        self.baseline, self.print_fn = baseline, print_fn
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.print_fn(
            f"  {self.label:<11} epoch {epoch + 1}/{self.epochs}  "
            f"loss {logs.get('loss', float('nan')):.4f}  "
            f"val_loss {logs.get('val_loss', float('nan')):.4f}  "
            f"(baseline {self.baseline:.4f}, "
            f"{time.perf_counter() - self.started:.0f}s)"
        )


def run_demo(config=None, print_fn=print):
    """Trains one model per cell in `config.cells`; returns their histories.

    Returns:
        Dict from cell name to the `History.history` dict of its run.
    """
    config = config or DemoConfig()
    train_seed = config.train.seed
    x_train, y_train = adding_problem(
        config.train_samples, config.length, seed=train_seed
    )
    x_val, y_val = adding_problem(
        config.val_samples, config.length, seed=train_seed + 1
    )
    print_fn(
        f"Adding problem: {config.train_samples} sequences of "
        f"{config.length} steps; baseline MSE {ADDING_BASELINE_MSE:.4f} "
        "(always predicting 1.0)."
    )
    histories = {}
    for cell in config.cells:
        keras.utils.set_random_seed(train_seed)
        model = build_adding_model(cell, config.units, config.length, train_seed)
        model.compile(optimizer=make_optimizer(config.train), loss="mse")
        history = model.fit(
            x_train,
            y_train,
            validation_data=(x_val, y_val),
            epochs=config.train.epochs,
            batch_size=config.train.batch_size,
            verbose=0,
            callbacks=[
                _EpochPrinter(
                    cell, config.train.epochs, ADDING_BASELINE_MSE, print_fn
                )
            ],
        )
        histories[cell] = history.history
    print_fn("Final validation MSE (lower is better):")
    for cell, history in histories.items():
        print_fn(
            f"  {cell:<11} {history['val_loss'][-1]:.4f}  "
            f"({history['val_loss'][-1] / ADDING_BASELINE_MSE:.0%} of baseline)"
        )
    if config.plot:
        plot_curves(
            {cell: history["val_loss"] for cell, history in histories.items()},
            config.plot,
            title="Adding problem",
            ylabel="validation MSE",
            baseline=ADDING_BASELINE_MSE,
        )
        print_fn(f"Loss curves written to {config.plot}")
    return histories
