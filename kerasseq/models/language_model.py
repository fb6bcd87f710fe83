"""Recurrent language model and its text generation (the lecture's "Modern
neural language modeling"; Mikolov et al., "Recurrent neural network based
language model", Interspeech 2010).

`embedding -> recurrent layers -> dense logits over the vocabulary`, trained
on next-token cross-entropy. Generation feeds each sampled token back in and
carries the recurrent state from step to step: the prompt is read once, then
every new token costs one recurrent step.
"""

import keras
import numpy as np
from keras import ops

from kerasseq.layers import RecurrentCell
from kerasseq.layers import get_recurrent_layer
from kerasseq.layers.time_loop import run_recurrence


def build_language_model(vocabulary_size, model_config, embeddings=None,
                         trainable_embeddings=True, name="language_model"):
    """The functional language model.

    Args:
        vocabulary_size: Number of ids (including padding and OOV).
        model_config: A `ModelConfig` (cell, units, layers, embedding_dim,
            dropout); `bidirectional` is rejected: a language model reads
            left to right.
        embeddings: Optional `(vocabulary_size, embedding_dim)` initial
            embedding matrix (pretrained vectors).
        trainable_embeddings: Whether the embedding is fine-tuned.

    Returns:
        `keras.Model`: int ids `(batch, time)` -> logits
        `(batch, time, vocabulary_size)`.
    """
    if model_config.bidirectional:
        raise ValueError(
            "A language model predicts the next token from the left context "
            "only; `bidirectional` applies to classifiers and encoders."
        )
    layer_class = get_recurrent_layer(model_config.cell)
    tokens = keras.Input((None,), dtype="int32", name="tokens")
    x = keras.layers.Embedding(
        vocabulary_size,
        model_config.embedding_dim,
        embeddings_initializer=(
            keras.initializers.Constant(embeddings) if embeddings is not None
            else "uniform"
        ),
        trainable=trainable_embeddings,
        name="embedding",
    )(tokens)
    for index in range(model_config.layers):
        x = layer_class(
            model_config.units, return_sequences=True, name=f"recurrent_{index}",
            **model_config.cell_options,
        )(x)
        if model_config.dropout:
            x = keras.layers.Dropout(model_config.dropout, name=f"dropout_{index}")(x)
    logits = keras.layers.Dense(vocabulary_size, name="logits")(x)
    return keras.Model(tokens, logits, name=name)


class StatefulGenerator:
    """Step-by-step access to a trained language model, state carried.

    Finds the embedding, the recurrent layers (in order) and the output layer
    of a model built by `build_language_model`, and exposes

    * `prefill(prompt_ids)`: reads a prompt once, returns the states;
    * `step(tokens, states, recurrent_kernels)`: logits of the next token.

    Dropout layers are skipped (inference). `recurrent_kernels()` computes
    each cell's `W_h` once per generation, not once per token.
    """

    def __init__(self, model):
        self.embedding = model.get_layer("embedding")
        self.output_layer = model.get_layer("logits")
        self.cells = [
            layer.cell
            for layer in model.layers
            if isinstance(getattr(layer, "cell", None), RecurrentCell)
        ]
        if not self.cells:
            raise ValueError(f"Model {model.name} has no kerasseq recurrent layer.")

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
        new_states = []
        for cell, state, kernel in zip(self.cells, states, kernels):
            x, state = cell.step(cell.project_inputs(x), list(state), kernel)
            new_states.append(list(state))
        return self.output_layer(x), new_states


def generate_ids(model, prompt_ids, max_new_tokens, sampler, end_token_id=None):
    """Continues each prompt by `max_new_tokens` sampled tokens.

    Args:
        model: A model from `build_language_model`.
        prompt_ids: int array `(batch, P)` with P >= 1 (all rows the same
            length).
        max_new_tokens: Positive int.
        sampler: A `kerasseq.samplers` sampler (greedy, top-k, ...).
        end_token_id: Optional id that ends a continuation early.

    Returns:
        int array `(batch, max_new_tokens)` of new ids.
    """
    generator = StatefulGenerator(model)
    prompt_ids = ops.convert_to_tensor(prompt_ids, dtype="int32")
    if len(prompt_ids.shape) != 2 or prompt_ids.shape[1] == 0:
        raise ValueError(
            "Argument `prompt_ids` must be a (batch, length >= 1) array. "
            f"Received: shape={tuple(prompt_ids.shape)}"
        )

    def decode(prompt_ids):
        kernels = generator.recurrent_kernels()  # W_h once per generation
        states = generator.initial_states(ops.shape(prompt_ids)[0])
        if prompt_ids.shape[1] > 1:
            states = generator.prefill(prompt_ids[:, :-1], states, kernels)

        def next_fn(tokens, states):
            return generator.step(tokens, states, kernels)

        result = sampler(
            next_fn, prompt_ids[:, -1], states, max_new_tokens,
            end_token_id=end_token_id,
        )
        return result["tokens"]

    return compiled(decode)(prompt_ids)


def compiled(function):
    """`function` as one compiled graph on TensorFlow (`tf.function`) or JAX
    (`jax.jit`); as is on other backends."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.function(function)
    if backend == "jax":
        import jax

        return jax.jit(function)
    return function


def generate_text(model, tokenizer, prompt, max_new_tokens, sampler="top_k",
                  seed=None, **sampler_kwargs):
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
    ids = generate_ids(model, [prompt_ids], max_new_tokens, instance)
    text = tokenizer.decode(np.asarray(ids)[0].tolist())
    return text if tokenizer.level == "char" else " " + text
