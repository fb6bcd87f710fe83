"""Behaviour shared by every kerasseq cell and its sequence layer.

Each test runs for SimpleRNN, LSTM and GRU (both reset placements) and
compares against an independent reference: the NumPy cells in
`numpy_reference.py`, Keras's built-in layers with copied weights, or finite
differences.
"""

import numpy as np
import pytest
import tensorflow as tf

import keras
from kerasseq import layers
from tests.helpers import numpy_reference
from tests.helpers.cell_specs import IDS
from tests.helpers.cell_specs import SPECS
from tests.helpers.masks import right_padded_mask

UNITS, FEATURES, BATCH = 5, 3, 4
parametrize_specs = pytest.mark.parametrize("spec", SPECS, ids=IDS)


def random_weights(layer, rng, scale=0.6):
    weights = [scale * rng.standard_normal(w.shape) for w in layer.get_weights()]
    layer.set_weights(weights)
    return [np.asarray(w, np.float64) for w in weights]


def built_layer(spec, rng, dtype="float64", **kwargs):
    layer = spec.make_layer(UNITS, dtype=dtype, **kwargs)
    layer.build((None, None, FEATURES))
    return layer, random_weights(layer, rng)


def zero_states(spec, batch=BATCH):
    return [np.zeros((batch, UNITS)) for _ in range(spec.num_states)]


# --------------------------------------------------------------- NumPy parity
@parametrize_specs
@pytest.mark.parametrize("steps", [1, 3, 11])
@pytest.mark.parametrize("masked", [False, True], ids=["unmasked", "masked"])
def test_matches_numpy_reference(spec, steps, masked):
    rng = np.random.default_rng(steps)
    layer, weights = built_layer(
        spec, rng, return_sequences=True, return_state=True
    )
    x = rng.standard_normal((BATCH, steps, FEATURES))
    mask = right_padded_mask(rng, BATCH, steps)[0] if masked else None
    got = layer(x, mask=mask)
    want_outputs, want_states = numpy_reference.run(
        spec.numpy_step, x, weights, zero_states(spec), mask=mask
    )
    np.testing.assert_allclose(got[0], want_outputs, atol=1e-10)
    for got_state, want_state in zip(got[1:], want_states):
        np.testing.assert_allclose(got_state, want_state, atol=1e-10)


@parametrize_specs
def test_go_backwards_and_initial_state_match_numpy(spec):
    rng = np.random.default_rng(0)
    layer, weights = built_layer(
        spec, rng, return_sequences=True, return_state=True, go_backwards=True
    )
    x = rng.standard_normal((BATCH, 6, FEATURES))
    initial = [rng.standard_normal((BATCH, UNITS)) for _ in range(spec.num_states)]
    got = layer(x, initial_state=initial)
    want_outputs, want_states = numpy_reference.run(
        spec.numpy_step, x, weights, initial, go_backwards=True
    )
    np.testing.assert_allclose(got[0], want_outputs, atol=1e-10)
    for got_state, want_state in zip(got[1:], want_states):
        np.testing.assert_allclose(got_state, want_state, atol=1e-10)


# ---------------------------------------------------------- Keras built-ins
@parametrize_specs
def test_matches_keras_builtin_outputs_and_gradients(spec):
    rng = np.random.default_rng(1)
    ours, weights = built_layer(
        spec, rng, dtype="float32", return_sequences=True, return_state=True
    )
    theirs = spec.make_keras_layer(
        UNITS, return_sequences=True, return_state=True
    )
    theirs.build((None, None, FEATURES))
    theirs.set_weights(weights)
    x = tf.constant(rng.standard_normal((BATCH, 9, FEATURES)), tf.float32)
    probe = [
        tf.constant(rng.standard_normal(o.shape), tf.float32)
        for o in ours(x)
    ]

    def loss_and_grads(layer):
        with tf.GradientTape() as tape:
            tape.watch(x)
            outputs = layer(x)
            loss = sum(tf.reduce_sum(o * p) for o, p in zip(outputs, probe))
        grads = tape.gradient(loss, [x] + layer.trainable_weights)
        return outputs, grads

    our_outputs, our_grads = loss_and_grads(ours)
    their_outputs, their_grads = loss_and_grads(theirs)
    for a, b in zip(our_outputs, their_outputs):
        np.testing.assert_allclose(a, b, atol=1e-5)
    for a, b in zip(our_grads, their_grads):
        np.testing.assert_allclose(a, b, atol=1e-5)


@parametrize_specs
def test_masked_keras_builtin_parity(spec):
    rng = np.random.default_rng(2)
    ours, weights = built_layer(spec, rng, dtype="float32", return_sequences=True)
    theirs = spec.make_keras_layer(UNITS, return_sequences=True)
    theirs.build((None, None, FEATURES))
    theirs.set_weights(weights)
    x = rng.standard_normal((BATCH, 7, FEATURES)).astype("float32")
    mask, _ = right_padded_mask(rng, BATCH, 7)
    np.testing.assert_allclose(
        ours(x, mask=mask), theirs(x, mask=mask), atol=1e-5
    )


# ------------------------------------------------------------------ masking
@parametrize_specs
def test_right_padding_equals_unpadded_runs(spec):
    rng = np.random.default_rng(3)
    layer, _ = built_layer(spec, rng, return_sequences=True, return_state=True)
    steps = 8
    x = rng.standard_normal((BATCH, steps, FEATURES))
    mask, lengths = right_padded_mask(rng, BATCH, steps)
    x_padded = np.where(mask[..., None], x, 0.0)
    padded = layer(x_padded, mask=mask)
    for row, length in enumerate(lengths):
        alone = layer(x[row : row + 1, :length])
        np.testing.assert_allclose(
            padded[0][row, :length], alone[0][0], atol=1e-10
        )
        for padded_state, state in zip(padded[1:], alone[1:]):
            np.testing.assert_allclose(padded_state[row], state[0], atol=1e-10)


@parametrize_specs
def test_left_padding_equals_unpadded_runs(spec):
    rng = np.random.default_rng(4)
    layer, _ = built_layer(spec, rng, return_state=True)
    steps = 8
    x = rng.standard_normal((BATCH, steps, FEATURES))
    right_mask, lengths = right_padded_mask(rng, BATCH, steps)
    left_mask = right_mask[:, ::-1]
    padded = layer(np.where(left_mask[..., None], x, 0.0), mask=left_mask)
    for row, length in enumerate(lengths):
        alone = layer(x[row : row + 1, steps - length :])
        for padded_out, out in zip(padded, alone):
            np.testing.assert_allclose(padded_out[row], out[0], atol=1e-10)


@parametrize_specs
def test_mask_zero_embedding_masks_the_layer(spec):
    rng = np.random.default_rng(5)
    tokens = np.array([[3, 1, 4, 0, 0], [2, 7, 1, 8, 2]])
    inputs = keras.Input((None,), dtype="int32")
    embedded = keras.layers.Embedding(10, FEATURES, mask_zero=True)(inputs)
    layer = spec.make_layer(UNITS)
    model = keras.Model(inputs, layer(embedded))
    random_weights(layer, rng)
    got = model.predict(tokens, verbose=0)
    alone = model.predict(tokens[:1, :3], verbose=0)
    np.testing.assert_allclose(got[0], alone[0], atol=1e-6)


# ------------------------------------------------------------ gradient check
@parametrize_specs
def test_finite_difference_gradients(spec):
    rng = np.random.default_rng(6)
    layer, _ = built_layer(spec, rng, return_sequences=True)
    x = tf.constant(rng.standard_normal((2, 5, FEATURES)))
    mask = tf.constant([[True] * 5, [True, True, True, False, False]])
    probe = tf.constant(rng.standard_normal((2, 5, UNITS)))

    def loss():
        return tf.reduce_sum(layer(x, mask=mask) * probe)

    with tf.GradientTape() as tape:
        value = loss()
    grads = tape.gradient(value, layer.trainable_weights)
    eps = 1e-6
    for variable, grad in zip(layer.trainable_weights, grads, strict=True):
        for _ in range(3):
            direction = rng.standard_normal(variable.shape)
            base = variable.numpy()
            variable.assign(base + eps * direction)
            plus = float(loss())
            variable.assign(base - eps * direction)
            minus = float(loss())
            variable.assign(base)
            numeric = (plus - minus) / (2 * eps)
            analytic = float(np.sum(grad.numpy() * direction))
            assert analytic == pytest.approx(numeric, rel=1e-6, abs=1e-8), (
                variable.path
            )


# -------------------------------------------------- inside Keras containers
@parametrize_specs
def test_cell_inside_keras_rnn_matches_numpy(spec):
    rng = np.random.default_rng(7)
    cell = spec.make_cell(UNITS, dtype="float64")
    layer = keras.layers.RNN(cell, return_sequences=True, dtype="float64")
    layer.build((None, None, FEATURES))
    weights = random_weights(layer, rng)
    x = rng.standard_normal((BATCH, 6, FEATURES))
    mask, _ = right_padded_mask(rng, BATCH, 6)
    want, _ = numpy_reference.run(
        spec.numpy_step, x, weights, zero_states(spec), mask=mask
    )
    np.testing.assert_allclose(layer(x, mask=mask), want, atol=1e-10)


@parametrize_specs
def test_stacked_cells_match_numpy(spec):
    rng = np.random.default_rng(8)
    cells = [spec.make_cell(UNITS, dtype="float64") for _ in range(2)]
    layer = keras.layers.RNN(
        keras.layers.StackedRNNCells(cells, dtype="float64"),
        return_sequences=True,
        dtype="float64",
    )
    layer.build((None, None, FEATURES))
    random_weights(layer, rng)
    x = rng.standard_normal((BATCH, 6, FEATURES))
    first = [np.asarray(w) for w in cells[0].weights]
    second = [np.asarray(w) for w in cells[1].weights]
    hidden, _ = numpy_reference.run(spec.numpy_step, x, first, zero_states(spec))
    want, _ = numpy_reference.run(spec.numpy_step, hidden, second, zero_states(spec))
    np.testing.assert_allclose(layer(x), want, atol=1e-10)


MERGES = {
    "concat": lambda f, b: np.concatenate([f, b], axis=-1),
    "sum": lambda f, b: f + b,
    "mul": lambda f, b: f * b,
    "ave": lambda f, b: (f + b) / 2,
}


@parametrize_specs
@pytest.mark.parametrize("merge_mode", list(MERGES))
def test_bidirectional_merge_modes_match_numpy(spec, merge_mode):
    rng = np.random.default_rng(9)
    layer = keras.layers.Bidirectional(
        spec.make_layer(UNITS, return_sequences=True, dtype="float64"),
        merge_mode=merge_mode,
        dtype="float64",
    )
    layer.build((None, None, FEATURES))
    random_weights(layer, rng)
    x = rng.standard_normal((BATCH, 6, FEATURES))
    mask, _ = right_padded_mask(rng, BATCH, 6)
    forward_w = [np.asarray(w) for w in layer.forward_layer.weights]
    backward_w = [np.asarray(w) for w in layer.backward_layer.weights]
    forward, _ = numpy_reference.run(
        spec.numpy_step, x, forward_w, zero_states(spec), mask=mask
    )
    backward, _ = numpy_reference.run(
        spec.numpy_step, x, backward_w, zero_states(spec), mask=mask,
        go_backwards=True,
    )
    backward = backward[:, ::-1]
    got = np.asarray(layer(x, mask=mask))
    # Bidirectional zeroes the outputs of masked steps; compare real steps.
    want = MERGES[merge_mode](forward, backward)
    np.testing.assert_allclose(got[mask], want[mask], atol=1e-10)


# ------------------------------------------------------------ input hoisting
@parametrize_specs
def test_input_projection_is_one_batched_product(spec, monkeypatch):
    rng = np.random.default_rng(10)
    layer, _ = built_layer(spec, rng, return_sequences=True)
    calls = []
    original = layer.cell.project_inputs

    def spy(inputs):
        calls.append(tuple(inputs.shape))
        return original(inputs)

    monkeypatch.setattr(layer.cell, "project_inputs", spy)
    x = rng.standard_normal((BATCH, 12, FEATURES))
    layer(x)
    assert calls == [(12, BATCH, FEATURES)]  # time-major, all steps at once


# ------------------------------------------------------------------ dropout
@parametrize_specs
def test_dropout_is_off_at_inference_and_seeded_in_training(spec):
    rng = np.random.default_rng(11)
    x = rng.standard_normal((BATCH, 6, FEATURES))
    plain, weights = built_layer(spec, rng)
    dropped = spec.make_layer(
        UNITS, dtype="float64", dropout=0.4, recurrent_dropout=0.3, seed=7
    )
    dropped.build((None, None, FEATURES))
    dropped.set_weights(weights)
    np.testing.assert_allclose(dropped(x, training=False), plain(x), atol=1e-12)
    first_training_run = dropped(x, training=True)
    assert not np.allclose(first_training_run, plain(x))
    assert not np.allclose(dropped(x, training=True), first_training_run)
    twin = spec.make_layer(
        UNITS, dtype="float64", dropout=0.4, recurrent_dropout=0.3, seed=7
    )
    twin.build((None, None, FEATURES))
    twin.set_weights(weights)
    np.testing.assert_allclose(
        twin(x, training=True), first_training_run, atol=1e-12
    )


def test_input_dropout_mask_is_shared_across_time_steps():
    # Linear Elman cell with W_h = 0 and W_x = I: h_t = x_t * mask.
    layer = layers.SimpleRNN(
        6, activation=None, use_bias=False, dropout=0.5, seed=3,
        return_sequences=True, dtype="float64",
    )
    layer.build((None, None, 6))
    layer.set_weights([np.eye(6), np.zeros((6, 6))])
    out = np.asarray(layer(np.ones((8, 10, 6)), training=True))
    assert np.all((out == 0) | (out == 2))  # scaled by 1 / (1 - 0.5)
    assert 0 < np.count_nonzero(out[:, 0]) < out[:, 0].size
    np.testing.assert_array_equal(out, np.repeat(out[:, :1], 10, axis=1))


def test_recurrent_dropout_mask_is_shared_across_time_steps():
    # W_x = 0 and W_h = I: h_t = mask * h_{t-1}, so h_t = mask**t * h_0.
    layer = layers.SimpleRNN(
        6, activation=None, use_bias=False, recurrent_dropout=0.5, seed=5,
        return_sequences=True, dtype="float64",
    )
    layer.build((None, None, 2))
    layer.set_weights([np.zeros((2, 6)), np.eye(6)])
    out = np.asarray(
        layer(np.ones((8, 4, 2)), initial_state=[np.ones((8, 6))], training=True)
    )
    mask = out[:, 0]
    assert set(np.unique(mask)) <= {0.0, 2.0}
    for t in range(4):
        np.testing.assert_allclose(out[:, t], mask ** (t + 1))


# ----------------------------------------------------------------- stateful
@parametrize_specs
def test_stateful_carries_state_between_calls(spec):
    rng = np.random.default_rng(12)
    layer = spec.make_layer(UNITS, stateful=True, return_sequences=True,
                            dtype="float64")
    layer.build((BATCH, None, FEATURES))
    weights = random_weights(layer, rng)
    x = rng.standard_normal((BATCH, 8, FEATURES))
    first, second = layer(x[:, :5]), layer(x[:, 5:])
    want, _ = numpy_reference.run(spec.numpy_step, x, weights, zero_states(spec))
    np.testing.assert_allclose(np.concatenate([first, second], 1), want, atol=1e-10)
    layer.reset_state()
    np.testing.assert_allclose(layer(x[:, :5]), want[:, :5], atol=1e-10)


# --------------------------------------------------------------- round trip
@parametrize_specs
def test_config_round_trip(spec):
    layer = spec.make_layer(
        UNITS,
        return_sequences=True,
        go_backwards=True,
        dropout=0.25,
        recurrent_dropout=0.1,
        seed=11,
        kernel_initializer="he_normal",
        recurrent_regularizer="l2",
        bias_constraint="non_neg",
        activity_regularizer="l1",
    )
    config = layer.get_config()
    clone = spec.layer.from_config(config)
    assert clone.get_config() == config
    assert clone.units == UNITS and clone.dropout == 0.25 and clone.seed == 11
    assert config["go_backwards"] and config["return_sequences"]
    cell_clone = spec.cell.from_config(layer.cell.get_config())
    assert cell_clone.get_config() == layer.cell.get_config()


@parametrize_specs
def test_keras_file_round_trip(spec, tmp_path):
    rng = np.random.default_rng(13)
    inputs = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(20, FEATURES, mask_zero=True)(inputs)
    x = keras.layers.Bidirectional(spec.make_layer(UNITS, return_sequences=True))(x)
    x = keras.layers.RNN(spec.make_cell(UNITS))(x)
    x = spec.make_layer(UNITS)(keras.layers.RepeatVector(3)(x))
    model = keras.Model(inputs, keras.layers.Dense(2)(x))
    tokens = rng.integers(0, 20, size=(3, 7))
    before = model.predict(tokens, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)  # no custom_objects
    np.testing.assert_allclose(loaded.predict(tokens, verbose=0), before, atol=1e-6)


# --------------------------------------------------------------- bad input
@parametrize_specs
@pytest.mark.parametrize(
    "kwargs, argument, shown",
    [
        ({"units": -3}, "units", "-3"),
        ({"units": 0}, "units", "0"),
        ({"units": 2.5}, "units", "2.5"),
        ({"units": 4, "activation": "tanhh"}, "activation", "tanhh"),
        ({"units": 4, "dropout": 1.5}, "dropout", "1.5"),
        ({"units": 4, "kernel_initializer": "nope"}, "kernel_initializer", "nope"),
        ({"units": 4, "seed": "x"}, "seed", "'x'"),
    ],
)
def test_bad_arguments_name_argument_and_value(spec, kwargs, argument, shown):
    kwargs = dict(kwargs)
    units = kwargs.pop("units")
    for make in (spec.make_layer, spec.make_cell):
        with pytest.raises(ValueError) as info:
            make(units, **kwargs)
        assert f"`{argument}`" in str(info.value)
        assert shown in str(info.value)


@parametrize_specs
def test_wrong_input_rank_is_rejected(spec):
    with pytest.raises(ValueError, match="ndim=3"):
        spec.make_layer(UNITS)(np.ones((2, 3)))
    with pytest.raises(ValueError, match="input_shape=.*2, 4, 3"):
        spec.make_cell(UNITS).build((2, 4, 3))


# --------------------------------------------------------------------- XLA
@parametrize_specs
@pytest.mark.parametrize("return_sequences", [False, True])
def test_trains_under_xla(spec, return_sequences):
    rng = np.random.default_rng(14)
    inputs = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(9, FEATURES, mask_zero=True)(inputs)
    x = spec.make_layer(UNITS, return_sequences=return_sequences, dropout=0.1,
                        recurrent_dropout=0.1, seed=1)(x)
    model = keras.Model(inputs, keras.layers.Dense(1)(x))
    model.compile("adam", "mse", jit_compile=True)
    tokens = rng.integers(0, 9, size=(8, 6))
    targets = rng.standard_normal((8, 6, 1) if return_sequences else (8, 1))
    history = model.fit(tokens, targets, epochs=2, verbose=0)
    assert model.jit_compile is True
    assert np.all(np.isfinite(history.history["loss"]))
