"""Exports a translation model (`kerasseq train seq2seq`).

SavedModel, signature `serving_default`:

* input `text`: `tf.string` `(batch,)`, raw UTF-8 source texts;
* output `translation`: `tf.string` `(batch,)`, the translation as
  `kerasseq translate` prints it (words joined by spaces at word level;
  cased text with its punctuation at subword level, detokenized by TF
  Text's SentencePiece op: a serving process must `import tensorflow_text`);
* output `token_ids`: int32 `(batch, max_new_tokens)`, the target ids of
  the translation, without the end token, right-padded with 0;
* output `length`: int32 `(batch,)`, the number of those ids;
* output `score`: float32 `(batch,)`, the log-probability of the output
  (the end token included; divided by the length penalty for beam search);
* output `truncated`: bool `(batch,)`, whether the text had more tokens than
  the trained `max_length` (it is cut to its first `max_length`; `kerasseq
  translate` reads it whole).

`text` follows the rule of every kerasseq text signature
(`text_graph.text_vector`): a string vector `(batch,)`, a scalar read as a
batch of one; rank 2 or more raises `InvalidArgumentError`.

The decoding, beam search (width and length penalty of the model's
`--beam` and `--length-penalty` unless `--beam-width` is given) or greedy,
is chosen at export; it runs the samplers of `kerasseq translate` on the
model's own step decoder (`Seq2SeqDecoder.decode_tensors`), for at most
`max_new_tokens` steps (default the trained `max_length + 1`, as `kerasseq
translate`). A text with no token at all (empty, or only punctuation at
word level) gets an empty translation: no ids, length 0, score 0.

TFLite, two graphs of `step_models.Seq2SeqSteps` for the decoding loop of
an app (batch of any size, sources of any length):

* `encoder.tflite`: input `source` int32 `(batch, S)`, right-padded with 0
  to the batch's longest source; outputs `encoder_outputs`, `source_mask`
  and the decoder's initial `state_*`. Each encoder layer is one built-in
  `WHILE` loop over `S` (`while_loop.while_loop_recurrence`), so it costs
  what the source costs; like the SavedModel it reads at most the trained
  `max_length` tokens of each source, and reads ids outside the source
  vocabulary as `[UNK]`;
* `decoder_step.tflite`: inputs `token`, `encoder_outputs`, `source_mask`
  and the `state_*`; outputs `logits`, `attention` and the new `state_*`.

`model_info.json` lists the inputs and outputs of both, the special ids
and how to loop; `source_vocabulary.txt` and `target_vocabulary.txt` are
the two vocabularies, and a subword model ships its two SentencePiece
models, `source_vocabulary.model` and `target_vocabulary.model`, with which
an app tokenizes the text and detokenizes the output ids.
"""

import os

import numpy as np
import tensorflow as tf
from keras import ops

from kerasseq.export import vocabulary
from kerasseq.export.exporter import Exporter
from kerasseq.export.exporter import register_exporter
from kerasseq.export.exporter import sample_ids
from kerasseq.export.step_models import Seq2SeqSteps
from kerasseq.export.text_graph import TEXT_SPEC
from kerasseq.export.text_graph import clean_ids
from kerasseq.export.text_graph import encode_texts
from kerasseq.export.text_graph import id_counts
from kerasseq.export.text_graph import read_empty_as_oov
from kerasseq.export.text_graph import text_vector
from kerasseq.export.verify import softmax
from kerasseq.export.while_loop import while_loop_recurrence
from kerasseq.jobs.seq2seq import SOURCE_VOCABULARY_FILE
from kerasseq.jobs.seq2seq import TARGET_VOCABULARY_FILE
from kerasseq.jobs.seq2seq import beam_sampler
from kerasseq.jobs.seq2seq import load_vocabularies
from kerasseq.jobs.seq2seq import special_ids
from kerasseq.models.seq2seq import Seq2SeqDecoder
from kerasseq.text.subword import model_file_for
from kerasseq.text.tokenizer import OOV_ID
from kerasseq.text.tokenizer import PAD_ID

#: Inputs of the decoder step besides its states.
_STEP_INPUTS = ("token", "encoder_outputs", "source_mask")


def make_sampler(source, options):
    """The export's sampler: greedy, or beam search of the chosen width
    with the model's length penalty (width 1 is greedy)."""
    if options.decode == "greedy":
        return beam_sampler(1, 0.0)
    model_options = source.config.options
    return beam_sampler(options.beam_width or model_options.beam,
                        model_options.length_penalty)


def max_steps(source, options):
    """Decoding steps of a translation at most, the end token included."""
    return options.max_new_tokens or source.config.options.max_length + 1


def run_tflite_decoder(models, source, target_in):
    """Teacher-forced TFLite decoding: the logits after each of `target_in`.

    Args:
        models: `verify.TFLiteModel`s by graph name, `encoder` and
            `decoder_step`.
        source: int32 `(batch, max_length)` source ids.
        target_in: int32 `(batch, T)`, the token fed at each step.

    Returns:
        float32 `(batch, T, vocab)`.
    """
    encoded = models["encoder"].run(source=source)
    names = [n for n in models["decoder_step"].input_shapes() if n not in _STEP_INPUTS]
    states = {name: encoded[name] for name in names}
    logits = []
    for tokens in np.asarray(target_in, np.int32).T:
        outputs = models["decoder_step"].run(
            token=tokens, encoder_outputs=encoded["encoder_outputs"],
            source_mask=encoded["source_mask"], **states,
        )
        states = {name: outputs[name] for name in names}
        logits.append(outputs["logits"])
    return np.stack(logits, axis=1)


def _detokenize_hint(level):
    if level == "subword":
        model = os.path.basename(model_file_for(TARGET_VOCABULARY_FILE))
        return (f"drop ids 0-3 and decode the rest with the SentencePiece "
                f"model {model} (see target_tokenizer).")
    return (f"look them up in target_{vocabulary.TEXT_FILE} and join them by "
            + ("spaces." if level == "word" else "nothing."))


@register_exporter
class Seq2SeqExporter(Exporter):
    job_name = "seq2seq"
    made_by = "kerasseq train seq2seq"
    required_files = (SOURCE_VOCABULARY_FILE, TARGET_VOCABULARY_FILE)

    def read_vocabularies(self, path):
        vocabularies = load_vocabularies(path)
        return {"tokenizer": vocabularies.source,
                "target_tokenizer": vocabularies.target}

    def max_length(self, source, options):
        return options.max_length or source.config.options.max_length

    def translate_ids(self, source, options):
        """The decoding of both SavedModels: `(ids, lengths) -> outputs`.

        `ids` int32 `(batch, S)` are the sources cut to `max_length`, with a
        row of no token read as one `[UNK]` (the model needs a source
        position: its output is then dropped); `lengths` `(batch,)` are the
        token counts before cutting.
        """
        target = source.target_tokenizer
        start_id, end_id = special_ids(target)
        decoder = Seq2SeqDecoder(source.model, start_id, end_id)
        sampler = make_sampler(source, options)
        steps = max_steps(source, options)
        max_length = source.config.options.max_length

        def translate(ids, lengths):
            result = decoder.decode_tensors(ids, sampler, steps)
            empty = lengths == 0  # (batch,)
            tokens = result["tokens"]  # (batch, steps): ..., end, pad, ...
            tokens = tf.where(tokens == end_id, PAD_ID, tokens)
            tokens = tf.where(empty[:, None], PAD_ID, tokens)
            return {
                "token_ids": tokens,
                "length": id_counts(tokens),
                "score": tf.where(empty, 0.0, result["scores"]),
                "truncated": lengths > max_length,
            }

        return translate

    def serving_endpoints(self, source, options):
        translate_ids = self.translate_ids(source, options)
        max_length = source.config.options.max_length

        def translate(text):
            ids, lengths = encode_texts(source.tokenizer, text_vector(text), max_length)
            outputs = translate_ids(read_empty_as_oov(ids), lengths)
            return {
                "translation": source.target_tokenizer.decode_tensor(
                    outputs["token_ids"]
                ),
                **outputs,
            }

        return {"serving_default": (translate, [TEXT_SPEC])}

    def ids_endpoints(self, source, options):
        translate_ids = self.translate_ids(source, options)
        max_length = source.config.options.max_length
        vocabulary_size = source.tokenizer.vocabulary_size

        def translate(source_ids):
            lengths = id_counts(source_ids)
            ids = clean_ids(source_ids, max_length, vocabulary_size)
            return translate_ids(ids, lengths)

        signature = [tf.TensorSpec([None, None], tf.int32, name="source")]
        return {"serving_default": (translate, signature)}

    def ids_info(self, source, options):
        start_id, end_id = special_ids(source.target_tokenizer)
        steps = max_steps(source, options)
        return {"serving_default": {
            "inputs": [{
                "name": "source", "dtype": "int32", "shape": [-1, -1],
                "description": "source ids (source vocabulary), a batch "
                "right-padded with pad_id; only the first max_length ids are "
                "read; ids outside the vocabulary are read as oov_id; a row "
                "of padding only gets an empty translation",
            }],
            "outputs": [
                {"name": "token_ids", "dtype": "int32", "shape": [-1, steps],
                 "description": "target ids of the translation, without "
                 "end_id, right-padded with pad_id: " + _detokenize_hint(
                     source.target_tokenizer.level)},
                {"name": "length", "dtype": "int32", "shape": [-1],
                 "description": "the number of those ids"},
                {"name": "score", "dtype": "float32", "shape": [-1],
                 "description": "log-probability of the output"},
                {"name": "truncated", "dtype": "bool", "shape": [-1],
                 "description": "whether the source had more than max_length ids"},
            ],
            "decode": options.decode,
            "special_ids": {"pad": PAD_ID, "oov": OOV_ID, "start": start_id,
                            "end": end_id},
            "max_length": source.config.options.max_length,
        }}

    def tflite_graphs(self, source, options):
        steps = Seq2SeqSteps(source.model)
        length = self.max_length(source, options)
        vocabulary_size = source.tokenizer.vocabulary_size

        def encoder(source_ids):
            source_ids = clean_ids(source_ids, length, vocabulary_size)
            with while_loop_recurrence(source.model):
                return steps.encoder(source_ids)

        return {
            "encoder": (encoder, steps.encoder_signature(None)),
            "decoder_step": (steps.decoder_step,
                             steps.decoder_step_signature(None)),
        }

    def tflite_info(self, source, options):
        steps = Seq2SeqSteps(source.model)
        length = self.max_length(source, options)
        start_id, end_id = special_ids(source.target_tokenizer)
        states = steps.states.describe(batch_size=-1)
        encoded = [
            {"name": "encoder_outputs", "dtype": "float32",
             "shape": [-1, -1, steps.encoder_width],
             "description": "the encoder's output at each source position"},
            {"name": "source_mask", "dtype": "int32", "shape": [-1, -1],
             "description": "1 at a real source token, 0 at padding"},
        ]
        return {
            "model": "seq2seq",
            "graphs": {
                "encoder": {
                    "inputs": [{
                        "name": "source", "dtype": "int32", "shape": [-1, -1],
                        "description": "source token ids (source vocabulary) "
                        "of any length (resize the input to (1, n) for one "
                        "source of n tokens: the cost follows n); a batch is "
                        "right-padded with pad_id to its longest source; only "
                        "the first max_source_length tokens are read; ids "
                        "outside the vocabulary and a row of padding only are "
                        "read as oov_id",
                    }],
                    "outputs": [*encoded, *states],
                },
                "decoder_step": {
                    "inputs": [
                        {"name": "token", "dtype": "int32", "shape": [-1],
                         "description": "the previous target token id "
                         "(start_id at the first step)"},
                        *encoded,
                        *states,
                    ],
                    "outputs": [
                        {"name": "logits", "dtype": "float32",
                         "shape": [-1, steps.vocabulary_size],
                         "description": "unnormalized log-probabilities of the "
                         "next target token"},
                        {"name": "attention", "dtype": "float32",
                         "shape": [-1, -1],
                         "description": "this step's attention weights over "
                         "the source positions (zeros without attention)"},
                        *states,
                    ],
                },
            },
            "states": states,
            "special_ids": {"pad": PAD_ID, "oov": OOV_ID, "start": start_id,
                            "end": end_id},
            "never_emit_ids": [PAD_ID, start_id],
            "max_source_length": length,
            "max_output_length": max_steps(source, options),
            "attention": source.config.options.attention,
            "usage": "run encoder once on the source ids; then, from "
            "token = start_id and the encoder's state_* outputs, run "
            "decoder_step with encoder_outputs and source_mask as the encoder "
            "returned them, pick the next token from logits (never an id of "
            "never_emit_ids), feed it and the returned state_* back, and stop "
            "at end_id or after max_output_length steps. The target ids "
            "before end_id are the translation: " + _detokenize_hint(
                source.target_tokenizer.level),
        }

    def sample_inputs(self, source, options):
        length = self.max_length(source, options)
        rows = 2
        rng = np.random.default_rng(0)
        ids = sample_ids(source.tokenizer.vocabulary_size, (rows, length))
        lengths = rng.integers(1, length + 1, size=rows)
        ids[np.arange(length)[None, :] >= lengths[:, None]] = PAD_ID
        steps = max(1, options.samples // rows)
        target_in = sample_ids(source.target_tokenizer.vocabulary_size,
                               (rows, steps), seed=1)
        target_in[:, 0] = special_ids(source.target_tokenizer)[0]
        return {"source": ids, "target_in": target_in}

    def keras_probabilities(self, source, sample):
        logits = source.model([sample["source"], sample["target_in"]], training=False)
        logits = ops.convert_to_numpy(logits)  # (rows, T, vocab)
        return softmax(logits.reshape(-1, logits.shape[-1]))

    def tflite_probabilities(self, models, sample):
        logits = run_tflite_decoder(models, sample["source"], sample["target_in"])
        return softmax(logits.reshape(-1, logits.shape[-1]))
