"""`kerasseq export`: a trained model directory to SavedModel and TFLite.

Writes, by default into the model directory:

    saved_model/          TensorFlow SavedModel on raw strings (TF Serving)
    saved_model_ids/      only with --format saved_model_ids: a SavedModel on
           token ids (no string op, for the TensorFlow.js converter), with
           the vocabulary files and model_info.json
    tflite/model.tflite   LiteRT model on token ids, built-in ops only
    tflite/model_dynamic.tflite   the same, int8 weights (--quantize dynamic)
    tflite/vocabulary.txt, vocabulary.json, model_info.json (and labels.txt
           for a classifier)

A Seq2Seq model has two TFLite graphs instead, `encoder.tflite` and
`decoder_step.tflite` (and their `_dynamic` variants), and two
vocabularies, `source_vocabulary.*` and `target_vocabulary.*`.

Each export is built in a temporary directory beside its destination and
moved into place only once every requested format is complete and checked,
so a failed or interrupted export leaves no half-written model behind and
keeps an earlier export. (A process killed outright can leave its hidden
`.saved_model.*.tmp` directory, never a partial `saved_model/`.)
"""

import contextlib
import os

from kerasseq.errors import UserError
from kerasseq.errors import checking_user_input
from kerasseq.export.exporter import DEFAULT_FORMATS
from kerasseq.export.exporter import FORMATS
from kerasseq.export.exporter import SAVED_MODEL_DIR
from kerasseq.export.exporter import SAVED_MODEL_IDS_DIR
from kerasseq.export.exporter import TFLITE_DIR
from kerasseq.export.exporter import ExportOptions
from kerasseq.export.exporter import TrainedModel
from kerasseq.export.exporter import describe_exportable
from kerasseq.export.exporter import exportable_jobs
from kerasseq.export.exporter import get_exporter
from kerasseq.training import model_dir


def load_trained_model(path):
    """A `TrainedModel` of directory `path`; a `ValueError` names what can
    be exported when `path` holds another kind of model."""
    from kerasseq.jobs import get_job
    from kerasseq.jobs.trained import load_trained

    job_name = model_dir.read_json(path, model_dir.CONFIG_FILE).get("job")
    if job_name not in exportable_jobs():
        try:
            kind = f" ({get_job(job_name).description})"
        except ValueError:
            kind = ""
        raise UserError(
            f"{path} holds a {job_name!r} model{kind}, which cannot be "
            f"exported; `kerasseq export` supports {describe_exportable()}."
        )
    exporter = get_exporter(job_name)
    for name in exporter.required_files:
        if not os.path.isfile(os.path.join(path, name)):
            raise model_dir.ModelDirError(
                f"{path} has no {name}, which the export needs."
            )
    job, config, model = load_trained(path)
    return TrainedModel(job.name, config, model, path=os.fspath(path),
                        **exporter.read_vocabularies(path))


def check_formats(formats, options):
    formats = tuple(dict.fromkeys(formats or DEFAULT_FORMATS))
    for name in formats:
        if name not in FORMATS:
            raise ValueError(
                f"Argument `format` must be one of {FORMATS}. Received: {name!r}"
            )
    if options.quantize and "tflite" not in formats:
        raise ValueError(
            "--quantize applies to the TFLite export; add --format tflite."
        )
    return formats


def export_trained(source, out, formats=None, options=None, print_fn=print):
    """Exports a loaded `TrainedModel` into `out/saved_model`, `out/tflite`
    (and `out/saved_model_ids`).

    Returns:
        A dict by format: `{"saved_model": {"bytes": ...}, "saved_model_ids":
        {"bytes": ...}, "tflite":
        {variant: {"files", "bytes", "while_loops",
        "max_abs_difference_vs_keras", "same_argmax_vs_keras"}}}`.
    """
    options = options or ExportOptions()
    with checking_user_input():  # all before anything is written
        formats = check_formats(formats, options)
        exporter = get_exporter(source.job)
        exporter.check_exportable(source, formats)
    report = {}
    with contextlib.ExitStack() as stack:
        if "saved_model" in formats:
            path = stack.enter_context(
                model_dir.atomic_directory(os.path.join(out, SAVED_MODEL_DIR))
            )
            report["saved_model"] = exporter.write_saved_model(source, path, options)
        if "tflite" in formats:
            path = stack.enter_context(
                model_dir.atomic_directory(os.path.join(out, TFLITE_DIR))
            )
            report["tflite"] = exporter.write_tflite(source, path, options)
        if "saved_model_ids" in formats:
            path = stack.enter_context(
                model_dir.atomic_directory(os.path.join(out, SAVED_MODEL_IDS_DIR))
            )
            report["saved_model_ids"] = exporter.write_ids_saved_model(
                source, path, options
            )
    for line in describe(report, out, options):
        print_fn(line)
    return report


def export_model(path, formats=None, out=None, options=None, print_fn=print):
    """Exports the model directory `path` (see the module docstring).

    Args:
        path: A directory written by `kerasseq train lm`, `sentiment` or
            `seq2seq`.
        formats: Any of `"saved_model"`, `"tflite"`, `"saved_model_ids"`;
            default the first two.
        out: Directory that receives `saved_model/` and `tflite/`; default
            `path`.
        options: `ExportOptions`.
        print_fn: Where the report lines go.

    Returns:
        The report of `export_trained`.
    """
    options = options or ExportOptions()
    with checking_user_input():
        check_formats(formats, options)
    source = load_trained_model(path)
    return export_trained(source, out or path, formats, options, print_fn)


def human_size(size):
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000


def describe(report, out, options):
    """Report lines: what was written, sizes, checks."""
    lines = []
    if "saved_model" in report:
        lines.append(
            f"{os.path.join(out, SAVED_MODEL_DIR)}/  "
            f"{human_size(report['saved_model']['bytes'])}"
        )
    if "saved_model_ids" in report:
        lines.append(
            f"{os.path.join(out, SAVED_MODEL_IDS_DIR)}/  "
            f"{human_size(report['saved_model_ids']['bytes'])} (token ids in and "
            "out, no string op; vocabulary and model_info.json beside it)"
        )
    variants = report.get("tflite", {})
    float_bytes = variants.get("float32", {}).get("bytes")
    for variant, entry in variants.items():
        line = ", ".join(
            f"{os.path.join(out, TFLITE_DIR, name)}  {human_size(size)}"
            for name, size in entry["files"].items()
        ) + f" {variant}"
        if variant != "float32" and float_bytes:
            line += f" ({entry['bytes'] / float_bytes:.0%} of float32)"
        loops = entry["while_loops"]
        line += (
            f"; built-in ops only, {loops or 'no'} WHILE loop{'s' if loops != 1 else ''}"
            f"; vs Keras on {options.samples} samples: max |prob difference| "
            f"{entry['max_abs_difference_vs_keras']:.2g}, same argmax "
            f"{entry['same_argmax_vs_keras']:.0%}"
        )
        lines.append(line)
    return lines

