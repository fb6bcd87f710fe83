"""What `kerasseq export` can export, by job name, and the shared steps.

An `Exporter` knows one kind of model directory (the job that trained it).
It supplies

* `serving_endpoints`: the SavedModel signatures, on raw strings;
* `tflite_graphs`: the on-device graphs, on token ids, built-in ops only,
  one `.tflite` file each;
* `sample_inputs`, `keras_probabilities`, `tflite_probabilities`: how its
  exports are checked against the Keras model;
* `tflite_info`: the inputs, outputs and conventions an app needs;
* `ids_endpoints`, `ids_info`: the SavedModel on token ids
  (`saved_model_ids`, no string op: for the TensorFlow.js converter).

Everything else (writing the SavedModel, converting and quantizing, the
vocabulary files, `model_info.json`, the checks) is shared. Exporters are
registered under the job name, so a new job adds a file with one
`@register_exporter` class. (The `seq2seq` exporter has two TFLite graphs,
`{"encoder": ..., "decoder_step": ...}`, and a SavedModel endpoint that runs
the model's step decoder with a sampler.)
"""

import dataclasses
import json
import os

import numpy as np

from kerasseq.export import saved_model
from kerasseq.export import tflite
from kerasseq.export import verify
from kerasseq.export import vocabulary
from kerasseq.layers import validation
from kerasseq.text.tokenizer import OOV_ID
from kerasseq.text.tokenizer import OOV_TOKEN
from kerasseq.text.tokenizer import PAD_ID
from kerasseq.text.tokenizer import PUNCTUATION_PATTERN
from kerasseq.text.tokenizer import VOCABULARY_FILE
from kerasseq.text.subword import model_file_for
from kerasseq.text.tokenizer import load_tokenizer

SAVED_MODEL_DIR = "saved_model"
#: The SavedModel on token ids (`--format saved_model_ids`), for converters
#: that cannot run string ops (TensorFlow.js).
SAVED_MODEL_IDS_DIR = "saved_model_ids"
TFLITE_DIR = "tflite"
#: The file of a TFLite graph and variant: `model.tflite`,
#: `model_dynamic.tflite`.
TFLITE_FILE = "{graph}{suffix}.tflite"
VARIANT_SUFFIXES = {"float32": "", "dynamic_range_int8": "_dynamic"}
MODEL_INFO_FILE = "model_info.json"
#: Class names, one a line in output order, escaped as `vocabulary.txt`.
LABELS_TEXT_FILE = "labels.txt"
FORMATS = ("saved_model", "tflite", "saved_model_ids")
#: What `kerasseq export` writes when no `--format` is given.
DEFAULT_FORMATS = ("saved_model", "tflite")
QUANTIZATIONS = ("dynamic",)
#: Decodings of a Seq2Seq SavedModel.
DECODINGS = ("beam", "greedy")
#: The language model's `max_new_tokens` when the export names none.
DEFAULT_MAX_NEW_TOKENS = 200
#: A recurrent language model's default prompt cap, in training windows
#: (`seq_len`): it learned from windows of `seq_len` tokens that start from
#: a zero state, and its continuations were found not to change when it
#: reads more than 3 windows of a prompt (README, "Export").
DEFAULT_PROMPT_WINDOWS = 5
#: Largest |float TFLite - Keras| an export accepts (a wrong graph is far off).
PARITY_TOLERANCE = 1e-3


@dataclasses.dataclass
class ExportOptions:
    """Choices made at export time.

    Attributes:
        quantize: `None`, or `"dynamic"` to add an int8-weight TFLite file.
        sampler: Decoding of the language model's SavedModel: `"greedy"`,
            `"random"`, `"top_k"` or `"top_p"`.
        top_k, top_p: The sampler's `k` and `p`.
        max_new_tokens: Language model: the most tokens one generation
            request may ask for, and the count of `serving_default` (default
            `DEFAULT_MAX_NEW_TOKENS`). Seq2Seq: the most decoding steps of a
            translation, the end token included (default: the trained
            `max_length + 1`, as `kerasseq translate`).
        max_prompt_tokens: Language model: the SavedModel reads only the
            last `max_prompt_tokens` tokens of each prompt (default:
            `DEFAULT_PROMPT_WINDOWS` training windows, `5 * seq_len`, for a
            recurrent model; the window `seq_len` for a self-attention
            model, which reads no further back and refuses a larger value).
        max_length: The most tokens of a text the classifier's TFLite
            model and the Seq2Seq TFLite encoder read (the first ones; both
            take inputs of any length); default: the `max_length` it was
            trained with.
        decode: Decoding of the Seq2Seq SavedModel: `"beam"` or `"greedy"`.
        beam_width: Beams of `decode="beam"` (default: the model's `--beam`;
            1 is greedy).
        seed: Seed of a random sampler.
        samples: Sample inputs of the accuracy checks.
    """

    quantize: str | None = None
    sampler: str = "greedy"
    top_k: int = 10
    top_p: float = 0.9
    max_new_tokens: int | None = None
    max_prompt_tokens: int | None = None
    max_length: int | None = None
    decode: str = "beam"
    beam_width: int | None = None
    seed: int | None = None
    samples: int = 32

    def __post_init__(self):
        if self.quantize is not None:
            validation.check_choice("quantize", self.quantize, QUANTIZATIONS)
        validation.check_choice(
            "sampler", self.sampler, ("greedy", "random", "top_k", "top_p")
        )
        validation.check_positive_int("top_k", self.top_k)
        if not 0 < self.top_p <= 1:
            raise ValueError(
                f"Argument `top_p` must be in (0, 1]. Received: top_p={self.top_p}"
            )
        if self.max_new_tokens is not None:
            validation.check_positive_int("max_new_tokens", self.max_new_tokens)
        if self.max_prompt_tokens is not None:
            validation.check_positive_int("max_prompt_tokens", self.max_prompt_tokens)
        if self.max_length is not None:
            validation.check_positive_int("max_length", self.max_length)
        validation.check_choice("decode", self.decode, DECODINGS)
        if self.beam_width is not None:
            validation.check_positive_int("beam_width", self.beam_width)
            if self.decode != "beam":
                raise ValueError(
                    "Argument `beam_width` applies to decode='beam'. Received: "
                    f"beam_width={self.beam_width}, decode={self.decode!r}"
                )
        validation.check_seed("seed", self.seed)
        validation.check_positive_int("samples", self.samples)


@dataclasses.dataclass
class TrainedModel:
    """A loaded model directory: what an exporter reads.

    Attributes:
        job: The registered job name (`"lm"`, `"sentiment"`, ...).
        config: Its `JobConfig`.
        model: The Keras model.
        tokenizer: The `Tokenizer` of the input text, for text jobs (the
            source vocabulary of a Seq2Seq model).
        class_names: Class names, for classifiers.
        path: The model directory, or `None` for a model built in memory.
        target_tokenizer: The `Tokenizer` of the output text (Seq2Seq).
    """

    job: str
    config: object
    model: object
    tokenizer: object = None
    class_names: list = None
    path: str = None
    target_tokenizer: object = None


class Exporter:
    """Base class of the exporters; subclasses fill in the hooks."""

    job_name = None
    #: The command that makes a model directory this exporter reads.
    made_by = ""
    #: Files the model directory must hold besides the model and config.
    required_files = (VOCABULARY_FILE,)

    def check_exportable(self, source, formats):
        """Raises `ValueError` before anything is written when `source`
        cannot be exported in `formats`; the default accepts every model."""

    def read_vocabularies(self, path):
        """The `TrainedModel` fields read from model directory `path`
        besides the model: `{"tokenizer": ...}` by default."""
        return {"tokenizer": load_tokenizer(os.path.join(path, VOCABULARY_FILE))}

    def serving_endpoints(self, source, options):
        """`{name: (function, input_signature)}` of the SavedModel; the one
        named `serving_default` is what TF Serving calls by default."""
        raise NotImplementedError

    def tflite_graphs(self, source, options):
        """`{graph name: (function, input_signature)}` of the TFLite files
        (`model` for a single graph: `model.tflite`)."""
        raise NotImplementedError

    def ids_endpoints(self, source, options):
        """`{name: (function, input_signature)}` of the SavedModel on token
        ids (`saved_model_ids`): the serving endpoints with the text replaced
        by ids, so that the graph has no string op."""
        raise NotImplementedError

    def ids_info(self, source, options):
        """`{signature name: {"inputs": [...], "outputs": [...]}}` of the
        SavedModel on ids, for its `model_info.json`."""
        raise NotImplementedError

    def tflite_info(self, source, options):
        """The model-specific part of `model_info.json`."""
        raise NotImplementedError

    def sample_inputs(self, source, options):
        """Inputs on which the exports are compared."""
        raise NotImplementedError

    def keras_probabilities(self, source, sample):
        """Probabilities of the Keras model on `sample`, `(n, classes)`."""
        raise NotImplementedError

    def tflite_probabilities(self, models, sample):
        """Probabilities on `sample` of the `verify.TFLiteModel`s of one
        variant, by graph name."""
        raise NotImplementedError

    # ----------------------------------------------------------- shared
    def write_saved_model(self, source, directory, options):
        """Writes the SavedModel into the (new) `directory`."""
        saved_model.write(
            directory,
            self.serving_endpoints(source, options),
            source.model,
            track=lookup_tables(source.tokenizer)
            + lookup_tables(source.target_tokenizer),
        )
        return {"bytes": directory_size(directory)}

    def write_ids_saved_model(self, source, directory, options):
        """Writes the SavedModel on ids, its vocabulary files and
        `model_info.json` into the (new) `directory`."""
        saved_model.write(directory, self.ids_endpoints(source, options), source.model)
        self.write_app_files(source, directory, {
            "format": "saved_model",
            "signatures": self.ids_info(source, options),
        })
        return {"bytes": directory_size(directory)}

    def write_tflite(self, source, directory, options):
        """Writes the TFLite files, vocabulary and `model_info.json` into
        `directory` and checks them; returns the report by variant."""
        variants = ["float32"]
        if options.quantize == "dynamic":
            variants.append("dynamic_range_int8")
        files = {}  # graph name -> variant -> file name
        for graph, (function, signature) in self.tflite_graphs(source, options).items():
            blobs = tflite.convert(source.model, function, signature, variants)
            for variant, blob in blobs.items():
                name = TFLITE_FILE.format(graph=graph, suffix=VARIANT_SUFFIXES[variant])
                with open(os.path.join(directory, name), "wb") as handle:
                    handle.write(blob)
                files.setdefault(graph, {})[variant] = name
        sample = self.sample_inputs(source, options)
        expected = self.keras_probabilities(source, sample)
        report = {}
        for variant in variants:
            models = {
                graph: verify.TFLiteModel(os.path.join(directory, names[variant]))
                for graph, names in files.items()
            }
            for model in models.values():
                model.check_builtin_only()
            got = self.tflite_probabilities(models, sample)
            report[variant] = {
                "files": {
                    os.path.basename(model.path): len(model.flatbuffer)
                    for model in models.values()
                },
                "bytes": sum(len(model.flatbuffer) for model in models.values()),
                "while_loops": sum(
                    model.op_names().count("WHILE") for model in models.values()
                ),
                "max_abs_difference_vs_keras": verify.max_abs_difference(
                    got, expected
                ),
                "same_argmax_vs_keras": verify.argmax_agreement(got, expected),
            }
        parity = report["float32"]["max_abs_difference_vs_keras"]
        if not parity <= PARITY_TOLERANCE:
            raise verify.ExportCheckError(
                f"the float TFLite model differs from the Keras model by "
                f"{parity:.3g} (tolerance {PARITY_TOLERANCE}); not exported."
            )
        self.write_app_files(source, directory, {
            "files": files,
            "signature": tflite.SIGNATURE_KEY,
            **self.tflite_info(source, options),
        })
        return report

    def write_app_files(self, source, directory, model_info):
        """The vocabulary files, `labels.txt` (classifiers) and
        `model_info.json` (`model_info`, the vocabularies and the
        tokenizer's steps) beside the models."""
        info = {"format_version": 1, "job": source.job, **model_info}
        for prefix, tokenizer in vocabulary_files(source).items():
            text_file = prefix + vocabulary.TEXT_FILE
            json_file = prefix + VOCABULARY_FILE
            tokenizer.save(os.path.join(directory, json_file))
            vocabulary.write_text(
                os.path.join(directory, text_file), tokenizer.vocabulary
            )
            info[prefix + "vocabulary"] = {
                "text_file": text_file,
                "text_file_format": vocabulary.TEXT_FORMAT,
                "json_file": json_file,
                "size": tokenizer.vocabulary_size,
                "pad_id": PAD_ID,
                "oov_id": OOV_ID,
                "oov_token": OOV_TOKEN,
            }
            if tokenizer.level == "subword":
                info[prefix + "vocabulary"]["sentencepiece_model_file"] = (
                    os.path.basename(model_file_for(json_file))
                )
        if source.tokenizer is not None:
            info["tokenizer"] = tokenizer_description(source.tokenizer.level)
            if source.target_tokenizer is not None:
                info["target_tokenizer"] = tokenizer_description(
                    source.target_tokenizer.level
                )
        if source.class_names is not None:
            vocabulary.write_text(
                os.path.join(directory, LABELS_TEXT_FILE), source.class_names
            )
            info["labels_file"] = LABELS_TEXT_FILE
        with open(os.path.join(directory, MODEL_INFO_FILE), "w",
                  encoding="utf-8") as handle:
            json.dump(info, handle, indent=2, ensure_ascii=False)
            handle.write("\n")


def vocabulary_files(source):
    """`{file name prefix: tokenizer}` of the vocabulary files an export
    writes: `vocabulary.*`, or `source_vocabulary.*` and
    `target_vocabulary.*` for a model with an output vocabulary."""
    if source.tokenizer is None:
        return {}
    if source.target_tokenizer is None:
        return {"": source.tokenizer}
    return {"source_": source.tokenizer, "target_": source.target_tokenizer}


def lookup_tables(tokenizer):
    """The tokenizer's lookup layer (a `StringLookup`, or the TF Text
    SentencePiece tokenizer of a subword one), built, for the SavedModel
    to keep."""
    if tokenizer is None:
        return []
    tokenizer.encode([""])  # builds a word/char StringLookup's table
    return [tokenizer.lookup_layer()]


def tokenizer_description(level):
    """How an app turns text into ids (and ids into text), as
    `model_info.json` states it."""
    if level == "subword":
        return {
            "level": "subword",
            "steps": [
                "load the SentencePiece model named by the vocabulary's "
                "sentencepiece_model_file (any SentencePiece runtime)",
                "encode the text to ids with it, without BOS/EOS: its ids are "
                "the model's ids (0 padding, 1 oov, 2 start, 3 end)",
                "output ids: drop ids 0-3 and decode the rest with the same "
                "SentencePiece model (DecodeIds), which restores spaces, "
                "case and punctuation",
            ],
        }
    if level == "char":
        return {
            "level": "char",
            "steps": [
                "decode UTF-8, replacing invalid bytes by U+FFFD",
                "one token per Unicode code point",
                "id = line number in the vocabulary, else oov_id",
            ],
        }
    return {
        "level": "word",
        "steps": [
            "decode UTF-8, replacing invalid bytes by U+FFFD",
            "lower-case (Unicode)",
            "delete every character matching punctuation_pattern",
            "split on whitespace",
            "id = line number in the vocabulary, else oov_id",
        ],
        "punctuation_pattern": PUNCTUATION_PATTERN,
    }


def directory_size(path):
    """Bytes of the files under `path`."""
    return sum(
        os.path.getsize(os.path.join(root, name))
        for root, _, names in os.walk(path)
        for name in names
    )


def sample_ids(vocabulary_size, shape, seed=0):
    """Random real-token ids (no pad, no OOV), for checks."""
    rng = np.random.default_rng(seed)
    low = min(OOV_ID + 1, vocabulary_size - 1)
    return rng.integers(low, vocabulary_size, size=shape).astype(np.int32)


_EXPORTERS = {}


def register_exporter(exporter_class):
    """Class decorator: registers an instance under `exporter_class.job_name`."""
    name = exporter_class.job_name
    if name in _EXPORTERS and type(_EXPORTERS[name]) is not exporter_class:
        raise ValueError(
            f"An exporter is already registered for job {name!r}: "
            f"{type(_EXPORTERS[name]).__name__}."
        )
    _EXPORTERS[name] = exporter_class()
    return exporter_class


def exportable_jobs():
    """The job names that have an exporter, in registration order."""
    return tuple(_EXPORTERS)


def describe_exportable():
    """`"'lm' (kerasseq train lm), ..."`: what can be exported."""
    return ", ".join(
        f"{name!r} ({exporter.made_by})" for name, exporter in _EXPORTERS.items()
    )


def get_exporter(job_name):
    """The exporter of `job_name`; a `ValueError` lists what can be exported."""
    try:
        return _EXPORTERS[job_name]
    except KeyError:
        raise ValueError(
            f"models of job {job_name!r} cannot be exported; `kerasseq export` "
            f"supports {describe_exportable()}."
        ) from None
