"""Training throughput against sequence length: self-attention vs LSTM.

The lecture's closing point: self-attention computes every position of a
sequence at once, a recurrence one step after another. This measures it on
the language model of `kerasseq train lm` (`build_language_model`), built
once per cell and sequence length with the same embedding (width
`--embedding-dim`) and depth (`--layers`): `--cell lstm` with `--units`
units, `--cell self_attention` with blocks of width `--embedding-dim` and
feed-forward width `--feedforward` (default `4 * --embedding-dim`, as in the
paper). Each model is fitted (`model.fit`, in-memory random tokens, batch
`--batch`) for `--steps` steps after a warm-up fit that traces it; the
models run interleaved, repeat after repeat, so machine noise hits all of
them alike. Reports tokens/s (batch * length * steps / seconds), median of
`--repeats` with min and max, as a Markdown table, and writes
`throughput.csv`, `throughput.md` and `throughput.png` to `--out`.

    .venv/bin/python tools/bench_attention_vs_recurrence.py \\
        --lengths 25,50,100,200,400 --repeats 3 --steps 10
"""

import argparse
import csv
import os
import statistics

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from bench_layers import time_fit  # noqa: E402  (tools/ leads sys.path)
from kerasseq.atomic import atomic_path  # noqa: E402
from kerasseq.models import SELF_ATTENTION  # noqa: E402
from kerasseq.models import build_language_model  # noqa: E402
from kerasseq.training.config import ModelConfig  # noqa: E402
from kerasseq.training.config import resolve_jit_compile  # noqa: E402
from kerasseq.training.plots import plot_curves  # noqa: E402

VOCAB = 96  # printable characters, as a character LM
CELLS = ("lstm", SELF_ATTENTION)


def model_config(cell, args):
    """The two compared architectures, equal in embedding and depth."""
    if cell == SELF_ATTENTION:
        return ModelConfig(cell=cell, units=args.feedforward, layers=args.layers,
                           embedding_dim=args.embedding_dim)
    return ModelConfig(cell=cell, units=args.units, layers=args.layers,
                       embedding_dim=args.embedding_dim)


def build(cell, length, args, jit_compile):
    keras.utils.set_random_seed(0)
    model = build_language_model(
        VOCAB, model_config(cell, args), max_length=length,
        name=f"lm_{cell}_{length}",
    )
    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        jit_compile=jit_compile,
    )
    return model


def summary(values):
    return f"{statistics.median(values):,.0f} ({min(values):,.0f}-{max(values):,.0f})"


def markdown_table(results, parameters, lengths, header):
    lines = [
        header, "",
        "| length | LSTM tokens/s | self-attention tokens/s | attention / LSTM |",
        "| ---: | ---: | ---: | ---: |",
    ]
    for length in lengths:
        lstm, attention = results[("lstm", length)], results[(SELF_ATTENTION, length)]
        ratio = statistics.median(attention) / statistics.median(lstm)
        lines.append(
            f"| {length} | {summary(lstm)} | {summary(attention)} | {ratio:.2f}x |"
        )
    lines.append("")
    lines.append(
        "Parameters: " + ", ".join(
            f"{cell} {parameters[(cell, lengths[-1])]:,} (at length {lengths[-1]})"
            for cell in CELLS
        )
        + "; tokens/s: median of the repeats (min-max)."
    )
    return "\n".join(lines)


def write_csv(path, results, parameters, lengths):
    with atomic_path(path) as temporary:
        with open(temporary, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["cell", "length", "parameters", "median_tokens_per_s",
                             "min_tokens_per_s", "max_tokens_per_s", "repeats"])
            for cell in CELLS:
                for length in lengths:
                    values = results[(cell, length)]
                    writer.writerow([
                        cell, length, parameters[(cell, length)],
                        f"{statistics.median(values):.1f}", f"{min(values):.1f}",
                        f"{max(values):.1f}", len(values),
                    ])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", default="25,50,100,200,400",
                        help="comma-separated sequence lengths (default: %(default)s)")
    parser.add_argument("--embedding-dim", type=int, default=64)
    parser.add_argument("--units", type=int, default=64, help="LSTM units")
    parser.add_argument("--feedforward", type=int,
                        help="self-attention feed-forward width "
                        "(default: 4 * --embedding-dim)")
    parser.add_argument("--layers", type=int, default=1)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--jit-compile", choices=("auto", "on", "off"),
                        default="auto", help="XLA; auto = on GPUs only")
    parser.add_argument("--out", default="saved_models/bench_attention")
    args = parser.parse_args(argv)
    args.feedforward = args.feedforward or 4 * args.embedding_dim
    lengths = sorted(int(n) for n in args.lengths.split(","))
    jit_compile = resolve_jit_compile(args.jit_compile)

    rng = np.random.default_rng(0)
    data = {}
    models = {}
    for length in lengths:
        x = rng.integers(0, VOCAB, size=(args.steps * args.batch, length))
        data[length] = (x, np.roll(x, -1, axis=1))
        for cell in CELLS:
            models[(cell, length)] = build(cell, length, args, jit_compile)
    parameters = {key: model.count_params() for key, model in models.items()}
    results = {key: [] for key in models}
    for repeat in range(args.repeats):
        for (cell, length), model in models.items():
            x, y = data[length]
            results[(cell, length)].append(time_fit(model, x, y, args.batch, args.steps))
        print(f"repeat {repeat + 1}/{args.repeats} done", flush=True)

    header = (
        f"Training throughput, language model (vocabulary {VOCAB}, embedding "
        f"{args.embedding_dim}, {args.layers} layer(s); LSTM {args.units} units; "
        f"self-attention feed-forward {args.feedforward}, 1 head), batch "
        f"{args.batch}, {args.steps} steps after a warm-up, {args.repeats} "
        f"repeats, jit_compile={jit_compile}, keras {keras.__version__}, "
        f"backend {keras.backend.backend()}."
    )
    table = markdown_table(results, parameters, lengths, header)
    print("\n" + table)
    os.makedirs(args.out, exist_ok=True)
    with atomic_path(os.path.join(args.out, "throughput.md")) as temporary:
        temporary.write_text(table + "\n", encoding="utf-8")
    write_csv(os.path.join(args.out, "throughput.csv"), results, parameters, lengths)
    plot_curves(
        {("LSTM" if cell == "lstm" else "self-attention"): [
            statistics.median(results[(cell, length)]) for length in lengths
        ] for cell in CELLS},
        os.path.join(args.out, "throughput.png"),
        title="Training throughput against sequence length",
        ylabel="tokens/s (median)", xlabel="sequence length",
        x_values=lengths, log_x=True,
    )
    print(f"\nWritten to {args.out}: throughput.md, throughput.csv, throughput.png")


if __name__ == "__main__":
    main()
