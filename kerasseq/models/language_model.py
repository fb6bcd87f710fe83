"""Recurrent language model and its text generation (the lecture's "Modern
neural language modeling"; Mikolov et al., "Recurrent neural network based
language model", Interspeech 2010).

`embedding -> recurrent layers -> dense logits over the vocabulary`, trained
on next-token cross-entropy. Generation feeds each sampled token back in and
carries the recurrent state from step to step: the prompt is read once, then
every new token costs one recurrent step.

With `architecture="self_attention"` the recurrent layers are a stack of
causal self-attention blocks (`kerasseq.models.self_attention_stack`). Such a
model has no state to carry: generation keeps the keys and values of its
window (`CachedGenerator`), or reruns the window at every step
(`WindowedGenerator`).

`LanguageModel` is the model, a functional Keras model that holds its parts
(`embedding`, `recurrent_layers` or `blocks`, `head`) as attributes;
`build_language_model` builds one from a `ModelConfig`.
"""

import keras
import numpy as np
from keras import ops

from kerasseq import backend
from kerasseq.backend import compiled
from kerasseq.backend import rare_cond
from kerasseq.backend import rarely
from kerasseq.layers import validation
from kerasseq.layers.stacking import call_stack
from kerasseq.layers.stacking import stack_layers
from kerasseq.layers.stacking import step_stack
from kerasseq.models.parts import apply_self_attention
from kerasseq.models.parts import cell_name
from kerasseq.models.parts import copy_weights
from kerasseq.models.parts import stack_settings
from kerasseq.models.parts import token_embedding
from kerasseq.layers.time_loop import run_recurrence
from kerasseq.models.self_attention_stack import SELF_ATTENTION
from kerasseq.models.self_attention_stack import is_self_attention
from kerasseq.models.self_attention_stack import self_attention_layers
from kerasseq.samplers.sampler import never_emit
from kerasseq.special_tokens import OOV_ID
from kerasseq.special_tokens import PAD_ID

#: Ids a language model never generates: padding and `[UNK]`. (Character
#: and word vocabularies have no other special entries; `[START]` and
#: `[END]` belong to translation targets.)
NEVER_EMIT_IDS = (PAD_ID, OOV_ID)


@keras.saving.register_keras_serializable(package="kerasseq")
class LanguageModel(keras.Model):
    """A language model that owns its parts: `embedding -> recurrent layers
    (or self-attention blocks) -> head`, a functional Keras model.

    int ids `(batch, time)` -> logits `(batch, time, vocabulary_size)`.
    It trains, saves and exports as any functional model, and holds its
    parts as attributes, so generation and export never look a layer up by
    name:

    * `embedding` (`keras.layers.Embedding`) and `head` (the `Dense`
      logits);
    * recurrent: `recurrent_layers` (kerasseq sequence layers, in order) and
      `dropouts` (after each layer, with `dropout`);
    * self-attention: `position_embedding`, `blocks`
      (`SelfAttentionBlock`s) and `final_norm` (`None` unless the blocks
      are pre-norm).

    `generator()` is its step-by-step form (`StatefulGenerator`, or
    `CachedGenerator` for self-attention), and `generate(prompt_ids,
    max_new_tokens, sampler)` continues prompts with any sampler.

    Args:
        vocabulary_size: Number of ids (including padding and OOV).
        embedding_dim: Width of the token embeddings (and of the
            self-attention blocks).
        architecture: `"recurrent"` or `"self_attention"`.
        cell: Registered recurrent layer name (`"lstm"`, ...) or class;
            recurrent only.
        units: Units of each recurrent layer; with self-attention, the
            width of each block's feed-forward layer.
        num_layers: Stacked recurrent layers (or blocks).
        dropout: Dropout after each recurrent layer (self-attention: on each
            block's sublayer outputs).
        cell_options: Further arguments of each recurrent layer (or block).
        max_length: The position table's size, needed by self-attention
            (the training window, `seq_len`).
        embeddings: Optional `(vocabulary_size, embedding_dim)` initial
            embedding matrix (pretrained vectors; not part of the config:
            the trained weights are saved).
        trainable_embeddings: Whether the embedding is fine-tuned.
        **kwargs: `name`, `dtype`, ... of `keras.Model`.

    Example:

    >>> model = LanguageModel(40, embedding_dim=8, cell="gru", units=16)
    >>> model.head.units, len(model.recurrent_layers)
    (40, 1)
    """

    def __init__(self, vocabulary_size, embedding_dim=32, architecture="recurrent",
                 cell="lstm", units=128, num_layers=1, dropout=0.0,
                 cell_options=None, max_length=None, embeddings=None,
                 trainable_embeddings=True, **kwargs):
        validation.check_choice(
            "architecture", architecture, ("recurrent", SELF_ATTENTION)
        )
        cell_options = dict(cell_options or {})
        self_attention = architecture == SELF_ATTENTION
        if self_attention and max_length is None:
            raise ValueError(
                "A self-attention language model needs `max_length` (the "
                "training window) for its position embedding. Received: "
                "max_length=None"
            )
        # === Layers ===
        self.embedding = token_embedding(
            vocabulary_size, embedding_dim, embeddings, trainable_embeddings,
            mask_zero=False,
        )
        self.recurrent_layers, self.dropouts, self.blocks = [], [], []
        self.position_embedding = self.final_norm = None
        if self_attention:
            self.position_embedding, self.blocks, self.final_norm = (
                self_attention_layers(
                    stack_settings(
                        embedding_dim, units, num_layers, dropout, cell_options,
                        bidirectional=False,
                    ),
                    max_length, causal=True,
                )
            )
        else:
            self.recurrent_layers, self.dropouts = stack_layers(
                cell, units, num_layers, name="recurrent",
                make_dropout=(
                    (lambda index: keras.layers.Dropout(
                        dropout, name=f"dropout_{index}"
                    )) if dropout else None
                ),
                cell_kwargs=cell_options,
            )
        self.head = keras.layers.Dense(vocabulary_size, name="logits")

        # === Functional model ===
        tokens = keras.Input((None,), dtype="int32", name="tokens")
        x = self.embedding(tokens)
        if self_attention:
            x = apply_self_attention(
                x, self.position_embedding, self.blocks, self.final_norm
            )
        else:
            x = call_stack(self.recurrent_layers, x, dropouts_after=self.dropouts)
        super().__init__(tokens, self.head(x), **kwargs)

        # === Config ===
        self.vocabulary_size = vocabulary_size
        self.embedding_dim = embedding_dim
        self.architecture = architecture
        self.cell = None if self_attention else cell
        self.units = units
        self.num_layers = num_layers
        self.dropout = dropout
        self.cell_options = cell_options
        self.max_length = max_length
        self.trainable_embeddings = trainable_embeddings

    @property
    def is_recurrent(self):
        """Whether generation carries a recurrent state (else a key/value
        cache)."""
        return self.architecture != SELF_ATTENTION

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "vocabulary_size": self.vocabulary_size,
            "embedding_dim": self.embedding_dim,
            "architecture": self.architecture,
            "cell": cell_name(self.cell),
            "units": self.units,
            "num_layers": self.num_layers,
            "dropout": self.dropout,
            "cell_options": self.cell_options,
            "max_length": self.max_length,
            "trainable_embeddings": self.trainable_embeddings,
        }

    @classmethod
    def from_model_config(cls, vocabulary_size, model_config, embeddings=None,
                          trainable_embeddings=True, name="language_model",
                          max_length=None):
        """The `LanguageModel` a `kerasseq.training.ModelConfig` describes
        (`build_language_model`)."""
        if model_config.bidirectional:
            raise ValueError(
                "A language model predicts the next token from the left "
                "context only; `bidirectional` applies to classifiers and "
                "encoders."
            )
        self_attention = is_self_attention(model_config)
        return cls(
            vocabulary_size,
            embedding_dim=model_config.embedding_dim,
            architecture=SELF_ATTENTION if self_attention else "recurrent",
            cell=None if self_attention else model_config.cell,
            units=model_config.units,
            num_layers=model_config.layers,
            dropout=model_config.dropout,
            cell_options=model_config.cell_options,
            max_length=max_length if self_attention else None,
            embeddings=embeddings,
            trainable_embeddings=trainable_embeddings,
            name=name,
        )

    @classmethod
    def from_functional(cls, model, model_config, max_length=None):
        """A `LanguageModel` with the weights of `model`, a plain functional
        model that `build_language_model` built before this class existed
        (a `.keras` file written then loads as one).

        Raises:
            ValueError: `model`'s weights do not fit the model
                `model_config` describes (different layers or sizes).
        """
        adopted = cls.from_model_config(
            model.output_shape[-1], model_config, name=model.name,
            max_length=max_length,
            trainable_embeddings=model.layers[1].trainable,
        )
        copy_weights(model, adopted)
        return adopted

    def generator(self):
        """The step-by-step form: `StatefulGenerator` (recurrent) or
        `CachedGenerator` (self-attention)."""
        return StatefulGenerator(self) if self.is_recurrent else CachedGenerator(self)

    def generate(self, prompt_ids, max_new_tokens, sampler, end_token_id=None,
                 jit_compile=False):
        """`generate_ids(self, ...)`: `(batch, max_new_tokens)` new ids."""
        return generate_ids(
            self, prompt_ids, max_new_tokens, sampler,
            end_token_id=end_token_id, jit_compile=jit_compile,
        )


def build_language_model(vocabulary_size, model_config, embeddings=None,
                         trainable_embeddings=True, name="language_model",
                         max_length=None):
    """The `LanguageModel` of a `ModelConfig`.

    Args:
        vocabulary_size: Number of ids (including padding and OOV).
        model_config: A `ModelConfig` (architecture, cell, units, layers,
            embedding_dim, dropout, cell_options); `bidirectional` is
            rejected: a language model reads left to right.
        embeddings: Optional `(vocabulary_size, embedding_dim)` initial
            embedding matrix (pretrained vectors).
        trainable_embeddings: Whether the embedding is fine-tuned.
        max_length: The longest input, needed (only) by
            `architecture="self_attention"`: the size of its position table
            (the training window, `seq_len`).

    Returns:
        `LanguageModel`: int ids `(batch, time)` -> logits
        `(batch, time, vocabulary_size)`.
    """
    return LanguageModel.from_model_config(
        vocabulary_size, model_config, embeddings=embeddings,
        trainable_embeddings=trainable_embeddings, name=name,
        max_length=max_length,
    )


def as_language_model(model):
    """`model` if it is a `LanguageModel`; raises a `ValueError` naming
    what it is otherwise (generation and export take `LanguageModel`s;
    `LanguageModel.from_functional` adopts an older functional one)."""
    if not isinstance(model, LanguageModel):
        raise ValueError(
            "Expected a kerasseq `LanguageModel` (`build_language_model`; "
            "`LanguageModel.from_functional(model, model_config)` adopts a "
            f"functional model saved before it existed). Received: "
            f"{type(model).__name__} {getattr(model, 'name', '')!r}"
        )
    return model


def has_recurrent_state(model):
    """Whether `model` (a `LanguageModel`) is recurrent; a self-attention
    model is not."""
    return as_language_model(model).is_recurrent


class StatefulGenerator:
    """Step-by-step access to a trained language model, state carried.

    Finds the embedding, the recurrent layers (in order) and the output layer
    of a model built by `build_language_model`, and exposes

    * `prefill(prompt_ids)`: reads a prompt once, returns the states;
    * `step(tokens, states, recurrent_kernels)`: logits of the next token;
    * `start(prompt_ids, lengths)`: both together, as a sampler takes
      them.

    Dropout layers are skipped (inference). `recurrent_kernels()` computes
    each cell's `W_h` once per generation, not once per token.
    """

    def __init__(self, model):
        model = as_language_model(model)
        if not model.is_recurrent:
            raise ValueError(
                f"Model {model.name} is a self-attention language model: it "
                "has no recurrent state (use `CachedGenerator`)."
            )
        self.embedding = model.embedding
        self.output_layer = model.head
        self.cells = [layer.cell for layer in model.recurrent_layers]

    def initial_states(self, batch_size):
        return [cell.get_initial_state(batch_size) for cell in self.cells]

    def recurrent_kernels(self):
        return [cell.recurrent_matrix() for cell in self.cells]

    def prefill(self, prompt_ids, states, kernels, mask=None):
        """Runs the recurrent layers over `prompt_ids` `(batch, P)`, P >= 1.

        `mask` (optional, bool `(batch, P)`) marks the real tokens of prompts
        of different lengths; a masked step leaves the states unchanged.
        """
        x = self.embedding(prompt_ids)  # (batch, P, embedding_dim)
        new_states = []
        for cell, state, kernel in zip(self.cells, states, kernels):
            _, x, state = run_recurrence(
                lambda x_t, s, cell=cell, kernel=kernel: cell.step(x_t, s, kernel),
                cell.project_inputs(x),
                list(state),
                output_size=cell.output_size,
                mask=mask,
            )
            new_states.append(state)
        return new_states

    def step(self, tokens, states, kernels):
        """`tokens` `(batch,)` -> `(logits (batch, vocab), new states)`."""
        x = self.embedding(tokens)  # (batch, embedding_dim)
        x, new_states = step_stack(self.cells, x, states, kernels)
        return self.output_layer(x), new_states

    def start(self, prompt_ids, lengths=None):
        """What a sampler needs to continue `prompt_ids` `(batch, P)`.

        Reads each prompt but its last token; `lengths` (optional, int
        `(batch,)`, each >= 1) are the prompt lengths of right-padded rows
        (default: all `P`).

        Returns:
            `(next_fn, states, last_tokens)`: the step function (its logits
            never let a sampler pick an id of `NEVER_EMIT_IDS`), the states
            after the prompts, and the last token of each prompt, the
            sampler's first input.
        """
        kernels = self.recurrent_kernels()  # W_h once per generation
        states = self.initial_states(ops.shape(prompt_ids)[0])
        mask = None
        if lengths is not None:
            positions = ops.arange(ops.shape(prompt_ids)[1] - 1)[None, :]
            mask = positions < (lengths - 1)[:, None]  # (batch, P - 1)
        if prompt_ids.shape[1] != 1:
            states = self.prefill(prompt_ids[:, :-1], states, kernels, mask=mask)

        def next_fn(tokens, states):
            return self.step(tokens, states, kernels)

        next_fn = never_emit(next_fn, NEVER_EMIT_IDS)
        return next_fn, states, last_tokens(prompt_ids, lengths)


def last_tokens(prompt_ids, lengths=None):
    """`prompt_ids[b, lengths[b] - 1]` of each row (default: the last
    column)."""
    if lengths is None:
        return prompt_ids[:, -1]
    index = ops.cast(lengths - 1, "int32")[:, None]
    return ops.take_along_axis(prompt_ids, index, axis=1)[:, 0]


class WindowedGenerator:
    """Step-by-step access to a self-attention language model.

    A self-attention model has no recurrent state to carry. Its state here
    is a sliding window: `window`, int32 `(batch, max_length)`, the last
    (at most) `max_length` tokens, left-aligned and zero-padded, and
    `count`, int32 `(batch,)`, how many of its slots hold tokens. Each step
    writes the new token into the next free slot (or, once the window is
    full, drops the oldest token and shifts), reruns the whole model on the
    window and reads the logits at the newest token; the causal mask keeps
    the empty slots after it from mattering. So a prompt and a continuation
    of any length work, each token seeing its last `max_length` tokens,
    with positions counted from the window's start, as in training. (The
    training windows should start at every phase of the text: a text that
    repeats with a period sharing a factor with `seq_len` is seen at a few
    phases only, and a sliding window then reads it at phases it never
    saw.)

    Every token recomputes the whole window, `O(max_length^2)` attention
    work where a cache of keys and values would need `O(max_length)`; this
    keeps the model a plain Keras model and is exact.

    `max_length` is the model's `PositionEmbedding` length (the training
    window).
    """

    def __init__(self, model):
        self.model = as_language_model(model)
        if self.model.is_recurrent:
            raise ValueError(
                f"Model {model.name} is a recurrent language model: it has "
                "no window to rerun (use `StatefulGenerator`)."
            )
        self.max_length = model.max_length

    def initial_state(self, context, lengths=None):
        """The state after reading `context` `(batch, C)`, `C >= 0`: the
        last `max_length` of the first `lengths` (int `(batch,)`; default
        all `C`) tokens of each row."""
        batch, width = ops.shape(context)[0], ops.shape(context)[1]
        if lengths is None:
            lengths = ops.full((batch,), width, dtype="int32")
        lengths = ops.cast(lengths, "int32")
        # One padding column: something to gather from when C is 0.
        context = ops.pad(ops.cast(context, "int32"), [[0, 0], [0, 1]])
        kept = ops.minimum(lengths, self.max_length)  # (batch,)
        slots = ops.arange(self.max_length, dtype="int32")[None, :]
        index = ops.minimum((lengths - kept)[:, None] + slots, width)
        window = ops.take_along_axis(context, index, axis=1)  # (batch, max_length)
        window = ops.where(slots < kept[:, None], window, 0)
        return {"window": window, "count": kept}

    def step(self, tokens, state):
        """`tokens` `(batch,)` -> `(logits (batch, vocab), new state)`."""
        window, count = state["window"], state["count"]
        tokens = ops.cast(tokens, "int32")[:, None]  # (batch, 1)
        shifted = ops.concatenate([window[:, 1:], tokens], axis=1)
        slot = ops.arange(self.max_length, dtype="int32")[None, :] == count[:, None]
        full = (count >= self.max_length)[:, None]  # (batch, 1)
        window = ops.where(full, shifted, ops.where(slot, tokens, window))
        count = ops.minimum(count + 1, self.max_length)
        logits = self.model(window, training=False)  # (batch, max_length, vocab)
        newest = ops.take_along_axis(logits, (count - 1)[:, None, None], axis=1)
        return newest[:, 0], {"window": window, "count": count}

    def step_function(self):
        """The `step(tokens, state)` a decoding loop calls."""
        return self.step

    def start(self, prompt_ids, lengths=None):
        """`(next_fn, state, last_tokens)`, as `StatefulGenerator.start`."""
        context_lengths = None if lengths is None else lengths - 1
        state = self.initial_state(prompt_ids[:, :-1], context_lengths)
        next_fn = never_emit(self.step_function(), NEVER_EMIT_IDS)
        return next_fn, state, last_tokens(prompt_ids, lengths)


class CachedGenerator(WindowedGenerator):
    """A self-attention language model, one token at a time, with a
    key/value cache.

    The state is `WindowedGenerator`'s token window and `count`, plus, for
    every block, the keys and values of the window's tokens (`caches`: a
    list of `(key_cache, value_cache)`, `(batch, max_length, heads *
    key_dim)` and `(batch, heads * value_dim, max_length)`). A step embeds
    the new token at position `count` and runs each block on that one
    position against its cache (`SelfAttentionBlock.step`, with the blocks'
    `step_weights()` merged once per decoding by `step_function`), so a
    token costs `O(max_length)` where rerunning the window costs
    `O(max_length^2)`. Within the window this is the windowed rerun exactly
    (same tokens, logits to float rounding).

    Past the window, positions cannot slide one token at a time (every
    cached key depends on its position), so the window slides by blocks:
    when a row's window is full, its newest `keep = max_length // 2` tokens
    move to positions `0 .. keep - 1` and their keys and values are
    recomputed in one causal pass over the window, as a rerun would read
    them; generation then continues from there. A token so sees between
    `keep` and `max_length - 1` earlier tokens (the rerun: always
    `max_length - 1`), and `n` tokens cost `O(n * max_length)` plus one
    window pass per `max_length - keep` tokens.
    """

    def __init__(self, model):
        super().__init__(model)
        self.embedding = model.embedding
        self.output_layer = model.head
        self.position_embedding = model.position_embedding
        self.blocks = list(model.blocks)
        self.final_norm = model.final_norm
        self.keep = self.max_length // 2

    def empty_caches(self, batch):
        """Zero caches, one `(keys, values)` pair per block: `(batch,
        max_length, heads * key_dim)` and `(batch, heads * value_dim,
        max_length)` (`SelfAttention`'s cache layout)."""
        caches = []
        for block in self.blocks:
            attention = block.attention
            heads, dtype = attention.num_heads, attention.compute_dtype
            caches.append((
                ops.zeros((batch, self.max_length, heads * attention.key_dim), dtype),
                ops.zeros((batch, heads * attention.value_dim, self.max_length), dtype),
            ))
        return caches

    def prefill(self, window):
        """The caches of `window` `(batch, max_length)`: one causal pass."""
        x = self.position_embedding(self.embedding(window))
        caches = []
        for block, cache in zip(self.blocks, self.empty_caches(ops.shape(window)[0])):
            x, cache = block(x, training=False, cache=cache, cache_index=0)
            caches.append(cache)
        return caches

    def initial_state(self, context, lengths=None):
        state = super().initial_state(context, lengths)
        return {**state, "caches": self.prefill(state["window"])}

    def _slide(self, state):
        """Rows with a full window keep their newest `keep` tokens, moved to
        the window's start, with their caches recomputed: a branch taken
        once every `max_length - keep` tokens."""

        def slid(state, caches):  # `caches(window)`: the slid window's
            window, count = state["window"], state["count"]
            full = count >= self.max_length  # (batch,); a count never passes it
            moved = ops.pad(window[:, self.max_length - self.keep:],
                            [[0, 0], [0, self.max_length - self.keep]])
            window = ops.where(full[:, None], moved, window)
            return {
                "window": window,
                "count": ops.where(full, self.keep, count),
                "caches": keras.tree.map_structure(
                    lambda new, old: ops.where(full[:, None, None], new, old),
                    caches(window, ops.any(full)), state["caches"]),
            }

        if backend.current_runtime() == "tensorflow":
            # An `If` of TensorFlow's executor costs about 1 us for each
            # tensor it takes or returns: only the window goes into it, and
            # the caches that come out replace the old ones by a select
            # (11 us a token less than passing the whole state through).
            return slid(state, lambda window, any_full: rare_cond(
                any_full,
                lambda: self.prefill(window),
                lambda: self.empty_caches(ops.shape(window)[0]),
            ))
        # Under XLA, a loop of at most one trip over the whole state keeps
        # it in place when not taken (`rarely`).
        return rarely(
            ops.any(state["count"] >= self.max_length),
            lambda state: slid(state, lambda window, _: self.prefill(window)),
            state,
        )

    def step_weights(self):
        """Every block's `step_weights()`: read and merged once per
        decoding (`start` does it before the loop)."""
        return [block.step_weights() for block in self.blocks]

    def step(self, tokens, state, weights=None):
        """`tokens` `(batch,)` -> `(logits (batch, vocab), new state)`.

        `weights`: `step_weights()`, computed once before a decoding loop
        (default: computed here).
        """
        if weights is None:
            weights = self.step_weights()
        state = self._slide(state)
        window, count = state["window"], state["count"]
        tokens = ops.cast(tokens, "int32")
        slots = ops.arange(self.max_length, dtype="int32")[None, :]
        window = ops.where(slots == count[:, None], tokens[:, None], window)
        positions = ops.take(self.position_embedding.embeddings, count, axis=0)
        x = self.embedding(tokens) + ops.cast(positions, self.embedding.compute_dtype)
        caches = []  # x: (batch, features)
        for block, cache, block_weights in zip(self.blocks, state["caches"], weights):
            x, cache = block.step(x, cache, count, block_weights)
            caches.append(cache)
        if self.final_norm is not None:
            x = self.final_norm(x)
        logits = self.output_layer(x)  # (batch, vocab)
        return logits, {"window": window, "count": count + 1, "caches": caches}

    def step_function(self):
        """`step` with the blocks' step weights merged here, once, before
        the decoding loop that calls it."""
        weights = self.step_weights()
        return lambda tokens, state: self.step(tokens, state, weights)


def language_model_generator(model):
    """`StatefulGenerator` of a recurrent language model, or
    `CachedGenerator` of a self-attention one (`LanguageModel.generator`)."""
    return as_language_model(model).generator()


def generate_ids(model, prompt_ids, max_new_tokens, sampler, end_token_id=None,
                 generator=None, jit_compile=False):
    """Continues each prompt by `max_new_tokens` sampled tokens.

    A recurrent model reads the prompt once and carries its state; a
    self-attention model keeps the keys and values of its window
    (`CachedGenerator`: one position per token; past `max_length` tokens
    the window slides by `max_length // 2`), so prompts and continuations
    may be longer than `max_length`. Padding and `[UNK]` (`NEVER_EMIT_IDS`)
    are never generated.

    Args:
        model: A model from `build_language_model`.
        prompt_ids: int array `(batch, P)` with P >= 1 (all rows the same
            length).
        max_new_tokens: Positive int.
        sampler: A `kerasseq.samplers` sampler (greedy, top-k, ...).
        end_token_id: Optional id that ends a continuation early.
        generator: The step-by-step form of `model` to decode with; default
            `language_model_generator(model)`. (`WindowedGenerator(model)`
            reruns a self-attention model's whole window at every token.)
        jit_compile: Whether the decoding loop is compiled with XLA
            (TensorFlow). Compiling costs about as much as tracing the graph
            does (0.4-0.9 s), and the loop then runs 4-8x faster on a CPU
            (BENCHMARKS.md): worth it for long generations or repeated calls
            with one prompt shape.

    Returns:
        int array `(batch, max_new_tokens)` of new ids.
    """
    generator = generator or language_model_generator(model)
    prompt_ids = ops.convert_to_tensor(prompt_ids, dtype="int32")
    if len(prompt_ids.shape) != 2 or prompt_ids.shape[1] == 0:
        raise ValueError(
            "Argument `prompt_ids` must be a (batch, length >= 1) array. "
            f"Received: shape={tuple(prompt_ids.shape)}"
        )

    def decode(prompt_ids):
        next_fn, state, first_tokens = generator.start(prompt_ids)
        result = sampler(
            next_fn, first_tokens, state, max_new_tokens,
            end_token_id=end_token_id,
        )
        return result["tokens"]

    return compiled(
        decode, jit_compile=jit_compile,
        assigns_variables=getattr(sampler, "draws_random", False),
    )(prompt_ids)


def generate_text(model, tokenizer, prompt, max_new_tokens, sampler="top_k",
                  seed=None, jit_compile=False, **sampler_kwargs):
    """The continuation of `prompt` (a string), decoded.

    Args:
        model: A model from `build_language_model`.
        tokenizer: Its `kerasseq.text.Tokenizer`.
        prompt: Text to continue; an empty prompt starts from a newline
            (character level).
        max_new_tokens: Positive int.
        sampler: A sampler name (`"greedy"`, `"random"`, `"top_k"`,
            `"top_p"`) or instance.
        seed: Seed of the sampler.
        jit_compile: Whether the decoding loop is compiled with XLA
            (`generate_ids`).
        **sampler_kwargs: E.g. `temperature`, `k`, `p`.

    Returns:
        The generated text (without the prompt).
    """
    from kerasseq.samplers import get_sampler

    prompt_ids = tokenizer.encode_one(prompt or "\n")
    if not prompt_ids:
        raise ValueError(
            f"The prompt {prompt!r} holds no token of the model's vocabulary."
        )
    if not isinstance(sampler, str):
        instance = sampler
    else:
        instance = get_sampler(sampler, seed=seed, **sampler_kwargs)
    ids = generate_ids(model, [prompt_ids], max_new_tokens, instance,
                       jit_compile=jit_compile)
    text = tokenizer.decode(np.asarray(ids)[0].tolist())
    return text if tokenizer.level == "char" else " " + text
