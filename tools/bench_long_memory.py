"""Cost of one copying-memory training step at the papers' scale, per cell.

    .venv/bin/python tools/bench_long_memory.py --T 1000 --repeats 3 [--write]

The model of `kerasseq train copy` (embedding 16, one recurrent layer of
`--units`, a dense head) trained with RMSprop on batches of 128 sequences of
`T + 20` steps, as in the expRNN and scoRNN copying experiments. Every cell
is timed on the same batches; runs are interleaved by repeat, each rated by
its median batch time, and the cost of a cell is its median time per step
over `SimpleRNN`'s (issue 14's goal: the orthogonal cell within 1.5x). The
unitary cell gets `units // 2` complex units, so its real state has `units`
numbers like the others. `--write` appends the table to BENCHMARKS.md.
"""

import argparse
import os
import statistics
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_layers import time_fit  # noqa: E402
from kerasseq import layers  # noqa: E402
from kerasseq import optimizers  # noqa: E402
from kerasseq.tasks import COPY_VOCAB_SIZE  # noqa: E402
from kerasseq.tasks import copying_dataset  # noqa: E402

CELLS = {
    "SimpleRNN": lambda units: layers.SimpleRNN(units, return_sequences=True),
    "OrthogonalRNN exp (default)": lambda units: layers.OrthogonalRNN(
        units, return_sequences=True),
    "OrthogonalRNN cayley": lambda units: layers.OrthogonalRNN(
        units, parametrization="cayley", return_sequences=True),
    "UnitaryRNN": lambda units: layers.UnitaryRNN(units // 2, return_sequences=True),
    "LSTM": lambda units: layers.LSTM(units, return_sequences=True),
}


def build(make, units):
    keras.utils.set_random_seed(0)
    tokens = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(COPY_VOCAB_SIZE, 16)(tokens)
    x = make(units)(x)
    model = keras.Model(tokens, keras.layers.Dense(COPY_VOCAB_SIZE)(x))
    model.compile(optimizers.RMSprop(2e-4),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--T", type=int, default=1000)
    parser.add_argument("--units", type=int, default=190)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cells", default=",".join(CELLS))
    parser.add_argument("--write", action="store_true",
                        help="append the table to BENCHMARKS.md")
    args = parser.parse_args()
    names = args.cells.split(",")
    for name in names:
        if name not in CELLS:
            parser.error(f"--cells: {name!r} is not one of {list(CELLS)}")

    batches = list(copying_dataset(args.T, args.batch_size, seed=0, num_batches=args.steps))
    x = np.concatenate([b[0].numpy() for b in batches])
    y = np.concatenate([b[1].numpy() for b in batches])
    models = {name: build(CELLS[name], args.units) for name in names}
    times = {name: [] for name in names}
    for repeat in range(args.repeats):
        for name in names:
            tokens_per_second = time_fit(models[name], x, y, args.batch_size, args.steps)
            times[name].append(args.batch_size * x.shape[1] / tokens_per_second)
        print(f"repeat {repeat + 1}/{args.repeats}: " + ", ".join(
            f"{n} {times[n][-1]:.3f}s" for n in names), flush=True)

    base = times.get("SimpleRNN")
    lines = [
        f"## Copying memory at the papers' scale: T={args.T}, hidden {args.units}, "
        f"batch {args.batch_size} (issue 14)", "",
        "Seconds per training step (median batch of each run; median, min-max "
        f"over {args.repeats} interleaved runs) and the cost against SimpleRNN "
        "(goal: the orthogonal cell within 1.5x).", "",
        "| layer | s/step | cost vs SimpleRNN |", "| --- | --- | --- |",
    ]
    for name in names:
        values = times[name]
        cost = (f"{statistics.median([v / b for v, b in zip(values, base)]):.2f}x"
                if base else "")
        lines.append(f"| {name} | {statistics.median(values):.3f} "
                     f"({min(values):.3f}-{max(values):.3f}) | {cost} |")
    lines += ["", "Command: `.venv/bin/python " + " ".join(
        ["tools/bench_long_memory.py", *sys.argv[1:]]) + "`"]
    print("\n".join(lines))
    if args.write:
        with open("BENCHMARKS.md", "a") as handle:
            handle.write("\n\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
