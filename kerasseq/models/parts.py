"""What the model classes share: the token embedding, the cell's name in a
config, the self-attention stack's settings and its call, and the weight
copy that adopts models saved before the classes existed."""

import types

import keras

from kerasseq.layers.registry import recurrent_layer_name


def copy_weights(source, target):
    """Sets `target`'s weights to `source`'s, after checking that the two
    models have the same weights in the same order (count and shapes)."""
    theirs, ours = source.get_weights(), target.weights
    if len(theirs) != len(ours) or any(
        tuple(a.shape) != tuple(b.shape) for a, b in zip(theirs, ours)
    ):
        raise ValueError(
            f"Model {source.name!r} is not the model its config describes: "
            f"weights {[tuple(w.shape) for w in theirs]} against "
            f"{[tuple(w.shape) for w in ours]}."
        )
    target.set_weights(theirs)


def token_embedding(vocabulary_size, embedding_dim, embeddings=None,
                    trainable=True, mask_zero=False):
    """The `embedding` layer: uniform, or the `embeddings` matrix given
    (pretrained vectors; the trained weights are what is saved)."""
    return keras.layers.Embedding(
        vocabulary_size,
        embedding_dim,
        mask_zero=mask_zero,
        embeddings_initializer=(
            keras.initializers.Constant(embeddings) if embeddings is not None
            else "uniform"
        ),
        trainable=trainable,
        name="embedding",
    )


def cell_name(cell):
    """`cell` as a config stores it: a layer class by its registered name."""
    return recurrent_layer_name(cell) if isinstance(cell, type) else cell


def stack_settings(embedding_dim, units, num_layers, dropout, cell_options,
                   bidirectional=False):
    """The settings `self_attention_layers` reads, as a `ModelConfig` has
    them."""
    return types.SimpleNamespace(
        embedding_dim=embedding_dim, units=units, layers=num_layers,
        dropout=dropout, cell_options=cell_options, bidirectional=bidirectional,
    )


def apply_self_attention(x, position_embedding, blocks, final_norm):
    """`x` through the position embedding, the blocks and the final norm
    (`None`: none)."""
    x = position_embedding(x)
    for block in blocks:
        x = block(x)
    return final_norm(x) if final_norm is not None else x
