"""Exports a text classifier (`kerasseq train sentiment`).

SavedModel, signature `serving_default`:

* input `text`: `tf.string` `(batch,)`, raw UTF-8 texts;
* output `probabilities`: float32 `(batch, classes)`, one column per class
  (a two-class model's sigmoid `p` becomes `[1 - p, p]`);
* output `labels`: `tf.string` `(batch,)`, the most probable class name;
* output `truncated`: bool `(batch,)`, whether the text had more tokens
  than the model's `max_length` (it is cut to its first `max_length`).

`text` follows the rule of every kerasseq text signature
(`text_graph.text_vector`): a string vector `(batch,)`, a scalar read as a
batch of one; rank 2 or more raises `InvalidArgumentError`.

TFLite, signature `serving_default`: input `tokens` int32
`(batch, time)` of any length, right-padded with 0 to the batch's longest
text; output `probabilities` as above. Each recurrent layer is one built-in
`WHILE` loop over `time` (`while_loop.while_loop_recurrence`), so a call
costs what its text costs: an app resizes the input to `(1, n)` for a text
of `n` tokens. Like the SavedModel, the graph reads at most `max_length`
tokens of each text (the first ones), and an id outside the vocabulary
(negative, or too large) is read as `[UNK]`. A batch of zero rows returns
zero rows.

In both, a text with no token at all (empty, or only punctuation at word
level) is read as one `[UNK]` token.
"""

import numpy as np
import tensorflow as tf
from keras import ops

from kerasseq.export.exporter import Exporter
from kerasseq.export.exporter import register_exporter
from kerasseq.export.exporter import sample_ids
from kerasseq.export.text_graph import TEXT_SPEC
from kerasseq.export.text_graph import clean_ids
from kerasseq.export.text_graph import encode_texts
from kerasseq.export.text_graph import id_counts
from kerasseq.export.text_graph import read_empty_as_oov
from kerasseq.export.text_graph import text_vector
from kerasseq.export.while_loop import while_loop_recurrence
from kerasseq.jobs.sentiment import LABELS_FILE
from kerasseq.text.tokenizer import PAD_ID
from kerasseq.text.tokenizer import VOCABULARY_FILE
from kerasseq.training import model_dir


def class_probabilities(outputs):
    """`(batch, classes)` from a classifier's output (sigmoid or softmax)."""
    if outputs.shape[-1] == 1:
        return ops.concatenate([1.0 - outputs, outputs], axis=-1)
    return outputs


@register_exporter
class ClassifierExporter(Exporter):
    job_name = "sentiment"
    made_by = "kerasseq train sentiment"
    required_files = (VOCABULARY_FILE, LABELS_FILE)

    def read_vocabularies(self, path):
        return {
            **super().read_vocabularies(path),
            "class_names": model_dir.read_json(path, LABELS_FILE)["class_names"],
        }

    def max_length(self, source, options):
        return options.max_length or source.config.options.max_length

    def probabilities(self, source, ids):
        """The exported forward pass on ids `(batch, time)`."""
        outputs = source.model(read_empty_as_oov(ids), training=False)
        return class_probabilities(outputs)

    def serving_endpoints(self, source, options):
        max_length = source.config.options.max_length
        class_names = tf.constant(source.class_names)

        def classify(text):
            ids, lengths = encode_texts(source.tokenizer, text_vector(text), max_length)
            probabilities = self.probabilities(source, ids)
            return {
                "probabilities": probabilities,
                "labels": tf.gather(class_names, tf.argmax(probabilities, axis=-1)),
                "truncated": lengths > max_length,
            }

        return {"serving_default": (classify, [TEXT_SPEC])}

    def ids_endpoints(self, source, options):
        length = source.config.options.max_length
        vocabulary_size = source.tokenizer.vocabulary_size

        def classify(tokens):
            ids = clean_ids(tokens, length, vocabulary_size)
            return {
                "probabilities": self.probabilities(source, ids),
                "truncated": id_counts(tokens) > length,
            }

        signature = [tf.TensorSpec([None, None], tf.int32, name="tokens")]
        return {"serving_default": (classify, signature)}

    def ids_info(self, source, options):
        return {"serving_default": {
            "inputs": [{
                "name": "tokens", "dtype": "int32", "shape": [-1, -1],
                "description": "token ids, a batch right-padded with pad_id; "
                "only the first max_length tokens are read; ids outside the "
                "vocabulary and a row of padding only are read as oov_id",
            }],
            "outputs": [
                {"name": "probabilities", "dtype": "float32",
                 "shape": [-1, len(source.class_names)],
                 "description": "probability of each class, in class_names order"},
                {"name": "truncated", "dtype": "bool", "shape": [-1],
                 "description": "whether the row had more than max_length ids"},
            ],
            "class_names": list(source.class_names),
            "max_length": source.config.options.max_length,
        }}

    def tflite_graphs(self, source, options):
        length = self.max_length(source, options)
        vocabulary_size = source.tokenizer.vocabulary_size

        def classify(tokens):
            tokens = clean_ids(tokens, length, vocabulary_size)
            with while_loop_recurrence(source.model):
                return {"probabilities": self.probabilities(source, tokens)}

        signature = [tf.TensorSpec([None, None], tf.int32, name="tokens")]
        return {"model": (classify, signature)}

    def tflite_info(self, source, options):
        length = self.max_length(source, options)
        classes = len(source.class_names)
        return {
            "model": "classifier",
            "inputs": [{
                "name": "tokens", "dtype": "int32", "shape": [-1, -1],
                "description": "token ids of any length (resize the input "
                "to (1, n) for one text of n tokens: the cost follows n); "
                "a batch is right-padded with pad_id to its longest text; "
                "only the first max_length tokens are read; ids outside "
                "the vocabulary and a row of padding only are read as "
                "oov_id",
            }],
            "outputs": [{
                "name": "probabilities", "dtype": "float32",
                "shape": [-1, classes],
                "description": "probability of each class, in class_names order",
            }],
            "class_names": list(source.class_names),
            "max_length": length,
        }

    def sample_inputs(self, source, options):
        length = self.max_length(source, options)
        rng = np.random.default_rng(0)
        ids = sample_ids(source.tokenizer.vocabulary_size, (options.samples, length))
        lengths = rng.integers(1, length + 1, size=options.samples)
        ids[np.arange(length)[None, :] >= lengths[:, None]] = 0  # padding
        return ids

    def keras_probabilities(self, source, sample):
        return ops.convert_to_numpy(
            class_probabilities(source.model(sample, training=False))
        )

    def tflite_probabilities(self, models, sample):
        """Each text alone, cut to its own length, as an app runs it."""
        lengths = np.maximum((sample != PAD_ID).sum(axis=1), 1)
        return np.concatenate([
            models["model"].run(tokens=row[None, :n])["probabilities"]
            for row, n in zip(sample, lengths)
        ])
