"""PositionEmbedding: table lookup added to the input, length checks."""

import numpy as np
import pytest

import keras
from kerasseq import layers


def test_adds_the_first_rows_of_the_table():
    rng = np.random.default_rng(0)
    layer = layers.PositionEmbedding(6, dtype="float64")
    layer.build((None, None, 3))
    table = rng.standard_normal((6, 3))
    layer.set_weights([table])
    for steps in (1, 4, 6):
        x = rng.standard_normal((2, steps, 3))
        np.testing.assert_allclose(layer(x), x + table[None, :steps], atol=1e-12)


def test_mask_passes_through_a_model_of_any_length():
    rng = np.random.default_rng(1)
    inputs = keras.Input((None,), dtype="int32")
    embedded = keras.layers.Embedding(10, 3, mask_zero=True)(inputs)
    layer = layers.PositionEmbedding(8)
    positioned = layer(embedded)
    pooled = keras.layers.GlobalAveragePooling1D()(positioned)  # uses the mask
    model = keras.Model(inputs, [positioned, pooled])
    for tokens in (np.array([[3, 1, 0, 0, 0]]), np.array([[3, 1, 4, 1, 5, 9, 2, 0]])):
        got, got_pooled = model.predict(tokens, verbose=0)
        length = int((tokens != 0).sum())
        np.testing.assert_allclose(
            got_pooled[0], got[0, :length].mean(0), atol=1e-6
        )
    mask = np.array([[True, False]])
    np.testing.assert_array_equal(layer.compute_mask(None, mask), mask)


def test_too_long_sequences_raise_value_error():
    with pytest.raises(ValueError, match="max_length=4.*length 5"):
        layers.PositionEmbedding(4).build((None, 5, 3))
    layer = layers.PositionEmbedding(4)
    layer(np.zeros((1, 4, 3)))
    with pytest.raises(ValueError, match="max_length=4.*length 6"):
        layer(np.zeros((1, 6, 3)))
    with pytest.raises(ValueError, match="max_length=4.*length 9"):
        layers.PositionEmbedding(4)(keras.Input((9, 3)))


def test_config_and_keras_file_round_trip(tmp_path):
    layer = layers.PositionEmbedding(
        12, embeddings_initializer="glorot_uniform", embeddings_regularizer="l2"
    )
    config = layer.get_config()
    assert layers.PositionEmbedding.from_config(config).get_config() == config
    inputs = keras.Input((None, 3))
    model = keras.Model(inputs, layer(inputs))
    x = np.random.default_rng(2).standard_normal((2, 5, 3))
    before = model.predict(x, verbose=0)
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), before, atol=1e-6)


def test_bad_arguments_name_argument_and_value():
    for kwargs, argument, shown in [
        ({"max_length": 0}, "max_length", "0"),
        ({"max_length": 2.5}, "max_length", "2.5"),
        ({"max_length": None}, "max_length", "None"),
        ({"max_length": 4, "embeddings_initializer": "nope"},
         "embeddings_initializer", "nope"),
    ]:
        with pytest.raises(ValueError) as info:
            layers.PositionEmbedding(**kwargs)
        message = str(info.value)
        assert f"`{argument}`" in message and shown in message, message
    with pytest.raises(ValueError, match="input_shape=.*2, 3"):
        layers.PositionEmbedding(4)(np.zeros((2, 3)))
