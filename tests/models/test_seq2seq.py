"""Seq2Seq model: shapes, masking, the attention variants against NumPy, and
the step decoder against the teacher-forced model."""

import keras
import numpy as np
import pytest

from kerasseq.models.seq2seq import ATTENTIONS
from kerasseq.models.seq2seq import Seq2SeqDecoder
from kerasseq.models.seq2seq import Seq2SeqParts
from kerasseq.models.seq2seq import attention_model
from kerasseq.models.seq2seq import build_seq2seq
from kerasseq.models.seq2seq import masked_loss
from kerasseq.samplers import BeamSampler
from kerasseq.training.config import ModelConfig

SOURCE_VOCAB, TARGET_VOCAB = 23, 17
START, END = 2, 3
# Right-padded sources of lengths 5, 2 and 4 (id 0 is padding).
SOURCE = np.array([[4, 5, 6, 7, 8], [9, 10, 0, 0, 0], [11, 4, 12, 13, 0]])
TARGET_IN = np.array([[2, 5, 6, 0], [2, 7, 8, 9], [2, 10, 0, 0]])
TARGET_OUT = np.array([[5, 6, 3, 0], [7, 8, 9, 3], [10, 3, 0, 0]])


def make(attention="additive", cell="lstm", bidirectional=None, layers=1,
         units=8, dropout=0.0, sharpen=1.0):
    """A random model; `sharpen` scales the logits (peaked distributions)."""
    if bidirectional is None:
        bidirectional = attention not in ("dot", "scaled_dot")
    config = ModelConfig(cell=cell, units=units, layers=layers,
                         bidirectional=bidirectional, embedding_dim=6,
                         dropout=dropout)
    model = build_seq2seq(SOURCE_VOCAB, TARGET_VOCAB, config, attention=attention)
    if sharpen != 1.0:
        logits = model.get_layer("logits")
        kernel, bias = logits.get_weights()
        logits.set_weights([kernel * sharpen, bias])
    return model


def numpy_log_softmax(logits):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


# ------------------------------------------------------------------ shapes
@pytest.mark.parametrize("attention", ATTENTIONS)
def test_teacher_forced_shapes_and_target_mask(attention):
    model = make(attention, cell="gru", layers=2)
    logits = model([SOURCE, TARGET_IN])
    assert tuple(logits.shape) == (3, 4, TARGET_VOCAB)
    np.testing.assert_array_equal(
        np.asarray(keras.ops.convert_to_numpy(logits._keras_mask)), TARGET_IN != 0
    )
    if attention == "none":
        assert "attention" not in [layer.name for layer in model.layers]
        with pytest.raises(ValueError, match="no attention layer"):
            attention_model(model)
    else:
        _, weights = attention_model(model)([SOURCE, TARGET_IN])
        assert tuple(weights.shape) == (3, 4, 5)


def test_bad_attention_and_dot_with_bidirectional_encoder_are_rejected():
    with pytest.raises(ValueError, match="`attention`.*'bahdanau'"):
        make("bahdanau")
    with pytest.raises(ValueError, match="'dot'.*bidirectional=True"):
        make("dot", bidirectional=True)


# ------------------------------------------------------------------ masking
def test_masked_loss_ignores_padding():
    model = make("additive", sharpen=3.0)
    logits = np.asarray(model([SOURCE, TARGET_IN]), np.float64)
    real = TARGET_OUT != 0
    log_probs = numpy_log_softmax(logits)
    chosen = np.take_along_axis(log_probs, TARGET_OUT[..., None], -1)[..., 0]
    want = -chosen[real].mean()
    every_position = -chosen.mean()
    assert abs(want - every_position) > 1e-3  # the padding would matter
    got = float(masked_loss()(TARGET_OUT, model([SOURCE, TARGET_IN])))
    np.testing.assert_allclose(got, want, rtol=1e-5)
    # The same through compile/evaluate, where Keras also sees the mask.
    model.compile(loss=masked_loss())
    evaluated = model.evaluate([SOURCE, TARGET_IN], TARGET_OUT, verbose=0)
    np.testing.assert_allclose(evaluated, want, rtol=1e-5)


@pytest.mark.parametrize("attention", ["dot", "scaled_dot", "multiplicative",
                                       "additive", "mean"])
def test_attention_weights_are_zero_on_padded_source_positions(attention):
    model = make(attention)
    _, weights = attention_model(model)([SOURCE, TARGET_IN])
    weights = np.asarray(weights)  # (batch, T, S)
    padded = np.broadcast_to((SOURCE == 0)[:, None, :], weights.shape)
    assert np.all(weights[padded] == 0.0)
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, atol=1e-6)


def test_mean_attention_is_the_average_of_the_valid_encoder_outputs():
    model = make("mean", layers=2)
    parts = Seq2SeqParts.from_model(model)
    encoder_outputs, _ = parts.encode(SOURCE)
    values = np.asarray(encoder_outputs, np.float64)  # (batch, S, 2 * units)
    valid = (SOURCE != 0)[..., None]
    want = (values * valid).sum(axis=1) / valid.sum(axis=1)  # (batch, width)
    queries = np.random.default_rng(0).standard_normal((3, 4, 8))
    context = parts.attention(
        [queries, encoder_outputs], mask=[None, SOURCE != 0]
    )
    np.testing.assert_allclose(
        context, np.broadcast_to(want[:, None, :], (3, 4, want.shape[-1])),
        atol=1e-6,
    )
    _, weights = attention_model(model)([SOURCE, TARGET_IN])
    lengths = (SOURCE != 0).sum(axis=1)
    want_weights = (SOURCE != 0) / lengths[:, None]
    np.testing.assert_allclose(
        weights, np.broadcast_to(want_weights[:, None, :], (3, 4, 5)), atol=1e-7
    )


@pytest.mark.parametrize("attention, changes", [("none", False), ("additive", True)])
def test_only_attention_reads_the_encoder_outputs_beyond_the_final_state(
        attention, changes):
    model = make(attention)
    parts = Seq2SeqParts.from_model(model)
    encoder_outputs, states = parts.encode(SOURCE)
    other = np.random.default_rng(1).standard_normal(encoder_outputs.shape)
    mask = SOURCE != 0
    logits, _ = parts.decode(TARGET_IN, encoder_outputs, states)
    other_logits, _ = parts.attend(
        _decoder_outputs(parts, TARGET_IN, states), other.astype("float32"),
        source_mask=mask,
    )
    difference = np.abs(np.asarray(logits) - np.asarray(other_logits)).max()
    assert (difference > 1e-3) == changes, difference


def _decoder_outputs(parts, target_in, states):
    x = parts.target_embedding(target_in)
    for layer, state in zip(parts.decoder, states):
        x = layer(x, initial_state=state)
    return x


# ------------------------------------------------------------ step decoding
@pytest.mark.parametrize(
    "attention, cell, layers, bidirectional",
    [("additive", "lstm", 2, True), ("dot", "gru", 1, False),
     ("mean", "gru", 1, True), ("none", "lstm", 1, False),
     ("none", "gru", 2, True), ("multiplicative", "simple_rnn", 2, False),
     ("additive", "unitary", 1, True)],
)
def test_step_decoder_agrees_with_the_teacher_forced_model(
        attention, cell, layers, bidirectional):
    model = make(attention, cell=cell, layers=layers, bidirectional=bidirectional,
                 dropout=0.1, sharpen=3.0)
    decoder = Seq2SeqDecoder(model, START, END)
    steps = 6
    greedy = decoder.decode(SOURCE, "greedy", steps)
    tokens = greedy["tokens"]  # (batch, steps)
    target_in = np.concatenate([np.full((3, 1), START), tokens[:, :-1]], axis=1)
    # [END] and the padding after it become an ordinary token, so that the
    # teacher-forced model masks no step the step decoder runs.
    target_in = np.where((target_in == END) | (target_in == 0), 4, target_in)
    full_logits = np.asarray(model([SOURCE, target_in]))

    # The parts stepped by hand: the logits of every step.
    parts = decoder.parts
    state = decoder.initial_state(SOURCE)
    kernels = [cell.recurrent_matrix() for cell in parts.decoder_cells()]
    for t in range(steps):
        logits, state, weights = parts.step(target_in[:, t], state, kernels)
        np.testing.assert_allclose(logits, full_logits[:, t], atol=1e-5)

    # The sampler's choices are the argmax of the full model's logits, and
    # its attention rows are the model's weights, until each sequence ends.
    allowed = full_logits.copy()
    allowed[..., [0, START]] = -np.inf
    live = np.arange(steps)[None, :] < greedy["lengths"][:, None]
    np.testing.assert_array_equal(tokens[live], allowed.argmax(-1)[live])
    assert np.all(tokens[~live] == 0)
    if attention == "none":
        assert np.all(greedy["attention"] == 0)
    else:
        _, want = attention_model(model)([SOURCE, target_in])
        want = np.where(live[..., None], np.asarray(want), 0.0)
        np.testing.assert_allclose(greedy["attention"], want, atol=1e-5)


def test_beam_of_width_one_is_greedy():
    model = make("additive", layers=2, sharpen=3.0)
    decoder = Seq2SeqDecoder(model, START, END)
    greedy = decoder.decode(SOURCE, "greedy", 7)
    beam = decoder.decode(SOURCE, BeamSampler(num_beams=1), 7)
    np.testing.assert_array_equal(beam["tokens"], greedy["tokens"])
    np.testing.assert_allclose(beam["attention"], greedy["attention"], atol=1e-6)
    np.testing.assert_allclose(beam["scores"], greedy["scores"], atol=1e-5)


def test_beam_search_of_a_batch_equals_each_source_alone():
    model = make("additive", cell="gru", sharpen=4.0)
    decoder = Seq2SeqDecoder(model, START, END)
    sampler = BeamSampler(num_beams=3, length_penalty=0.6)
    batch = decoder.decode(SOURCE, sampler, 8)
    for row, source in enumerate(SOURCE):
        alone = decoder.decode(source[source != 0][None, :], sampler, 8)
        np.testing.assert_array_equal(alone["tokens"][0], batch["tokens"][row])
        np.testing.assert_allclose(alone["scores"][0], batch["scores"][row], atol=1e-5)
        length = int((source != 0).sum())
        np.testing.assert_allclose(
            alone["attention"][0], batch["attention"][row][:, :length], atol=1e-5
        )
        assert np.all(batch["attention"][row][:, length:] == 0)


def test_decode_all_strips_the_end_token_and_keeps_its_attention_row():
    model = make("additive", sharpen=3.0)
    decoder = Seq2SeqDecoder(model, START, END)
    sequences = [list(s[s != 0]) for s in SOURCE]
    outputs, attention = decoder.decode_all(sequences, "greedy", 6, batch_size=2)
    together = decoder.decode(SOURCE, "greedy", 6)
    for row, (output, weights) in enumerate(zip(outputs, attention)):
        length = together["lengths"][row]
        tokens = together["tokens"][row, :length].tolist()
        assert output == [t for t in tokens if t != END]
        assert weights.shape == (length, len(sequences[row]))


# ------------------------------------------------------------- round trip
def test_keras_file_round_trip_and_decoding_the_loaded_model(tmp_path):
    model = make("multiplicative", cell="gru", layers=2, dropout=0.2, sharpen=3.0)
    path = tmp_path / "seq2seq.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)  # no custom_objects
    np.testing.assert_allclose(
        loaded([SOURCE, TARGET_IN]), model([SOURCE, TARGET_IN]), atol=1e-6
    )
    want = Seq2SeqDecoder(model, START, END).decode(SOURCE, "greedy", 5)
    got = Seq2SeqDecoder(loaded, START, END).decode(SOURCE, "greedy", 5)
    np.testing.assert_array_equal(got["tokens"], want["tokens"])


def test_a_foreign_model_is_not_decoded():
    inputs = keras.Input((None,), dtype="int32")
    model = keras.Model(inputs, keras.layers.Embedding(5, 2)(inputs))
    with pytest.raises(ValueError, match="Expected a kerasseq `Seq2SeqModel`"):
        Seq2SeqDecoder(model, START, END)


def test_translate_is_the_greedy_argmax_of_the_whole_model_step_by_step():
    # Reference: the teacher-forced model rerun on the growing prefix,
    # padding and [START] never chosen, stopping at [END].
    model = make("multiplicative", layers=2, sharpen=3.0)
    out = model.translate(SOURCE, START, END, max_length=5)
    for row in range(len(SOURCE)):
        prefix = [START]
        for _ in range(5):
            logits = np.asarray(model([SOURCE[row:row + 1], np.array([prefix])]))
            logits = logits[0, -1].copy()
            logits[[0, START]] = -np.inf
            prefix.append(int(logits.argmax()))
            if prefix[-1] == END:
                break
        expected = prefix[1:] + [0] * (6 - len(prefix))
        np.testing.assert_array_equal(out["tokens"][row], expected)
        assert out["lengths"][row] == len(prefix) - 1
