"""Reproduces Figure 1 of Arjovsky et al. 2016 on this machine: copying-memory
loss against training steps, per cell, at several delays T.

    .venv/bin/python tools/copy_memory_figure.py --T 100,200 --steps 600

Cells are given as registry names with optional layer arguments:
`lstm`, `gru`, `simple_rnn`, `orthogonal:parametrization=cayley`,
`orthogonal:parametrization=exp`, `unitary`. Every model sees the same
seeded stream of batches. Writes `copy_memory.csv` (cell, T, step, loss =
the mean training loss of the last `--every` steps, baseline) and `copy_memory.png` (one panel per T) into `--out`, and prints a
Markdown table of the final losses against the memoryless baseline.
"""

import argparse
import csv
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from kerasseq.layers import get_recurrent_layer  # noqa: E402
from kerasseq.tasks import COPY_VOCAB_SIZE  # noqa: E402
from kerasseq.tasks import copying_baseline_loss  # noqa: E402
from kerasseq.tasks import copying_dataset  # noqa: E402
from kerasseq.training.config import TrainConfig  # noqa: E402
from kerasseq.training.optimizers import make_optimizer  # noqa: E402
from kerasseq.training.plots import plot_curves  # noqa: E402


def parse_cell(spec):
    name, _, arguments = spec.partition(":")
    kwargs = {}
    for item in filter(None, arguments.split(",")):
        key, _, value = item.partition("=")
        kwargs[key] = value
    return name, kwargs


def build(spec, units):
    name, kwargs = parse_cell(spec)
    tokens = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(COPY_VOCAB_SIZE, 16)(tokens)
    x = get_recurrent_layer(name)(units, return_sequences=True, **kwargs)(x)
    return keras.Model(tokens, keras.layers.Dense(COPY_VOCAB_SIZE)(x))


class LossEvery(keras.callbacks.Callback):
    """Records the mean loss of each window of `every` training steps.

    Keras's batch logs hold the running mean since the start of the epoch
    (the progress bar's number), which lags far behind the current loss in
    a single long epoch; the window mean is recovered from two running
    means: `(b * mean_b - a * mean_a) / (b - a)`.
    """

    def __init__(self, every, rows, label, delay, baseline):
        super().__init__()
        self.every, self.rows = every, rows
        self.label, self.delay, self.baseline = label, delay, baseline
        self.started = time.perf_counter()
        self.previous_total = 0.0

    def on_train_batch_end(self, batch, logs=None):
        if (batch + 1) % self.every == 0:
            total = (batch + 1) * float(logs["loss"])  # sum of all step losses
            loss = (total - self.previous_total) / self.every
            self.previous_total = total
            self.rows.append((self.label, self.delay, batch + 1, loss, self.baseline))
            print(f"  {self.label:<34} T={self.delay:<4} step {batch + 1:>5}  "
                  f"loss {loss:.4f}  (baseline {self.baseline:.4f}, "
                  f"{time.perf_counter() - self.started:.0f}s)", flush=True)


def plot(rows, out):
    """One `copy_memory_T{T}.png` per delay, one curve per cell."""
    for delay in sorted({r[1] for r in rows}):
        at_delay = [r for r in rows if r[1] == delay]
        cells = list(dict.fromkeys(r[0] for r in at_delay))
        steps = [r[2] for r in at_delay if r[0] == cells[0]]
        curves = {spec: [r[3] for r in at_delay if r[0] == spec] for spec in cells}
        plot_curves(curves, os.path.join(out, f"copy_memory_T{delay}.png"),
                    title=f"Copying memory, T={delay}",
                    ylabel=f"cross-entropy (mean of {steps[0]} steps)",
                    baseline=copying_baseline_loss(delay), xlabel="training step",
                    x_values=steps)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", default="lstm,gru,simple_rnn,"
                        "orthogonal:parametrization=cayley,"
                        "orthogonal:parametrization=exp,unitary")
    parser.add_argument("--T", default="100,200,500")
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--units", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--manifold-learning-rate", type=float, default=None,
                        help="learning rate of the orthogonal and unitary cells' "
                        "manifold parameters (default: --learning-rate / 10)")
    parser.add_argument("--optimizer", default="rmsprop")
    parser.add_argument("--every", type=int, default=25)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="saved_models/copy_memory")
    parser.add_argument("--replot", action="store_true",
                        help="redraw the plots from OUT/copy_memory.csv, no training")
    args = parser.parse_args()

    if args.replot:
        with open(os.path.join(args.out, "copy_memory.csv"), newline="") as handle:
            rows = [(r["cell"], int(r["T"]), int(r["step"]), float(r["loss"]),
                     float(r["baseline"])) for r in csv.DictReader(handle)]
        plot(rows, args.out)
        return
    os.makedirs(args.out, exist_ok=True)
    rows, finals = [], []
    for delay in (int(t) for t in args.T.split(",")):
        baseline = copying_baseline_loss(delay)
        for spec in args.cells.split(";" if ";" in args.cells else ","):
            keras.utils.set_random_seed(args.seed)
            model = build(spec, args.units)
            model.compile(
                optimizer=make_optimizer(TrainConfig(
                    optimizer=args.optimizer, learning_rate=args.learning_rate,
                    manifold_learning_rate=args.manifold_learning_rate)),
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            )
            data = copying_dataset(delay, args.batch_size, seed=args.seed,
                                   num_batches=args.steps)
            started = time.perf_counter()
            model.fit(data, epochs=1, verbose=0,
                      callbacks=[LossEvery(args.every, rows, spec, delay, baseline)])
            seconds = time.perf_counter() - started
            final = np.mean([r[3] for r in rows if r[0] == spec and r[1] == delay][-4:])
            finals.append((spec, delay, final, baseline, seconds))
    with open(os.path.join(args.out, "copy_memory.csv"), "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["cell", "T", "step", "loss", "baseline"])
        writer.writerows(rows)
    plot(rows, args.out)
    print("\n| cell | T | final loss (mean of the last 4 windows) | baseline | ratio | seconds |")
    print("| --- | --- | --- | --- | --- | --- |")
    for spec, delay, final, baseline, seconds in finals:
        print(f"| {spec} | {delay} | {final:.4f} | {baseline:.4f} | "
              f"{final / baseline:.2f} | {seconds:.0f} |")


if __name__ == "__main__":
    main()
