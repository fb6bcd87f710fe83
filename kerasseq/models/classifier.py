"""Recurrent text classifier (the lecture's "Context is important!":
bidirectional and deep RNNs for sentiment).

`embedding (mask_zero) -> stacked (bidirectional) recurrent layers ->
pooling -> sigmoid (two classes) or softmax`. With
`architecture="self_attention"` the recurrent layers are a stack of
(non-causal) self-attention blocks whose attention skips the padding
(`kerasseq.models.self_attention_stack`). `Classifier` is the model, a
functional Keras model that holds its parts as attributes.
"""

import keras

from kerasseq.layers import AttentionPooling
from kerasseq.layers import DeepRNN
from kerasseq.layers import validation
from kerasseq.models.parts import apply_self_attention
from kerasseq.models.parts import cell_name
from kerasseq.models.parts import copy_weights
from kerasseq.models.parts import stack_settings
from kerasseq.models.parts import token_embedding
from kerasseq.models.self_attention_stack import SELF_ATTENTION
from kerasseq.models.self_attention_stack import is_self_attention
from kerasseq.models.self_attention_stack import self_attention_layers

POOLINGS = ("last", "mean", "attention")


@keras.saving.register_keras_serializable(package="kerasseq")
class Classifier(keras.Model):
    """A text classifier that owns its parts: `embedding (mask_zero) ->
    encoder -> pooling -> head`, a functional Keras model.

    int ids `(batch, time)` (0 is padding) -> `(batch, 1)` probabilities of
    class 1 (two classes) or `(batch, num_classes)` class probabilities.
    Its parts are attributes: `embedding`; `encoder` (a `DeepRNN`) or, with
    self-attention, `position_embedding`, `blocks` and `final_norm`;
    `pooling_layer` (`None` for `"last"`), `dropout_layer` and `head`.

    Args:
        vocabulary_size: Number of ids (id 0 is padding and is masked).
        num_classes: 2 gives one sigmoid output, more a softmax.
        embedding_dim, architecture, cell, units, num_layers, dropout,
        cell_options, max_length, embeddings, trainable_embeddings: As in
            `LanguageModel`; the self-attention blocks are not causal.
        bidirectional: Whether each recurrent layer reads both directions.
        pooling: `"last"` (the final state of each direction), `"mean"`
            (the masked mean of every step's output) or `"attention"` (a
            learned query attends over the steps: `AttentionPooling`).
            A self-attention stack has no final state: `"mean"` or
            `"attention"`.
        **kwargs: `name`, `dtype`, ... of `keras.Model`.
    """

    def __init__(self, vocabulary_size, num_classes=2, embedding_dim=32,
                 architecture="recurrent", cell="lstm", units=128, num_layers=1,
                 bidirectional=False, dropout=0.0, cell_options=None,
                 pooling="last", max_length=None, embeddings=None,
                 trainable_embeddings=True, **kwargs):
        validation.check_choice("pooling", pooling, POOLINGS)
        validation.check_choice(
            "architecture", architecture, ("recurrent", SELF_ATTENTION)
        )
        if num_classes < 2:
            raise ValueError(
                f"A classifier needs at least 2 classes. Received: num_classes={num_classes}"
            )
        self_attention = architecture == SELF_ATTENTION
        if self_attention and pooling == "last":
            raise ValueError(
                f"architecture={SELF_ATTENTION!r} has no final state for "
                "`pooling='last'`: use pooling='mean' or 'attention'."
            )
        if self_attention and max_length is None:
            raise ValueError(
                "A self-attention classifier needs `max_length` for its position "
                "embedding. Received: max_length=None"
            )
        cell_options = dict(cell_options or {})
        # === Layers ===
        self.embedding = token_embedding(
            vocabulary_size, embedding_dim, embeddings, trainable_embeddings,
            mask_zero=True,
        )
        self.encoder = self.position_embedding = self.final_norm = None
        self.blocks = []
        if self_attention:
            self.position_embedding, self.blocks, self.final_norm = (
                self_attention_layers(
                    stack_settings(
                        embedding_dim, units, num_layers, dropout, cell_options,
                        bidirectional=bidirectional,
                    ),
                    max_length, causal=False,
                )
            )
        else:
            self.encoder = DeepRNN(
                cell,
                units,
                num_layers=num_layers,
                bidirectional=bidirectional,
                return_sequences=pooling != "last",
                dropout=dropout,
                cell_kwargs=cell_options,
                name="recurrent",
            )
        self.pooling_layer = None
        if pooling == "mean":
            self.pooling_layer = keras.layers.GlobalAveragePooling1D(name="mean_pooling")
        elif pooling == "attention":
            self.pooling_layer = AttentionPooling(name="attention_pooling")
        self.dropout_layer = (
            keras.layers.Dropout(dropout, name="dropout") if dropout else None
        )
        if num_classes == 2:
            self.head = keras.layers.Dense(1, activation="sigmoid", name="probability")
        else:
            self.head = keras.layers.Dense(
                num_classes, activation="softmax", name="probabilities"
            )

        # === Functional model ===
        tokens = keras.Input((None,), dtype="int32", name="tokens")
        x = self.embedding(tokens)
        if self_attention:
            x = apply_self_attention(
                x, self.position_embedding, self.blocks, self.final_norm
            )
        else:
            x = self.encoder(x)
        if self.pooling_layer is not None:
            x = self.pooling_layer(x)
        if self.dropout_layer is not None:
            x = self.dropout_layer(x)
        super().__init__(tokens, self.head(x), **kwargs)

        # === Config ===
        self.vocabulary_size = vocabulary_size
        self.num_classes = num_classes
        self.embedding_dim = embedding_dim
        self.architecture = architecture
        self.cell = None if self_attention else cell
        self.units = units
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.cell_options = cell_options
        self.pooling = pooling
        self.max_length = max_length
        self.trainable_embeddings = trainable_embeddings

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "vocabulary_size": self.vocabulary_size,
            "num_classes": self.num_classes,
            "embedding_dim": self.embedding_dim,
            "architecture": self.architecture,
            "cell": cell_name(self.cell),
            "units": self.units,
            "num_layers": self.num_layers,
            "bidirectional": self.bidirectional,
            "dropout": self.dropout,
            "cell_options": self.cell_options,
            "pooling": self.pooling,
            "max_length": self.max_length,
            "trainable_embeddings": self.trainable_embeddings,
        }

    @classmethod
    def from_model_config(cls, vocabulary_size, num_classes, model_config,
                          pooling="last", embeddings=None,
                          trainable_embeddings=True, name="classifier",
                          max_length=None):
        """The `Classifier` a `kerasseq.training.ModelConfig` describes
        (`build_classifier`)."""
        self_attention = is_self_attention(model_config)
        return cls(
            vocabulary_size,
            num_classes=num_classes,
            embedding_dim=model_config.embedding_dim,
            architecture=SELF_ATTENTION if self_attention else "recurrent",
            cell=None if self_attention else model_config.cell,
            units=model_config.units,
            num_layers=model_config.layers,
            bidirectional=model_config.bidirectional,
            dropout=model_config.dropout,
            cell_options=model_config.cell_options,
            pooling=pooling,
            max_length=max_length if self_attention else None,
            embeddings=embeddings,
            trainable_embeddings=trainable_embeddings,
            name=name,
        )

    @classmethod
    def from_functional(cls, model, num_classes, model_config, pooling,
                        max_length=None):
        """A `Classifier` with the weights of `model`, a plain functional
        model that `build_classifier` built before this class existed."""
        adopted = cls.from_model_config(
            model.layers[1].input_dim, num_classes, model_config,
            pooling=pooling, name=model.name, max_length=max_length,
            trainable_embeddings=model.layers[1].trainable,
        )
        copy_weights(model, adopted)
        return adopted


def build_classifier(vocabulary_size, num_classes, model_config, pooling="last",
                     embeddings=None, trainable_embeddings=True,
                     name="classifier", max_length=None):
    """The `Classifier` of a `ModelConfig`.

    Args:
        vocabulary_size: Number of ids (id 0 is padding and is masked).
        num_classes: 2 gives one sigmoid output, more a softmax.
        model_config: A `ModelConfig`.
        pooling: `"last"` (the final state of each direction), `"mean"`
            (the masked mean of every step's output) or `"attention"` (a
            learned query attends over the steps: `AttentionPooling`).
            A self-attention stack has no final state: `"mean"` or
            `"attention"`.
        embeddings: Optional initial embedding matrix.
        trainable_embeddings: Whether the embedding is fine-tuned.
        max_length: The longest input, needed (only) by
            `cell="self_attention"`: the size of its position table.

    Returns:
        `keras.Model`: int ids `(batch, time)` -> `(batch, 1)` probabilities
        of class 1, or `(batch, num_classes)` class probabilities.
    """
    return Classifier.from_model_config(
        vocabulary_size, num_classes, model_config, pooling=pooling,
        embeddings=embeddings, trainable_embeddings=trainable_embeddings,
        name=name, max_length=max_length,
    )
