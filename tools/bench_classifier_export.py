"""Cost of a classifier's TFLite export against the length of the text.

Exports MODEL_DIR (a `kerasseq train sentiment` directory) with
`kerasseq export --quantize dynamic` into `--out`, timing the export, then
measures each `.tflite` file (float32 and int8 weights) with LiteRT's own
benchmark tool, `litert-benchmark`, as an app would run it: batch 1, a text
of `n` tokens for each `--lengths` n. `litert-benchmark` runs a model at the
input shape stored in the file, so for each n this writes a copy of the file
whose `tokens` input is stored as `(1, n)` (the graph is the same bytes; its
shape signature stays `(-1, -1)`) and runs the tool on it. The tool fills
the ids at random in [-128, 127]; the graph reads ids outside the
vocabulary as `[UNK]`.

`--baseline` also converts the fixed-length graph that kerasseq exported
before (every recurrent layer unrolled over `max_length` steps, the padding
masked) and measures it beside the new one, side by side in the same run.

    .venv/bin/python tools/bench_classifier_export.py saved_models/sentiment \
        --out /tmp/sentiment_export --baseline
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from tensorflow.lite.tools import flatbuffer_utils  # noqa: E402

from kerasseq.export import ExportOptions  # noqa: E402
from kerasseq.export import export_model  # noqa: E402
from kerasseq.export import tflite  # noqa: E402
from kerasseq.export.classifier import class_probabilities  # noqa: E402
from kerasseq.export.model_export import human_size  # noqa: E402
from kerasseq.export.text_graph import read_empty_as_oov  # noqa: E402
from kerasseq.inference import Classifier  # noqa: E402

RESULT = re.compile(r"^(Model initialization|Inference \(median\)):\s+([\d.]+) ms", re.M)


def with_input_shape(path, length, out):
    """A copy of the .tflite file at `path` whose first input is stored with
    shape `(1, length)`; returns `out`."""
    model = flatbuffer_utils.read_model(path)
    subgraph = model.subgraphs[0]
    tensor = subgraph.tensors[subgraph.inputs[0]]
    tensor.shape = np.array([1, length], np.int32)
    flatbuffer_utils.write_model(model, out)
    return out


def litert_benchmark(path, runs):
    """`(initialisation ms, median inference ms)` from `litert-benchmark`."""
    command = [os.path.join(os.path.dirname(sys.executable), "litert-benchmark"),
               "--model", path, "--num_runs", str(runs), "--warmup_runs", "10",
               "--num_threads", "1"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    found = dict(RESULT.findall(output))
    return float(found["Model initialization"]), float(found["Inference (median)"])


def unrolled_baseline(model_dir, path):
    """The pre-WHILE export: the model unrolled over `max_length` steps."""
    classifier = Classifier(model_dir)
    model = classifier.model
    length = classifier.max_length

    def classify(tokens):
        return {"probabilities": class_probabilities(
            model(read_empty_as_oov(tokens), training=False))}

    start = time.perf_counter()
    blob = tflite.convert(
        model, classify, [tf.TensorSpec([None, length], tf.int32, name="tokens")]
    )["float32"]
    seconds = time.perf_counter() - start
    with open(path, "wb") as handle:
        handle.write(blob)
    return seconds, length


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir")
    parser.add_argument("--out", required=True, help="where the export is written")
    parser.add_argument("--lengths", default="5,20,50,200",
                        help="text lengths in tokens (default: %(default)s)")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3,
                        help="litert-benchmark runs per file; the median is shown")
    parser.add_argument("--baseline", action="store_true",
                        help="also measure the unrolled fixed-length export")
    args = parser.parse_args()
    lengths = [int(n) for n in args.lengths.split(",")]

    start = time.perf_counter()
    report = export_model(args.model_dir, out=args.out,
                          options=ExportOptions(quantize="dynamic"),
                          formats=("tflite",))
    export_seconds = time.perf_counter() - start
    print(f"export (tflite, float32 + int8, with its checks): {export_seconds:.1f} s")

    directory = os.path.join(args.out, "tflite")
    files = {variant: os.path.join(directory, name)
             for variant, entry in report["tflite"].items()
             for name in entry["files"]}
    if args.baseline:
        path = os.path.join(args.out, "unrolled_baseline.tflite")
        seconds, fixed = unrolled_baseline(args.model_dir, path)
        print(f"unrolled baseline ({fixed} steps): converted in {seconds:.1f} s")
        files["unrolled float32 (before)"] = path

    print(f"\nlitert-benchmark, 1 thread, batch 1, median of {args.runs} runs; "
          f"median of {args.repeats} tool runs")
    header = " | ".join(f"{n} tokens" for n in lengths)
    print(f"| file | size | init | {header} |")
    print("| --- | --- | --- |" + " --- |" * len(lengths))
    bench_dir = os.path.join(args.out, "bench")
    os.makedirs(bench_dir, exist_ok=True)
    for variant, path in files.items():
        cells, inits = [], []
        for n in lengths:
            if "unrolled" in variant:
                shaped = path  # fixed length: every text costs max_length steps
            else:
                shaped = with_input_shape(
                    path, n, os.path.join(bench_dir, f"{variant}_{n}.tflite"))
            runs = [litert_benchmark(shaped, args.runs) for _ in range(args.repeats)]
            inits.extend(init for init, _ in runs)
            cells.append(f"{statistics.median(ms for _, ms in runs):.3f} ms")
        print(f"| {os.path.basename(path)} ({variant}) | "
              f"{human_size(os.path.getsize(path))} | "
              f"{statistics.median(inits):.1f} ms | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
