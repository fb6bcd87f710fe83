"""Training throughput of kerasseq's recurrent layers against Keras's own.

Character-LM shape from issue 7: Embedding(96, 64) -> recurrent(units) ->
Dense(96) on every step, batch 64, `model.fit` on in-memory data. Variants run
interleaved, repeat after repeat, so machine noise hits all of them alike;
the table reports median tokens/s (min-max) and the ratio to Keras.
`tools/bench.py` runs this with the other comparisons of issue 7.

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
EMBEDDING = 64
PAIRS = {
    "SimpleRNN": (keras.layers.SimpleRNN, layers.SimpleRNN),
    "LSTM": (keras.layers.LSTM, layers.LSTM),
    "GRU": (keras.layers.GRU, layers.GRU),
}
GATES = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}


def build(make_layer, units, seq_len, jit_compile, mask_zero=False):
    """The char LM around `make_layer(units, return_sequences=True)`."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input((seq_len,), dtype="int32")
    x = keras.layers.Embedding(VOCAB, EMBEDDING, mask_zero=mask_zero)(inputs)
    x = make_layer(units, return_sequences=True)(x)
    model = keras.Model(inputs, keras.layers.Dense(VOCAB)(x))
    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        jit_compile=jit_compile,
    )
    return model


def char_lm_data(batch, steps, seq_len, padded=False, seed=0):
    """Random token windows; `padded` zero-pads each row after a random length
    in `[seq_len / 2, seq_len]` (the mask of `mask_zero=True`)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(1, VOCAB, size=(steps * batch, seq_len))
    if padded:
        lengths = rng.integers(seq_len // 2, seq_len + 1, size=len(x))
        x[np.arange(seq_len)[None, :] >= lengths[:, None]] = 0
    y = rng.integers(0, VOCAB, size=x.shape)
    return x, y


def train_flops_per_token(layer_name, units, embedding=EMBEDDING, vocab=VOCAB):
    """Multiply-adds x 2 of one trained token: forward plus a backward of
    twice its cost (input and weight gradients), recurrent layer and head."""
    gates = GATES.get(layer_name, 1)
    forward = 2 * (embedding + units) * gates * units + 2 * units * vocab
    return 3 * forward


class BatchTimer(keras.callbacks.Callback):
    """Records how long each training batch takes, by `clock`."""

    def __init__(self, clock=time.perf_counter):
        super().__init__()
        self.clock = clock
        self.durations = []

    def on_train_batch_begin(self, batch, logs=None):
        self.start = self.clock()

    def on_train_batch_end(self, batch, logs=None):
        self.durations.append(self.clock() - self.start)


def time_fit(model, x, y, batch, steps, clock=time.perf_counter):
    """Training tokens per second of `model`: one `fit` epoch over `steps`
    batches (after a warm-up), rated by its median batch time.

    The median batch, not the whole `fit` call: on this machine a `fit`
    call's start and end (data adapter, iterator, callbacks) now and then
    stall for about 0.6 s, which snapped whole-call rates to a half or a
    quarter of the steady one. `clock=time.process_time` (with one
    TensorFlow thread) measures the work done rather than the wall time,
    which other processes on the machine distort."""
    model.fit(x[: 2 * batch], y[: 2 * batch], batch_size=batch, epochs=1, verbose=0)
    timer = BatchTimer(clock)
    model.fit(x[: steps * batch], y[: steps * batch], batch_size=batch, epochs=1,
              verbose=0, shuffle=False, callbacks=[timer])
    return batch * x.shape[1] / statistics.median(timer.durations)


def interleaved(runs, repeats, progress=None):
    """`{key: [value per repeat]}` of `runs[key]()`, interleaved by repeat."""
    results = {key: [] for key in runs}
    for repeat in range(repeats):
        for key, run in runs.items():
            results[key].append(run())
        if progress:
            progress(f"repeat {repeat + 1}/{repeats} done")
    return results


def summary(values):
    """`median (min-max)` of a list of rates."""
    return (f"{statistics.median(values):,.0f} "
            f"({min(values):,.0f}-{max(values):,.0f})")


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

    x, y = char_lm_data(args.batch, args.steps, args.seq_len)
    names = args.layers.split(",")
    runs = {}
    for name in names:
        keras_class, ours_class = PAIRS[name]
        for source, layer_class in (("keras", keras_class), ("kerasseq", ours_class)):
            model = build(layer_class, args.units, args.seq_len, args.jit_compile)
            runs[(name, source)] = (
                lambda model=model: time_fit(model, x, y, args.batch, args.steps)
            )
    results = interleaved(runs, args.repeats, lambda line: print(line, flush=True))

    print(
        f"\nunits {args.units}, seq {args.seq_len}, batch {args.batch}, "
        f"jit_compile={args.jit_compile}, keras {keras.__version__}\n"
    )
    print("| layer | keras tokens/s | kerasseq tokens/s | ratio |")
    print("| --- | --- | --- | --- |")
    for name in names:
        theirs, ours = results[(name, "keras")], results[(name, "kerasseq")]
        print(
            f"| {name} | {summary(theirs)} | {summary(ours)} | "
            f"{statistics.median(ours) / statistics.median(theirs):.2f}x |"
        )


if __name__ == "__main__":
    main()
