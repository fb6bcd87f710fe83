"""OrthogonalRNNCell and OrthogonalRNN against NumPy, Keras and XLA.

References: `orthogonal_reference.py` (matrix exponential by
eigendecomposition, Cayley by matrix inverse) driven by the generic loop of
`numpy_reference.run`, and finite differences.
"""

import functools

import numpy as np
import pytest
import tensorflow as tf

import keras
from kerasseq import layers
from tests.helpers import numpy_reference
from tests.helpers import orthogonal_reference as ref
from tests.helpers.gradient_check import check_gradients
from tests.helpers.masks import right_padded_mask
from tests.helpers.recurrent_checks import count_recurrent_matrix_calls
from tests.helpers.recurrent_checks import fit_under_xla

UNITS, FEATURES, BATCH = 5, 3, 4
VARIANTS = [
    ("exp", "tanh"),
    ("cayley", "tanh"),
    ("exp", "modrelu"),
    ("cayley", "modrelu"),
]
parametrize_variants = pytest.mark.parametrize(
    "parametrization, activation", VARIANTS, ids=["-".join(v) for v in VARIANTS]
)
parametrize_maps = pytest.mark.parametrize("parametrization", ["exp", "cayley"])


def weight_dict(layer):
    return {w.name: np.asarray(w, np.float64) for w in layer.weights}


def randomize(layer, rng, scale=0.6):
    for w in layer.weights:
        w.assign(scale * rng.standard_normal(w.shape))
    return weight_dict(layer)


def built_layer(rng, parametrization, activation="tanh", dtype="float64", **kwargs):
    layer = layers.OrthogonalRNN(
        UNITS, parametrization=parametrization, activation=activation,
        dtype=dtype, **kwargs,
    )
    layer.build((None, None, FEATURES))
    return layer, randomize(layer, rng)


def numpy_step(parametrization, activation):
    return functools.partial(
        ref.orthogonal_step, parametrization=parametrization,
        activation=activation,
    )


# --------------------------------------------------------------- NumPy parity
@parametrize_variants
@pytest.mark.parametrize("masked", [False, True], ids=["unmasked", "masked"])
def test_matches_numpy_reference(parametrization, activation, masked):
    rng = np.random.default_rng(0)
    layer, weights = built_layer(
        rng, parametrization, activation, return_sequences=True,
        return_state=True,
    )
    x = rng.standard_normal((BATCH, 7, FEATURES))
    mask = right_padded_mask(rng, BATCH, 7)[0] if masked else None
    outputs, state = layer(x, mask=mask)
    want_outputs, want_states = numpy_reference.run(
        numpy_step(parametrization, activation), x, weights,
        [np.zeros((BATCH, UNITS))], mask=mask,
    )
    np.testing.assert_allclose(outputs, want_outputs, atol=1e-10)
    np.testing.assert_allclose(state, want_states[0], atol=1e-10)


@parametrize_maps
def test_go_backwards_and_initial_state_match_numpy(parametrization):
    rng = np.random.default_rng(1)
    layer, weights = built_layer(
        rng, parametrization, return_sequences=True, go_backwards=True
    )
    x = rng.standard_normal((BATCH, 6, FEATURES))
    initial = rng.standard_normal((BATCH, UNITS))
    want, _ = numpy_reference.run(
        numpy_step(parametrization, "tanh"), x, weights, [initial],
        go_backwards=True,
    )
    np.testing.assert_allclose(layer(x, initial_state=[initial]), want, atol=1e-10)


@parametrize_maps
def test_recurrent_matrix_is_the_map_of_the_skew_part(parametrization):
    rng = np.random.default_rng(2)
    layer, weights = built_layer(rng, parametrization)
    want = ref.MAPS[parametrization](ref.skew(weights["skew_kernel"]))
    got = np.asarray(layer.cell.recurrent_matrix())
    np.testing.assert_allclose(got, want, atol=1e-12)
    np.testing.assert_allclose(got.T @ got, np.eye(UNITS), atol=1e-12)


def test_right_padding_equals_unpadded_runs():
    rng = np.random.default_rng(3)
    layer, _ = built_layer(rng, "exp", "modrelu", return_state=True)
    x = rng.standard_normal((BATCH, 8, FEATURES))
    mask, lengths = right_padded_mask(rng, BATCH, 8)
    padded = layer(np.where(mask[..., None], x, 0.0), mask=mask)
    for row, length in enumerate(lengths):
        alone = layer(x[row : row + 1, :length])
        for got, want in zip(padded, alone):
            np.testing.assert_allclose(got[row], want[0], atol=1e-10)


def test_linear_cell_preserves_the_state_norm():
    # No input, no bias, identity activation: h_t = h_0 W^t, |h_t| = |h_0|.
    layer = layers.OrthogonalRNN(
        6, activation=None, use_bias=False, return_sequences=True,
        dtype="float64",
    )
    layer.build((None, None, 1))
    rng = np.random.default_rng(4)
    layer.cell.skew_kernel.assign(3.0 * rng.standard_normal((6, 6)))
    h0 = rng.standard_normal((2, 6))
    out = np.asarray(layer(np.zeros((2, 50, 1)), initial_state=[h0]))
    np.testing.assert_allclose(
        np.linalg.norm(out, axis=-1),
        np.repeat(np.linalg.norm(h0, axis=-1)[:, None], 50, axis=1),
        rtol=1e-12,
    )


# ------------------------------------------------------------ gradient check
@parametrize_variants
def test_finite_difference_gradients(parametrization, activation):
    rng = np.random.default_rng(5)
    layer, _ = built_layer(rng, parametrization, activation, return_sequences=True)
    x = tf.constant(rng.standard_normal((2, 5, FEATURES)))
    mask = tf.constant([[True] * 5, [True, True, True, False, False]])
    probe = tf.constant(rng.standard_normal((2, 5, UNITS)))

    def loss():
        return tf.reduce_sum(layer(x, mask=mask) * probe)

    check_gradients(loss, layer.trainable_weights, rng)


# ------------------------------------------------------- training and XLA
@parametrize_maps
def test_trains_under_xla_and_stays_orthogonal(parametrization):
    recurrent = layers.OrthogonalRNN(
        16, parametrization=parametrization, activation="modrelu"
    )
    recurrent.build((None, None, FEATURES))
    before = recurrent.cell.skew_kernel.numpy()
    losses = fit_under_xla(recurrent, np.random.default_rng(6), features=FEATURES)
    assert np.all(np.isfinite(losses))
    assert not np.allclose(recurrent.cell.skew_kernel.numpy(), before)
    w = np.asarray(recurrent.cell.recurrent_matrix())
    assert np.abs(w.T @ w - np.eye(16)).max() < 1e-5


@parametrize_maps
def test_recurrent_matrix_is_computed_once_per_sequence(parametrization, monkeypatch):
    rng = np.random.default_rng(7)
    layer, _ = built_layer(rng, parametrization, return_sequences=True)
    x = rng.standard_normal((BATCH, 12, FEATURES))
    assert count_recurrent_matrix_calls(layer, x, monkeypatch) == 1


# -------------------------------------------------- inside Keras containers
@parametrize_variants
def test_cell_inside_keras_rnn_matches_numpy(parametrization, activation):
    rng = np.random.default_rng(8)
    cell = layers.OrthogonalRNNCell(
        UNITS, parametrization=parametrization, activation=activation,
        dtype="float64",
    )
    layer = keras.layers.RNN(cell, return_sequences=True, dtype="float64")
    layer.build((None, None, FEATURES))
    weights = randomize(layer, rng)
    x = rng.standard_normal((BATCH, 6, FEATURES))
    mask, _ = right_padded_mask(rng, BATCH, 6)
    want, _ = numpy_reference.run(
        numpy_step(parametrization, activation), x, weights,
        [np.zeros((BATCH, UNITS))], mask=mask,
    )
    np.testing.assert_allclose(layer(x, mask=mask), want, atol=1e-10)


def test_stacked_cells_match_numpy():
    # The first cell takes the default activation (modReLU), the second tanh.
    rng = np.random.default_rng(9)
    cells = [
        layers.OrthogonalRNNCell(UNITS, parametrization="exp", dtype="float64"),
        layers.OrthogonalRNNCell(
            UNITS, parametrization="cayley", activation="tanh", dtype="float64"
        ),
    ]
    layer = keras.layers.RNN(
        keras.layers.StackedRNNCells(cells, dtype="float64"), dtype="float64"
    )
    layer.build((None, None, FEATURES))
    randomize(layer, rng)
    x = rng.standard_normal((BATCH, 6, FEATURES))
    zeros = [np.zeros((BATCH, UNITS))]
    hidden, _ = numpy_reference.run(
        numpy_step("exp", "modrelu"), x, weight_dict(cells[0]), zeros
    )
    want, _ = numpy_reference.run(
        numpy_step("cayley", "tanh"), hidden, weight_dict(cells[1]), zeros
    )
    np.testing.assert_allclose(layer(x), want[:, -1], atol=1e-10)


def test_bidirectional_matches_numpy():
    rng = np.random.default_rng(10)
    layer = keras.layers.Bidirectional(
        layers.OrthogonalRNN(
            UNITS, parametrization="cayley", activation="modrelu",
            return_sequences=True, dtype="float64",
        ),
        dtype="float64",
    )
    layer.build((None, None, FEATURES))
    randomize(layer, rng)
    x = rng.standard_normal((BATCH, 6, FEATURES))
    mask, _ = right_padded_mask(rng, BATCH, 6)
    step = numpy_step("cayley", "modrelu")
    zeros = [np.zeros((BATCH, UNITS))]
    forward, _ = numpy_reference.run(
        step, x, weight_dict(layer.forward_layer), zeros, mask=mask
    )
    backward, _ = numpy_reference.run(
        step, x, weight_dict(layer.backward_layer), zeros, mask=mask,
        go_backwards=True,
    )
    got = np.asarray(layer(x, mask=mask))
    want = np.concatenate([forward, backward[:, ::-1]], axis=-1)
    np.testing.assert_allclose(got[mask], want[mask], atol=1e-10)


# ------------------------------------------------------------------ dropout
def test_dropout_is_off_at_inference_and_seeded_in_training():
    rng = np.random.default_rng(11)
    x = rng.standard_normal((BATCH, 6, FEATURES))
    plain, weights = built_layer(rng, "exp")

    def dropped_twin():
        layer = layers.OrthogonalRNN(
            UNITS, activation="tanh", dropout=0.4, recurrent_dropout=0.3,
            seed=7, dtype="float64",
        )
        layer.build((None, None, FEATURES))
        for w in layer.weights:
            w.assign(weights[w.name])
        return layer

    dropped = dropped_twin()
    np.testing.assert_allclose(dropped(x), plain(x), atol=1e-12)
    first = dropped(x, training=True)
    assert not np.allclose(first, plain(x))
    np.testing.assert_allclose(dropped_twin()(x, training=True), first, atol=1e-12)


# ---------------------------------------------------------- initializers
@pytest.mark.parametrize("name", ["henaff", "cayley", "random_orthogonal"])
def test_initializers_by_name_give_orthogonal_matrices(name):
    cell = layers.OrthogonalRNNCell(8, recurrent_initializer=name)
    cell.build((None, 3))
    a = ref.skew(cell.skew_kernel.numpy().astype("float64"))
    np.testing.assert_allclose(a, cell.skew_kernel.numpy(), atol=1e-7)
    w = np.asarray(cell.recurrent_matrix())
    assert np.abs(w.T @ w - np.eye(8)).max() < 1e-5
    assert type(cell.recurrent_initializer).__name__ in (
        "HenaffSkew", "CayleySkew", "RandomOrthogonalSkew",
    )


# --------------------------------------------------------------- round trip
def test_config_round_trip():
    layer = layers.OrthogonalRNN(
        UNITS,
        parametrization="cayley",
        activation="modrelu",
        recurrent_initializer="random_orthogonal",
        recurrent_regularizer="kerasseq>SoftOrthogonality",
        return_sequences=True,
        go_backwards=True,
        dropout=0.25,
        seed=11,
    )
    config = layer.get_config()
    assert config["parametrization"] == "cayley"
    assert config["activation"] == "modrelu"
    clone = layers.OrthogonalRNN.from_config(config)
    assert clone.get_config() == config
    assert clone.parametrization == "cayley" and clone.cell.use_modrelu
    cell_config = layer.cell.get_config()
    cell_clone = layers.OrthogonalRNNCell.from_config(cell_config)
    assert cell_clone.get_config() == cell_config


def test_keras_file_round_trip(tmp_path):
    rng = np.random.default_rng(12)
    inputs = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(20, FEATURES, mask_zero=True)(inputs)
    x = keras.layers.Bidirectional(
        layers.OrthogonalRNN(UNITS, activation="modrelu", return_sequences=True)
    )(x)
    x = keras.layers.RNN(
        layers.OrthogonalRNNCell(UNITS, parametrization="cayley"),
        return_sequences=True,
    )(x)
    x = layers.OrthogonalRNN(UNITS, recurrent_initializer="cayley")(x)
    model = keras.Model(inputs, keras.layers.Dense(2)(x))
    tokens = rng.integers(0, 20, size=(3, 7))
    before = model.predict(tokens, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)  # no custom_objects
    np.testing.assert_allclose(loaded.predict(tokens, verbose=0), before, atol=1e-6)


def test_registered_name():
    assert layers.get_recurrent_layer("orthogonal") is layers.OrthogonalRNN
    assert "orthogonal" in layers.recurrent_layer_names()


# --------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "kwargs, argument, shown",
    [
        ({"units": 0}, "units", "0"),
        ({"units": -2}, "units", "-2"),
        ({"units": 4, "parametrization": "expm"}, "parametrization", "'expm'"),
        ({"units": 4, "activation": "modrelu2"}, "activation", "'modrelu2'"),
        ({"units": 4, "recurrent_initializer": "henaf"},
         "recurrent_initializer", "henaf"),
    ],
)
def test_bad_arguments_name_argument_and_value(kwargs, argument, shown):
    kwargs = dict(kwargs)
    units = kwargs.pop("units")
    for make in (layers.OrthogonalRNN, layers.OrthogonalRNNCell):
        with pytest.raises(ValueError) as info:
            make(units, **kwargs)
        assert f"`{argument}`" in str(info.value)
        assert shown in str(info.value)
    if argument in ("parametrization", "activation"):
        allowed = "'cayley'" if argument == "parametrization" else "'modrelu'"
        assert allowed in str(info.value)
