"""The graphs exports are traced from: frozen `W_h`, unrolled loops, steps.

Exported graphs never compute a recurrent matrix. Inside
`frozen_recurrence(model)`, `recurrent_matrix()` of every kerasseq cell
returns a constant: its value at export, computed once. A parametrized
`W_h` (an orthogonal or unitary cell's Cayley transform or matrix
exponential of trained variables) so costs nothing at inference and needs
no matrix inverse or exponential kernel, which TFLite lacks. It works for
any `RecurrentCell`, through the one method the cell API defines for `W_h`.

With `unroll=True` the recurrent layers also unroll their time loop over a
fixed length (`run_recurrence`'s unrolled path), so the graph has no WHILE
loop and no TensorList ops (which TFLite runs only with Flex kernels).
Graphs over a whole text (the classifier, the Seq2Seq encoder) instead
loop over its own length with a built-in WHILE loop
(`while_loop.while_loop_recurrence`), so they cost what the text costs.

`LanguageModelStep` is the streaming form of a language model: one token
and the recurrent states in, the next-token logits and new states out, so
the caller (an app) keeps the state between calls. `Seq2SeqSteps` does the
same for a translation model, as two graphs: the encoder, run once per
source, and one decoder step attending over the encoder outputs.
"""

import contextlib

import keras
import numpy as np
from keras import ops

from kerasseq.layers import RecurrentCell
from kerasseq.models.language_model import CachedGenerator
from kerasseq.models.language_model import StatefulGenerator
from kerasseq.models.language_model import has_recurrent_state
from kerasseq.models.seq2seq import Seq2SeqParts


def _sublayers(layer):
    """Every layer nested in `layer` (attributes and lists of layers)."""
    found = []
    for value in vars(layer).values():
        values = value if isinstance(value, (list, tuple)) else [value]
        for item in values:
            if isinstance(item, keras.layers.Layer) and item is not layer:
                found.append(item)
    return found


def all_layers(model):
    """`model`'s layers and everything nested in them, each once."""
    seen, order, pending = set(), [], list(model.layers)
    while pending:
        layer = pending.pop(0)
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        order.append(layer)
        pending.extend(_sublayers(layer))
    return order


@contextlib.contextmanager
def frozen_recurrence(model, unroll=False):
    """Within the block, `model`'s cells return a constant `W_h`.

    Enter it eagerly (outside any `tf.function`): the matrices are
    evaluated on entry. The block is the tracing scope of an export.

    Args:
        model: A Keras model holding kerasseq recurrent cells.
        unroll: Also unroll the time loop of every recurrent layer (the
            inputs must then have a fixed number of steps).
    """
    layers = all_layers(model)
    cells = [layer for layer in layers if isinstance(layer, RecurrentCell)]
    loops = [layer for layer in layers if isinstance(layer, keras.layers.RNN)]
    values = [ops.convert_to_numpy(cell.recurrent_matrix()) for cell in cells]
    unrolled = [layer.unroll for layer in loops]
    for cell, value in zip(cells, values):
        # A constant of the graph being traced, created at each use.
        cell.recurrent_matrix = lambda value=value: ops.convert_to_tensor(value)
    if unroll:
        for layer in loops:
            layer.unroll = True
    try:
        yield
    finally:
        for cell in cells:
            del cell.recurrent_matrix
        for layer, setting in zip(loops, unrolled):
            layer.unroll = setting


class FlatStates:
    """The recurrent states of stacked cells as flat, named tensors.

    An exported step graph takes and returns each state as its own tensor,
    named `state_{layer}_{index}` (an LSTM layer has `h` then `c`), so an
    app passes them back by name.

    Args:
        cells: The stacked `RecurrentCell`s, first layer first.
    """

    def __init__(self, cells):
        self.layout = []  # per layer: its state names
        self.sizes = {}  # name -> size
        self.cells = {}  # name -> the cell's class name
        for index, cell in enumerate(cells):
            sizes = cell.state_size
            sizes = list(sizes) if isinstance(sizes, (list, tuple)) else [sizes]
            names = [f"state_{index}_{j}" for j in range(len(sizes))]
            self.layout.append(names)
            self.sizes.update(zip(names, (int(s) for s in sizes)))
            self.cells.update(dict.fromkeys(names, type(cell).__name__))

    def nest(self, flat_states):
        """Flat states to one list per layer."""
        flat = iter(flat_states)
        return [[next(flat) for _ in names] for names in self.layout]

    def flatten(self, nested_states):
        """One list per layer to `{name: state}`."""
        flat = [state for layer in nested_states for state in layer]
        return dict(zip(self.sizes, flat))

    def specs(self, batch_size=None):
        """Named float32 `tf.TensorSpec`s `(batch_size, size)`."""
        import tensorflow as tf

        return [
            tf.TensorSpec([batch_size, size], tf.float32, name=name)
            for name, size in self.sizes.items()
        ]

    def zeros(self, batch_size=1):
        """Zero states as NumPy arrays, by name."""
        return {
            name: np.zeros((batch_size, size), np.float32)
            for name, size in self.sizes.items()
        }

    def describe(self, batch_size=1, **fields):
        """The states as `model_info.json` lists them."""
        return [
            {"name": name, "dtype": "float32", "shape": [batch_size, size],
             "layer": int(name.split("_")[1]), "cell": self.cells[name], **fields}
            for name, size in self.sizes.items()
        ]


class LanguageModelStep:
    """A language model as one step: `(token, states) -> (logits, states)`.

    The states are flat, one tensor per state of each recurrent layer, named
    `state_{layer}_{index}` (an LSTM layer has `h` then `c`). Call it inside
    `frozen_recurrence(model)`.

    Args:
        model: A model from `kerasseq.models.build_language_model`.

    Call arguments:
        token: int32 `(batch,)`.
        *states: the flat states, each float32 `(batch, size)`.

    Returns:
        A dict: `logits` `(batch, vocabulary_size)` and the new states under
        the names of the inputs.

    Example:

    >>> model = build_language_model(40, ModelConfig(cell="lstm", units=16))
    >>> step = LanguageModelStep(model)
    >>> step.state_sizes  # an LSTM layer: h and c
    {'state_0_0': 16, 'state_0_1': 16}
    >>> with frozen_recurrence(model):
    ...     out = step(np.array([3], "int32"), *step.initial_states().values())
    >>> tuple(out["logits"].shape)  # (batch, vocabulary_size)
    (1, 40)
    """

    kind = "language_model_step"  # `model` in model_info.json
    start = "start with every state at 0"
    max_length = None  # any number of tokens

    def __init__(self, model):
        self.model = model
        self.generator = StatefulGenerator(model)
        self.vocabulary_size = int(model.head.units)
        self.states = FlatStates(self.generator.cells)
        self.layout = self.states.layout
        self.state_sizes = self.states.sizes

    @property
    def state_names(self):
        return list(self.state_sizes)

    def input_signature(self, batch_size=1):
        import tensorflow as tf

        return [tf.TensorSpec([batch_size], tf.int32, name="token")] + (
            self.states.specs(batch_size)
        )

    def nest(self, flat_states):
        """Flat states to the per-layer lists of `StatefulGenerator`."""
        return self.states.nest(flat_states)

    def initial_states(self, batch_size=1):
        """Zero states as NumPy arrays, by name."""
        return self.states.zeros(batch_size)

    def describe(self, batch_size=1):
        """The states as `model_info.json` lists them."""
        return self.states.describe(batch_size=batch_size, initial_value=0.0)

    def __call__(self, token, *states):
        kernels = self.generator.recurrent_kernels()
        logits, new_states = self.generator.step(token, self.nest(states), kernels)
        return {"logits": logits, **self.states.flatten(new_states)}


class CachedLanguageModelStep:
    """A self-attention language model as one step with a key/value cache.

    The streaming interface of `LanguageModelStep` for a model with no
    recurrent state: the state is `CachedGenerator`'s, int32 `window`
    `(batch, max_length)` (the tokens, left-aligned, 0 after them), int32
    `count` `(batch,)` (the position of the next token) and, for each block
    `i`, `key_cache_i` float32 `(batch, max_length, heads * key_dim)` and
    `value_cache_i` float32 `(batch, heads * value_dim, max_length)` (the
    values positions last, `SelfAttention`'s cache layout). A call costs
    one position of every block against the cache; when the window is full
    it first slides by `max_length // 2` tokens and recomputes their cache
    in one pass (the `CachedGenerator` rule), inside the same graph (a
    built-in `IF`).

    Args:
        model: A self-attention model from `build_language_model`.

    Call arguments:
        token: int32 `(batch,)`.
        window, count, key_cache_0, value_cache_0, ...: the state, as
            described above (zeros to start).

    Returns:
        A dict: `logits` `(batch, vocabulary_size)` and the new state by name.
    """

    kind = "cached_language_model_step"
    start = ("start with window, count and every key_cache_i and "
             "value_cache_i at 0 (the state is a window of tokens with the "
             "keys and values of each block: self-attention has no "
             "recurrent state)")

    def __init__(self, model):
        self.model = model
        self.generator = CachedGenerator(model)
        self.max_length = self.generator.max_length
        self.vocabulary_size = int(model.head.units)
        self.cache_shapes = {}  # name -> shape without the batch
        for index, (keys, values) in enumerate(self.generator.empty_caches(1)):
            self.cache_shapes[f"key_cache_{index}"] = tuple(keys.shape[1:])
            self.cache_shapes[f"value_cache_{index}"] = tuple(values.shape[1:])

    def input_signature(self, batch_size=1):
        import tensorflow as tf

        return [
            tf.TensorSpec([batch_size], tf.int32, name="token"),
            tf.TensorSpec([batch_size, self.max_length], tf.int32, name="window"),
            tf.TensorSpec([batch_size], tf.int32, name="count"),
            *(tf.TensorSpec([batch_size, *shape], tf.float32, name=name)
              for name, shape in self.cache_shapes.items()),
        ]

    def initial_states(self, batch_size=1):
        """The empty state, as NumPy arrays by name."""
        return {
            "window": np.zeros((batch_size, self.max_length), np.int32),
            "count": np.zeros((batch_size,), np.int32),
            **{name: np.zeros((batch_size, *shape), np.float32)
               for name, shape in self.cache_shapes.items()},
        }

    def describe(self, batch_size=1):
        """The states as `model_info.json` lists them."""
        return [
            {"name": "window", "dtype": "int32",
             "shape": [batch_size, self.max_length], "initial_value": 0,
             "description": "the window's tokens, left-aligned, 0 after them"},
            {"name": "count", "dtype": "int32", "shape": [batch_size],
             "initial_value": 0,
             "description": "how many window slots hold tokens"},
            *({"name": name, "dtype": "float32",
               "shape": [batch_size, *shape], "initial_value": 0.0,
               "description": "block {}'s {} of the window's tokens{}".format(
                   name.rsplit("_", 1)[1], name.split("_")[0] + "s",
                   ", positions last" if name.startswith("value") else "")}
              for name, shape in self.cache_shapes.items()),
        ]

    def __call__(self, token, window, count, *caches):
        pairs = [(caches[i], caches[i + 1]) for i in range(0, len(caches), 2)]
        logits, state = self.generator.step(
            token, {"window": window, "count": count, "caches": pairs}
        )
        flat = [tensor for pair in state["caches"] for tensor in pair]
        return {
            "logits": logits,
            "window": state["window"],
            "count": state["count"],
            **dict(zip(self.cache_shapes, flat)),
        }


def language_model_step(model):
    """`LanguageModelStep` of a recurrent language model, or
    `CachedLanguageModelStep` of a self-attention one."""
    if has_recurrent_state(model):
        return LanguageModelStep(model)
    return CachedLanguageModelStep(model)


class Seq2SeqSteps:
    """A Seq2Seq model as the two graphs of an app's decoding loop.

    `encoder(source)` reads the source once; `decoder_step(token,
    encoder_outputs, source_mask, *states)` is one decoder step with its
    attention over the encoder outputs (`Seq2SeqParts.step`, the step the
    samplers run). The decoder states are flat and named as in
    `FlatStates`. Call both inside `frozen_recurrence(model)` (the encoder
    also inside `while_loop_recurrence(model)` to convert it to TFLite).

    Args:
        model: A model from `kerasseq.models.build_seq2seq`.

    Call arguments of `encoder`:
        source: int32 `(batch, S)` source ids, right-padded with 0; a row
            of padding only is read as one OOV token.

    Returns of `encoder`: a dict: `encoder_outputs` float32
        `(batch, S, encoder_width)`, `source_mask` int32 `(batch, S)` (1 for a
        real token) and the decoder's initial states by name.

    Call arguments of `decoder_step`:
        token: int32 `(batch,)`, the previous target token (`[START]` first).
        encoder_outputs, source_mask: As the encoder returned them.
        *states: The flat decoder states.

    Returns of `decoder_step`: a dict: `logits` float32 `(batch, vocab)`,
        `attention` float32 `(batch, S)` (zeros without attention) and the
        new states by name.

    Example:

    >>> model = build_seq2seq(30, 20, ModelConfig(cell="gru", units=8))
    >>> steps = Seq2SeqSteps(model)
    >>> with frozen_recurrence(model):
    ...     encoded = steps.encoder(np.array([[5, 6, 7, 0]], "int32"))
    ...     out = steps.decoder_step(np.array([2], "int32"),
    ...                              encoded["encoder_outputs"],
    ...                              encoded["source_mask"], encoded["state_0_0"])
    >>> tuple(out["logits"].shape), tuple(out["attention"].shape)
    ((1, 20), (1, 4))
    """

    def __init__(self, model):
        self.model = model
        self.parts = Seq2SeqParts.from_model(model)
        self.cells = self.parts.decoder_cells()
        self.states = FlatStates(self.cells)
        self.vocabulary_size = int(self.parts.logits.units)
        outputs, _ = self.parts.encode(np.ones((1, 1), np.int32), training=False)
        self.encoder_width = int(outputs.shape[-1])  # units, 2 * bidirectional

    def encoder_signature(self, source_length, batch_size=None):
        import tensorflow as tf

        return [tf.TensorSpec([batch_size, source_length], tf.int32, name="source")]

    def decoder_step_signature(self, source_length, batch_size=None):
        import tensorflow as tf

        return [
            tf.TensorSpec([batch_size], tf.int32, name="token"),
            tf.TensorSpec([batch_size, source_length, self.encoder_width],
                          tf.float32, name="encoder_outputs"),
            tf.TensorSpec([batch_size, source_length], tf.int32, name="source_mask"),
            *self.states.specs(batch_size),
        ]

    def encoder(self, source):
        from kerasseq.export.text_graph import read_empty_as_oov
        from kerasseq.text.tokenizer import PAD_ID

        source = read_empty_as_oov(source)
        encoder_outputs, states = self.parts.encode(source, training=False)
        return {
            "encoder_outputs": encoder_outputs,  # (batch, S, encoder_width)
            "source_mask": ops.cast(ops.not_equal(source, PAD_ID), "int32"),
            **self.states.flatten(states),
        }

    def decoder_step(self, token, encoder_outputs, source_mask, *states):
        kernels = [cell.recurrent_matrix() for cell in self.cells]
        state = {
            "encoder_outputs": encoder_outputs,
            "source_mask": ops.not_equal(source_mask, 0),  # (batch, S)
            "decoder": self.states.nest(states),
        }
        logits, state, weights = self.parts.step(token, state, kernels)
        return {
            "logits": logits,  # (batch, vocab)
            "attention": weights,  # (batch, S)
            **self.states.flatten(state["decoder"]),
        }
