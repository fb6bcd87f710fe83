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

`--generation` measures generation instead (untrained weights, greedy,
batch 1, `--new-tokens` tokens after a one-token prompt, each decoding one
compiled graph traced by a warm-up call): the LSTM carrying its state
(`StatefulGenerator`), the self-attention model with its key/value cache
(`CachedGenerator`, the default) and without it (`WindowedGenerator`, the
whole window rerun per token), at window `--seq-len`. The LSTM's units are
chosen so that its parameter count is the self-attention model's (as near
as whole units allow). It also times the TFLite step models of an LSTM and
of the cached self-attention model of equal width (`--embedding-dim`
units), one token each, with the LiteRT interpreter: a call through the
signature runner (the state copied in and out) and `invoke` alone. Writes
`generation.md` and `generation.csv` to `--out`.

    .venv/bin/python tools/bench_attention_vs_recurrence.py --generation \\
        --seq-len 256 --new-tokens 1000 --repeats 3
"""

import argparse
import csv
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from bench_layers import time_fit  # noqa: E402  (tools/ leads sys.path)
from ai_edge_litert.interpreter import Interpreter  # noqa: E402

from kerasseq.atomic import atomic_path  # noqa: E402
from kerasseq.export import tflite  # noqa: E402
from kerasseq.export.step_models import language_model_step  # noqa: E402
from kerasseq.models import CachedGenerator  # noqa: E402
from kerasseq.models import StatefulGenerator  # noqa: E402
from kerasseq.models import WindowedGenerator  # noqa: E402
from kerasseq.backend import compiled  # noqa: E402
from kerasseq.samplers import get_sampler  # noqa: E402
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


def lstm_units_for(parameters, args):
    """LSTM units whose language model has about `parameters` weights."""
    e, v = args.embedding_dim, VOCAB

    def count(u):  # embedding, one LSTM layer per `--layers`, logits
        first = 4 * (u * (e + u) + u)
        return v * e + first + (args.layers - 1) * 4 * (2 * u * u + u) + u * v + v

    return min(range(1, 4 * parameters), key=lambda u: abs(count(u) - parameters))


def decoding(generator, new_tokens, jit_compile):
    """One compiled greedy decoding of `new_tokens` after a one-token prompt
    (`generate_ids`'s loop, compiled once)."""
    sampler = get_sampler("greedy")

    def decode(prompt_ids):
        next_fn, state, first = generator.start(prompt_ids)
        return sampler(next_fn, first, state, new_tokens)["tokens"]

    function = compiled(decode, jit_compile=jit_compile)
    prompt = np.array([[5]], np.int32)
    return lambda: np.asarray(function(prompt))


def tflite_call_seconds(blob, inputs, repeats=200):
    """Median seconds of one call of a TFLite model's signature, and of its
    `invoke` alone: `(call, invoke)`. A call (the signature runner) also
    copies the inputs in and the outputs out, as an app that passes the
    state each step does; `invoke` is the interpreter's own work, what an
    app that keeps the state in the interpreter's tensors would pay."""
    runner = Interpreter(model_content=blob).get_signature_runner()
    runner(**inputs)  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        runner(**inputs)
        times.append(time.perf_counter() - start)
    interpreter = Interpreter(model_content=blob)
    interpreter.allocate_tensors()
    for detail in interpreter.get_input_details():  # "serving_default_<name>:0"
        name = detail["name"].split(":")[0][len(f"{tflite.SIGNATURE_KEY}_"):]
        interpreter.set_tensor(detail["index"], inputs[name])
    interpreter.invoke()  # warm-up
    invokes = []
    for _ in range(repeats):
        start = time.perf_counter()
        interpreter.invoke()
        invokes.append(time.perf_counter() - start)
    return statistics.median(times), statistics.median(invokes)


def tflite_step_seconds(model, repeats=200):
    """`tflite_call_seconds` of `model`'s TFLite step model."""
    step = language_model_step(model)
    blob = tflite.convert(model, step, step.input_signature(batch_size=1))["float32"]
    inputs = {"token": np.array([5], np.int32), **step.initial_states(1)}
    return tflite_call_seconds(blob, inputs, repeats)


def tflite_state_passing_seconds(model, repeats=200):
    """Median seconds of a TFLite model with the inputs and outputs of
    `model`'s cached step model that only writes one row of each cache and
    the window: what moving the state into and out of the interpreter
    costs, the floor of any step model with that state."""
    step = language_model_step(model)

    def passthrough(token, window, count, *caches):
        index = count[0]
        zero = keras.ops.zeros_like(index)
        outputs = {
            "window": keras.ops.slice_update(window, (zero, index), token[:, None]),
            "count": count + 1,
        }
        for name, cache in zip(step.cache_shapes, caches):
            if name.startswith("key"):  # (batch, max_length, width)
                row, start = (1, 1, cache.shape[-1]), (zero, index, zero)
            else:  # values, positions last
                row, start = (1, cache.shape[1], 1), (zero, zero, index)
            outputs[name] = keras.ops.slice_update(
                cache, start, keras.ops.ones(row, cache.dtype))
        return outputs

    blob = tflite.convert(model, passthrough, step.input_signature(batch_size=1))["float32"]
    inputs = {"token": np.array([5], np.int32), **step.initial_states(1)}
    return tflite_call_seconds(blob, inputs, repeats)


def generation(args):
    """The `--generation` measurements (module docstring)."""
    keras.utils.set_random_seed(0)
    attention = build_language_model(
        VOCAB, model_config(SELF_ATTENTION, args), max_length=args.seq_len,
        name="lm_self_attention")
    units = lstm_units_for(attention.count_params(), args)
    lstm = build_language_model(
        VOCAB, ModelConfig(cell="lstm", units=units, layers=args.layers,
                           embedding_dim=args.embedding_dim), name="lm_lstm")
    runs = {}
    for mode, jit in (("graph", False), ("XLA", True)):
        runs[f"LSTM {units} units (state carried), {mode}"] = (
            lstm, decoding(StatefulGenerator(lstm), args.new_tokens, jit))
        runs[f"self-attention, key/value cache, {mode}"] = (
            attention, decoding(CachedGenerator(attention), args.new_tokens, jit))
        runs[f"self-attention, window rerun (no cache), {mode}"] = (
            attention, decoding(WindowedGenerator(attention), args.new_tokens, jit))
    for _, run in runs.values():
        run()  # traces and compiles
    seconds = {name: [] for name in runs}
    for repeat in range(args.repeats):
        for name, (_, run) in runs.items():
            start = time.perf_counter()
            run()
            seconds[name].append(time.perf_counter() - start)
        print(f"repeat {repeat + 1}/{args.repeats} done", flush=True)
    def rate_of(name):
        return args.new_tokens / statistics.median(seconds[name])
    lines = [
        f"Generation, batch 1, greedy, {args.new_tokens} new tokens, window "
        f"{args.seq_len}; vocabulary {VOCAB}, embedding {args.embedding_dim}, "
        f"{args.layers} layer(s), self-attention feed-forward {args.feedforward}, "
        f"1 head; median (min-max) of {args.repeats}; keras {keras.__version__}, "
        f"backend {keras.backend.backend()}.",
        "",
        "| decoding | parameters | tokens/s | vs no cache, same mode | vs LSTM, same mode |",
        "| --- | --- | --- | --- | --- |",
    ]
    rows = []
    for name, (model, _) in runs.items():
        mode = name.rsplit(", ", 1)[1]
        uncached = rate_of(f"self-attention, window rerun (no cache), {mode}")
        lstm_rate = rate_of(f"LSTM {units} units (state carried), {mode}")
        rates = sorted(args.new_tokens / t for t in seconds[name])
        rate = rate_of(name)
        rows.append((name, model.count_params(), rate, rates[0], rates[-1]))
        lines.append(
            f"| {name} | {model.count_params():,} | {rate:,.0f} "
            f"({rates[0]:,.0f}-{rates[-1]:,.0f}) | "
            f"{rate / uncached:.1f}x | {rate / lstm_rate:.2f}x |"
        )
    # TFLite step models of equal width.
    keras.utils.set_random_seed(0)
    narrow = build_language_model(
        VOCAB, ModelConfig(cell="lstm", units=args.embedding_dim, layers=args.layers,
                           embedding_dim=args.embedding_dim), name="lm_lstm_width")
    (lstm_step, lstm_invoke) = tflite_step_seconds(narrow)
    (cached_step, cached_invoke) = tflite_step_seconds(attention)
    (passing, passing_invoke) = tflite_state_passing_seconds(attention)
    lines += [
        "",
        "TFLite step models, one token, batch 1, LiteRT interpreter, median "
        "of 200 calls (a call through the signature runner, which copies "
        "the state in and out; and `invoke` alone):",
        "",
        "| TFLite step model | call, ms | vs LSTM | invoke, ms | vs LSTM |",
        "| --- | --- | --- | --- | --- |",
        f"| LSTM {args.embedding_dim} units | {1e3 * lstm_step:.4f} | 1.00x "
        f"| {1e3 * lstm_invoke:.4f} | 1.00x |",
        f"| self-attention with its cache (width {args.embedding_dim}, window "
        f"{args.seq_len}) | {1e3 * cached_step:.4f} | {cached_step / lstm_step:.2f}x "
        f"| {1e3 * cached_invoke:.4f} | {cached_invoke / lstm_invoke:.2f}x |",
        f"| the same state, only one row of it written | {1e3 * passing:.4f} "
        f"| {passing / lstm_step:.2f}x | {1e3 * passing_invoke:.4f} "
        f"| {passing_invoke / lstm_invoke:.2f}x |",
    ]
    table = "\n".join(lines)
    print("\n" + table)
    os.makedirs(args.out, exist_ok=True)
    with atomic_path(os.path.join(args.out, "generation.md")) as temporary:
        temporary.write_text(table + "\n", encoding="utf-8")
    with atomic_path(os.path.join(args.out, "generation.csv")) as temporary:
        with open(temporary, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["decoding", "parameters", "tokens_per_s_median",
                             "tokens_per_s_min", "tokens_per_s_max"])
            writer.writerows(rows)
            for name, value in (
                ("tflite_step_lstm_ms", lstm_step),
                ("tflite_step_cached_ms", cached_step),
                ("tflite_state_passing_ms", passing),
                ("tflite_invoke_lstm_ms", lstm_invoke),
                ("tflite_invoke_cached_ms", cached_invoke),
                ("tflite_invoke_state_passing_ms", passing_invoke),
            ):
                writer.writerow([name, "", 1e3 * value, "", ""])
    print(f"\nWritten to {args.out}: generation.md, generation.csv")


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
    parser.add_argument("--generation", action="store_true",
                        help="measure generation speed instead of training")
    parser.add_argument("--seq-len", type=int, default=256,
                        help="--generation: the self-attention window")
    parser.add_argument("--new-tokens", type=int, default=1000,
                        help="--generation: tokens generated per call")
    args = parser.parse_args(argv)
    args.feedforward = args.feedforward or 4 * args.embedding_dim
    if args.generation:
        generation(args)
        return
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
