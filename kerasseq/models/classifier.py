"""Recurrent text classifier (the lecture's "Context is important!":
bidirectional and deep RNNs for sentiment).

`embedding (mask_zero) -> stacked (bidirectional) recurrent layers ->
pooling -> sigmoid (two classes) or softmax`. With `cell="self_attention"`
the recurrent layers are a stack of (non-causal) self-attention blocks
whose attention skips the padding (`kerasseq.models.self_attention_stack`).
"""

import keras

from kerasseq.layers import AttentionPooling
from kerasseq.layers import DeepRNN
from kerasseq.layers import validation
from kerasseq.models.self_attention_stack import SELF_ATTENTION
from kerasseq.models.self_attention_stack import is_self_attention
from kerasseq.models.self_attention_stack import self_attention_stack

POOLINGS = ("last", "mean", "attention")


def build_classifier(vocabulary_size, num_classes, model_config, pooling="last",
                     embeddings=None, trainable_embeddings=True,
                     name="classifier", max_length=None):
    """The functional classifier.

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
    validation.check_choice("pooling", pooling, POOLINGS)
    if num_classes < 2:
        raise ValueError(
            f"A classifier needs at least 2 classes. Received: num_classes={num_classes}"
        )
    self_attention = is_self_attention(model_config)
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
    tokens = keras.Input((None,), dtype="int32", name="tokens")
    x = keras.layers.Embedding(
        vocabulary_size,
        model_config.embedding_dim,
        mask_zero=True,
        embeddings_initializer=(
            keras.initializers.Constant(embeddings) if embeddings is not None
            else "uniform"
        ),
        trainable=trainable_embeddings,
        name="embedding",
    )(tokens)
    if self_attention:
        x = self_attention_stack(x, model_config, max_length, causal=False)
    else:
        x = DeepRNN(
            model_config.cell,
            model_config.units,
            num_layers=model_config.layers,
            bidirectional=model_config.bidirectional,
            return_sequences=pooling != "last",
            dropout=model_config.dropout,
            cell_kwargs=model_config.cell_options,
            name="recurrent",
        )(x)
    if pooling == "mean":
        x = keras.layers.GlobalAveragePooling1D(name="mean_pooling")(x)
    elif pooling == "attention":
        x = AttentionPooling(name="attention_pooling")(x)
    if model_config.dropout:
        x = keras.layers.Dropout(model_config.dropout, name="dropout")(x)
    if num_classes == 2:
        outputs = keras.layers.Dense(1, activation="sigmoid", name="probability")(x)
    else:
        outputs = keras.layers.Dense(
            num_classes, activation="softmax", name="probabilities"
        )(x)
    return keras.Model(tokens, outputs, name=name)
