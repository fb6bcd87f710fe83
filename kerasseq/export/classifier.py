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
`(batch, max_length)`, right-padded with 0; output `probabilities` as
above. The recurrence is unrolled over `max_length` steps with the padding
masked, so the file has no WHILE loop.

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
from kerasseq.export.text_graph import encode_texts
from kerasseq.export.text_graph import read_empty_as_oov
from kerasseq.export.text_graph import text_vector
from kerasseq.jobs.sentiment import LABELS_FILE
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

    def tflite_graphs(self, source, options):
        def classify(tokens):
            return {"probabilities": self.probabilities(source, tokens)}

        length = self.max_length(source, options)
        signature = [tf.TensorSpec([None, length], tf.int32, name="tokens")]
        return {"model": (classify, signature)}

    def tflite_info(self, source, options):
        length = self.max_length(source, options)
        classes = len(source.class_names)
        return {
            "model": "classifier",
            "inputs": [{
                "name": "tokens", "dtype": "int32", "shape": [-1, length],
                "description": "token ids, right-padded with pad_id to "
                "max_length; longer texts cut to their first max_length "
                "tokens; a row of padding only is read as one oov token",
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
        return models["model"].run(tokens=sample)["probabilities"]
