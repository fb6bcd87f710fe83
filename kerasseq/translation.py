"""Translating with a trained `kerasseq train seq2seq` model directory.

Example:

>>> translator = Translator("saved_models/seq2seq")  # doctest: +SKIP
>>> [t.translation for t in translator.translate(["¿Dónde está tu hermano?"])]
['Where is thy brother?']
"""

import dataclasses
import os

import numpy as np

from kerasseq.errors import UserError
from kerasseq.errors import checking_user_input
from kerasseq.inference import load_model_for
from kerasseq.jobs.seq2seq import DECODE_BATCH_SIZE
from kerasseq.jobs.seq2seq import END_TOKEN
from kerasseq.jobs.seq2seq import beam_sampler
from kerasseq.jobs.seq2seq import load_vocabularies
from kerasseq.jobs.seq2seq import special_ids
from kerasseq.layers import validation
from kerasseq.models.seq2seq import Seq2SeqDecoder


@dataclasses.dataclass
class Translation:
    """One translated text.

    Attributes:
        text: The source text as given.
        translation: The output: cased text (subword level), space-joined
            words (word level) or characters (character level).
        source_tokens: The source as the model read it.
        target_tokens: The output tokens, then `[END]` if it was emitted.
        attention: `(len(target_tokens), len(source_tokens))` weights, or
            `None` for a model without attention.
    """

    text: str
    translation: str
    source_tokens: list
    target_tokens: list
    attention: object


class Translator:
    """The Seq2Seq model of a directory, ready for raw text.

    Args:
        path: A model directory written by `kerasseq train seq2seq`.

    Raises:
        ValueError: (`WrongModelKind`, `ModelDirError`) the directory holds
            another kind of model, or is incomplete.
    """

    def __init__(self, path):
        self.config, self.model = load_model_for(path, "seq2seq", "translate")
        self.vocabularies = load_vocabularies(path)
        self.decoder = Seq2SeqDecoder(
            self.model, *special_ids(self.vocabularies.target)
        )
        self.max_length = self.config.options.max_length + 1
        self._samplers = {}

    @property
    def has_attention(self):
        return self.decoder.has_attention

    def translate(self, texts, beam=None, length_penalty=None):
        """Translates `texts`; returns one `Translation` per text.

        Args:
            texts: List of strings.
            beam: Beam width (1: greedy); default the model's `--beam`.
            length_penalty: GNMT `alpha`; default the model's.

        Raises:
            kerasseq.errors.UserError: a text holds no token the model can
                read, or `beam` is not a positive integer.
        """
        options = self.config.options
        beam = options.beam if beam is None else beam
        alpha = options.length_penalty if length_penalty is None else length_penalty
        with checking_user_input():  # beam and length penalty are checked
            validation.check_positive_int("beam", beam)
            key = (beam, alpha)
            if key not in self._samplers:  # one compiled graph per sampler
                self._samplers[key] = beam_sampler(beam, alpha)
        source = self.vocabularies.source
        target = self.vocabularies.target
        ids = [source.encode_one(text) for text in texts]
        for text, row in zip(texts, ids):
            if not row:
                raise UserError(f"{text!r} holds no token to translate.")
        outputs, attention = self.decoder.decode_all(
            ids, self._samplers[key], max_length=self.max_length,
            batch_size=max(1, min(len(texts), DECODE_BATCH_SIZE)),
        )
        source_words = _tokens(source, texts)
        results = []
        for text, words, output, weights in zip(texts, source_words, outputs, attention):
            target_tokens = [target.vocabulary[i] for i in output]
            if len(weights) > len(output):
                target_tokens.append(END_TOKEN)
            results.append(Translation(
                text=text,
                translation=target.decode(output),
                source_tokens=words,
                target_tokens=target_tokens,
                attention=np.asarray(weights) if self.has_attention else None,
            ))
        return results


def plot_translation(translation, path):
    """Writes the attention map of a `Translation` to `path` (PNG)."""
    from kerasseq.training.plots import plot_attention

    if translation.attention is None:
        raise ValueError(
            "This model has no attention (trained with --attention none); "
            "there is no attention map to plot."
        )
    plot_attention(
        translation.attention, translation.source_tokens,
        translation.target_tokens, path, title=translation.text[:80],
    )


def attention_plot_paths(path, count):
    """`path` for one text; `stem-1.ext`, `stem-2.ext`, ... for several."""
    if count == 1:
        return [path]
    stem, extension = os.path.splitext(path)
    return [f"{stem}-{index}{extension or '.png'}" for index in range(1, count + 1)]


def _tokens(tokenizer, texts):
    """The tokens of each text as the tokenizer reads them (as strings)."""
    rows = tokenizer.split(list(texts)).to_list()
    return [[t.decode("utf-8", "replace") for t in row] for row in rows]
