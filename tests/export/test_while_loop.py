"""`while_loop_recurrence`: stacked recurrent layers as WHILE loops over the
input's own length compute what the Keras layers compute, and convert to a
TFLite file of built-in operators whose WHILE loop runs any length."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasseq

from kerasseq.export import tflite
from kerasseq.export.step_models import frozen_recurrence
from kerasseq.export.verify import TFLiteModel
from kerasseq.export.while_loop import while_loop_recurrence
from kerasseq.layers import DeepRNN
from tests.helpers import export_builders as builders
from tests.helpers.export_checks import assert_builtin_only

CELLS = ("simple_rnn", "lstm", "gru", "orthogonal", "unitary")
TOLERANCE = 1e-5


def right_padded(lengths, features=3, seed=0):
    """Random inputs `(batch, max(lengths), features)` and their mask."""
    rng = np.random.default_rng(seed)
    time = max(lengths)
    inputs = rng.standard_normal((len(lengths), time, features)).astype("float32")
    mask = np.arange(time)[None, :] < np.array(lengths)[:, None]
    return inputs, mask


def deep_rnn(cell, **kwargs):
    layer = DeepRNN(cell, 5, seed=1, **kwargs)
    layer.build((None, None, 3))
    rng = np.random.default_rng(2)
    layer.set_weights([0.5 * rng.standard_normal(w.shape).astype("float32")
                       for w in layer.get_weights()])
    return layer


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidirectional, return_sequences",
                         [(True, False), (True, True), (False, True)])
def test_loops_equal_the_keras_layers(cell, bidirectional, return_sequences):
    layer = deep_rnn(cell, num_layers=2, bidirectional=bidirectional,
                     return_sequences=return_sequences)
    inputs, mask = right_padded([4, 7, 1])
    expected = np.asarray(layer(inputs, mask=mask, training=False))

    got = in_loops(layer, inputs, mask)
    if return_sequences:  # Keras's outputs at masked steps are not defined
        got, expected = got[mask], expected[mask]
    np.testing.assert_allclose(got, expected, atol=TOLERANCE, rtol=0)


@pytest.mark.parametrize("merge_mode", ["sum", "ave", "mul"])
def test_merge_modes_and_residual_connections(merge_mode):
    layer = deep_rnn("gru", num_layers=3, merge_mode=merge_mode, residual=True,
                     return_sequences=True)
    inputs, mask = right_padded([6, 2])
    expected = np.asarray(layer(inputs, mask=mask, training=False))
    got = in_loops(layer, inputs, mask)
    np.testing.assert_allclose(got[mask], expected[mask], atol=TOLERANCE, rtol=0)


def test_a_masked_step_inside_a_row_keeps_the_states():
    layer = deep_rnn("lstm", num_layers=1, bidirectional=True)
    inputs, mask = right_padded([5, 5])
    mask[0, 2] = False  # a hole, not padding
    expected = np.asarray(layer(inputs, mask=mask, training=False))
    got = in_loops(layer, inputs, mask)
    np.testing.assert_allclose(got, expected, atol=TOLERANCE, rtol=0)
    # The hole matters: without it the first row's result differs.
    unmasked = np.asarray(layer(inputs, training=False))
    assert np.abs(unmasked[0] - expected[0]).max() > 100 * TOLERANCE


@pytest.mark.parametrize("bidirectional", [False, True])
def test_final_states_and_initial_states_as_keras_returns_them(bidirectional):
    # As a Seq2Seq encoder calls its layers: outputs and final states.
    layer = kerasseq.layers.LSTM(4, return_sequences=True, return_state=True)
    if bidirectional:
        layer = keras.layers.Bidirectional(layer)
    inputs, mask = right_padded([3, 6, 2])
    rng = np.random.default_rng(5)
    initial = [rng.standard_normal((3, 4)).astype("float32")
               for _ in range(4 if bidirectional else 2)]
    expected = layer(inputs, mask=mask, initial_state=initial)
    holder = keras.Model(*(lambda x: (x, layer(x)))(keras.Input((None, 3))))
    with frozen_recurrence(holder), while_loop_recurrence(holder):
        got = tf.function(lambda x, m, s: layer(x, mask=m, initial_state=s))(
            inputs, mask, initial)
    assert len(got) == len(expected) == 1 + len(initial)
    np.testing.assert_allclose(np.asarray(got[0])[mask],
                               np.asarray(expected[0])[mask], atol=TOLERANCE)
    for state, reference in zip(got[1:], expected[1:]):
        np.testing.assert_allclose(state, reference, atol=TOLERANCE, rtol=0)


def test_a_lone_backward_layer_is_refused():
    layer = kerasseq.layers.GRU(4, go_backwards=True)
    holder = keras.Model(*(lambda x: (x, layer(x)))(keras.Input((None, 3))))
    with frozen_recurrence(holder), while_loop_recurrence(holder):
        with pytest.raises(ValueError, match="go_backwards=True"):
            layer(right_padded([2])[0])


@pytest.mark.parametrize("cell", ["lstm", "unitary"])
def test_the_tflite_graph_runs_any_length_and_no_rows(cell, tmp_path):
    source = builders.classifier(cell, pooling="mean", layers=2)
    model = source.model

    def classify(tokens):
        with while_loop_recurrence(model):
            return {"p": model(tokens, training=False)}

    signature = [tf.TensorSpec([None, None], tf.int32, name="tokens")]
    path = tmp_path / "model.tflite"
    path.write_bytes(tflite.convert(model, classify, signature)["float32"])
    assert_builtin_only(path, while_loops=2)
    assert "REVERSE_V2" not in TFLiteModel(str(path)).op_names()
    runner = TFLiteModel(str(path))
    rng = np.random.default_rng(0)
    for length in (1, 3, 40):  # 40: longer than any text of training
        tokens = rng.integers(2, source.tokenizer.vocabulary_size,
                              size=(2, length)).astype(np.int32)
        np.testing.assert_allclose(runner.run(tokens=tokens)["p"],
                                   np.asarray(model(tokens)), atol=1e-4, rtol=0)
    assert runner.run(tokens=np.zeros((0, 4), np.int32))["p"].shape == (0, 1)


def in_loops(layer, inputs, mask):
    """`layer(inputs, mask=mask)` traced inside `while_loop_recurrence`."""
    symbolic = keras.Input((None, 3))
    holder = keras.Model(symbolic, layer(symbolic))
    with frozen_recurrence(holder), while_loop_recurrence(holder):
        outputs = tf.function(lambda x, m: layer(x, mask=m))(inputs, mask)
    return tf.nest.map_structure(np.asarray, outputs)
