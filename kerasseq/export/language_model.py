"""Exports a language model (`kerasseq train lm`).

SavedModel, two signatures (a signature cannot have optional inputs, so
the defaults are a second one):

* `serving_default`: input `text` `tf.string` `(batch,)`, the prompts;
  generates `max_new_tokens` tokens (the export's `--max-tokens`) at
  temperature 1.
* `generate`: inputs `text` `(batch,)`, `max_new_tokens` int32 scalar in
  `[0, export limit]` and `temperature` float32 scalar `> 0`; values outside
  raise `InvalidArgumentError` naming the input.

`text` follows the rule of every kerasseq text signature
(`text_graph.text_vector`): a string vector `(batch,)`, a scalar read as a
batch of one; rank 2 or more raises `InvalidArgumentError`.

Both return `text` `tf.string` `(batch,)`, the continuation of each prompt
(without the prompt; at word level it starts with a space, as
`kerasseq generate` prints it), `token_ids` int32
`(batch, max_new_tokens)` and `truncated` bool `(batch,)`: whether the
prompt had more than `max_prompt_tokens` tokens. Only the last
`max_prompt_tokens` tokens of a prompt are read (the continuation follows
its end; `max_prompt_tokens` in `model_info.json`, default
`DEFAULT_PROMPT_WINDOWS` training windows, `5 * seq_len`, or the window of
a self-attention model, all it reads); `kerasseq generate` reads the whole
prompt. The decoding (greedy, random, top-k, top-p) is
chosen at export. Each prompt is read once with its padding masked, then
every new token costs one recurrent step, all inside the graph. An empty
prompt starts from a newline, as `kerasseq generate` does; a prompt with no
token then starts from `[UNK]`. Padding and `[UNK]` are never generated
(`NEVER_EMIT_IDS`, as in `kerasseq generate`).

TFLite: the single-step model of `step_models.LanguageModelStep`, batch
1, for streaming generation on a device: the app feeds the prompt token by
token, then each chosen token, and keeps the states between calls. Its
logits are the model's own; `model_info.json` lists `never_emit_ids`, the
ids the app must not pick.

A self-attention language model (`--cell self_attention`) has no
recurrent state: its generation state is its token window with the keys
and values of every block (`CachedGenerator`), which the SavedModel's loop
carries like recurrent states and the TFLite step model
(`step_models.CachedLanguageModelStep`) takes and returns as `window`,
`count` and `key_cache_i`/`value_cache_i`; each token costs one position of
every block against the cache, and a full window slides by `max_length //
2` tokens (recomputed in one pass).
"""

import numpy as np
import tensorflow as tf
from keras import ops

from kerasseq.export.exporter import DEFAULT_MAX_NEW_TOKENS
from kerasseq.export.exporter import DEFAULT_PROMPT_WINDOWS
from kerasseq.export.exporter import Exporter
from kerasseq.export.exporter import register_exporter
from kerasseq.export.exporter import sample_ids
from kerasseq.export.step_models import language_model_step
from kerasseq.export.text_graph import TEXT_SPEC
from kerasseq.export.text_graph import clean_ids
from kerasseq.export.text_graph import encode_texts
from kerasseq.export.text_graph import last_ids
from kerasseq.export.text_graph import read_empty_as_oov
from kerasseq.export.text_graph import text_vector
from kerasseq.export.verify import softmax
from kerasseq.models.language_model import NEVER_EMIT_IDS
from kerasseq.samplers import sampler_from_options


def make_sampler(options):
    """The export's sampler; each request passes its temperature to the
    sampler's call (so it can be an input)."""
    # `top_k` has a default (10): it is the k of a top-k sampler only.
    return sampler_from_options(
        options.sampler,
        top_k=options.top_k if options.sampler == "top_k" else None,
        top_p=options.top_p, seed=options.seed,
    )


def max_prompt_tokens(source, options):
    """The most prompt tokens the SavedModel reads, the last ones.

    The export's `max_prompt_tokens`; by default `DEFAULT_PROMPT_WINDOWS`
    training windows (`seq_len`) of a recurrent model, and the window of a
    self-attention model, which reads no further back than its window (so
    a larger cap is refused).
    """
    if source.model.is_recurrent:
        return options.max_prompt_tokens or (
            DEFAULT_PROMPT_WINDOWS * source.config.options.seq_len
        )
    window = source.model.max_length  # the position table
    if options.max_prompt_tokens is None:
        return window
    if options.max_prompt_tokens > window:
        raise ValueError(
            "Argument `max_prompt_tokens` must be at most the window of this "
            f"self-attention language model, {window} tokens (--seq-len): it "
            "reads no further back. Received: "
            f"max_prompt_tokens={options.max_prompt_tokens}"
        )
    return options.max_prompt_tokens


def read_prompts(tokenizer, texts, max_tokens):
    """Prompts as `kerasseq generate` reads them (see the module docstring),
    each cut to its last `max_tokens` tokens.

    Returns:
        `(ids, lengths, truncated)`: int32 `(batch, time >= 2)`, right-padded;
        int32 `(batch,)`, the tokens kept, each >= 1; bool `(batch,)`,
        whether a prompt had more than `max_tokens` tokens.
    """
    texts = tf.where(texts == "", "\n", texts)
    ids, lengths = encode_texts(tokenizer, texts, max_tokens, min_length=2,
                                keep="last")
    kept = tf.minimum(lengths, max_tokens)
    return read_empty_as_oov(ids), tf.maximum(kept, 1), lengths > max_tokens


def check_request(max_new_tokens, temperature, limit):
    """Graph assertions on a generation request's scalar inputs: each
    raises `InvalidArgumentError` naming the input."""
    tf.debugging.assert_greater(
        temperature, 0.0, message="`temperature` must be > 0"
    )
    tf.debugging.assert_less_equal(
        max_new_tokens, limit,
        message=f"`max_new_tokens` must be at most {limit} (the "
        "export's --max-tokens)",
    )
    tf.debugging.assert_non_negative(
        max_new_tokens, message="`max_new_tokens` must be >= 0"
    )


def generate_ids(generator, sampler, ids, lengths, max_new_tokens,
                 temperature, limit):
    """Continues right-padded prompts by `max_new_tokens` (a tensor) ids.

    `generator` is the model's `StatefulGenerator` or `CachedGenerator`
    (`LanguageModel.generator`). The decoding loop is the sampler's own,
    the one `kerasseq generate` runs, with buffers of `limit` steps and the
    request's step count and temperature as tensors (`num_steps`,
    `temperature`).

    Returns:
        int32 `(batch, max_new_tokens)`.
    """
    next_fn, state, start = generator.start(ids, lengths)
    result = sampler(
        next_fn, start, state, limit, num_steps=max_new_tokens,
        temperature=temperature,
    )
    return result["tokens"][:, :max_new_tokens]


@register_exporter
class LanguageModelExporter(Exporter):
    job_name = "lm"
    made_by = "kerasseq train lm"

    def serving_endpoints(self, source, options):
        tokenizer = source.tokenizer
        prompt_limit = max_prompt_tokens(source, options)
        prefix = "" if tokenizer.level == "char" else " "

        def read(text):
            return read_prompts(tokenizer, text_vector(text), prompt_limit)

        def outputs(new_ids):
            return {"text": prefix + tokenizer.decode_tensor(new_ids)}

        return self.generation_endpoints(source, options, TEXT_SPEC, read, outputs)

    def ids_endpoints(self, source, options):
        prompt_limit = max_prompt_tokens(source, options)
        vocabulary_size = source.tokenizer.vocabulary_size

        def read(token_ids):
            ids, lengths, truncated = last_ids(token_ids, prompt_limit)
            ids = clean_ids(ids, None, vocabulary_size, min_length=2)
            return ids, tf.maximum(lengths, 1), truncated

        prompts = tf.TensorSpec([None, None], tf.int32, name="token_ids")
        return self.generation_endpoints(
            source, options, prompts, read, lambda new_ids: {}
        )

    def generation_endpoints(self, source, options, prompt_spec, read, outputs):
        """`serving_default` and `generate` on prompts of `prompt_spec`:
        `read(prompts)` gives `(ids, lengths, truncated)` as `read_prompts`
        does, `outputs(new_ids)` the outputs besides `token_ids` and
        `truncated`."""
        generator = source.model.generator()
        sampler = make_sampler(options)
        limit = options.max_new_tokens or DEFAULT_MAX_NEW_TOKENS
        signature = [
            prompt_spec,
            tf.TensorSpec([], tf.int32, name="max_new_tokens"),
            tf.TensorSpec([], tf.float32, name="temperature"),
        ]

        # One function for both signatures, so its constants (the frozen
        # recurrent matrices) are stored once.
        @tf.function(input_signature=signature, autograph=False)
        def generate(prompts, max_new_tokens, temperature):
            check_request(max_new_tokens, temperature, limit)
            ids, lengths, truncated = read(prompts)
            new_ids = generate_ids(
                generator, sampler, ids, lengths, max_new_tokens, temperature,
                limit,
            )  # (batch, max_new_tokens)
            return {**outputs(new_ids), "token_ids": new_ids, "truncated": truncated}

        def generate_default(prompts):
            return generate(prompts, tf.constant(limit), tf.constant(1.0))

        return {
            "serving_default": (generate_default, [prompt_spec]),
            "generate": (generate, signature),
        }

    def ids_info(self, source, options):
        limit = options.max_new_tokens or DEFAULT_MAX_NEW_TOKENS
        prompts = {
            "name": "token_ids", "dtype": "int32", "shape": [-1, -1],
            "description": "the prompts' ids, a batch right-padded with "
            "pad_id; only the last max_prompt_tokens ids of a prompt are "
            "read; ids outside the vocabulary are read as oov_id, and a "
            "prompt of no id starts from oov_id",
        }
        outputs = [
            {"name": "token_ids", "dtype": "int32", "shape": [-1, -1],
             "description": "the new ids of each prompt (never an id of "
             "never_emit_ids)"},
            {"name": "truncated", "dtype": "bool", "shape": [-1],
             "description": "whether the prompt had more than "
             "max_prompt_tokens ids"},
        ]
        return {
            "serving_default": {
                "inputs": [prompts], "outputs": outputs,
                "description": f"generates {limit} ids at temperature 1",
            },
            "generate": {
                "inputs": [
                    prompts,
                    {"name": "max_new_tokens", "dtype": "int32", "shape": [],
                     "description": f"0 to {limit}"},
                    {"name": "temperature", "dtype": "float32", "shape": [],
                     "description": "> 0"},
                ],
                "outputs": outputs,
            },
            "sampler": options.sampler,
            "never_emit_ids": list(NEVER_EMIT_IDS),
            "max_prompt_tokens": max_prompt_tokens(source, options),
            "max_new_tokens": limit,
        }

    def tflite_graphs(self, source, options):
        step = language_model_step(source.model)
        return {"model": (step, step.input_signature(batch_size=1))}

    def tflite_info(self, source, options):
        step = language_model_step(source.model)
        states = step.describe(batch_size=1)
        vocabulary_size = step.vocabulary_size
        return {
            "model": step.kind,
            "inputs": [
                {"name": "token", "dtype": "int32", "shape": [1],
                 "description": "the current token id"},
                *states,
            ],
            "outputs": [
                {"name": "logits", "dtype": "float32",
                 "shape": [1, vocabulary_size],
                 "description": "unnormalized log-probabilities of the next "
                 "token (softmax(logits / temperature) to sample)"},
                *states,
            ],
            "states": states,
            "never_emit_ids": list(NEVER_EMIT_IDS),
            "max_prompt_tokens": max_prompt_tokens(source, options),
            "usage": step.start + "; for each prompt token, "
            "then for each chosen token: run with that token and the "
            "states, keep the returned states for the next call and pick "
            "the next token from logits, never an id of never_emit_ids "
            "(padding and oov). An empty prompt starts from the "
            "newline token at char level, else from oov_id. The SavedModel "
            "reads only the last max_prompt_tokens tokens of a prompt; feed "
            "the same to get its continuation.",
        }

    def sample_inputs(self, source, options):
        step = language_model_step(source.model)
        length = options.samples
        if step.max_length is not None:  # one whole-model call checks it
            length = min(length, step.max_length)
        return sample_ids(step.vocabulary_size, (1, length))

    def keras_probabilities(self, source, sample):
        logits = source.model(sample, training=False)  # (1, time, vocab)
        return softmax(ops.convert_to_numpy(logits)[0])

    def tflite_probabilities(self, models, sample):
        model = models["model"]
        states = model.zero_inputs(exclude=("token",))
        names = list(states)
        rows = []
        for token in sample[0]:
            outputs = model.run(token=np.array([token], np.int32), **states)
            states = {name: outputs[name] for name in names}
            rows.append(softmax(outputs["logits"][0]))
        return np.stack(rows)
