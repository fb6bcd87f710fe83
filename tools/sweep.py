"""How a job's defaults were chosen: `kerasseq train JOB` with several
settings, one after the other, and their held-out scores.

Each variant is a name and the flags it adds to `kerasseq train JOB`
(`--job`, default `seq2seq`; after the shared flags given after `--`).
Prints, and writes as Markdown and JSON, the training time and the test
metrics of each, from the model's own `evaluate`: BLEU (beam and greedy),
chrF and the teacher-forced token accuracy of a translator; loss,
perplexity and bits per character of a language model. Runs are
sequential: on a 2-core machine two at once would only slow both.

    .venv/bin/python tools/sweep.py --out saved_models/sweep \\
        --variant "lstm256=--cell lstm --units 256" \\
        --variant "gru256=--cell gru --units 256" -- --epochs 4

    .venv/bin/python tools/sweep.py --job lm --out saved_models/sweep_lm \\
        --variant "sa2=--layers 2" -- --architecture self_attention

A variant whose directory already holds `sweep.json` (written when it
finished) is read back instead of retrained, so an interrupted sweep
continues with the next unfinished variant (which starts over).
"""

import argparse
import json
import os
import shlex
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from kerasseq.training.model_dir import atomic_path  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seq2seq_bottleneck import split_passthrough  # noqa: E402
from seq2seq_bottleneck import train_run  # noqa: E402


def run_variant(name, flags, out, shared, job="seq2seq"):
    directory = os.path.join(out, name)
    record = os.path.join(directory, "sweep.json")
    if os.path.isfile(record):
        with open(record, encoding="utf-8") as handle:
            return json.load(handle)
    row = {"variant": name, **train_run([*shared, *flags], directory, job)}
    with atomic_path(record) as temporary:
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(row, handle, indent=1)
    return row


#: Each job's metric columns: `(header, function of a row -> cell text)`.
METRIC_COLUMNS = {
    "seq2seq": [
        ("BLEU beam", lambda row: f"{row['bleu']:.2f}"),
        ("BLEU greedy", lambda row: f"{row['bleu_greedy']:.2f}"),
        ("chrF", lambda row: f"{row.get('chrf', float('nan')):.1f}"),
        ("token accuracy", lambda row: f"{row['token_accuracy']:.3f}"),
        ("test loss", lambda row: f"{row['loss']:.3f}"),
    ],
    "lm": [
        ("test loss", lambda row: f"{row['loss']:.4f}"),
        ("perplexity", lambda row: f"{row['perplexity']:.3f}"),
        ("bits per token", lambda row: "{:.3f}".format(row.get(
            "bits_per_char", row.get("bits_per_word", float("nan"))))),
    ],
}


def markdown(rows, job="seq2seq"):
    metrics = METRIC_COLUMNS[job]
    headers = ["variant", "parameters", "training", "total",
               *(header for header, _ in metrics)]
    lines = ["| " + " | ".join(headers) + " |",
             "|---|" + "---:|" * (len(headers) - 1)]
    for row in rows:
        cells = [row["variant"], f"{row['parameters']:,}",
                 f"{row['fit_seconds'] / 60:.1f} min",
                 f"{row['total_seconds'] / 60:.1f} min",
                 *(cell(row) for _, cell in metrics)]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Commands:", ""]
    lines += [f"    {row['command']}" for row in rows]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="Arguments after `--` go to every `kerasseq train JOB`.",
    )
    parser.add_argument("--job", default="seq2seq", choices=sorted(METRIC_COLUMNS),
                        help="the job to train (default: %(default)s)")
    parser.add_argument(
        "--variant", action="append", required=True, metavar="NAME=FLAGS",
        help="a variant: its name, '=', and its extra flags (repeatable)",
    )
    parser.add_argument("--out", default="saved_models/sweep",
                        help="one model directory per variant (default: %(default)s)")
    argv, shared = split_passthrough(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    variants = []
    for spec in args.variant:
        name, separator, flags = spec.partition("=")
        if not separator or not name.strip():
            parser.error(f"--variant needs NAME=FLAGS; got {spec!r}")
        variants.append((name.strip(), shlex.split(flags)))
    rows = []
    for name, flags in variants:
        rows.append(run_variant(name, flags, args.out, shared, args.job))
        table = markdown(rows, args.job)
        print(table, flush=True)
        with atomic_path(os.path.join(args.out, "sweep.md")) as temporary:
            with open(temporary, "w", encoding="utf-8") as handle:
                handle.write(table)
    with atomic_path(os.path.join(args.out, "sweep.json")) as temporary:
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(rows, handle, indent=1)


if __name__ == "__main__":
    main()
