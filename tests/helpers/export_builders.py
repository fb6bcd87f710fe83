"""Tiny text models for the export tests: built in memory or trained."""

import numpy as np

from kerasseq.export import TrainedModel
from kerasseq.jobs import JobConfig
from kerasseq.jobs.language_model import LanguageModelOptions
from kerasseq.jobs.sentiment import SentimentOptions
from kerasseq.jobs.seq2seq import Seq2SeqOptions
from kerasseq.jobs.seq2seq import special_ids
from kerasseq.jobs.seq2seq import with_special_tokens
from kerasseq.models.classifier import build_classifier
from kerasseq.models.language_model import build_language_model
from kerasseq.models.seq2seq import build_seq2seq
from kerasseq.text.tokenizer import Tokenizer
from kerasseq.training.config import ModelConfig

TEXT = (
    "To be, or not to be, that is the question:\n"
    "Whether 'tis nobler in the mind to suffer\n"
    "The slings and arrows of outrageous fortune,\n"
    "Or to take arms against a sea of troubles\n"
    "And by opposing end them. To die: to sleep;\n"
)


def spread_weights(model, seed=0, scale=0.6):
    """Random weights large enough for outputs far from uniform."""
    rng = np.random.default_rng(seed)
    model.set_weights(
        [scale * rng.standard_normal(w.shape).astype("float32")
         for w in model.get_weights()]
    )


def favour_padding_and_unknown(model):
    """Ids 0 (padding) and 1 ([UNK]) become by far the most likely next
    tokens of a language model, through the bias of its logits layer."""
    layer = model.get_layer("logits")
    kernel, bias = layer.get_weights()
    bias[0], bias[1] = 40.0, 30.0
    layer.set_weights([kernel, bias])


def language_model(cell, units=8, layers=2, level="char", embedding_dim=6,
                   seq_len=100, cell_options=None):
    """An untrained language model (`TrainedModel`) on `TEXT`; `seq_len`
    is a self-attention model's window."""
    texts = [TEXT] if level == "char" else TEXT.splitlines()
    tokenizer = Tokenizer.fit(texts, level=level)
    config = ModelConfig(cell=cell, units=units, layers=layers,
                         embedding_dim=embedding_dim,
                         cell_options=dict(cell_options or {}))
    model = build_language_model(tokenizer.vocabulary_size, config,
                                 max_length=seq_len)
    spread_weights(model)
    job = JobConfig(job="lm", out="", model=config,
                    options=LanguageModelOptions(level=level, seq_len=seq_len))
    return TrainedModel("lm", job, model, tokenizer)


def classifier(cell, class_names=("neg", "pos"), pooling="last", units=6,
               layers=2, bidirectional=True, max_length=10, cell_options=None):
    """An untrained word-level classifier (`TrainedModel`) on `TEXT`; a
    self-attention one's position table is `max_length` long."""
    tokenizer = Tokenizer.fit(TEXT.splitlines(), level="word")
    config = ModelConfig(cell=cell, units=units, layers=layers,
                         bidirectional=bidirectional, embedding_dim=5,
                         cell_options=dict(cell_options or {}))
    model = build_classifier(
        tokenizer.vocabulary_size, len(class_names), config, pooling=pooling,
        max_length=max_length if cell == "self_attention" else None)
    spread_weights(model)
    job = JobConfig(job="sentiment", out="", model=config,
                    options=SentimentOptions(max_length=max_length, pooling=pooling))
    return TrainedModel("sentiment", job, model, tokenizer, list(class_names))


#: Sentence pairs of the untrained translation models (only their
#: vocabularies are used).
PAIRS = [
    ("Sein oder nicht sein, das ist hier die Frage.",
     "To be, or not to be, that is the question."),
    ("Ob es edler im Gemüt, die Pfeil und Schleudern",
     "Whether 'tis nobler in the mind to suffer"),
    ("des wütenden Geschicks erdulden, oder,", "The slings and arrows of outrageous fortune,"),
    ("sich waffnend gegen eine See von Plagen,", "Or to take arms against a sea of troubles"),
    ("durch Widerstand sie enden. Sterben, schlafen;",
     "And by opposing end them. To die: to sleep;"),
]


def seq2seq(cell, attention, units=8, layers=1, bidirectional=True,
            max_length=8, beam=3, end_bias=2.5):
    """An untrained word-level translation model (`TrainedModel`) on
    `PAIRS`; `end_bias` is added to the end token's logit, so that random
    weights give translations of several tokens."""
    source = Tokenizer.fit([s for s, _ in PAIRS], level="word")
    target = with_special_tokens(Tokenizer.fit([t for _, t in PAIRS], level="word"))
    config = ModelConfig(cell=cell, units=units, layers=layers,
                         bidirectional=bidirectional, embedding_dim=6)
    model = build_seq2seq(source.vocabulary_size, target.vocabulary_size, config,
                          attention=attention)
    spread_weights(model)
    logits = model.get_layer("logits")
    kernel, bias = logits.get_weights()
    bias[special_ids(target)[1]] += end_bias
    logits.set_weights([kernel, bias])
    job = JobConfig(job="seq2seq", out="", model=config,
                    options=Seq2SeqOptions(attention=attention, max_length=max_length,
                                           beam=beam, level="word"))
    return TrainedModel("seq2seq", job, model, source, target_tokenizer=target)
