"""Does a `saved_model_ids/` export run under TensorFlow.js, and agree?

Converts EXPORT_DIR (the `saved_model_ids/` folder that `kerasseq export
--format saved_model_ids` writes) with the TensorFlow.js converter, one
signature at a time:

    tensorflowjs_converter --input_format=tf_saved_model \
        --output_format=tfjs_graph_model --signature_name=NAME \
        --control_flow_v2=true EXPORT_DIR OUT/NAME

(`--control_flow_v2=true` keeps the decoding and recurrence `While` loops as
loops; the converter's default v1 lowering converts but fails at run time in
TensorFlow.js). If the converter refuses the graph, this prints its error and
where in the SavedModel's call graph the refused ops sit, and exits 1.

Otherwise it builds sample inputs from `model_info.json` and the exported
vocabulary (`sentiment`: a few reviews; `lm`: two prompts, and for
`generate` `--max-new-tokens` at temperature 1.0; `seq2seq`: two Spanish
sentences), runs the SavedModel signature in TensorFlow and the converted
model in Node (`tools/tfjs_run.js`, `@tensorflow/tfjs` on its pure-JS CPU
backend), and prints the outputs side by side: max |difference| of float
outputs, exact equality of int and bool ones, the decoded samples, the
converted model's size, the conversion time and the median run times. It
exits 1 when the outputs disagree (beyond `--tolerance` for floats).

The converter cannot live in the project venv (tensorflowjs 4.22.0 pins an
older TensorFlow); it runs from its own venv, made by the steps in the
README ("TensorFlow.js"): TensorFlow 2.21, Keras 3.15 and tensorflow-text
installed as usual, `tensorflowjs==4.22.0` with `--no-deps`, its other
imports (`tf-keras`, `tensorflow-hub`, `jax`) constrained to those versions,
and a stub `tensorflow_decision_forests` package. The Node side needs
`npm install @tensorflow/tfjs@4.22.0` in a folder named by
TFJS_NODE_MODULES (default /tmp/tfjs-js/node_modules).

    .venv/bin/kerasseq export saved_models/sentiment \
        --format saved_model_ids --out /tmp/ids_sentiment
    .venv/bin/python tools/check_tfjs.py /tmp/ids_sentiment/saved_model_ids \
        --converter /tmp/tfjs-venv/bin/tensorflowjs_converter

    .venv/bin/kerasseq export /tmp/lm_small --format saved_model_ids \
        --out /tmp/ids_lm
    .venv/bin/python tools/check_tfjs.py /tmp/ids_lm/saved_model_ids \
        --signature generate --max-new-tokens 20 --out /tmp/tfjs_lm
"""

import argparse
import glob
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from tensorflow.core.protobuf import saved_model_pb2  # noqa: E402

from kerasseq.export.exporter import MODEL_INFO_FILE  # noqa: E402
from kerasseq.export.exporter import PARITY_TOLERANCE  # noqa: E402
from kerasseq.export.exporter import directory_size  # noqa: E402
from kerasseq.export.model_export import human_size  # noqa: E402
from kerasseq.text.tokenizer import PAD_ID  # noqa: E402
from kerasseq.text.tokenizer import load_tokenizer  # noqa: E402

DEFAULT_CONVERTER = "/tmp/tfjs-venv/bin/tensorflowjs_converter"
RUNNER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tfjs_run.js")

#: The texts each job's sample inputs encode.
SAMPLE_TEXTS = {
    "sentiment": (
        "A gorgeous, funny and deeply moving film.",
        "Dull, overlong and badly acted; I wanted my money back.",
        "not bad",
    ),
    "lm": ("ROMEO:\n", "First Citizen:\nWe are"),
    "seq2seq": ("Y dijo Dios: Sea la luz.", "¿Dónde está tu hermano?"),
}
#: The temperature input of the language model's `generate`.
TEMPERATURE = 1.0

#: A line of a Python traceback that states an exception.
EXCEPTION_LINE = re.compile(r"^[\w.]*(?:Error|Exception): ")
UNSUPPORTED_OPS = re.compile(r"Unsupported Ops in the model \w+ optimization\n(.+)")
#: A node named in a graph import error (`... of node NAME was passed ...`).
NAMED_NODE = re.compile(r"of node (\S+) was passed")
#: Exceptions printed at interpreter exit, after the real error.
EXIT_NOISE = "Tried to remove non-existent function"
#: Ops of a SavedModel that the converter's frozen graph no longer has:
#: variable reads (constants once frozen), function calls (inlined) and
#: debug ops (pruned).
FROZEN_AWAY = {
    "ReadVariableOp", "VarHandleOp", "StatefulPartitionedCall",
    "PartitionedCall", "Assert", "CheckNumerics", "Print",
}


class ConversionError(Exception):
    """The converter refused the graph; `str()` is its error text."""

    def __init__(self, message, refused_ops):
        super().__init__(message)
        self.refused_ops = refused_ops


# ------------------------------------------------------------------ inputs
def load_model_info(export_dir):
    with open(os.path.join(export_dir, MODEL_INFO_FILE), encoding="utf-8") as handle:
        return json.load(handle)


def signature_names(info):
    """The signatures `model_info.json` describes (entries with inputs)."""
    return [
        name for name, entry in info["signatures"].items()
        if isinstance(entry, dict) and "inputs" in entry
    ]


def input_tokenizer(export_dir, info):
    """The tokenizer of the model's input: `vocabulary.json`, or
    `source_vocabulary.json` for a model with an output vocabulary."""
    vocabulary = info.get("vocabulary") or info["source_vocabulary"]
    return load_tokenizer(os.path.join(export_dir, vocabulary["json_file"]))


def output_tokenizer(export_dir, info):
    """The tokenizer of generated ids (`None` for a classifier)."""
    if info["job"] == "sentiment":
        return None
    vocabulary = info.get("target_vocabulary") or info["vocabulary"]
    return load_tokenizer(os.path.join(export_dir, vocabulary["json_file"]))


def right_padded(rows):
    """`(len(rows), longest)` int32 ids, padded with `PAD_ID` on the right."""
    ids = np.full((len(rows), max(len(row) for row in rows)), PAD_ID, np.int32)
    for i, row in enumerate(rows):
        ids[i, :len(row)] = row
    return ids


def sample_inputs(export_dir, info, signature, max_new_tokens):
    """`{input name: np.ndarray}` for `signature`, per `model_info.json`."""
    tokenizer = input_tokenizer(export_dir, info)
    texts = SAMPLE_TEXTS[info["job"]]
    ids = right_padded([tokenizer.encode_one(text) for text in texts])
    scalars = {
        "max_new_tokens": np.array(max_new_tokens, np.int32),
        "temperature": np.array(TEMPERATURE, np.float32),
    }
    inputs = {}
    for spec in info["signatures"][signature]["inputs"]:
        if spec["shape"] == [-1, -1]:
            inputs[spec["name"]] = ids
        elif spec["name"] in scalars:
            inputs[spec["name"]] = scalars[spec["name"]]
        else:
            raise ValueError(
                f"No sample value for input {spec['name']!r} of {signature!r}."
            )
    return inputs


# -------------------------------------------------------------- converting
def convert(converter, export_dir, signature, out):
    """Converts `signature` of `export_dir` into `out`; returns seconds.

    Raises:
        ConversionError: the converter failed.
    """
    command = [
        converter,
        "--input_format=tf_saved_model",
        "--output_format=tfjs_graph_model",
        f"--signature_name={signature}",
        "--control_flow_v2=true",
        export_dir,
        out,
    ]
    start = time.perf_counter()
    result = subprocess.run(
        command, capture_output=True, text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise ConversionError(error_text(result.stderr), refused_ops(result.stderr))
    return seconds


def error_text(stderr):
    """The exception lines of the converter's traceback(s), each once, and
    the list of unsupported ops that follows one."""
    lines = stderr.splitlines()
    found = []
    for i, line in enumerate(lines):
        if not EXCEPTION_LINE.match(line) or EXIT_NOISE in line:
            continue
        message = line.split(": ", 1)[1]
        if any(message in earlier for earlier in found):
            continue
        found.append(line)
        if "Unsupported Ops" in line and i + 1 < len(lines):
            found.append("    " + lines[i + 1])
    return "\n".join(found) or "\n".join(lines[-20:])


def refused_ops(stderr):
    """Op types the converter named: unsupported ops, and the type of a
    node that failed to import (`.../AssignVariableOp_3` -> that op)."""
    ops = set()
    for listed in UNSUPPORTED_OPS.findall(stderr):
        ops.update(op.strip() for op in listed.split(","))
    for node in NAMED_NODE.findall(stderr):
        ops.add(re.sub(r"_\d+$", "", node.rsplit("/", 1)[-1]))
    return sorted(ops)


def signature_nodes(export_dir, signature):
    """`[(op, call path, node name)]` of every node in the functions that
    `signature` calls, the path running from the signature's wrapper to the
    function that holds the node."""
    proto = saved_model_pb2.SavedModel()
    with open(os.path.join(export_dir, "saved_model.pb"), "rb") as handle:
        proto.ParseFromString(handle.read())
    graph = proto.meta_graphs[0].graph_def
    functions = {function.signature.name: function for function in graph.library.function}
    top_nodes = {node.name: node for node in graph.node}

    def callees(node):
        for value in node.attr.values():
            if value.HasField("func"):
                yield value.func.name
            yield from (function.name for function in value.list.func)

    found, seen = [], set()

    def walk(name, path):
        if name in seen or name not in functions:
            return
        seen.add(name)
        path = path + [name]
        for node in functions[name].node_def:
            found.append((node.op, " > ".join(path), node.name))
            for callee in callees(node):
                walk(callee, path)

    for output in proto.meta_graphs[0].signature_def[signature].outputs.values():
        for callee in callees(top_nodes[output.name.split(":")[0]]):
            walk(callee, [])
    return found


def tfjs_op_list(converter):
    """The op types TensorFlow.js runs, read from `tensorflowjs/op_list/`
    in the converter's venv (empty when it is not found there)."""
    venv = os.path.dirname(os.path.dirname(os.path.realpath(converter)))
    pattern = os.path.join(
        venv, "lib", "python*", "site-packages", "tensorflowjs", "op_list", "*.json"
    )
    names = set()
    for path in glob.glob(pattern):
        with open(path) as handle:
            names.update(op["tfOpName"] for op in json.load(handle))
    return names


def report_refused(args, signature, error):
    """Prints the converter's error and where the ops it refused sit; also
    the ops outside TensorFlow.js's op list, which a conversion that stops
    early (while freezing the variables) never gets to name."""
    print(f"NOT CONVERTED. The converter's error:\n{error}")
    known = tfjs_op_list(args.converter)
    nodes = signature_nodes(args.export_dir, signature)
    outside = {op for op, _, _ in nodes if known and op not in known} - FROZEN_AWAY
    suspects = set(error.refused_ops) | outside
    if not suspects:
        return
    print(
        "Where they are (converter: named by the converter; op list: not in "
        "TensorFlow.js's op list), as signature wrapper > ... > function :: node:"
    )
    for op, path, node in nodes:
        if op in suspects:
            source = "converter" if op in error.refused_ops else "op list"
            print(f"  {op} ({source}): {path} :: {node}")


# ----------------------------------------------------------------- running
def run_tensorflow(export_dir, signature, inputs, runs):
    """`({output name: np.ndarray}, [seconds per run])` of the SavedModel."""
    function = tf.saved_model.load(export_dir).signatures[signature]
    feeds = {name: tf.constant(value) for name, value in inputs.items()}
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        outputs = {name: tensor.numpy() for name, tensor in function(**feeds).items()}
        seconds.append(time.perf_counter() - start)
    return outputs, seconds


def run_tfjs(node, model_dir, inputs, runs):
    """`({output name: np.ndarray}, timings)` of the converted model, run
    by `tools/tfjs_run.js`; timings are its `load_ms` and `run_ms`."""
    inputs_file = os.path.join(model_dir, "inputs.json")
    outputs_file = os.path.join(model_dir, "outputs.json")
    with open(inputs_file, "w") as handle:
        json.dump({
            name: {"dtype": str(value.dtype), "shape": list(value.shape),
                   "values": value.ravel().tolist()}
            for name, value in inputs.items()
        }, handle)
    command = [node, RUNNER, model_dir, inputs_file, outputs_file, "--runs", str(runs)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed:\n{result.stderr.strip()[-3000:]}"
        )
    with open(outputs_file) as handle:
        outputs = {
            name: np.array(output["values"], output["dtype"]).reshape(output["shape"])
            for name, output in json.load(handle).items()
        }
    return outputs, json.loads(result.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------- comparing
def compare(spec, expected, got, tolerance):
    """`(agrees, description)` of one output, TensorFlow vs TensorFlow.js."""
    if got is None:
        return False, "missing from the TensorFlow.js outputs"
    if expected.shape != got.shape:
        return False, f"shape {list(expected.shape)} vs {list(got.shape)}"
    if spec["dtype"].startswith("float"):
        # Equal entries (infinities included) differ by 0, not NaN.
        difference = np.where(expected == got, 0.0, np.abs(expected - got))
        largest = float(np.max(difference, initial=0.0))
        return largest <= tolerance, f"max |difference| {largest:.3g}"
    unequal = int(np.sum(expected != got))
    if unequal == 0:
        return True, "equal"
    return False, f"differ at {unequal} of {expected.size}"


def sample_lines(info, tokenizer, outputs):
    """One readable line per row: the class, or the decoded text."""
    if info["job"] == "sentiment":
        class_names = info["signatures"]["serving_default"]["class_names"]
        return [
            f"{class_names[int(np.argmax(row))]} ("
            + ", ".join(f"{probability:.4f}" for probability in row) + ")"
            for row in outputs["probabilities"]
        ]
    lengths = outputs.get("length")
    lines = []
    for i, row in enumerate(outputs["token_ids"]):
        ids = row[: lengths[i]] if lengths is not None else row
        lines.append(repr(tokenizer.decode([int(id_) for id_ in ids])))
    return lines


def check_signature(args, info, signature, work_dir):
    """Converts, runs and compares one signature; returns whether it passed."""
    print(f"\n== {args.export_dir} [{signature}] (job {info['job']}) ==")
    model_dir = os.path.join(work_dir, signature)
    try:
        conversion_seconds = convert(args.converter, args.export_dir, signature, model_dir)
    except ConversionError as error:
        report_refused(args, signature, error)
        return False

    inputs = sample_inputs(args.export_dir, info, signature, args.max_new_tokens)
    expected, tf_seconds = run_tensorflow(args.export_dir, signature, inputs, args.runs)
    got, tfjs_timing = run_tfjs(args.node, model_dir, inputs, args.runs)

    print("inputs: " + ", ".join(
        f"{name} {value.dtype}{list(value.shape)}" for name, value in inputs.items()
    ))
    print(f"{'output':<16}{'dtype':<9}{'TF shape':<12}TensorFlow vs TensorFlow.js")
    passed = True
    for spec in info["signatures"][signature]["outputs"]:
        name = spec["name"]
        agrees, description = compare(spec, expected[name], got.get(name), args.tolerance)
        passed = passed and agrees
        shape = str(list(expected[name].shape))
        print(f"{name:<16}{spec['dtype']:<9}{shape:<12}{description}")

    tokenizer = output_tokenizer(args.export_dir, info)
    for i, (ours, theirs) in enumerate(zip(
        sample_lines(info, tokenizer, expected), sample_lines(info, tokenizer, got)
    )):
        print(f"row {i}  TF:   {ours}")
        print(f"       tfjs: {theirs}")

    shards = [name for name in os.listdir(model_dir) if name.endswith(".bin")]
    model_bytes = sum(
        os.path.getsize(os.path.join(model_dir, name))
        for name in ["model.json"] + shards
    )
    saved_model_bytes = os.path.getsize(
        os.path.join(args.export_dir, "saved_model.pb")
    ) + directory_size(os.path.join(args.export_dir, "variables"))
    print(
        f"size:       tfjs graph model {human_size(model_bytes)} (model.json + "
        f"{len(shards)} weight shard(s)); SavedModel {human_size(saved_model_bytes)} "
        "(saved_model.pb + variables/)"
    )
    print(f"conversion: {conversion_seconds:.1f} s")
    print(
        f"TF run:     median {statistics.median(tf_seconds) * 1e3:.1f} ms of "
        f"{args.runs} (SavedModel signature, CPU)"
    )
    print(
        f"tfjs run:   median {statistics.median(tfjs_timing['run_ms']):.1f} ms of "
        f"{args.runs} (Node, @tensorflow/tfjs pure-JS '{tfjs_timing['backend']}' "
        f"backend; model load {tfjs_timing['load_ms']:.0f} ms)"
    )
    sampler = info["signatures"].get("sampler")
    if not passed and sampler not in (None, "greedy"):
        print(f"(sampler {sampler!r}: TF and tfjs draw different random numbers)")
    print("AGREE" if passed else "DISAGREE")
    return passed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("export_dir", help="a saved_model_ids/ folder")
    parser.add_argument("--converter", default=DEFAULT_CONVERTER,
                        help=f"tensorflowjs_converter (default: {DEFAULT_CONVERTER})")
    parser.add_argument("--signature", action="append",
                        help="signature to check, repeatable "
                        "(default: every one in model_info.json)")
    parser.add_argument("--out",
                        help="folder for the converted models (default: a temporary one)")
    parser.add_argument("--runs", type=int, default=5,
                        help="timed runs on each side (default: 5)")
    parser.add_argument("--max-new-tokens", type=int, default=20,
                        help="language model `generate`: tokens to generate (default: 20)")
    parser.add_argument("--tolerance", type=float, default=PARITY_TOLERANCE,
                        help="largest |difference| of float outputs "
                        f"(default: {PARITY_TOLERANCE})")
    parser.add_argument("--node", default="node",
                        help="the Node.js binary (default: node)")
    args = parser.parse_args()

    if args.runs < 1:
        parser.error(f"--runs must be at least 1; received {args.runs}.")
    info = load_model_info(args.export_dir)
    known = signature_names(info)
    for name in args.signature or ():
        if name not in known:
            parser.error(f"--signature must be one of {known}; received {name!r}.")
    signatures = args.signature or known
    with tempfile.TemporaryDirectory(prefix="check_tfjs_") as temporary:
        work_dir = args.out or temporary
        results = [check_signature(args, info, name, work_dir) for name in signatures]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
