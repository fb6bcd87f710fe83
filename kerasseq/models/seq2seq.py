"""Sequence-to-sequence model with attention, and its step-by-step decoding
(the lecture's "Sequence to sequence models" and "Attention in Seq2Seq
models").

References: Sutskever et al., "Sequence to sequence learning with neural
networks", NeurIPS 2014 (encoder-decoder); Bahdanau et al., "Neural machine
translation by jointly learning to align and translate", ICLR 2015
(additive attention, bidirectional encoder); Luong et al., "Effective
approaches to attention-based neural machine translation", EMNLP 2015
(dot and general scores, the attentional hidden state
`tanh(W_c [c_t; h_t])`).

    source ids -> embedding (mask_zero) -> stacked (bidirectional) recurrent
        layers -> encoder outputs s_1..s_N, final states
    final states -> (Dense bridge when bidirectional) -> decoder initial states
    [START] y_1 .. y_m -> embedding -> stacked recurrent layers -> h_t
    c_t = attention(query h_t, values s_1..s_N, source padding masked)
    logits_t = W_o tanh(W_c [c_t; h_t])

The attention is one of `ATTENTIONS`: the kerasseq scored layers (`dot`,
`scaled_dot`, `multiplicative`, `additive`), `mean` (the uniform average of
the valid source states at every step: the lecture's "Idea 2") or `none`
(the plain bottleneck model: the decoder sees the source only through its
initial state). Because the attention reads the decoder's outputs, not its
states, the whole target sequence is attended to with one batched product
in training; in decoding the same layers run one step at a time
(`Seq2SeqDecoder`), with the encoder outputs computed once per batch of
sources and carried in the sampler's state.
"""

import dataclasses
import types

import keras
import numpy as np
from keras import ops

from kerasseq.layers import MeanAttention
from kerasseq.layers import RecurrentCell
from kerasseq.layers import attention_names
from kerasseq.layers import get_attention
from kerasseq.layers import get_recurrent_layer
from kerasseq.layers import validation
from kerasseq.layers.stacking import call_stack
from kerasseq.layers.stacking import stack_layers
from kerasseq.layers.stacking import step_stack
from kerasseq.models.parts import cell_name
from kerasseq.models.parts import copy_weights
from kerasseq.backend import compiled
from kerasseq.samplers.sampler import never_emit
from kerasseq.special_tokens import PAD_ID

#: The choices of `--attention`.
ATTENTIONS = attention_names() + ("mean", "none")
_EQUAL_WIDTH_ATTENTIONS = ("dot", "scaled_dot")


@keras.saving.register_keras_serializable(package="kerasseq")
class Seq2SeqModel(keras.Model):
    """An encoder-decoder with attention that owns its parts, a functional
    Keras model trained with teacher forcing.

    `[source (batch, S), target_in (batch, T)]` int ids -> logits `(batch,
    T, target_vocabulary_size)`. Its layers are `parts` (`Seq2SeqParts`:
    the embeddings, encoder and decoder layers, bridges, attention and
    output layers, with the wiring `encode`, `decode`, `attend` and the
    one-token `step`); `decoder(start_id, end_id)` is its
    `Seq2SeqDecoder` (greedy, sampled and beam-search decoding) and
    `attention_model()` the model that also returns the attention weights.

    Args:
        source_vocabulary_size, target_vocabulary_size: Numbers of ids (0 is
            padding).
        embedding_dim: Width of both embeddings.
        cell: Registered recurrent layer name or class.
        units: Units of every encoder direction and of the decoder.
        num_layers: Layers of the encoder and of the decoder; decoder layer
            `i` starts from the final state of encoder layer `i`.
        bidirectional: Bidirectional encoder (a Dense `tanh` bridge maps the
            two directions' states to the decoder's width).
        dropout: On the input of every recurrent layer and on the
            attentional hidden state.
        attention: One of `ATTENTIONS`. `dot` and `scaled_dot` need equal
            query and key widths, so no bidirectional encoder.
        **kwargs: `name`, `dtype`, ... of `keras.Model`.
    """

    def __init__(self, source_vocabulary_size, target_vocabulary_size,
                 embedding_dim=32, cell="lstm", units=128, num_layers=1,
                 bidirectional=False, dropout=0.0, attention="additive",
                 **kwargs):
        validation.check_choice("attention", attention, ATTENTIONS)
        if bidirectional and attention in _EQUAL_WIDTH_ATTENTIONS:
            raise ValueError(
                f"Attention {attention!r} scores <s_j, h_t> and needs encoder "
                f"outputs as wide as the decoder ({units}), but a "
                f"bidirectional encoder gives {2 * units}. Use "
                "attention='multiplicative' or 'additive', or no bidirectional "
                f"encoder. Received: attention={attention!r}, bidirectional=True"
            )
        # === Layers ===
        self.parts = Seq2SeqParts.create(
            source_vocabulary_size,
            target_vocabulary_size,
            types.SimpleNamespace(
                cell=cell, units=units, layers=num_layers,
                bidirectional=bidirectional, embedding_dim=embedding_dim,
                dropout=dropout,
            ),
            attention,
        )
        # === Functional model ===
        source = keras.Input((None,), dtype="int32", name="source")
        target_in = keras.Input((None,), dtype="int32", name="target_in")
        encoder_outputs, states = self.parts.encode(source)
        logits, _ = self.parts.decode(target_in, encoder_outputs, states)
        super().__init__([source, target_in], logits, **kwargs)
        # === Config ===
        self.source_vocabulary_size = source_vocabulary_size
        self.target_vocabulary_size = target_vocabulary_size
        self.embedding_dim = embedding_dim
        self.cell = cell
        self.units = units
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.attention = attention

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "source_vocabulary_size": self.source_vocabulary_size,
            "target_vocabulary_size": self.target_vocabulary_size,
            "embedding_dim": self.embedding_dim,
            "cell": cell_name(self.cell),
            "units": self.units,
            "num_layers": self.num_layers,
            "bidirectional": self.bidirectional,
            "dropout": self.dropout,
            "attention": self.attention,
        }

    @classmethod
    def from_model_config(cls, source_vocabulary_size, target_vocabulary_size,
                          model_config, attention="additive", name="seq2seq"):
        """The `Seq2SeqModel` a `kerasseq.training.ModelConfig` describes
        (`build_seq2seq`)."""
        return cls(
            source_vocabulary_size,
            target_vocabulary_size,
            embedding_dim=model_config.embedding_dim,
            cell=model_config.cell,
            units=model_config.units,
            num_layers=model_config.layers,
            bidirectional=model_config.bidirectional,
            dropout=model_config.dropout,
            attention=attention,
            name=name,
        )

    @classmethod
    def from_functional(cls, model, source_vocabulary_size, model_config,
                        attention):
        """A `Seq2SeqModel` with the weights of `model`, a plain functional
        model that `build_seq2seq` built before this class existed."""
        adopted = cls.from_model_config(
            source_vocabulary_size, model.output_shape[-1], model_config,
            attention=attention, name=model.name,
        )
        copy_weights(model, adopted)
        return adopted

    def decoder(self, start_id, end_id):
        """Its `Seq2SeqDecoder`, for target vocabulary ids `[START]` and
        `[END]`."""
        return Seq2SeqDecoder(self, start_id, end_id)

    def translate(self, source_ids, start_id, end_id, sampler="greedy",
                  max_length=50):
        """Decodes right-padded source ids: `self.decoder(start_id,
        end_id).decode(source_ids, sampler, max_length)`, a dict of NumPy
        arrays (`tokens`, `lengths`, `scores`, `attention`).
        `kerasseq.translation.Translator` does the same from raw text."""
        return self.decoder(start_id, end_id).decode(
            source_ids, sampler=sampler, max_length=max_length
        )

    def attention_model(self):
        """`attention_model(self)`: also returns the attention weights."""
        return attention_model(self)


def build_seq2seq(source_vocabulary_size, target_vocabulary_size, model_config,
                  attention="additive", name="seq2seq"):
    """The `Seq2SeqModel` of a `ModelConfig`, trained with teacher forcing.

    Args:
        source_vocabulary_size: Number of source ids (0 is padding).
        target_vocabulary_size: Number of target ids (0 is padding).
        model_config: A `ModelConfig`: `cell`, `units` (of every encoder
            direction and of the decoder), `layers` (of the encoder and of
            the decoder; decoder layer `i` starts from the final state of
            encoder layer `i`), `bidirectional` (encoder only; a Dense
            `tanh` bridge maps the two directions' states to the decoder's
            width), `embedding_dim`, `dropout` (on the input of every
            recurrent layer, embeddings included, and on the attentional
            hidden state).
        attention: One of `ATTENTIONS`. `dot` and `scaled_dot` need equal
            query and key widths, so no bidirectional encoder.
        name: Model name.

    Returns:
        `Seq2SeqModel`: `[source (batch, S), target_in (batch, T)]` int ids
        -> logits `(batch, T, target_vocabulary_size)`, carrying the target
        padding mask. `target_in` is `[START] + target`, and the logits
        predict `target + [END]`
        (`kerasseq.data.pipelines.teacher_forcing`).

    Example:

    >>> config = ModelConfig(cell="gru", units=16, bidirectional=True)
    >>> model = build_seq2seq(50, 40, config, attention="additive")
    >>> model([np.ones((2, 7)), np.ones((2, 5))]).shape
    TensorShape([2, 5, 40])
    """
    return Seq2SeqModel.from_model_config(
        source_vocabulary_size, target_vocabulary_size, model_config,
        attention=attention, name=name,
    )


def masked_loss():
    """Cross-entropy of the logits averaged over the real target tokens.

    Id 0 (padding) is ignored: padded positions add nothing to the sum and
    are not counted in the mean.
    """
    return keras.losses.SparseCategoricalCrossentropy(
        from_logits=True, ignore_class=PAD_ID
    )


def attention_model(model):
    """`model` with a second output: the attention weights `(batch, T, S)`.

    Shares the layers (and weights) of `model`. Raises `ValueError` for a
    model without attention (`attention="none"`).
    """
    layer = Seq2SeqParts.from_model(model).attention
    if layer is None:
        raise ValueError(f"Model {model.name!r} has no attention layer.")
    return keras.Model(model.inputs, [model.output, layer.output[1]],
                       name=f"{model.name}_with_attention")


@dataclasses.dataclass
class Seq2SeqParts:
    """The layers of a Seq2Seq model and how they are wired.

    `Seq2SeqModel` creates them and wires them on symbolic inputs, and
    keeps them as `model.parts`; `Seq2SeqDecoder` runs the very same
    `encode` and `attend` on tensors, stepping the decoder cells one token
    at a time. The attributes are the layers, named in the model as below
    (`i` counts stacked layers, `j` the states of a cell).

    Attributes:
        source_embedding, target_embedding: `Embedding(mask_zero=True)`s.
        encoder: `encoder_{i}`: recurrent layers (or `Bidirectional`
            wrappers) returning sequences and final states.
        bridges: `bridge_{i}_{j}`: per encoder layer, one Dense `tanh` per
            state, from both directions to the decoder width; empty lists
            for a unidirectional encoder.
        decoder: `decoder_{i}`: recurrent layers returning sequences.
        attention: `attention`, or `None` for `attention="none"`.
        concatenate: `concatenate`, shared by the bridges and `[c_t; h_t]`
            (not in a model that has neither).
        attention_output: `attention_output`, Dense `tanh`: `W_c`.
        logits: `logits`, Dense: `W_o`.
        encoder_dropout, decoder_dropout: `dropout_encoder_{i}`,
            `dropout_decoder_{i}` on the input of layer `i` (empty without
            dropout).
        output_dropout: `dropout_output` on the attentional hidden state,
            or `None`.
    """

    source_embedding: object
    target_embedding: object
    encoder: list
    bridges: list
    decoder: list
    attention: object
    concatenate: object
    attention_output: object
    logits: object
    encoder_dropout: list
    decoder_dropout: list
    output_dropout: object

    @classmethod
    def create(cls, source_vocabulary_size, target_vocabulary_size,
               model_config, attention):
        layer_class = get_recurrent_layer(model_config.cell)
        units, depth = model_config.units, model_config.layers
        layers = {
            "source_embedding": keras.layers.Embedding(
                source_vocabulary_size, model_config.embedding_dim,
                mask_zero=True, name="source_embedding",
            ),
            "target_embedding": keras.layers.Embedding(
                target_vocabulary_size, model_config.embedding_dim,
                mask_zero=True, name="target_embedding",
            ),
            "concatenate": keras.layers.Concatenate(name="concatenate"),
            "attention": None,
            "attention_output": keras.layers.Dense(
                units, activation="tanh", name="attention_output"
            ),
            "logits": keras.layers.Dense(target_vocabulary_size, name="logits"),
            "encoder": [],
            "decoder": [],
            "bridges": [],
            "encoder_dropout": [],
            "decoder_dropout": [],
            "output_dropout": None,
        }
        if attention == "mean":
            layers["attention"] = MeanAttention(name="attention")
        elif attention != "none":
            preset = get_attention(attention)  # the registry's arguments
            layers["attention"] = type(preset).from_config(
                {**preset.get_config(), "name": "attention"}
            )
        state_sizes = _state_sizes(layer_class(units))
        layers["encoder"], _ = stack_layers(
            layer_class, units, depth, name="encoder",
            bidirectional=model_config.bidirectional, merge_mode="concat",
            return_state=True, wrapper_name="encoder",
        )
        for index in range(depth):
            layers["bridges"].append([
                keras.layers.Dense(
                    size, activation="tanh", name=f"bridge_{index}_{j}"
                )
                for j, size in enumerate(state_sizes)
            ] if model_config.bidirectional else [])
        layers["decoder"], _ = stack_layers(layer_class, units, depth, name="decoder")
        if model_config.dropout:
            for side in ("encoder", "decoder"):
                layers[f"{side}_dropout"] = [
                    keras.layers.Dropout(
                        model_config.dropout, name=f"dropout_{side}_{index}"
                    )
                    for index in range(depth)
                ]
            layers["output_dropout"] = keras.layers.Dropout(
                model_config.dropout, name="dropout_output"
            )
        return cls(**layers)

    @classmethod
    def from_model(cls, model):
        """The parts of a `Seq2SeqModel` (`model.parts`)."""
        if not isinstance(model, Seq2SeqModel):
            raise ValueError(
                "Expected a kerasseq `Seq2SeqModel` (`build_seq2seq`; "
                "`Seq2SeqModel.from_functional` adopts a functional model "
                "saved before it existed). Received: "
                f"{type(model).__name__} {getattr(model, 'name', '')!r}"
            )
        return model.parts

    # ---------------------------------------------------------------- wiring
    def encode(self, source, training=None):
        """Source ids `(batch, S)` -> `(encoder outputs, decoder states)`.

        The outputs are `(batch, S, width)`, width `units` or `2 * units`
        (bidirectional), and carry the source padding mask; the states are
        one list of `(batch, units)` tensors per decoder layer.
        """
        x = self.source_embedding(source)  # (batch, S, embedding_dim)
        x, finals = call_stack(
            self.encoder, x, dropouts_before=self.encoder_dropout,
            return_state=True, training=training,
        )
        states = []
        for bridges, final in zip(self.bridges, finals, strict=True):
            if bridges:  # forward states, then backward states
                half = len(final) // 2
                final = [
                    bridge(self.concatenate([forward, backward]))
                    for bridge, forward, backward in zip(
                        bridges, final[:half], final[half:], strict=True
                    )
                ]
            states.append(final)
        return x, states

    def decode(self, target_in, encoder_outputs, states, training=None):
        """Teacher-forced decoding of a whole target sequence.

        Args:
            target_in: `(batch, T)` ids, `[START] + target`, right-padded.
            encoder_outputs: `(batch, S, width)` with the source padding
                mask attached (as `encode` returns it).
            states: The decoder's initial states, from `encode`.

        Returns:
            `(logits (batch, T, vocab), attention weights (batch, T, S) or
            None)`.
        """
        x = self.target_embedding(target_in)  # (batch, T, embedding_dim)
        x = call_stack(
            self.decoder, x, dropouts_before=self.decoder_dropout,
            initial_states=states, training=training,
        )
        return self.attend(x, encoder_outputs, training=training)

    def attend(self, decoder_outputs, encoder_outputs, source_mask=None,
               training=None):
        """Luong's output layer: `logits = W_o tanh(W_c [c_t; h_t])`.

        Args:
            decoder_outputs: `(batch, T, units)`, the queries `h_t`.
            encoder_outputs: `(batch, S, width)`, the values `s_j`.
            source_mask: Optional `(batch, S)` boolean mask; by default the
                mask attached to `encoder_outputs` is used.

        Returns:
            `(logits (batch, T, vocab), weights (batch, T, S) or None)`.
        """
        weights = None
        hidden = decoder_outputs
        if self.attention is not None:
            kwargs = {} if source_mask is None else {"mask": [None, source_mask]}
            context, weights = self.attention(
                [decoder_outputs, encoder_outputs],
                return_attention_scores=True, training=training, **kwargs,
            )  # (batch, T, width), (batch, T, S)
            hidden = self.concatenate([context, decoder_outputs])
        hidden = self.attention_output(hidden)  # (batch, T, units)
        if self.output_dropout is not None:
            hidden = self.output_dropout(hidden, training=training)
        return self.logits(hidden), weights

    # ---------------------------------------------------------------- steps
    def decoder_cells(self):
        cells = [getattr(layer, "cell", None) for layer in self.decoder]
        if not all(isinstance(cell, RecurrentCell) for cell in cells):
            raise ValueError(
                "Step-by-step decoding needs kerasseq recurrent cells in the "
                f"decoder. Received: {[type(c).__name__ for c in cells]}"
            )
        return cells

    def step(self, tokens, state, kernels):
        """One decoder step, for the samplers.

        Args:
            tokens: int `(batch,)`, the previous target token.
            state: `{"encoder_outputs", "source_mask", "decoder"}` as made by
                `Seq2SeqDecoder.initial_state`.
            kernels: The decoder cells' `recurrent_matrix()`, computed once.

        Returns:
            `(logits (batch, vocab), new state, weights (batch, S))`; the
            weights are zeros without attention.
        """
        x = self.target_embedding(tokens)  # (batch, embedding_dim)
        x, new_states = step_stack(self.decoder_cells(), x, state["decoder"], kernels)
        query = ops.expand_dims(x, 1)  # (batch, 1, units)
        logits, weights = self.attend(
            query, state["encoder_outputs"], source_mask=state["source_mask"],
            training=False,
        )
        if weights is None:
            weights = ops.zeros_like(ops.cast(state["source_mask"], logits.dtype))
        else:
            weights = weights[:, 0]  # (batch, S)
        new_state = {**state, "decoder": new_states}
        return logits[:, 0], new_state, weights


def _state_sizes(layer):
    """The width of each state of `layer`'s cell (`2 * units` for unitary)."""
    size = layer.cell.state_size
    return list(size) if isinstance(size, (list, tuple)) else [size]


class Seq2SeqDecoder:
    """Greedy, sampled and beam-search decoding of a trained Seq2Seq model.

    The encoder runs once per batch of sources; its outputs and the source
    mask ride in the sampler's state (so beam search repeats and reorders
    them with the decoder states), and each new target token costs one
    decoder step and one attention over the encoder outputs. The whole
    decoding (encoder, loop, sampler) is one compiled graph per sampler
    and `max_length` (`kerasseq.backend.compiled`).

    Args:
        model: A model from `build_seq2seq` (trained or loaded).
        start_id, end_id: The target vocabulary's `[START]` and `[END]` ids.

    Example:

    >>> model = build_seq2seq(50, 40, ModelConfig(units=16))
    >>> decoder = Seq2SeqDecoder(model, start_id=2, end_id=3)
    >>> source = np.array([[5, 6, 7, 0]])  # (batch, S), right-padded
    >>> result = decoder.decode(source, BeamSampler(num_beams=4), 10)
    >>> result["tokens"].shape, result["attention"].shape
    ((1, 10), (1, 10, 4))
    """

    def __init__(self, model, start_id, end_id):
        self.parts = Seq2SeqParts.from_model(model)
        self.parts.decoder_cells()  # fail early for foreign cells
        self.start_id = int(start_id)
        self.end_id = int(end_id)
        self.has_attention = self.parts.attention is not None
        self._compiled = {}
        self._named_samplers = {}

    def _sampler(self, sampler):
        """A sampler instance; one per name, so a name compiles once."""
        from kerasseq.samplers import get_sampler

        if isinstance(sampler, str):
            if sampler not in self._named_samplers:
                self._named_samplers[sampler] = get_sampler(sampler)
            return self._named_samplers[sampler]
        return get_sampler(sampler)

    def initial_state(self, source):
        """The sampler state of source ids `(batch, S)`."""
        source = ops.convert_to_tensor(source, dtype="int32")
        encoder_outputs, states = self.parts.encode(source, training=False)
        return {
            "encoder_outputs": encoder_outputs,  # (batch, S, width)
            "source_mask": ops.not_equal(source, PAD_ID),  # (batch, S)
            "decoder": [list(s) for s in states],
        }

    def decode_tensors(self, source, sampler, max_length):
        """The traceable body of `decode`: tensors in and out, no compiling.

        Args:
            source: int32 `(batch, S)` source ids, 0 padding.
            sampler: A `kerasseq.samplers.Sampler` instance.
            max_length: Positive Python int, decoding steps at most.

        Returns:
            The sampler's dict of tensors: `tokens`, `lengths`, `scores` and
            `aux` (the attention weights), as in `decode`.
        """
        kernels = [cell.recurrent_matrix() for cell in self.parts.decoder_cells()]
        state = self.initial_state(source)

        def next_fn(tokens, state):
            return self.parts.step(tokens, state, kernels)  # logits, state, weights

        # Padding and [START] are never targets: never emit them.
        next_fn = never_emit(next_fn, [PAD_ID, self.start_id])
        start = ops.full((ops.shape(source)[0],), self.start_id, "int32")
        return sampler(next_fn, start, state, max_length,
                       end_token_id=self.end_id, pad_token_id=PAD_ID)

    def decode(self, source, sampler="greedy", max_length=50):
        """Decodes a batch of right-padded sources.

        Args:
            source: int `(batch, S)` source ids, 0 padding.
            sampler: A `kerasseq.samplers` name or instance (`"greedy"`,
                `BeamSampler(num_beams=4, length_penalty=0.6)`, ...).
            max_length: Positive int, decoding steps at most (the end token
                included).

        Returns:
            Dict of NumPy arrays: `tokens` `(batch, max_length)` (the end
            token and pad ids after it included), `lengths` `(batch,)`
            (tokens generated, the end token counted), `scores` `(batch,)`,
            and `attention` `(batch, max_length, S)`, the weights of the
            chosen hypothesis (zeros without attention or after the end).
        """
        validation.check_positive_int("max_length", max_length)
        sampler = self._sampler(sampler)
        key = (id(sampler), max_length)
        if key not in self._compiled:

            def decode(source):
                return self.decode_tensors(source, sampler, max_length)

            # The sampler is kept so that its id is not reused.
            self._compiled[key] = (sampler, compiled(
                decode, assigns_variables=getattr(sampler, "draws_random", False)))
        source = ops.convert_to_tensor(np.asarray(source), dtype="int32")
        result = self._compiled[key][1](source)
        result = {k: np.asarray(v) for k, v in result.items()}
        result["attention"] = result.pop("aux")
        return result

    def decode_all(self, sequences, sampler="greedy", max_length=50,
                   batch_size=64):
        """Decodes many sources of any lengths, in batches of one shape.

        Every batch is padded to `batch_size` rows and to the longest
        source, so the compiled decoding is traced once.

        Args:
            sequences: List of int sequences (source ids, no padding).
            sampler, max_length: As in `decode`.
            batch_size: Positive int, sources per batch.

        Returns:
            `(outputs, attention)`: per source, the list of generated ids
            without the end token and padding, and its `(len(output) + 1,
            len(source))` attention weights (a row for the end token too
            when one was emitted).
        """
        validation.check_positive_int("batch_size", batch_size)
        sampler = self._sampler(sampler)
        width = max([1] + [len(s) for s in sequences])
        rows = min(batch_size, max(1, len(sequences)))
        outputs, attention = [], []
        for start in range(0, len(sequences), rows):
            chunk = sequences[start:start + rows]
            source = np.full((rows, width), PAD_ID, np.int32)
            for row, ids in enumerate(chunk):
                source[row, :len(ids)] = ids
            result = self.decode(source, sampler, max_length)
            for row, ids in enumerate(chunk):
                tokens = result["tokens"][row, :result["lengths"][row]].tolist()
                steps = len(tokens)
                if tokens and tokens[-1] == self.end_id:
                    tokens = tokens[:-1]
                outputs.append(tokens)
                attention.append(result["attention"][row, :steps, :len(ids)])
        return outputs, attention
