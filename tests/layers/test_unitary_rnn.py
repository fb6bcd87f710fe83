"""UnitaryRNNCell and UnitaryRNN against a complex NumPy reference.

The reference (`orthogonal_reference.unitary_matrix`) multiplies explicit
complex matrices D3 R2 F^-1 D2 P R1 F D1, with `numpy.fft` (norm="ortho")
for F, and runs the complex recurrence with complex modReLU.
"""

import functools

import numpy as np
import pytest
import tensorflow as tf

import keras
from kerasseq import layers
from kerasseq.layers.modrelu import complex_modrelu
from tests.helpers import numpy_reference
from tests.helpers import orthogonal_reference as ref
from tests.helpers.gradient_check import check_gradients
from tests.helpers.masks import right_padded_mask
from tests.helpers.recurrent_checks import count_recurrent_matrix_calls
from tests.helpers.recurrent_checks import fit_under_xla

UNITS, FEATURES, BATCH = 4, 3, 3
STATE = 2 * UNITS


def weight_dict(layer):
    return {w.name: np.asarray(w) for w in layer.weights}


def randomize(layer, rng, scale=0.6):
    """Random float weights; the permutation keeps its seeded draw."""
    for w in layer.weights:
        if w.name == "phases":
            w.assign(rng.uniform(-np.pi, np.pi, w.shape))
        elif w.name != "permutation":
            w.assign(scale * rng.standard_normal(w.shape))
    return weight_dict(layer)


def built_layer(rng, activation="modrelu", dtype="float64", **kwargs):
    layer = layers.UnitaryRNN(UNITS, activation=activation, dtype=dtype, **kwargs)
    layer.build((None, None, FEATURES))
    return layer, randomize(layer, rng)


def numpy_step(activation="modrelu"):
    return functools.partial(ref.unitary_step, activation=activation)


# ---------------------------------------------------------- recurrent matrix
def test_recurrent_matrix_is_the_real_form_of_the_complex_product():
    rng = np.random.default_rng(0)
    layer, weights = built_layer(rng, seed=5)
    w = ref.unitary_matrix(
        weights["phases"], weights["reflections"], weights["permutation"]
    )
    np.testing.assert_allclose(w.conj().T @ w, np.eye(UNITS), atol=1e-12)
    got = np.asarray(layer.cell.recurrent_matrix())
    assert got.shape == (STATE, STATE)
    np.testing.assert_allclose(got, ref.real_form(w), atol=1e-12)
    np.testing.assert_allclose(got.T @ got, np.eye(STATE), atol=1e-12)


def test_recurrent_matrix_is_orthogonal_in_float32():
    cell = layers.UnitaryRNNCell(64, seed=1)
    cell.build((None, 3))
    k = np.asarray(cell.recurrent_matrix())
    assert k.dtype == np.float32
    assert np.abs(k.T @ k - np.eye(128)).max() < 1e-5


def test_permutation_is_drawn_from_the_seed():
    def permutation(seed):
        cell = layers.UnitaryRNNCell(16, seed=seed)
        cell.build((None, 2))
        return cell.permutation.numpy()

    first = permutation(3)
    assert sorted(first) == list(range(16))
    assert not np.array_equal(first, np.arange(16))
    np.testing.assert_array_equal(permutation(3), first)
    assert not np.array_equal(permutation(4), first)


# --------------------------------------------------------------- NumPy parity
@pytest.mark.parametrize("activation", ["modrelu", "linear"])
@pytest.mark.parametrize("masked", [False, True], ids=["unmasked", "masked"])
def test_matches_numpy_reference(activation, masked):
    rng = np.random.default_rng(1)
    layer, weights = built_layer(
        rng, activation, return_sequences=True, return_state=True
    )
    x = rng.standard_normal((BATCH, 7, FEATURES))
    mask = right_padded_mask(rng, BATCH, 7)[0] if masked else None
    outputs, state = layer(x, mask=mask)
    want_outputs, want_states = numpy_reference.run(
        numpy_step(activation), x, weights, [np.zeros((BATCH, STATE))],
        mask=mask,
    )
    np.testing.assert_allclose(outputs, want_outputs, atol=1e-10)
    np.testing.assert_allclose(state, want_states[0], atol=1e-10)


def test_go_backwards_and_initial_state_match_numpy():
    rng = np.random.default_rng(2)
    layer, weights = built_layer(rng, return_sequences=True, go_backwards=True)
    x = rng.standard_normal((BATCH, 6, FEATURES))
    initial = rng.standard_normal((BATCH, STATE))
    want, _ = numpy_reference.run(
        numpy_step(), x, weights, [initial], go_backwards=True
    )
    np.testing.assert_allclose(layer(x, initial_state=[initial]), want, atol=1e-10)


def test_linear_cell_preserves_the_state_norm():
    # No input, no bias, linear: h_t = W^t h_0, so |h_t| = |h_0| for all t.
    rng = np.random.default_rng(3)
    layer, _ = built_layer(
        rng, "linear", use_bias=False, return_sequences=True
    )
    h0 = rng.standard_normal((2, STATE))
    out = np.asarray(layer(np.zeros((2, 40, FEATURES)), initial_state=[h0]))
    np.testing.assert_allclose(
        np.linalg.norm(out, axis=-1),
        np.repeat(np.linalg.norm(h0, axis=-1)[:, None], 40, axis=1),
        rtol=1e-12,
    )


def test_complex_modrelu_matches_numpy_and_zero_maps_to_zero():
    rng = np.random.default_rng(4)
    z = rng.standard_normal((5, 6)) + 1j * rng.standard_normal((5, 6))
    z[0, 0] = 0.0
    bias = rng.standard_normal(6)
    got = complex_modrelu(
        tf.constant(np.concatenate([z.real, z.imag], -1)), tf.constant(bias)
    )
    want = ref.complex_modrelu(z, bias)
    np.testing.assert_allclose(
        got, np.concatenate([want.real, want.imag], -1), atol=1e-14
    )
    stacked = tf.constant(np.concatenate([z.real, z.imag], -1))
    with tf.GradientTape() as tape:
        tape.watch(stacked)
        loss = tf.reduce_sum(complex_modrelu(stacked, tf.constant(np.abs(bias))))
    assert np.all(np.isfinite(tape.gradient(loss, stacked)))


# ------------------------------------------------------------ gradient check
@pytest.mark.parametrize("activation", ["modrelu", "linear"])
def test_finite_difference_gradients(activation):
    rng = np.random.default_rng(5)
    layer, _ = built_layer(rng, activation, return_sequences=True)
    x = tf.constant(rng.standard_normal((2, 5, FEATURES)))
    mask = tf.constant([[True] * 5, [True, True, True, False, False]])
    probe = tf.constant(rng.standard_normal((2, 5, STATE)))

    def loss():
        return tf.reduce_sum(layer(x, mask=mask) * probe)

    check_gradients(loss, layer.trainable_weights, rng)


# ------------------------------------------------------- training and XLA
def test_trains_under_xla_and_stays_unitary():
    recurrent = layers.UnitaryRNN(8, seed=2)
    recurrent.build((None, None, FEATURES))
    before = recurrent.cell.reflections.numpy()
    permutation = recurrent.cell.permutation.numpy()
    losses = fit_under_xla(recurrent, np.random.default_rng(6), features=FEATURES)
    assert np.all(np.isfinite(losses))
    assert not np.allclose(recurrent.cell.reflections.numpy(), before)
    np.testing.assert_array_equal(recurrent.cell.permutation.numpy(), permutation)
    k = np.asarray(recurrent.cell.recurrent_matrix())
    assert np.abs(k.T @ k - np.eye(16)).max() < 1e-5


def test_recurrent_matrix_is_computed_once_per_sequence(monkeypatch):
    rng = np.random.default_rng(7)
    layer, _ = built_layer(rng, return_sequences=True)
    x = rng.standard_normal((BATCH, 12, FEATURES))
    assert count_recurrent_matrix_calls(layer, x, monkeypatch) == 1


# -------------------------------------------------- inside Keras containers
def test_cell_inside_keras_rnn_matches_numpy():
    rng = np.random.default_rng(8)
    cell = layers.UnitaryRNNCell(UNITS, dtype="float64")
    layer = keras.layers.RNN(cell, return_sequences=True, dtype="float64")
    layer.build((None, None, FEATURES))
    weights = randomize(layer, rng)
    x = rng.standard_normal((BATCH, 6, FEATURES))
    mask, _ = right_padded_mask(rng, BATCH, 6)
    want, _ = numpy_reference.run(
        numpy_step(), x, weights, [np.zeros((BATCH, STATE))], mask=mask
    )
    np.testing.assert_allclose(layer(x, mask=mask), want, atol=1e-10)


def test_bidirectional_matches_numpy():
    rng = np.random.default_rng(9)
    layer = keras.layers.Bidirectional(
        layers.UnitaryRNN(UNITS, return_sequences=True, dtype="float64"),
        dtype="float64",
    )
    layer.build((None, None, FEATURES))
    randomize(layer, rng)
    x = rng.standard_normal((BATCH, 6, FEATURES))
    mask, _ = right_padded_mask(rng, BATCH, 6)
    zeros = [np.zeros((BATCH, STATE))]
    forward, _ = numpy_reference.run(
        numpy_step(), x, weight_dict(layer.forward_layer), zeros, mask=mask
    )
    backward, _ = numpy_reference.run(
        numpy_step(), x, weight_dict(layer.backward_layer), zeros, mask=mask,
        go_backwards=True,
    )
    got = np.asarray(layer(x, mask=mask))
    assert got.shape == (BATCH, 6, 2 * STATE)
    want = np.concatenate([forward, backward[:, ::-1]], axis=-1)
    np.testing.assert_allclose(got[mask], want[mask], atol=1e-10)


# ------------------------------------------------------------------ dropout
def test_dropout_is_off_at_inference_and_active_in_training():
    rng = np.random.default_rng(10)
    x = rng.standard_normal((BATCH, 6, FEATURES))
    layer, _ = built_layer(rng, dropout=0.4, recurrent_dropout=0.3, seed=7)
    np.testing.assert_allclose(layer(x), layer(x, training=False), atol=0)
    assert not np.allclose(layer(x, training=True), layer(x))


# --------------------------------------------------------------- round trip
def test_config_round_trip():
    layer = layers.UnitaryRNN(
        UNITS, activation="linear", return_sequences=True, dropout=0.2, seed=3,
        recurrent_initializer="random_uniform",
    )
    config = layer.get_config()
    assert config["activation"] == "linear" and config["units"] == UNITS
    clone = layers.UnitaryRNN.from_config(config)
    assert clone.get_config() == config
    cell_config = layer.cell.get_config()
    assert layers.UnitaryRNNCell.from_config(cell_config).get_config() == cell_config


def test_keras_file_round_trip(tmp_path):
    rng = np.random.default_rng(11)
    inputs = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(20, FEATURES, mask_zero=True)(inputs)
    x = keras.layers.Bidirectional(layers.UnitaryRNN(UNITS, return_sequences=True))(x)
    x = keras.layers.RNN(layers.UnitaryRNNCell(UNITS))(x)
    model = keras.Model(inputs, keras.layers.Dense(2)(x))
    tokens = rng.integers(0, 20, size=(3, 7))
    before = model.predict(tokens, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)  # no custom_objects
    np.testing.assert_allclose(loaded.predict(tokens, verbose=0), before, atol=1e-6)
    for a, b in zip(model.weights, loaded.weights, strict=True):
        np.testing.assert_array_equal(a, b)  # the permutation included


def test_registered_name():
    assert layers.get_recurrent_layer("unitary") is layers.UnitaryRNN


# --------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "kwargs, argument, shown",
    [
        ({"units": 0}, "units", "0"),
        ({"units": -1}, "units", "-1"),
        ({"units": 4, "activation": "tanh"}, "activation", "'tanh'"),
        ({"units": 4, "recurrent_dropout": 2.0}, "recurrent_dropout", "2.0"),
    ],
)
def test_bad_arguments_name_argument_and_value(kwargs, argument, shown):
    kwargs = dict(kwargs)
    units = kwargs.pop("units")
    for make in (layers.UnitaryRNN, layers.UnitaryRNNCell):
        with pytest.raises(ValueError) as info:
            make(units, **kwargs)
        assert f"`{argument}`" in str(info.value)
        assert shown in str(info.value)
    if argument == "activation":
        assert "'modrelu'" in str(info.value)
