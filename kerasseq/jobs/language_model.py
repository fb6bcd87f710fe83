"""`kerasseq train lm`: a recurrent (or self-attention) language model on a
text corpus."""

import dataclasses
import math
import os

import keras
import numpy as np

from kerasseq import data as corpora
from kerasseq.data.pipelines import language_model_datasets
from kerasseq.jobs.base import Job
from kerasseq.jobs.base import PreparedData
from kerasseq.jobs.base import register_job
from kerasseq.jobs.text_data import add_data_arguments
from kerasseq.jobs.text_data import coverage_note
from kerasseq.jobs.text_data import pretrained_embeddings
from kerasseq.jobs.text_data import text_options
from kerasseq.jobs.text_data import tokenizer_for
from kerasseq.layers import validation
from kerasseq.models.language_model import LanguageModel
from kerasseq.models.language_model import build_language_model
from kerasseq.models.self_attention_stack import SELF_ATTENTION
from kerasseq.text.tokenizer import VOCABULARY_FILE


@dataclasses.dataclass
class LanguageModelOptions:
    """Options of `kerasseq train lm`.

    Attributes:
        data: Corpus name, tfds name or text file.
        level: `"char"` or `"word"`.
        seq_len: Tokens per training window (truncated backpropagation).
        max_tokens: Vocabulary cap for word level.
        embeddings: Pretrained word-vector file, or `None`.
        freeze_embeddings: Keep pretrained vectors fixed.
        cache_dir, data_dir: Corpus cache and tfds directories.
        sample_prompt, sample_tokens: What is generated after training.
    """

    data: str = "shakespeare"
    level: str = "char"
    seq_len: int = 100
    max_tokens: int = 20000
    embeddings: str | None = None
    freeze_embeddings: bool = False
    cache_dir: str | None = None
    data_dir: str | None = None
    sample_prompt: str = "ROMEO:"
    sample_tokens: int = 300

    def __post_init__(self):
        validation.check_choice("level", self.level, ("char", "word"))
        validation.check_positive_int("seq_len", self.seq_len)
        validation.check_positive_int("max_tokens", self.max_tokens)


@register_job
class LanguageModelJob(Job):
    name = "lm"
    description = "language model"
    options_class = LanguageModelOptions
    model_defaults = {"cell": "lstm", "units": 256, "embedding_dim": 64}
    train_defaults = {"epochs": 4, "learning_rate": 3e-3, "global_clipnorm": 1.0}
    # `--architecture self_attention`: chosen by held-out loss on the
    # default data (tools/sweep.py; the runs are in the README).
    architecture_defaults = {SELF_ATTENTION: {
        "model": {"units": 512, "layers": 2, "embedding_dim": 128},
        "cell_options": {"num_heads": 4, "norm_first": True},
        "train": {"learning_rate_decay": "cosine"},
    }}
    self_attention = True  # causal, its position table seq_len long

    def add_arguments(self, parser):
        add_data_arguments(parser, "shakespeare", "char")
        parser.add_argument(
            "--seq-len", type=int, default=LanguageModelOptions.seq_len,
            help="tokens per training window (default: %(default)s)",
        )

    def options_from_args(self, args):
        return LanguageModelOptions(seq_len=args.seq_len, **text_options(args))

    def prepare(self, config, start_batch=0):
        options = config.options
        text = corpora.load_text(
            options.data, cache_dir=options.cache_dir, data_dir=options.data_dir
        )
        if not text:
            raise ValueError(f"{options.data} holds no text.")
        tokenizer = tokenizer_for(
            config, lambda: [text] if options.level == "char" else text.splitlines()
        )
        ids = tokenizer.encode([text])[0].numpy()
        splits = language_model_datasets(
            ids, options.seq_len, config.train.batch_size, config.train.seed
        )
        info = {
            "tokens": int(len(ids)),
            "characters": len(text),
            "vocabulary_size": tokenizer.vocabulary_size,
        }
        info["embeddings"] = pretrained_embeddings(config, tokenizer, info)
        return PreparedData(
            splits["train"], splits["validation"], splits["test"], tokenizer, info
        )

    def save_artifacts(self, config, data):
        data.tokenizer.save(os.path.join(config.out, VOCABULARY_FILE))

    def build_model(self, config, data):
        return build_language_model(
            data.tokenizer.vocabulary_size,
            config.model,
            embeddings=data.info.get("embeddings"),
            trainable_embeddings=not config.options.freeze_embeddings,
            name=f"lm_{config.model.label}",
            max_length=config.options.seq_len,
        )

    def adopt(self, model, config):
        """A directory written before `LanguageModel` existed holds a plain
        functional model: adopted, weights and all."""
        if isinstance(model, LanguageModel):
            return model
        return LanguageModel.from_functional(
            model, config.model, max_length=config.options.seq_len
        )

    def compile_arguments(self, config, data=None):
        return {
            "loss": keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        }

    def describe(self, config, data):
        info = data.info
        line = (
            f"{config.options.data}: {info['characters']:,} characters, "
            f"{info['tokens']:,} {config.options.level} tokens, vocabulary "
            f"{info['vocabulary_size']:,}."
        )
        return line + coverage_note(info)

    def evaluate(self, model, config, data=None):
        data = data or self.prepare(config)
        loss = float(model.evaluate(data.test, verbose=0, return_dict=True)["loss"])
        targets = np.concatenate([y.numpy().ravel() for _, y in data.test])
        if config.options.level == "char":
            characters = len(targets)
        else:  # each word and the space after it
            lengths = np.array([len(t) + 1 for t in data.tokenizer.vocabulary])
            characters = int(lengths[targets].sum())
        return {
            "loss": loss,
            "perplexity": math.exp(loss),
            "bits_per_char": loss * len(targets) / characters / math.log(2),
            "test_tokens": int(len(targets)),
        }

    def report(self, model, config, data, print_fn):
        from kerasseq.models.language_model import generate_text

        sample = generate_text(
            model, data.tokenizer, config.options.sample_prompt,
            config.options.sample_tokens, sampler="top_k", k=10,
            seed=config.train.seed,
        )
        print_fn(f"Sample (top-k 10):\n{config.options.sample_prompt}{sample}")
