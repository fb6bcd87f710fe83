"""Is the input pipeline what limits training? Measured on the default LM data.

Compares, interleaved and repeated (median, min-max):
  * the `tf.data` pipeline alone (tokens/s it can deliver),
  * `model.fit` of the default language model fed from that pipeline,
  * the same `model.fit` fed from the same windows held in memory (NumPy).

    .venv/bin/python tools/bench_pipeline.py --steps 40 --repeats 3
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from bench_layers import BatchTimer  # noqa: E402
from bench_layers import interleaved  # noqa: E402
from bench_layers import summary  # noqa: E402
from kerasseq import data as corpora  # noqa: E402
from kerasseq.data.pipelines import language_model_datasets  # noqa: E402
from kerasseq.models import build_language_model  # noqa: E402
from kerasseq.text import Tokenizer  # noqa: E402
from kerasseq.training.config import ModelConfig  # noqa: E402


def measure_pipeline(data="shakespeare", seq_len=100, batch_size=64, steps=40,
                     repeats=3):
    """`{variant: [tokens/s per repeat]}` of the three variants above."""
    text = corpora.load_text(data)
    tokenizer = Tokenizer.fit([text], level="char")
    ids = tokenizer.encode([text])[0].numpy()
    train = language_model_datasets(ids, seq_len, batch_size, seed=0)["train"]
    batches = [(x.numpy(), y.numpy()) for x, y in train.take(steps)]
    x_memory = np.concatenate([b[0] for b in batches])
    y_memory = np.concatenate([b[1] for b in batches])
    tokens = steps * batch_size * seq_len

    model = build_language_model(tokenizer.vocabulary_size, ModelConfig(units=256, embedding_dim=64))
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x_memory[: 2 * batch_size], y_memory[: 2 * batch_size],
              batch_size=batch_size, verbose=0)  # trace once

    def timed(run):
        def rate():
            start = time.perf_counter()
            run()
            return tokens / (time.perf_counter() - start)
        return rate

    def per_batch(fit):
        # The median batch (`bench_layers.time_fit`): a `fit` call's start
        # and end stall now and then on this machine, for either source.
        def rate():
            timer = BatchTimer()
            fit(timer)
            return batch_size * seq_len / statistics.median(timer.durations)
        return rate

    def pipeline_alone():
        for _ in train.take(steps):
            pass

    def fit_pipeline(timer=None):
        model.fit(train.take(steps), verbose=0, callbacks=[timer] if timer else [])

    def fit_memory(timer):
        model.fit(x_memory, y_memory, batch_size=batch_size, shuffle=False, verbose=0,
                  callbacks=[timer])

    fit_pipeline()  # trace the dataset signature once
    return interleaved({"tf.data pipeline alone": timed(pipeline_alone),
                        "fit from tf.data": per_batch(fit_pipeline),
                        "fit from memory": per_batch(fit_memory)}, repeats)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="shakespeare")
    parser.add_argument("--seq-len", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    results = measure_pipeline(args.data, args.seq_len, args.batch_size, args.steps,
                               args.repeats)
    print(f"\n{args.data}, batch {args.batch_size} x {args.seq_len}, {args.steps} steps, "
          f"{args.repeats} repeats\n")
    print("| variant | tokens/s median (min-max) |")
    print("| --- | --- |")
    for name, values in results.items():
        print(f"| {name} | {summary(values)} |")
    ratio = statistics.median(results["fit from tf.data"]) / statistics.median(
        results["fit from memory"])
    print(f"\nfit from tf.data / fit from memory = {ratio:.3f}")


if __name__ == "__main__":
    main()
