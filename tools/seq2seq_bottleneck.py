"""Does attention lift the Seq2Seq information bottleneck? Test BLEU with and
without it (the lecture's "Seq2Seq - the information bottleneck problem").

Trains the default `kerasseq train seq2seq` model once per `--attention`
choice (by default: `additive` and `dot`, then `mean`, the uniform average
of the source states, then `none`, the plain encoder-decoder whose decoder
sees the source only through its initial state), all else equal, and prints
test BLEU with beam search and greedy decoding, overall, on the sources
longer than the median and on the longest third, chrF, and the training time
of each; then beam BLEU by source length in words (the figure of Bahdanau et
al. 2015, Fig. 2), as a table and as a PNG (`OUT/bleu_by_length.png`). The
tables are also written as Markdown. Extra arguments go to `kerasseq train
seq2seq`.

    .venv/bin/python tools/seq2seq_bottleneck.py --out saved_models/bottleneck
    .venv/bin/python tools/seq2seq_bottleneck.py --attentions additive,none \\
        -- --epochs 2 --data pairs.tsv
"""

import argparse
import os
import shlex
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

from kerasseq import cli  # noqa: E402
from kerasseq import jobs  # noqa: E402
from kerasseq.models.seq2seq import ATTENTIONS  # noqa: E402
from kerasseq.training import trainer  # noqa: E402
from kerasseq.training.model_dir import atomic_path  # noqa: E402


class FitTimer(keras.callbacks.Callback):
    """Seconds spent in `model.fit` (training and validation, no test)."""

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()

    def on_train_end(self, logs=None):
        self.seconds = time.perf_counter() - self.start


def train_run(flags, directory, job="seq2seq"):
    """`kerasseq train JOB FLAGS --out DIRECTORY`, timed: its command,
    parameter count, seconds in `fit` and in all, and held-out metrics."""
    argv = ["train", job, *flags, "--out", directory]
    args = cli.build_parser().parse_args(argv)
    config = cli.job_config_from_args(jobs.get_job(job), args)
    timer = FitTimer()
    start = time.perf_counter()
    model, metrics = trainer.train(jobs.get_job(job), config, callbacks=[timer], verbose=2)
    return {
        "command": "kerasseq " + shlex.join(argv),
        "parameters": model.count_params(),
        "fit_seconds": timer.seconds,
        "total_seconds": time.perf_counter() - start,
        **metrics,
    }


def split_passthrough(argv):
    """`(own arguments, arguments after "--")`."""
    if "--" not in argv:
        return list(argv), []
    at = argv.index("--")
    return list(argv[:at]), list(argv[at + 1:])


def train_one(attention, out, extra):
    return {"attention": attention, **train_run(
        ["--attention", attention, *extra], os.path.join(out, attention))}


def markdown(rows):
    first = rows[0]
    lines = [
        f"Test split: {first['test_pairs']} pairs; \"long\" = the "
        f"{first['long_test_pairs']} whose source has more than "
        f"{first['median_source_length']:g} tokens (the median); \"longest "
        "third\" by source words. Beam width "
        f"{first['beam']}, length penalty {first['length_penalty']:g}. BLEU "
        "and chrF: sacrebleu corpus scores (word-level models: on lower-cased "
        "words without punctuation).",
        "",
        "| attention | parameters | training | BLEU beam | BLEU greedy "
        "| long: beam | long: greedy | longest third: beam | chrF "
        "| token accuracy |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['attention']} | {row['parameters']:,} "
            f"| {row['fit_seconds'] / 60:.1f} min | {row['bleu']:.2f} "
            f"| {row['bleu_greedy']:.2f} | {row['bleu_long']:.2f} "
            f"| {row['bleu_long_greedy']:.2f} "
            f"| {row.get('bleu_longest_third', float('nan')):.2f} "
            f"| {row.get('chrf', float('nan')):.1f} "
            f"| {row['token_accuracy']:.3f} |"
        )
    buckets = list(first.get("bleu_by_source_length", {}))
    if buckets:
        lines += [
            "",
            "Beam BLEU by source length (words; test pairs per bucket in "
            "parentheses):",
            "",
            "| attention | " + " | ".join(
                f"{name} ({first['bleu_by_source_length'][name]['pairs']})"
                for name in buckets) + " |",
            "|---|" + "---:|" * len(buckets),
        ]
        for row in rows:
            scores = row["bleu_by_source_length"]
            lines.append(f"| {row['attention']} | " + " | ".join(
                f"{scores[name]['bleu']:.2f}" for name in buckets) + " |")
    lines += ["", "Commands:", ""]
    lines += [f"    {row['command']}" for row in rows]
    return "\n".join(lines) + "\n"


def plot_by_length(rows, path):
    """Beam BLEU against source length, one line per attention."""
    from kerasseq.training.plots import plot_curves

    buckets = list(rows[0]["bleu_by_source_length"])
    plot_curves(
        {row["attention"]: [row["bleu_by_source_length"][b]["bleu"] for b in buckets]
         for row in rows},
        path, title="Test BLEU by source length (beam search)", ylabel="BLEU",
        log_scale=False, xlabel="source length, words (bucket: " + ", ".join(buckets) + ")",
        x_values=[_bucket_middle(b) for b in buckets],
    )


def _bucket_middle(name):
    if name.endswith("+"):
        return int(name[:-1]) + 5
    low, high = (int(x) for x in name.split("-"))
    return (low + high) / 2


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="Arguments after `--` go to `kerasseq train seq2seq`.",
    )
    parser.add_argument(
        "--attentions", default="additive,dot,mean,none",
        help="comma-separated --attention choices (default: %(default)s)",
    )
    parser.add_argument(
        "--out", default="saved_models/bottleneck",
        help="one model directory per attention below it (default: %(default)s)",
    )
    parser.add_argument(
        "--table", help="Markdown file (default: OUT/bottleneck.md)"
    )
    argv, extra = split_passthrough(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    attentions = [a.strip() for a in args.attentions.split(",") if a.strip()]
    for attention in attentions:
        if attention not in ATTENTIONS:
            parser.error(f"unknown attention {attention!r}; choose from {ATTENTIONS}")
    rows = [train_one(attention, args.out, extra) for attention in attentions]
    table = markdown(rows)
    print(table)
    path = args.table or os.path.join(args.out, "bottleneck.md")
    with atomic_path(path) as temporary:
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(table)
    print(f"Table written to {path}")
    if rows[0].get("bleu_by_source_length"):
        figure = os.path.join(args.out, "bleu_by_length.png")
        plot_by_length(rows, figure)
        print(f"Figure written to {figure}")


if __name__ == "__main__":
    main()
