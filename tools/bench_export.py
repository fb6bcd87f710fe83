"""Sizes and latencies of a Seq2Seq export: the SavedModel translating one
text (batch 1), and the TFLite encoder and decoder step (batch 1).

Exports MODEL_DIR with `kerasseq export --quantize dynamic` (beam search,
the model's width, unless `--decode greedy`) into `--out`, then times, in
this process and on the CPU: the SavedModel's `serving_default` on one
text, and each `.tflite` file (float32 and int8 weights) with the LiteRT
interpreter: the encoder on one padded source, the decoder step on one
token. Prints the median (min-max) over `--repeats` calls after a warm-up.

    .venv/bin/python tools/bench_export.py saved_models/seq2seq --out /tmp/s2s
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from kerasseq.export import ExportOptions  # noqa: E402
from kerasseq.export import TFLiteModel  # noqa: E402
from kerasseq.export import export_model  # noqa: E402
from kerasseq.export.model_export import human_size  # noqa: E402
from kerasseq.translation import Translator  # noqa: E402

TEXT = "¿Dónde está tu hermano?"


def timed(function, repeats):
    """Median, min and max seconds of `repeats` calls, after two warm-ups."""
    function()
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), max(times)


def milliseconds(times):
    median, low, high = (1000 * t for t in times)
    return f"{median:.2f} ms ({low:.2f}-{high:.2f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir")
    parser.add_argument("--out", required=True, help="where the export is written")
    parser.add_argument("--text", default=TEXT)
    parser.add_argument("--decode", choices=("beam", "greedy"), default="beam")
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()

    report = export_model(args.model_dir, out=args.out,
                          options=ExportOptions(quantize="dynamic", decode=args.decode))
    serving = tf.saved_model.load(os.path.join(args.out, "saved_model"))
    translate = serving.signatures["serving_default"]
    text = tf.constant([args.text])
    outputs = translate(text=text)
    print(f"\n{args.text!r} -> {outputs['translation'].numpy()[0].decode()!r} "
          f"({int(outputs['length'][0])} tokens, {args.decode})")
    print(f"| file | size | batch-1 latency, median (min-max) over {args.repeats} |")
    print("| --- | --- | --- |")
    print(f"| saved_model/ (translate one text) | "
          f"{human_size(report['saved_model']['bytes'])} | "
          f"{milliseconds(timed(lambda: translate(text=text), args.repeats))} |")

    translator = Translator(args.model_dir)
    tokenizer = translator.vocabularies.source
    max_length = translator.config.options.max_length
    tflite = os.path.join(args.out, "tflite")
    for variant, entry in report["tflite"].items():
        models = {
            name.split(".")[0].replace("_dynamic", ""): TFLiteModel(os.path.join(tflite, name))
            for name in entry["files"]
        }
        # The text's own ids, and a source as long as the model reads.
        ids = np.array([tokenizer.encode_one(args.text)], np.int32)
        longest = np.resize(ids, (1, max_length))
        encoded = models["encoder"].run(source=ids)
        step = models["decoder_step"]
        inputs = {
            name: encoded[name] for name in step.input_shapes() if name != "token"
        }
        token = np.array([2], np.int32)
        for graph, what, call in (
            ("encoder", f"{ids.shape[1]} source tokens",
             lambda: models["encoder"].run(source=ids)),
            ("encoder", f"{max_length} source tokens",
             lambda: models["encoder"].run(source=longest)),
            ("decoder_step", "one token", lambda: step.run(token=token, **inputs)),
        ):
            name = [n for n in entry["files"] if n.startswith(graph)][0]
            print(f"| tflite/{name} ({variant}), {what} | "
                  f"{human_size(entry['files'][name])} | "
                  f"{milliseconds(timed(call, args.repeats))} |")


if __name__ == "__main__":
    main()
