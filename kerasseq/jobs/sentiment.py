"""`kerasseq train sentiment`: a recurrent (or self-attention) sentiment
classifier."""

import dataclasses
import json
import os

import keras
import numpy as np

from kerasseq import data as corpora
from kerasseq.data.pipelines import classification_datasets
from kerasseq.data.pipelines import split_indices
from kerasseq.jobs.base import Job
from kerasseq.jobs.base import PreparedData
from kerasseq.jobs.base import register_job
from kerasseq.jobs.text_data import add_data_arguments
from kerasseq.text.tokenizer import ALL_LEVELS
from kerasseq.jobs.text_data import coverage_note
from kerasseq.jobs.text_data import pretrained_embeddings
from kerasseq.jobs.text_data import text_options
from kerasseq.jobs.text_data import tokenizer_for
from kerasseq.layers import validation
from kerasseq.models.classifier import POOLINGS
from kerasseq.models.classifier import Classifier
from kerasseq.models.classifier import build_classifier
from kerasseq.models.self_attention_stack import SELF_ATTENTION
from kerasseq.models.self_attention_stack import is_self_attention
from kerasseq.text.tokenizer import VOCABULARY_FILE

LABELS_FILE = "labels.json"
VALIDATION_FRACTION = 0.1
TEST_FRACTION = 0.1


@dataclasses.dataclass
class SentimentOptions:
    """Options of `kerasseq train sentiment`.

    Attributes:
        data: Corpus name, tfds name or CSV/TSV file.
        text_column, label_column: Columns of a user's file.
        num_classes: For graded data (ratings): 2 buckets ratings by sign
            (negative < 0 <= positive), 3 into negative (< -0.5), neutral
            and positive (> 0.5). Ignored for labelled data.
        max_length: Longest token sequence kept (longer texts are cut);
            with `--cell self_attention` also the size of the position
            table.
        pooling: `"last"`, `"mean"` or `"attention"` (a self-attention
            stack: `"mean"` or `"attention"`).
        level: `"word"`, `"char"` or `"subword"` (SentencePiece, trained
            on the training split; `max_tokens` is its size).
        max_tokens, embeddings, freeze_embeddings, cache_dir,
        data_dir: As for the language model.
    """

    data: str = "rotten_tomatoes"
    text_column: str | None = None
    label_column: str | None = None
    num_classes: int = 2
    max_length: int = 200
    pooling: str = "last"
    level: str = "word"
    max_tokens: int = 20000
    embeddings: str | None = None
    freeze_embeddings: bool = False
    cache_dir: str | None = None
    data_dir: str | None = None

    def __post_init__(self):
        validation.check_choice("num_classes", self.num_classes, (2, 3))
        validation.check_positive_int("max_length", self.max_length)
        validation.check_choice("pooling", self.pooling, POOLINGS)
        validation.check_choice("level", self.level, ALL_LEVELS)


def default_pooling(architecture):
    """`"mean"` for a self-attention stack (it has no final state), else
    `"last"`."""
    return "mean" if architecture == SELF_ATTENTION else "last"


def bucket_ratings(ratings, num_classes):
    """Graded ratings to class ids (see `SentimentOptions.num_classes`)."""
    ratings = np.asarray(ratings, dtype=np.float64)
    if num_classes == 2:
        return (ratings >= 0).astype(np.int32), ["negative", "positive"]
    classes = np.where(ratings < -0.5, 0, np.where(ratings > 0.5, 2, 1))
    return classes.astype(np.int32), ["negative", "neutral", "positive"]


def encode_labels(labels, num_classes):
    """`(class ids, class names)` from raw labels: ratings or class labels."""
    values = list(labels)
    numeric = all(
        isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
        for v in values
    )
    if numeric and any(float(v) != int(v) for v in values):
        return bucket_ratings(values, num_classes)
    names = sorted({str(v) if not numeric else int(v) for v in values}, key=str)
    if numeric and set(names) <= {0, 1}:
        names = [0, 1]
    index = {name: i for i, name in enumerate(names)}
    ids = np.array([index[int(v) if numeric else str(v)] for v in values], np.int32)
    return ids, [str(name) for name in names]


@register_job
class SentimentJob(Job):
    name = "sentiment"
    description = "sentiment classifier"
    options_class = SentimentOptions
    model_defaults = {"cell": "lstm", "units": 64, "layers": 1,
                      "bidirectional": True, "embedding_dim": 64, "dropout": 0.2}
    train_defaults = {"epochs": 6, "batch_size": 64, "learning_rate": 2e-3}
    early_stopping_patience = 2  # small data: it overfits within a few epochs
    self_attention = True  # non-causal, padding masked

    def check_config(self, config):
        super().check_config(config)
        if is_self_attention(config.model) and config.options.pooling == "last":
            raise ValueError(
                f"architecture={SELF_ATTENTION!r} has no final state for pooling "
                "'last': use --pooling mean or --pooling attention."
            )

    def add_arguments(self, parser):
        add_data_arguments(parser, "rotten_tomatoes", "word", ALL_LEVELS)
        group = parser.add_argument_group("classifier")
        group.add_argument("--text-column", help="text column of a CSV/TSV file")
        group.add_argument("--label-column", help="label column of a CSV/TSV file")
        group.add_argument(
            "--num-classes", type=int, default=2, choices=(2, 3),
            help="classes for graded data (default: %(default)s)",
        )
        group.add_argument("--max-length", type=int, default=200)
        group.add_argument(
            "--pooling", choices=POOLINGS,
            help="last (recurrent cells' default), mean (self_attention's "
            "default) or attention",
        )

    def options_from_args(self, args):
        return SentimentOptions(
            text_column=args.text_column,
            label_column=args.label_column,
            num_classes=args.num_classes,
            max_length=args.max_length,
            pooling=args.pooling or default_pooling(args.architecture),
            **text_options(args),
        )

    def prepare(self, config, start_batch=0):
        options = config.options
        texts, raw_labels = corpora.load_labelled(
            options.data,
            text_column=options.text_column,
            label_column=options.label_column,
            cache_dir=options.cache_dir,
            data_dir=options.data_dir,
        )
        if len(texts) < 10:
            raise ValueError(f"{options.data} holds {len(texts)} texts; need 10 or more.")
        labels, class_names = encode_labels(raw_labels, options.num_classes)
        corpus = corpora.CORPORA.get(options.data)
        if corpus is not None and corpus.label_names and class_names == ["0", "1"]:
            class_names = list(corpus.label_names)
        seed = config.train.seed
        parts = split_indices(len(texts), seed, VALIDATION_FRACTION, TEST_FRACTION)
        tokenizer = tokenizer_for(config, lambda: [texts[i] for i in parts["train"]])
        ids = [row.tolist() for row in tokenizer.encode(list(texts)).numpy()]
        splits = classification_datasets(
            ids, labels, config.train.batch_size, seed,
            max_length=options.max_length,
            validation_fraction=VALIDATION_FRACTION, test_fraction=TEST_FRACTION,
        )
        test_labels = labels[parts["test"]]
        info = {
            "texts": len(texts),
            "class_names": class_names,
            "vocabulary_size": tokenizer.vocabulary_size,
            "majority_baseline": float(
                np.bincount(test_labels, minlength=len(class_names)).max()
                / len(test_labels)
            ),
        }
        info["embeddings"] = pretrained_embeddings(config, tokenizer, info)
        return PreparedData(
            splits["train"], splits["validation"], splits["test"], tokenizer, info
        )

    def save_artifacts(self, config, data):
        from kerasseq.training.model_dir import write_json

        data.tokenizer.save(os.path.join(config.out, VOCABULARY_FILE))
        write_json(
            os.path.join(config.out, LABELS_FILE),
            {"class_names": data.info["class_names"]},
        )

    def num_classes(self, data):
        return len(data.info["class_names"])

    def build_model(self, config, data):
        return build_classifier(
            data.tokenizer.vocabulary_size,
            self.num_classes(data),
            config.model,
            pooling=config.options.pooling,
            embeddings=data.info.get("embeddings"),
            trainable_embeddings=not config.options.freeze_embeddings,
            name=f"sentiment_{config.model.label}",
            max_length=config.options.max_length,
        )

    def adopt(self, model, config):
        """A directory written before `Classifier` existed holds a plain
        functional model: adopted, weights and all."""
        if isinstance(model, Classifier):
            return model
        outputs = model.output_shape[-1]
        return Classifier.from_functional(
            model, 2 if outputs == 1 else outputs, config.model,
            pooling=config.options.pooling, max_length=config.options.max_length,
        )

    def compile_arguments(self, config, data=None):
        # Two classes: one sigmoid unit; more: softmax (see build_classifier).
        if self.num_classes(data) == 2:
            return {
                "loss": "binary_crossentropy",
                "metrics": ["accuracy", keras.metrics.AUC(name="auc")],
            }
        return {"loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"]}

    def describe(self, config, data):
        info = data.info
        line = (
            f"{config.options.data}: {info['texts']:,} texts, classes "
            f"{info['class_names']}, vocabulary {info['vocabulary_size']:,}; "
            f"majority-class baseline accuracy {info['majority_baseline']:.3f}."
        )
        return line + coverage_note(info)

    def evaluate(self, model, config, data=None):
        data = data or self.prepare(config)
        labels = np.concatenate([y.numpy() for _, y in data.test])
        probabilities = model.predict(data.test, verbose=0)
        num_classes = self.num_classes(data)
        if num_classes == 2:
            scores = probabilities[:, 0]
            predicted = (scores >= 0.5).astype(np.int32)
            one_hot, flat_scores = labels, scores
        else:
            predicted = probabilities.argmax(axis=-1)
            one_hot = np.eye(num_classes)[labels].ravel()
            flat_scores = probabilities.ravel()
        auc = keras.metrics.AUC(num_thresholds=1000)
        auc.update_state(one_hot, flat_scores)
        return {
            "accuracy": float(np.mean(predicted == labels)),
            "auc": float(auc.result()),
            "majority_baseline": data.info["majority_baseline"],
            "test_texts": int(len(labels)),
        }
