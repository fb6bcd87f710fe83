"""The one way of stacking recurrent layers, against Keras's own layers
with copied weights."""

import keras
import numpy as np
import pytest

from kerasseq import layers
from kerasseq.layers.stacking import call_stack
from kerasseq.layers.stacking import stack_layers
from kerasseq.layers.stacking import step_stack


def keras_twin(layer, return_state=False):
    """Keras's own LSTM with `layer`'s weights (built on `layer`'s input)."""
    twin = keras.layers.LSTM(
        layer.units, return_sequences=True, return_state=return_state
    )
    twin.build((None, None, layer.cell.kernel.shape[0]))
    twin.set_weights(layer.get_weights())
    return twin


def randomized(stack, features, rng):
    shape = (None, None, features)
    for layer in stack:
        layer.build(shape)
        layer.set_weights(
            [0.4 * rng.standard_normal(w.shape) for w in layer.get_weights()]
        )
        shape = (None, None, layer.units)


def test_names_flags_and_dropouts_follow_the_arguments():
    made = []

    def make_dropout(index):
        made.append(index)
        return keras.layers.Dropout(0.1) if index == 0 else None

    stack, dropouts = stack_layers(
        "gru", 5, 3, name="encoder", return_sequences=False,
        return_state=True, make_dropout=make_dropout,
    )
    assert [layer.name for layer in stack] == ["encoder_0", "encoder_1", "encoder_2"]
    assert all(isinstance(layer, layers.GRU) for layer in stack)
    assert [layer.return_sequences for layer in stack] == [True, True, False]
    assert all(layer.return_state for layer in stack)
    assert made == [0, 1, 2] and dropouts[1:] == [None, None]
    wrapped, none = stack_layers("lstm", 4, 2, bidirectional=True,
                                 merge_mode="sum", wrapper_name="enc")
    assert [layer.name for layer in wrapped] == ["enc_0", "enc_1"]
    assert [layer.forward_layer.name for layer in wrapped] == [
        "forward_lstm_0", "forward_lstm_1",
    ]
    assert wrapped[0].merge_mode == "sum" and none == []


def test_states_in_and_out_match_keras_layers_with_copied_weights():
    rng = np.random.default_rng(0)
    stack, _ = stack_layers("lstm", 4, 2, return_state=True)
    randomized(stack, 3, rng)
    x = rng.standard_normal((2, 5, 3)).astype("float32")
    initial = [
        [rng.standard_normal((2, 4)).astype("float32") for _ in range(2)]
        for _ in range(2)
    ]
    doubled = keras.layers.Lambda(lambda t: 2.0 * t)
    halved = keras.layers.Lambda(lambda t: 0.5 * t)
    got, states = call_stack(
        stack, x, dropouts_before=[doubled, None],
        dropouts_after=[None, halved], initial_states=initial,
        return_state=True,
    )

    h0, *s0 = keras_twin(stack[0], True)(2.0 * x, initial_state=initial[0])
    h1, *s1 = keras_twin(stack[1], True)(h0, initial_state=initial[1])
    np.testing.assert_allclose(got, 0.5 * np.asarray(h1), atol=1e-5)
    for ours, theirs in zip(states, [s0, s1], strict=True):
        np.testing.assert_allclose(ours, theirs, atol=1e-5)


def test_residual_adds_the_input_of_every_layer_after_the_first():
    rng = np.random.default_rng(1)
    stack, _ = stack_layers("lstm", 4, 3)
    randomized(stack, 4, rng)
    x = rng.standard_normal((2, 6, 4)).astype("float32")
    got = call_stack(stack, x, residual=True)

    h = keras_twin(stack[0])(x)
    for layer in stack[1:]:
        h = keras_twin(layer)(h) + h
    np.testing.assert_allclose(got, h, atol=1e-5)


@pytest.mark.parametrize("cell", ["lstm", "gru", "simple_rnn"])
def test_stepping_the_cells_gives_the_sequence_output(cell):
    # Reference: the layers run over the whole sequence (each checked
    # against Keras and NumPy in its own tests).
    rng = np.random.default_rng(2)
    stack, _ = stack_layers(cell, 4, 2)
    randomized(stack, 3, rng)
    x = rng.standard_normal((2, 5, 3)).astype("float32")
    expected = np.asarray(call_stack(stack, x))

    cells = [layer.cell for layer in stack]
    states = [cell.get_initial_state(2) for cell in cells]
    kernels = [cell.recurrent_matrix() for cell in cells]
    for t in range(5):
        out, states = step_stack(cells, x[:, t], states, kernels)
        np.testing.assert_allclose(out, expected[:, t], atol=1e-5)


def test_step_stack_refuses_states_for_another_depth():
    stack, _ = stack_layers("gru", 3, 2)
    randomized(stack, 3, np.random.default_rng(3))
    cells = [layer.cell for layer in stack]
    with pytest.raises(ValueError):
        step_stack(cells, np.zeros((1, 3), "float32"),
                   [cells[0].get_initial_state(1)],
                   [cell.recurrent_matrix() for cell in cells])
