"""Using trained model directories: generate, classify, nearest neighbours
(translation: `kerasseq.translation`).

Each loader checks that the directory holds the right kind of model and says
which `kerasseq train` job makes one when it does not.
"""

import json
import os

import numpy as np

from kerasseq.errors import UserError
from kerasseq.text.embeddings import nearest_neighbors
from kerasseq.text.tokenizer import VOCABULARY_FILE
from kerasseq.text.tokenizer import load_tokenizer
from kerasseq.training import model_dir
from kerasseq.jobs.trained import load_trained
from kerasseq.jobs.trained import read_trained_config

_MAKES = {
    "lm": "kerasseq train lm",
    "sentiment": "kerasseq train sentiment",
    "seq2seq": "kerasseq train seq2seq",
}


class WrongModelKind(UserError):
    """A command got a model directory of another job."""


def load_model_for(path, job_name, command):
    """`(config, model)` of a `job_name` model directory, else
    `WrongModelKind` naming the job that makes one for `command`."""
    job, _ = read_trained_config(path)  # the kind first, then the model
    if job.name != job_name:
        raise WrongModelKind(
            f"{path} holds a {job.name!r} model ({job.description}); "
            f"`kerasseq {command}` needs one made by `{_MAKES[job_name]}`."
        )
    _, config, model = load_trained(path)
    return config, model


def load_for(path, job_name, command):
    """`(config, model, tokenizer)` of a `job_name` model directory."""
    config, model = load_model_for(path, job_name, command)
    vocabulary = os.path.join(path, VOCABULARY_FILE)
    if not os.path.isfile(vocabulary):
        raise model_dir.ModelDirError(f"{path} has no {VOCABULARY_FILE}.")
    return config, model, load_tokenizer(vocabulary)


def generate(path, prompt, max_tokens=200, sampler="top_k", seed=None,
             jit_compile=False, **kwargs):
    """Text that continues `prompt`, from the language model in `path`
    (`generate_text`; `jit_compile`: decode with XLA)."""
    from kerasseq.models.language_model import generate_text

    _, model, tokenizer = load_for(path, "lm", "generate")
    return generate_text(model, tokenizer, prompt, max_tokens, sampler=sampler,
                         seed=seed, jit_compile=jit_compile, **kwargs)


class Classifier:
    """The sentiment model of a directory, ready for raw text.

    Texts longer than the model's `max_length` tokens are cut to it (the
    model was trained on at most that many); `classify` reports which.
    """

    def __init__(self, path):
        self.config, self.model, self.tokenizer = load_for(path, "sentiment", "classify")
        labels = model_dir.read_json(path, "labels.json")
        self.class_names = labels["class_names"]
        self.max_length = self.config.options.max_length

    def classify(self, texts):
        """`[(class name, probability of it, truncated?)]`, one per text."""
        ids = self.tokenizer.encode(list(texts))
        lengths = ids.row_lengths().numpy()
        batch = ids.to_tensor(shape=(len(texts), max(1, min(lengths.max(initial=1), self.max_length))))
        probabilities = np.asarray(self.model.predict(batch, verbose=0))
        if probabilities.shape[-1] == 1:
            probabilities = np.concatenate([1 - probabilities, probabilities], axis=-1)
        best = probabilities.argmax(axis=-1)
        return [
            (self.class_names[b], float(p[b]), bool(n > self.max_length))
            for b, p, n in zip(best, probabilities, lengths)
        ]


def neighbors(path, word, count=10):
    """Nearest words to `word` in the embedding of the model in `path`."""
    _, config, model = load_trained(path)
    vocabulary_path = os.path.join(path, VOCABULARY_FILE)
    if not os.path.isfile(vocabulary_path):
        raise WrongModelKind(
            f"{path} has no vocabulary: `neighbors` needs a text model "
            "(kerasseq train lm or sentiment)."
        )
    with open(vocabulary_path, encoding="utf-8") as handle:
        tokens = json.load(handle)["tokens"]
    matrix = np.asarray(model.embedding.embeddings)
    return nearest_neighbors(matrix, ["", "[UNK]"] + tokens, word, count)
