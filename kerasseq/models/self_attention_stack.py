"""A stack of self-attention blocks in place of recurrent layers
(`--cell self_attention`; Vaswani et al., "Attention is all you need",
NeurIPS 2017).

`token embeddings -> + learned position embeddings -> layers x
SelfAttentionBlock`. The model width is the embedding width
(`embedding_dim`): the position table is added to the token embeddings, and
every block keeps the width of its input. `units` is the width of each
block's position-wise feed-forward layer (`feedforward_dim`; the paper uses
four times the model width). `dropout` is each block's sublayer-output
dropout. `cell_options` go to every `SelfAttentionBlock` (e.g.
`norm_first`, `activation`, `attention_dropout`, `num_heads`). The blocks
have one head unless `num_heads` says otherwise; `embedding_dim` must then
be divisible by it (or `key_dim` be given).

Unlike a recurrence, every position of a block is computed at once, so a
training step parallelizes over time (`tools/bench_attention_vs_recurrence.py`
measures it); the price is a fixed `max_length`, the size of the position
table.
"""

import keras

from kerasseq.layers import PositionEmbedding
from kerasseq.layers import SelfAttentionBlock
from kerasseq.layers.self_attention import head_dims

#: The `ModelConfig.architecture` (`--architecture`, or `--cell`) that
#: builds this stack.
SELF_ATTENTION = "self_attention"

#: `SelfAttentionBlock` arguments that come from the model config or the
#: model, not from `cell_options`.
_RESERVED_OPTIONS = {
    "feedforward_dim": "units (--units)",
    "dropout": "dropout (--dropout)",
    "use_causal_mask": "the model (causal for a language model)",
}
#: `SelfAttentionBlock` arguments `cell_options` may set.
BLOCK_OPTIONS = (
    "num_heads", "key_dim", "value_dim",
    "activation", "residual", "layer_norm", "norm_first",
    "layer_norm_epsilon", "attention_dropout", "seed",
    "kernel_initializer", "bias_initializer",
)


def is_self_attention(model_config):
    """Whether `model_config` asks for the self-attention stack."""
    return model_config.architecture == SELF_ATTENTION


def check_self_attention_config(model_config):
    """Raises `ValueError` for settings a self-attention stack cannot take.

    `bidirectional` (every position already attends to both sides, or, in a
    language model, must not), `cell_options` outside `BLOCK_OPTIONS` and
    heads that do not fit the width `embedding_dim`.
    """
    if model_config.bidirectional:
        raise ValueError(
            "`bidirectional` applies to recurrent cells; a self-attention "
            "block already sees every position it may (both sides in a "
            "classifier, the left context in a language model). Received: "
            f"architecture={SELF_ATTENTION!r}, bidirectional=True"
        )
    for key in model_config.cell_options:
        if key in _RESERVED_OPTIONS:
            raise ValueError(
                f"With architecture={SELF_ATTENTION!r}, `cell_options` may not set "
                f"{key!r}: it comes from {_RESERVED_OPTIONS[key]}. "
                f"Received: cell_options={model_config.cell_options}"
            )
        if key not in BLOCK_OPTIONS:
            raise ValueError(
                f"With architecture={SELF_ATTENTION!r}, `cell_options` keys must be "
                f"among {', '.join(BLOCK_OPTIONS)} (SelfAttentionBlock "
                f"arguments). Received: {key!r}"
            )
    options = model_config.cell_options
    head_dims(
        model_config.embedding_dim, options.get("num_heads", 1),
        options.get("key_dim"), options.get("value_dim"),
        width_name="embedding_dim",
    )


def self_attention_layers(model_config, max_length, causal):
    """The position embedding, `model_config.layers` blocks and (pre-norm
    blocks only) the final layer norm of a stack, not yet called.

    Args:
        model_config: A `ModelConfig` with `architecture="self_attention"`
            (or anything with its `units`, `layers`, `dropout`,
            `cell_options`, `embedding_dim` and `bidirectional`).
        max_length: Positive int, the longest sequence the model takes.
        causal: Whether position `t` sees only positions `<= t`.

    Returns:
        `(position_embedding, blocks, final_norm)`; `final_norm` is `None`
        unless `cell_options` has `norm_first`.
    """
    check_self_attention_config(model_config)
    position_embedding = PositionEmbedding(max_length, name="position_embedding")
    options = model_config.cell_options
    blocks = [
        SelfAttentionBlock(
            model_config.units,
            use_causal_mask=causal,
            dropout=model_config.dropout,
            name=f"self_attention_{index}",
            **options,
        )
        for index in range(model_config.layers)
    ]
    final_norm = None
    if options.get("norm_first"):  # pre-norm blocks leave x unnormalized
        final_norm = keras.layers.LayerNormalization(
            epsilon=options.get("layer_norm_epsilon", 1e-5), name="final_norm"
        )
    return position_embedding, blocks, final_norm
