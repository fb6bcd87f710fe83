"""Reproduces Figures 1 and 2 of Arjovsky et al. 2016 on this machine: the
copying-memory loss (`--task copy`) or the adding problem's MSE
(`--task adding`) against training steps, per cell, at several delays T.

    .venv/bin/python tools/copy_memory_figure.py --T 100,200 --steps 600
    .venv/bin/python tools/copy_memory_figure.py --task adding --T 750 \
        --cells orthogonal,lstm --steps 4000 --batch-size 128 --units 190 \
        --learning-rate 2e-4

Cells are given as registry names with optional layer arguments:
`lstm`, `gru`, `simple_rnn`, `orthogonal:parametrization=cayley`,
`orthogonal:parametrization=exp`, `unitary` (`--units` is its complex
width). Every model sees the same seeded stream of batches and is trained
by `kerasseq`'s optimizer (`--manifold-learning-rate`, default a tenth of
`--learning-rate`). Writes `{task}.csv` (cell, T, step, loss = the mean
training loss of the last `--every` steps, baseline) and `{task}_T{T}.png`
(one per T) into `--out`, and prints a Markdown table of the final losses
against the memoryless baseline. `--replot` redraws the PNGs from the CSVs
of one or more `--out` folders (comma-separated), e.g. runs of different
cells made one after another.
"""

import argparse
import csv
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from kerasseq.callbacks import DynamicTrivialization  # noqa: E402
from kerasseq.cli import key_value  # noqa: E402
from kerasseq.jobs import get_job  # noqa: E402
from kerasseq.layers import get_recurrent_layer  # noqa: E402
from kerasseq.tasks import ADDING_BASELINE_MSE  # noqa: E402
from kerasseq.tasks import COPY_VOCAB_SIZE  # noqa: E402
from kerasseq.tasks import adding_dataset  # noqa: E402
from kerasseq.tasks import copying_baseline_loss  # noqa: E402
from kerasseq.tasks import copying_dataset  # noqa: E402
from kerasseq.training.config import LEARNING_RATE_DECAYS  # noqa: E402
from kerasseq.training.config import ModelConfig  # noqa: E402
from kerasseq.training.config import TrainConfig  # noqa: E402
from kerasseq.training.optimizers import make_optimizer  # noqa: E402
from kerasseq.training.plots import plot_curves  # noqa: E402


def split_outside_braces(text, separator):
    """`text` split at `separator`s that stand outside `{...}` (a JSON value
    may hold `:` and `,`)."""
    parts, depth, current = [], 0, ""
    for character in text:
        depth += {"{": 1, "}": -1}.get(character, 0)
        if character == separator and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += character
    return parts + [current]


def parse_cell(spec):
    """`("orthogonal", {"rebase_every": 100})` of `orthogonal:rebase_every=100`;
    a value in braces is a JSON object and may hold `:` and `,`
    (`kernel_initializer={"class_name": "RandomUniform", ...}`)."""
    name, *arguments = split_outside_braces(spec, ":")
    return name, dict(key_value(item) for item in filter(None, arguments))


def split_cells(text):
    """The cell specs of `--cells`: split at commas outside braces."""
    return [spec for spec in split_outside_braces(text, ",") if spec]


class Copy:
    job = "copy"
    csv = "copy_memory"
    title = "Copying memory"
    ylabel = "cross-entropy"
    baseline = staticmethod(copying_baseline_loss)
    loss = staticmethod(lambda: keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    dataset = staticmethod(copying_dataset)

    @staticmethod
    def build(layer, one_hot=False):
        tokens = keras.Input((None,), dtype="int32")
        if one_hot:  # a frozen identity table: the one-hot input of expRNN's script
            embedding = keras.layers.Embedding(
                COPY_VOCAB_SIZE, COPY_VOCAB_SIZE,
                embeddings_initializer="identity", trainable=False)
        else:
            embedding = keras.layers.Embedding(COPY_VOCAB_SIZE, 16)
        x = embedding(tokens)
        x = layer(return_sequences=True)(x)
        return keras.Model(tokens, keras.layers.Dense(COPY_VOCAB_SIZE)(x))


class Adding:
    job = "adding"
    csv = "adding"
    title = "Adding problem"
    ylabel = "MSE"
    baseline = staticmethod(lambda delay: ADDING_BASELINE_MSE)
    loss = staticmethod(lambda: "mse")
    dataset = staticmethod(adding_dataset)

    @staticmethod
    def build(layer, one_hot=False):
        sequence = keras.Input((None, 2))
        return keras.Model(sequence, keras.layers.Dense(1)(layer()(sequence)))


TASKS = {"copy": Copy, "adding": Adding}


def build(task, spec, units, job_defaults=False, one_hot=False):
    name, kwargs = parse_cell(spec)
    if job_defaults:  # the cell options `kerasseq train TASK` adds
        job = get_job(task.job)
        model_config = ModelConfig(cell=name, units=units)
        kwargs = {**job.cell_option_defaults(model_config), **kwargs}
    layer_class = get_recurrent_layer(name)
    return task.build(lambda **options: layer_class(units, **kwargs, **options),
                      one_hot=one_hot)


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


def plot(rows, out, task):
    """One `{task}_T{T}.png` per delay, one curve per cell."""
    for delay in sorted({r[1] for r in rows}):
        at_delay = [r for r in rows if r[1] == delay]
        cells = list(dict.fromkeys(r[0] for r in at_delay))
        steps = {spec: [r[2] for r in at_delay if r[0] == spec] for spec in cells}
        curves = {spec: [r[3] for r in at_delay if r[0] == spec] for spec in cells}
        every = steps[cells[0]][0]
        plot_curves(curves, os.path.join(out, f"{task.csv}_T{delay}.png"),
                    title=f"{task.title}, T={delay}",
                    ylabel=f"{task.ylabel} (mean of {every} steps)",
                    baseline=task.baseline(delay), xlabel="training step",
                    x_values=steps)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=sorted(TASKS), default="copy")
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
    parser.add_argument("--optimizer-option", action="append", default=[], type=key_value,
                        metavar="KEY=VALUE",
                        help="further optimizer argument, e.g. rho=0.99 (repeatable)")
    parser.add_argument("--learning-rate-decay", choices=LEARNING_RATE_DECAYS,
                        default="none",
                        help="cosine: from --learning-rate to 0 over --steps")
    parser.add_argument("--job-defaults", action="store_true",
                        help="add the cell options that `kerasseq train TASK` "
                        "adds by default (adding, orthogonal: scoRNN's "
                        "Cayley setting with a small input kernel, no bias; "
                        "copy, orthogonal: a He-normal input kernel, and "
                        "one-hot inputs for every cell)")
    parser.add_argument("--one-hot", action="store_true",
                        help="copy: one-hot symbols (a frozen identity "
                             "embedding, as expRNN's script and the copy "
                             "job's default) instead of a trained 16-wide "
                             "embedding; implied by --job-defaults")
    parser.add_argument("--every", type=int, default=25)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="saved_models/copy_memory")
    parser.add_argument("--replot", action="store_true",
                        help="redraw the plots from OUT/copy_memory.csv, no training")
    args = parser.parse_args()

    task = TASKS[args.task]
    if args.replot:
        rows = []
        for folder in args.out.split(","):
            with open(os.path.join(folder, f"{task.csv}.csv"), newline="") as handle:
                rows += [(r["cell"], int(r["T"]), int(r["step"]), float(r["loss"]),
                          float(r["baseline"])) for r in csv.DictReader(handle)]
        plot(rows, args.out.split(",")[0], task)
        return
    os.makedirs(args.out, exist_ok=True)
    rows, finals = [], []
    for delay in (int(t) for t in args.T.split(",")):
        baseline = task.baseline(delay)
        for spec in split_cells(args.cells):
            keras.utils.set_random_seed(args.seed)
            # The copy job's defaults include its one-hot inputs.
            one_hot = args.one_hot or (args.job_defaults and task is Copy)
            model = build(task, spec, args.units, args.job_defaults, one_hot)
            optimizer = make_optimizer(TrainConfig(
                optimizer=args.optimizer, learning_rate=args.learning_rate,
                manifold_learning_rate=args.manifold_learning_rate,
                learning_rate_decay=args.learning_rate_decay,
                optimizer_options=dict(args.optimizer_option)), total_steps=args.steps)
            model.compile(
                optimizer=optimizer,
                loss=task.loss(),
            )
            data = task.dataset(delay, args.batch_size, seed=args.seed,
                                   num_batches=args.steps)
            started = time.perf_counter()
            model.fit(data, epochs=1, verbose=0,
                      callbacks=[LossEvery(args.every, rows, spec, delay, baseline),
                                 DynamicTrivialization()])
            seconds = time.perf_counter() - started
            final = np.mean([r[3] for r in rows if r[0] == spec and r[1] == delay][-4:])
            finals.append((spec, delay, final, baseline, seconds))
    with open(os.path.join(args.out, f"{task.csv}.csv"), "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["cell", "T", "step", "loss", "baseline"])
        writer.writerows(rows)
    plot(rows, args.out, task)
    print("\n| cell | T | final loss (mean of the last 4 windows) | baseline | ratio | seconds |")
    print("| --- | --- | --- | --- | --- | --- |")
    for spec, delay, final, baseline, seconds in finals:
        print(f"| {spec} | {delay} | {final:.4f} | {baseline:.4f} | "
              f"{final / baseline:.2f} | {seconds:.0f} |")


if __name__ == "__main__":
    main()
