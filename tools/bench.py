"""Every speed comparison of issue 7, side by side, written to BENCHMARKS.md.

Sections (each measured interleaved, repeat after repeat, so machine noise
hits the variants of one table alike; medians with min-max, and ratios as
the median of the per-repeat ratios):

* `ceiling`: a 2048^3 float32 matmul and a chain of 100 dependent
  (64x256)@(256x1024) products (the recurrent step's shape), graph and XLA;
* `layers`: the char LM of `bench_layers.py` (hidden 256, sequence 100,
  batch 64): Keras's SimpleRNN, LSTM, GRU against kerasseq's with their
  defaults (fused gradient, loops compiled by XLA inside the graph, two
  parallel chains), step by step without those (autodiff, graph loops, one
  chain) and with the whole model under XLA, GFLOP/s beside the ceiling;
* `shapes`: the same pairs at hidden 128 and 512, sequence 50 and 200, and
  with padded (masked) inputs;
* `xla`: the char LM under `jit_compile=True` against graph mode;
* `auto`: the default language model of each `--cell`, training and
  evaluation, graph against XLA (what `--jit-compile auto` decides);
* `orthogonal`: OrthogonalRNN (exp and Cayley) and UnitaryRNN against a
  SimpleRNN with the same state size, per training step;
* `pipeline`: `bench_pipeline.py`, `fit` from `tf.data` against memory;
* `generation`: `generate_ids` tokens/s of the default language model, and
  the TFLite one-step model against calling the Keras model for one step;
* `profile`: where one training step of the LSTM layer (hidden 256, sequence
  100, batch 64, forward and backward) spends its time, per TensorFlow op
  type (`tf.profiler`), Keras's layer against kerasseq's;
* `work` (with `--cpu-time`): CPU milliseconds per training batch of the char
  LM, split into the part without the recurrent layer and the recurrent
  layer's own, beside the time its matrix products take at the measured
  one-thread matmul rate.

    .venv/bin/python tools/bench.py                 # about 7 minutes (2 cores)
    .venv/bin/python tools/bench.py --cpu-time --append \
        --sections ceiling,layers,xla,orthogonal,work  # work, robust to load
    .venv/bin/python tools/bench.py --quick         # about 2 minutes, rough
    .venv/bin/python tools/bench.py --sections layers,xla --no-write
"""

import argparse
import datetime
import os
import platform
import shlex
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from bench_layers import PAIRS  # noqa: E402
from bench_layers import build  # noqa: E402
from bench_layers import char_lm_data  # noqa: E402
from bench_layers import interleaved  # noqa: E402
from bench_layers import summary  # noqa: E402
from bench_layers import time_fit  # noqa: E402
from bench_layers import train_flops_per_token  # noqa: E402
from bench_pipeline import measure_pipeline  # noqa: E402
from kerasseq import layers  # noqa: E402

SECTIONS = ("ceiling", "layers", "shapes", "xla", "auto", "orthogonal", "pipeline",
            "generation", "profile", "work")
BATCH = 64
CLOCK = {"wall": time.perf_counter, "cpu": time.process_time}


def median(values):
    return statistics.median(values)


def ratio_summary(ours, theirs):
    """Median (min-max) of the per-repeat ratios `ours / theirs`."""
    ratios = [a / b for a, b in zip(ours, theirs)]
    return f"{median(ratios):.2f}x ({min(ratios):.2f}-{max(ratios):.2f})", median(ratios)


# ------------------------------------------------------------------ ceiling
def measure_ceiling(repeats, clock="wall"):
    """GFLOP/s of a 2048^3 matmul and of the 100-product chain."""
    a = tf.random.normal((2048, 2048))
    h0 = tf.random.normal((64, 256))
    w = tf.random.normal((256, 1024)) * 0.03

    @tf.function
    def big():
        return tf.matmul(a, a)

    def chain(h):
        for _ in range(100):
            h = tf.matmul(h, w)[:, :256]  # each product needs the previous
        return h

    runs = {
        "2048^3 matmul": (big, 2 * 2048**3),
        "chain, graph": (tf.function(lambda: chain(h0)), 100 * 2 * 64 * 256 * 1024),
        "chain, XLA": (
            tf.function(lambda: chain(h0), jit_compile=True),
            100 * 2 * 64 * 256 * 1024,
        ),
    }

    def rate(function, flops):
        def run():
            function().numpy()  # warm
            start = CLOCK[clock]()
            for _ in range(5):
                function().numpy()
            return 5 * flops / (CLOCK[clock]() - start) / 1e9
        return run

    return interleaved({name: rate(*spec) for name, spec in runs.items()}, repeats)


# ------------------------------------------------------------------- layers
def layer_with(**options):
    """`layer_class -> make(units, **kwargs)` with `options` added."""
    def wrap(layer_class):
        def make(units, **kwargs):
            return layer_class(units, **options, **kwargs)
        return make
    return wrap


autodiff_layer = layer_with(fused_gradient=False)
graph_loops_layer = layer_with(jit_compile_loops=False, parallel_chains=1)

# variant: (layer wrapper, model-level jit_compile or None for the section's)
EXTRA_VARIANTS = {
    "kerasseq autodiff": (autodiff_layer, None),
    "kerasseq graph loops, 1 chain": (graph_loops_layer, None),
    "kerasseq XLA loops, 1 chain": (layer_with(parallel_chains=1), None),
    "kerasseq XLA": (lambda layer_class: layer_class, True),
}
VARIANT_ORDER = ("keras", "kerasseq", *EXTRA_VARIANTS)


def measure_layers(names, units, seq_len, steps, repeats, jit_compile=False,
                   padded=False, extra=(), clock="wall"):
    """`{(layer, variant): [tokens/s]}` of Keras vs kerasseq on one shape;
    `extra` names further kerasseq variants of `EXTRA_VARIANTS`."""
    x, y = char_lm_data(BATCH, steps, seq_len, padded=padded)
    runs = {}
    for name in names:
        keras_class, ours = PAIRS[name]
        variants = {"keras": (keras_class, jit_compile), "kerasseq": (ours, jit_compile)}
        for variant in extra:
            wrap, variant_jit = EXTRA_VARIANTS[variant]
            variants[variant] = (wrap(ours), jit_compile if variant_jit is None
                                 else variant_jit)
        for variant, (make, model_jit) in variants.items():
            model = build(make, units, seq_len, model_jit, mask_zero=padded)
            runs[(name, variant)] = (
                lambda model=model: time_fit(model, x, y, BATCH, steps, CLOCK[clock])
            )
    return interleaved(runs, repeats)


def layer_rows(results, names, units, chain_ceiling, label=""):
    rows = []
    for name in names:
        theirs = results[(name, "keras")]
        flops = train_flops_per_token(name, units)
        for variant in VARIANT_ORDER:
            if (name, variant) not in results:
                continue
            values = results[(name, variant)]
            ratio = "1.00x" if variant == "keras" else ratio_summary(values, theirs)[0]
            gflops = median(values) * flops / 1e9
            share = f"{100 * gflops / chain_ceiling:.0f}%" if chain_ceiling else "-"
            rows.append(f"| {label}{name} | {variant} | {summary(values)} | {ratio} | "
                        f"{gflops:.0f} | {share} |")
    return rows


LAYER_HEADER = ["| layer | variant | tokens/s median (min-max) | ratio to Keras | "
                "GFLOP/s | of chain ceiling |", "| --- | --- | --- | --- | --- | --- |"]


# --------------------------------------------------------------------- auto
AUTO_CELLS = ("simple_rnn", "lstm", "gru", "orthogonal", "unitary", "self_attention")


class EvaluateTimer(keras.callbacks.Callback):
    """Records how long each evaluation batch takes."""

    def __init__(self):
        super().__init__()
        self.durations = []

    def on_test_batch_begin(self, batch, logs=None):
        self.start = time.perf_counter()

    def on_test_batch_end(self, batch, logs=None):
        self.durations.append(time.perf_counter() - self.start)


def measure_auto(cells, steps, repeats, seq_len=100):
    """`{(cell, mode, "fit" | "evaluate"): [tokens/s]}` of the default
    language model of `kerasseq train lm` (vocabulary 67), graph vs XLA."""
    from kerasseq.models.language_model import build_language_model
    from kerasseq.training.config import ModelConfig

    x, y = char_lm_data(BATCH, steps, seq_len)
    x, y = x % 67, y % 67
    runs = {}
    for cell in cells:
        for mode, jit_compile in (("graph", False), ("XLA", True)):
            keras.utils.set_random_seed(0)
            model = build_language_model(67, ModelConfig(cell=cell), max_length=seq_len)
            model.compile("adam", keras.losses.SparseCategoricalCrossentropy(
                from_logits=True), jit_compile=jit_compile)
            model.evaluate(x[:BATCH], y[:BATCH], batch_size=BATCH, verbose=0)

            def evaluate(model=model):
                timer = EvaluateTimer()
                model.evaluate(x, y, batch_size=BATCH, verbose=0, callbacks=[timer])
                return BATCH * seq_len / median(timer.durations)

            runs[(cell, mode, "fit")] = (
                lambda model=model: time_fit(model, x, y, BATCH, steps))
            runs[(cell, mode, "evaluate")] = evaluate
    return interleaved(runs, repeats)


# --------------------------------------------------------------- orthogonal
def measure_orthogonal(state_size, seq_len, steps, repeats, clock="wall"):
    """tokens/s of same-state-size SimpleRNN, OrthogonalRNN, UnitaryRNN."""
    makers = {
        "SimpleRNN": lambda units, **kw: layers.SimpleRNN(units, **kw),
        "OrthogonalRNN exp": lambda units, **kw: layers.OrthogonalRNN(units, **kw),
        "OrthogonalRNN cayley": lambda units, **kw: layers.OrthogonalRNN(
            units, parametrization="cayley", **kw),
        "OrthogonalRNN exp modrelu": lambda units, **kw: layers.OrthogonalRNN(
            units, activation="modrelu", **kw),
        "UnitaryRNN": lambda units, **kw: layers.UnitaryRNN(units // 2, **kw),
    }
    x, y = char_lm_data(BATCH, steps, seq_len)
    runs = {}
    for name, make in makers.items():
        model = build(make, state_size, seq_len, False)
        runs[name] = lambda model=model: time_fit(model, x, y, BATCH, steps,
                                                  CLOCK[clock])
    return interleaved(runs, repeats)


# --------------------------------------------------------------- generation
def measure_generation(tokens, repeats):
    """Generation and per-token step rates of the default language model.

    `generate_ids` traces its decoding loop at each call (`tf.function` of a
    new closure), so one call's rate includes that; the marginal rate,
    `(tokens - 100) / (t(tokens) - t(100))`, is the compiled loop's own.
    """
    from ai_edge_litert.interpreter import Interpreter

    from kerasseq.export import tflite
    from kerasseq.export.step_models import LanguageModelStep
    from kerasseq.models import build_language_model
    from kerasseq.models.language_model import generate_ids
    from kerasseq.samplers import get_sampler
    from kerasseq.training.config import ModelConfig

    model = build_language_model(65, ModelConfig())
    sampler = get_sampler("top_k", seed=0)
    prompt = np.array([[1, 2, 3]], "int32")
    step = LanguageModelStep(model)
    blob = tflite.convert(model, step, step.input_signature())["float32"]
    runner = Interpreter(model_content=blob).get_signature_runner()
    states = step.initial_states()
    token, one = np.array([5], "int32"), np.array([[5]], "int32")
    calls = 200
    timings = {}

    def generate(count):
        start = time.perf_counter()
        generate_ids(model, prompt, count, sampler)
        timings[count] = time.perf_counter() - start
        return count / timings[count]

    def marginal():
        generate(100)
        return (tokens - 100) / (timings[tokens] - timings[100])

    def tflite_step():
        start = time.perf_counter()
        for _ in range(calls):
            runner(token=token, **states)
        return calls / (time.perf_counter() - start)

    def keras_call():
        start = time.perf_counter()
        for _ in range(calls // 10):
            model(one)
        return (calls // 10) / (time.perf_counter() - start)

    return interleaved({f"generate_ids, one call of {tokens} tokens (tokens/s)":
                        lambda: generate(tokens),
                        "generate_ids, marginal (tokens/s)": marginal,
                        "TFLite one step (calls/s)": tflite_step,
                        "Keras model(one token) (calls/s)": keras_call}, repeats)


# --------------------------------------------------------------------- work
def measure_work(names, repeats, steps):
    """CPU ms per batch: the LM without its recurrent layer, and with each."""
    def no_recurrence(units, **kwargs):
        return keras.layers.Dense(units)  # same width into the head, no loop

    x, y = char_lm_data(BATCH, steps, 100)
    makers = {"without recurrent layer": no_recurrence}
    for name in names:
        makers[f"keras {name}"] = PAIRS[name][0]
        makers[f"kerasseq {name}"] = PAIRS[name][1]
    runs = {}
    for key, make in makers.items():
        model = build(make, 256, 100, False)
        runs[key] = lambda model=model: 1e3 * BATCH * 100 / time_fit(
            model, x, y, BATCH, steps, time.process_time)
    return interleaved(runs, repeats)


def matmul_flops_per_batch(name, units=256, seq_len=100, embedding=64):
    """The recurrent layer's forward + backward matrix-product FLOPs."""
    gates = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}[name]
    return 3 * 2 * BATCH * seq_len * (embedding + units) * gates * units


# ------------------------------------------------------------------ profile
CONTROL_FLOW = {"While", "StatelessWhile", "PartitionedCall", "StatefulPartitionedCall",
                "If", "StatelessIf"}


def profile_layer(make_layer, units=256, seq_len=100, steps=3):
    """`{op type: ms per step}` of a layer's forward and backward pass."""
    import collections
    import glob
    import tempfile

    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    layer = make_layer(units, return_sequences=True)
    x = tf.random.normal((BATCH, seq_len, 64))

    @tf.function
    def train_step():
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(tf.square(layer(x, training=True)))
        return tape.gradient(loss, [x, *layer.trainable_weights])

    for _ in range(2):
        train_step()
    step_ms = []
    for _ in range(15):
        start = time.perf_counter()
        [g.numpy() for g in train_step()]
        step_ms.append(1e3 * (time.perf_counter() - start))
    with tempfile.TemporaryDirectory() as directory:
        tf.profiler.experimental.start(directory)
        for _ in range(steps):
            [g.numpy() for g in train_step()]
        tf.profiler.experimental.stop()
        space = xplane_pb2.XSpace()
        path = glob.glob(f"{directory}/**/*.xplane.pb", recursive=True)[0]
        with open(path, "rb") as handle:
            space.ParseFromString(handle.read())
    totals, executions = collections.Counter(), 0
    for plane in space.planes:
        for line in plane.lines:
            for event in line.events:
                name = plane.event_metadata[event.metadata_id].name
                if ":" not in name or "::" in name:
                    continue  # runtime frames, not ops
                op_type = name.rsplit(":", 1)[1]
                if op_type.isidentifier() and op_type not in CONTROL_FLOW:
                    totals[op_type.lstrip("_").replace("Mkl", "")] += (
                        event.duration_ps / 1e9 / steps)
                    executions += 1
    return totals, executions // steps, statistics.median(step_ms)


def profile_rows(profiles, top=10):
    counts = {name: count for name, (_, count, _) in profiles.items()}
    step_ms = {name: ms for name, (_, _, ms) in profiles.items()}
    profiles = {name: totals for name, (totals, _, _) in profiles.items()}
    kinds = {}
    for totals in profiles.values():
        for op_type, _ in totals.most_common(top):
            kinds.setdefault(op_type, None)
    rows = ["| op type | " + " | ".join(f"{name} ms (share)" for name in profiles) + " |",
            "| --- |" + " --- |" * len(profiles)]
    for op_type in kinds:
        cells = []
        for totals in profiles.values():
            total = sum(totals.values())
            cells.append(f"{totals[op_type]:.1f} ({100 * totals[op_type] / total:.0f}%)")
        rows.append(f"| {op_type} | " + " | ".join(cells) + " |")
    rows.append("| all ops | " + " | ".join(
        f"{sum(t.values()):.1f}" for t in profiles.values()) + " |")
    rows.append("| op executions per step | " + " | ".join(
        f"{count:,}" for count in counts.values()) + " |")
    rows.append("| step wall time without the profiler, ms (median of 15) | " + " | ".join(
        f"{ms:.1f}" for ms in step_ms.values()) + " |")
    return rows


# -------------------------------------------------------------------- main
def machine_lines(command):
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",) * 3
    return [
        f"- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}",
        f"- machine: {cpu}, {os.cpu_count()} cores visible, {platform.platform()}",
        f"- versions: Python {platform.python_version()}, TensorFlow "
        f"{tf.__version__}, Keras {keras.__version__}, backend "
        f"{keras.backend.backend()}, NumPy {np.__version__}",
        f"- load average at start (1, 5, 15 min): "
        + ", ".join(f"{v:.2f}" if isinstance(v, float) else v for v in load),
        f"- command: `{command}`",
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", default=",".join(SECTIONS),
                        help=f"comma-separated subset of {', '.join(SECTIONS)}")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=16,
                        help="batches per timed fit on the main shape")
    parser.add_argument("--quick", action="store_true",
                        help="2 repeats, 5 steps, fewer shapes: direction only")
    parser.add_argument("--cpu-time", action="store_true",
                        help="one TensorFlow thread, process CPU time instead of "
                             "wall time: the work per token, robust to other load "
                             "(layers, shapes, xla and orthogonal sections)")
    parser.add_argument("--append", action="store_true",
                        help="append the tables to --output instead of replacing it")
    parser.add_argument("--output", default="BENCHMARKS.md")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--note", default="", help="a line for the report")
    args = parser.parse_args()
    clock = "cpu" if args.cpu_time else "wall"
    if args.cpu_time:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    sections = args.sections.split(",")
    for section in sections:
        if section not in SECTIONS:
            parser.error(f"--sections: {section!r} is not one of {SECTIONS}")
    repeats, steps = (2, 5) if args.quick else (args.repeats, args.steps)
    small_repeats, small_steps = max(2, repeats - 2), max(4, steps // 2)
    names = list(PAIRS)
    command = "python tools/bench.py " + shlex.join(sys.argv[1:])
    timing = ("one TensorFlow thread, tokens per second of process CPU time (work, "
              "not wall time)" if args.cpu_time else "default threads, wall time")
    out = ["# Benchmarks", "", "Written by `tools/bench.py` (issue 7). CPU only, "
           f"float32, TensorFlow backend; {timing}.", "", *machine_lines(command)]
    if args.append:
        out[0] = f"# Appended run: {timing}"
    if args.note:
        out += [f"- note: {args.note}"]

    def log(line):
        print(line, flush=True)

    goals = []  # (goal, measured, target, met)
    shape_ratios = []

    chain_ceiling = None
    if "ceiling" in sections:
        log("ceiling ...")
        ceiling = measure_ceiling(repeats, clock)
        chain_ceiling = median(ceiling["chain, graph"])
        out += ["", "## Matmul ceilings", "", "| kernel | GFLOP/s median (min-max) |",
                "| --- | --- |"]
        out += [f"| {name} | {summary(values)} |" for name, values in ceiling.items()]

    if "layers" in sections:
        log("layers ...")
        results = measure_layers(names, 256, 100, steps, repeats, clock=clock,
                                 extra=tuple(EXTRA_VARIANTS))
        out += ["", "## Char LM, hidden 256, sequence 100, batch 64 (`model.fit`)", "",
                f"{steps} batches per timing, {repeats} repeats. Graph mode "
                "(`model.compile`'s default on CPUs) unless the variant says XLA. "
                "`kerasseq`: the defaults, the fused gradient, its two loops "
                "compiled by XLA inside the graph (`jit_compile_loops='auto'`), the "
                "batch split into two chains that run side by side "
                "(`parallel_chains='auto'`); `autodiff`: `fused_gradient=False`; "
                "`graph loops, 1 chain`: the fused gradient alone "
                "(`jit_compile_loops=False, parallel_chains=1`); `XLA loops, 1 "
                "chain`: `parallel_chains=1`; `XLA`: the whole model under "
                "`jit_compile=True` (one chain: XLA would run two in sequence). "
                "Keras's layers are timed in graph mode, their default and their "
                "faster mode here (XLA table). GFLOP/s counts 3x the forward "
                "multiply-adds of the recurrent layer and the head per token.", "",
                *LAYER_HEADER, *layer_rows(results, names, 256, chain_ceiling)]
        for name in names:
            ratio = ratio_summary(results[(name, "kerasseq")], results[(name, "keras")])
            goals.append((f"1. {name} training vs Keras, char LM (both defaults)",
                          ratio[0], ">= 1.5x", ratio[1] >= 1.5))

    if "shapes" in sections:
        shapes = [(128, 100, False), (512, 100, False), (256, 50, False),
                  (256, 200, False), (256, 100, True)]
        if args.quick:
            shapes = [(128, 100, False), (256, 100, True)]
        out += ["", "## Other shapes (Keras vs kerasseq)", "",
                f"{small_repeats} repeats; batches per timing scaled to "
                f"{small_steps} at sequence 100. Masked: `Embedding(mask_zero=True)`, "
                "each row zero-padded after a random length in [50, 100].", "",
                *LAYER_HEADER]
        for units, seq_len, padded in shapes:
            log(f"shape {units} {seq_len} {padded} ...")
            shape_steps = max(2, small_steps * 100 // seq_len)
            results = measure_layers(names, units, seq_len, shape_steps, small_repeats,
                                     padded=padded, clock=clock)
            label = f"h{units} s{seq_len}{' masked' if padded else ''} "
            out += layer_rows(results, names, units, chain_ceiling, label)
            shape_ratios += [
                (ratio_summary(results[(n, "kerasseq")], results[(n, "keras")])[1],
                 f"{label}{n}") for n in names]
        if shape_ratios:
            lowest, where = min(shape_ratios)
            goals.append(("1. lowest ratio over the other shapes", f"{lowest:.2f}x ({where})",
                          ">= 1.0x", lowest >= 1.0))

    if "xla" in sections:
        log("xla ...")
        xla_names = ["LSTM"] if args.quick else names
        graph = measure_layers(xla_names, 256, 100, small_steps, small_repeats,
                               clock=clock)
        xla = measure_layers(xla_names, 256, 100, small_steps, small_repeats,
                             jit_compile=True, clock=clock)
        out += ["", "## XLA (`jit_compile=True`) against graph mode, hidden 256", "",
                "| layer | variant | graph tokens/s | XLA tokens/s | XLA / graph |",
                "| --- | --- | --- | --- | --- |"]
        for key in graph:
            out.append(f"| {key[0]} | {key[1]} | {summary(graph[key])} | "
                       f"{summary(xla[key])} | {median(xla[key]) / median(graph[key]):.2f}x |")
        from kerasseq.training.config import resolve_jit_compile

        fixed_shape = (tf.TensorSpec((None, 100), tf.int32),) * 2  # these batches
        auto = resolve_jit_compile("auto", fixed_shape, recurrent=True)
        faster = [median(xla[k]) >= 0.97 * median(graph[k])
                  for k in graph if k[1] == "kerasseq"]
        goals.append(("2. `--jit-compile auto`, recurrent char LM (fixed shapes)",
                      f"XLA {'on' if auto else 'off'}; XLA at least as fast (within 3%) "
                      f"for {sum(faster)}/{len(faster)} kerasseq layers here",
                      "the faster mode", auto == (sum(faster) > len(faster) / 2)))

    if "auto" in sections:
        log("auto ...")
        cells = ("lstm", "self_attention") if args.quick else AUTO_CELLS
        results = measure_auto(cells, small_steps, small_repeats)
        out += ["", "## `--jit-compile auto`: the default language model, graph vs XLA", "",
                "What `kerasseq train lm` builds for each `--cell` with its other "
                "defaults (128 units, embedding 32, one layer; sequence 100, batch 64), "
                "training (`fit`) and evaluation tokens/s, median batch. Graph mode "
                "includes the XLA-compiled loops and the two chains of the fused "
                "gradient.", "",
                "| cell | graph fit | XLA fit | XLA / graph | graph evaluate | "
                "XLA evaluate | XLA / graph |", "| --- | --- | --- | --- | --- | --- | --- |"]
        from kerasseq.training.config import resolve_jit_compile

        fixed_shape = (tf.TensorSpec((None, 100), tf.int32),) * 2
        choices = []  # (auto's mode / the other mode, cell)
        for cell in cells:
            row = f"| {cell} |"
            for kind in ("fit", "evaluate"):
                graph, xla = results[(cell, "graph", kind)], results[(cell, "XLA", kind)]
                ratio = median([a / b for a, b in zip(xla, graph)])
                if kind == "fit":
                    xla_chosen = resolve_jit_compile(
                        "auto", fixed_shape, recurrent=cell != "self_attention")
                    choices.append((ratio if xla_chosen else 1 / ratio,
                                    f"{cell}: {'XLA' if xla_chosen else 'graph'}"))
                row += f" {summary(graph)} | {summary(xla)} | {ratio:.2f}x |"
            out.append(row)
        worst, where = min(choices)
        out += ["", "`--jit-compile auto` picks: " + ", ".join(c for _, c in choices) + "."]
        goals.append(("2. `auto`'s mode vs the other, default LM training, worst cell",
                      f"{worst:.2f}x ({where})", ">= 1.0x", worst >= 0.97))

    if "orthogonal" in sections:
        log("orthogonal ...")
        results = measure_orthogonal(256, 100, small_steps, small_repeats, clock)
        base = results["SimpleRNN"]
        out += ["", "## Orthogonal and unitary cells against SimpleRNN (state 256)", "",
                "Cost per training step = SimpleRNN tokens/s / cell tokens/s "
                "(goal: at most 1.3x).", "",
                "| layer | tokens/s median (min-max) | cost vs SimpleRNN |",
                "| --- | --- | --- |"]
        costs = {}
        for name, values in results.items():
            costs[name] = median([b / v for b, v in zip(base, values)])
            out.append(f"| {name} | {summary(values)} | {costs[name]:.2f}x |")
        worst = max(costs, key=costs.get)
        goals.append(("3. orthogonal/unitary cost vs SimpleRNN (worst)",
                      f"{costs[worst]:.2f}x ({worst})", "<= 1.3x", costs[worst] <= 1.3))

    if "pipeline" in sections:
        log("pipeline ...")
        results = measure_pipeline(steps=2 * steps, repeats=small_repeats)
        ratio = [a / b for a, b in zip(results["fit from tf.data"],
                                       results["fit from memory"])]
        out += ["", "## Input pipeline (default LM, LSTM 256, shakespeare)", "",
                "| variant | tokens/s median (min-max) |", "| --- | --- |"]
        out += [f"| {name} | {summary(values)} |" for name, values in results.items()]
        out += ["", f"fit from tf.data / fit from memory: {median(ratio):.3f} "
                f"({min(ratio):.3f}-{max(ratio):.3f})"]
        goals.append(("4. input pipeline cost vs in-memory", f"{100 * (1 - median(ratio)):.1f}%",
                      "< 2%", median(ratio) > 0.98))

    if "generation" in sections:
        log("generation ...")
        results = measure_generation(1000 if args.quick else 2000, small_repeats)
        speedup = [a / b for a, b in zip(results["TFLite one step (calls/s)"],
                                         results["Keras model(one token) (calls/s)"])]
        out += ["", "## Generation (default LM: LSTM 128, embedding 32, vocabulary 65)",
                "", "| measure | rate median (min-max) |", "| --- | --- |"]
        out += [f"| {name} | {summary(values)} |" for name, values in results.items()]
        out += ["", f"TFLite step / Keras one-step call: {median(speedup):.1f}x"]
        one_call = median(next(v for k, v in results.items() if "one call" in k))
        goals.append(("5. generation, one `generate_ids` call incl. tracing",
                      f"{one_call:,.0f} tokens/s", ">= 2,000", one_call >= 2000))
        goals.append(("5. TFLite step vs Keras one-step call", f"{median(speedup):.0f}x",
                      ">= 20x", median(speedup) >= 20))

    if "profile" in sections:
        log("profile ...")
        profiles = {
            "keras LSTM": profile_layer(keras.layers.LSTM),
            "kerasseq LSTM graph loops, 1 chain": profile_layer(
                graph_loops_layer(layers.LSTM)),
            "kerasseq LSTM XLA loops, 1 chain": profile_layer(
                layer_with(parallel_chains=1)(layers.LSTM)),
            "kerasseq LSTM": profile_layer(layers.LSTM),
        }
        out += ["", "## Profile: one LSTM layer step, forward and backward", "",
                "Hidden 256, sequence 100, batch 64, `tf.function` graph mode, "
                "`tf.profiler` op time summed over threads (the profiler adds "
                "a few microseconds to each op, so small ops look larger than "
                "they are; the total is not a wall time). With XLA loops, "
                "TensorFlow sees no ops inside them, so those columns show what is "
                "left outside (the input projection's gradient, casts, transposes); "
                "`kerasseq LSTM` is the default: XLA loops and two chains.", "",
                *profile_rows(profiles)]
        ((theirs, their_count, their_ms), (ours, our_count, our_ms),
         (_, _, compiled_ms), (_, _, chains_ms)) = profiles.values()
        their_total, our_total = sum(theirs.values()), sum(ours.values())
        out += ["", "What limits the ratio: with graph loops, kerasseq's step spends "
                f"{ours['MatMul']:.0f} ms in MatMul against Keras's {theirs['MatMul']:.0f} ms "
                f"({theirs['MatMul'] / ours['MatMul']:.2f}x less: one product per backward "
                "step, the weight gradients as single products after the loop, no "
                "AddN accumulation), but everything else, the gate arithmetic and "
                f"TensorList traffic, takes {our_total - ours['MatMul']:.0f} ms against "
                f"{their_total - theirs['MatMul']:.0f} ms: about {our_count:,} small ops per "
                f"step (Keras: {their_count:,}) on 64 x 256 floats each, bound by memory "
                "traffic and per-op dispatch, which graph-mode TensorFlow does not fuse. "
                "Compiling the two loops with XLA fuses them: the step takes "
                f"{compiled_ms:.1f} ms against {our_ms:.1f} ms with graph loops; "
                "splitting the batch into two chains that run side by side (a "
                "64 x 256 @ 256 x 1024 product runs at about one core's rate) "
                f"brings it to {chains_ms:.1f} ms, against {their_ms:.1f} ms for "
                f"Keras's layer ({their_ms / chains_ms:.2f}x). "
                "The `fit` ratio is lower than the step's: the embedding, the dense "
                "head, the loss and the optimizer cost the same in both models "
                "(work table, `--cpu-time`)."]

    if "work" in sections:
        if not args.cpu_time:
            log("work: skipped, it needs --cpu-time")
        else:
            log("work ...")
            work = measure_work(names, small_repeats, small_steps)
            single = measure_ceiling(small_repeats, clock)["2048^3 matmul"]
            rate = median(single) * 1e9  # FLOP/s of one thread
            base = median(work["without recurrent layer"])
            out += ["", "## Work per training batch (one thread, CPU ms)", "",
                    f"The char LM without its recurrent layer costs {base:.1f} ms per "
                    "batch; the rest is the recurrent layer's. Its matrix products "
                    f"alone, at the 2048^3 matmul's rate per CPU second ({median(single):.0f} "
                    "GFLOP/s), would take the last column.", "",
                    "| layer | Keras layer ms | kerasseq layer ms | Keras / kerasseq | "
                    "matmul FLOPs at the matmul rate, ms | whole LM: measured ratio | "
                    "whole LM: largest possible ratio |",
                    "| --- | --- | --- | --- | --- | --- | --- |"]
            for name in names:
                theirs = median(work[f"keras {name}"]) - base
                ours = median(work[f"kerasseq {name}"]) - base
                bound = 1e3 * matmul_flops_per_batch(name) / rate
                out.append(f"| {name} | {theirs:.1f} | {ours:.1f} | {theirs / ours:.2f}x | "
                           f"{bound:.1f} | {(theirs + base) / (ours + base):.2f}x | "
                           f"{(theirs + base) / (bound + base):.2f}x |")
            out += ["", "The last column is the ratio a recurrent layer whose matrix "
                    "products ran at the big matmul's rate, with no other cost at "
                    "all, would reach against Keras's layer in this model (same "
                    "embedding, head, loss and optimizer), per CPU second."]

    if not args.append:
        out += ["", "## Notes", "",
                "- Training rates are per median batch of each `fit` call "
                "(`bench_layers.time_fit`): on this machine a `fit` call's start "
                "or end stalls now and then for about 0.6 s, which snapped "
                "whole-call rates to exactly a half or a quarter of the steady "
                "rate in earlier runs. `--cpu-time` measures work (one thread, CPU "
                "seconds), steady under other load; its tables are appended below "
                "when run.",
                "- The fused gradient removes, per backward step, the weight-gradient "
                "product, its accumulation (`AddN`) and the bias sums; the matrix "
                "products left are the same FLOPs in both implementations and, even "
                "at the full matmul rate, take more than half of the layer's time "
                "(work table). The gate arithmetic, about twenty small elementwise "
                "ops per step and direction, runs one kernel each in graph-mode "
                "TensorFlow; compiled with XLA (`jit_compile_loops`, the default "
                "inside `model.fit`) it fuses, as cuDNN fuses it into one kernel. "
                "A recurrent step's product is too small to spread over two cores "
                "(the chain of 64 x 256 @ 256 x 1024 products runs near one core's "
                "rate), and autodiff's per-step weight-gradient products, which "
                "Keras runs beside its chain on the other core, are gone; so the "
                "default splits the batch into two independent chains "
                "(`parallel_chains`) that graph mode runs side by side.",
                "- `--jit-compile auto` on CPUs: graph mode for models with kerasseq "
                "recurrent layers (their loops compile with XLA inside the graph and "
                "run as two chains side by side; whole-model XLA runs one chain), "
                "XLA for fixed-shape self-attention models (`auto` table). Batches "
                "padded to their longest sequence (classifier, translation) stay in "
                "graph mode: XLA would recompile for every new length. Keras's own "
                "layers train slower under XLA on CPUs (XLA table).",
                "- What bounds goal 1: the char LM's parts other than the recurrent "
                "layer (embedding, head, loss, Adam) cost the same for both layers, "
                "and the recurrent layer's matrix products are the same FLOPs; the "
                "work table (`--cpu-time`) gives both, and so the largest ratio any "
                "implementation could reach on these cores."]
    goals.append(("6. GPU: JAX/XLA layers vs cuDNN `keras.layers.LSTM`",
                  "not measured: no GPU in this session", "report", None))
    status = {True: "met", False: "missed", None: "-"}
    summary_rows = ["", "## Goals of issue 7 in this run", "",
                    "| goal | measured | target | status |", "| --- | --- | --- | --- |"]
    summary_rows += [f"| {g} | {m} | {t} | {status[ok]} |" for g, m, t, ok in goals]
    position = next((i for i, line in enumerate(out) if line.startswith("## ")), len(out) + 1)
    out[position - 1:position - 1] = summary_rows
    text = "\n".join(out) + "\n"
    print("\n" + text)
    if not args.no_write:
        with open(args.output, "a" if args.append else "w") as handle:
            if args.append:
                handle.write("\n")
            handle.write(text)


if __name__ == "__main__":
    main()
