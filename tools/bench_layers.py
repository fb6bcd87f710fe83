"""Training throughput of kerasseq's recurrent layers against Keras's own.

Character-LM shape from issue 7: Embedding(96, 64) -> recurrent(units) ->
Dense(96) on every step, batch 64, `model.fit` on in-memory data. Variants run
interleaved, repeat after repeat, so machine noise hits all of them alike;
the table reports median tokens/s (min-max) and the ratio to Keras.

    .venv/bin/python tools/bench_layers.py --repeats 5 --steps 20
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from kerasseq import layers  # noqa: E402

VOCAB = 96
PAIRS = {
    "SimpleRNN": (keras.layers.SimpleRNN, layers.SimpleRNN),
    "LSTM": (keras.layers.LSTM, layers.LSTM),
    "GRU": (keras.layers.GRU, layers.GRU),
}


def build(layer_class, units, seq_len, jit_compile):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((seq_len,), dtype="int32")
    x = keras.layers.Embedding(VOCAB, 64)(inputs)
    x = layer_class(units, return_sequences=True)(x)
    model = keras.Model(inputs, keras.layers.Dense(VOCAB)(x))
    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        jit_compile=jit_compile,
    )
    return model


def time_fit(model, x, y, batch, steps):
    model.fit(x[: 2 * batch], y[: 2 * batch], batch_size=batch, epochs=1, verbose=0)
    start = time.perf_counter()
    model.fit(x[: steps * batch], y[: steps * batch], batch_size=batch, epochs=1, verbose=0)
    return steps * batch * x.shape[1] / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=256)
    parser.add_argument("--seq-len", type=int, default=100)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--layers", default="SimpleRNN,LSTM,GRU")
    parser.add_argument("--jit-compile", action="store_true")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    x = rng.integers(0, VOCAB, size=(args.steps * args.batch, args.seq_len))
    y = rng.integers(0, VOCAB, size=x.shape)
    names = args.layers.split(",")
    models = {}
    for name in names:
        keras_class, ours_class = PAIRS[name]
        for source, layer_class in (("keras", keras_class), ("kerasseq", ours_class)):
            models[(name, source)] = build(
                layer_class, args.units, args.seq_len, args.jit_compile
            )
    results = {key: [] for key in models}
    for repeat in range(args.repeats):
        for key, model in models.items():
            results[key].append(time_fit(model, x, y, args.batch, args.steps))
        print(f"repeat {repeat + 1}/{args.repeats} done", flush=True)

    print(
        f"\nunits {args.units}, seq {args.seq_len}, batch {args.batch}, "
        f"jit_compile={args.jit_compile}, keras {keras.__version__}\n"
    )
    print("| layer | keras tokens/s | kerasseq tokens/s | ratio |")
    print("| --- | --- | --- | --- |")
    for name in names:
        theirs, ours = results[(name, "keras")], results[(name, "kerasseq")]
        fmt = lambda r: f"{statistics.median(r):,.0f} ({min(r):,.0f}-{max(r):,.0f})"
        print(
            f"| {name} | {fmt(theirs)} | {fmt(ours)} | "
            f"{statistics.median(ours) / statistics.median(theirs):.2f}x |"
        )


if __name__ == "__main__":
    main()
