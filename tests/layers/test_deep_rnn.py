import numpy as np
import pytest

import keras
from kerasseq import layers
from tests.helpers import numpy_reference as ref


def _weights(layer):
    return [np.asarray(w) for w in layer.weights]


def _bidirectional_numpy(step, bi, x, mask):
    zeros = [np.zeros((x.shape[0], bi.forward_layer.units))]
    forward, _ = ref.run(step, x, _weights(bi.forward_layer), zeros, mask=mask)
    backward, _ = ref.run(
        step, x, _weights(bi.backward_layer), zeros, mask=mask, go_backwards=True
    )
    return np.concatenate([forward, backward[:, ::-1]], axis=-1)


def test_bidirectional_residual_stack_matches_numpy():
    rng = np.random.default_rng(0)
    deep = layers.DeepRNN(
        "simple_rnn", 4, num_layers=3, bidirectional=True, residual=True,
        return_sequences=True, dtype="float64",
    )
    deep.build((None, None, 3))
    deep.set_weights([0.5 * rng.standard_normal(w.shape) for w in deep.get_weights()])
    x = rng.standard_normal((2, 6, 3))
    mask = np.array([[True] * 6, [True] * 4 + [False] * 2])
    got = np.asarray(deep(x, mask=mask))

    h = _bidirectional_numpy(ref.simple_rnn_step, deep.recurrent_layers[0], x, mask)
    for bi in deep.recurrent_layers[1:]:
        h = _bidirectional_numpy(ref.simple_rnn_step, bi, h, mask) + h
    np.testing.assert_allclose(got[mask], h[mask], atol=1e-10)


def test_unidirectional_stack_returns_last_state_and_propagates_mask():
    inputs = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(12, 5, mask_zero=True)(inputs)
    out = layers.DeepRNN("gru", 6, num_layers=2)(x)
    model = keras.Model(inputs, out)
    tokens = np.array([[4, 2, 9, 0, 0, 0], [4, 2, 9, 3, 1, 7]])
    got = model.predict(tokens, verbose=0)
    alone = model.predict(tokens[:1, :3], verbose=0)
    assert got.shape == (2, 6)
    np.testing.assert_allclose(got[0], alone[0], atol=1e-6)


def test_residual_needs_equal_widths():
    deep = layers.DeepRNN("lstm", 4, num_layers=2, bidirectional=True,
                          merge_mode="concat", residual=True,
                          return_sequences=True)
    deep.build((None, None, 3))  # layer 2 maps 8 -> 8: fine
    assert deep.compute_output_shape((None, 7, 3)) == (None, 7, 8)


def test_round_trip_through_keras_file(tmp_path):
    rng = np.random.default_rng(1)
    inputs = keras.Input((None, 3))
    out = layers.DeepRNN("lstm", 4, num_layers=2, bidirectional=True,
                         residual=True, dropout=0.1, seed=3,
                         cell_kwargs={"recurrent_dropout": 0.1})(inputs)
    model = keras.Model(inputs, out)
    x = rng.standard_normal((2, 5, 3)).astype("float32")
    before = model.predict(x, verbose=0)
    model.save(tmp_path / "deep.keras")
    loaded = keras.saving.load_model(tmp_path / "deep.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), before, atol=1e-6)
    config = loaded.layers[-1].get_config()
    assert config["cell_kwargs"] == {"recurrent_dropout": 0.1}


@pytest.mark.parametrize(
    "kwargs, argument",
    [
        ({"cell": "lstn"}, "cell"),
        ({"num_layers": 0}, "num_layers"),
        ({"merge_mode": "max"}, "merge_mode"),
        ({"units": -1}, "units"),
    ],
)
def test_bad_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=f"`{argument}`"):
        layers.DeepRNN(**{"units": 4, **kwargs})


@keras.saving.register_keras_serializable(package="kerasseq_test")
class _WideLSTM(layers.LSTM):
    """A user's own recurrent layer, registered with Keras only."""


@pytest.mark.parametrize("cell, saved", [
    (layers.LSTM, "lstm"),
    (layers.OrthogonalRNN, "orthogonal"),
    (_WideLSTM, "kerasseq_test>_WideLSTM"),
])
def test_a_class_given_as_cell_is_saved_under_a_name_that_loads(cell, saved):
    stack = layers.DeepRNN(cell, units=4, num_layers=2)
    config = stack.get_config()
    assert config["cell"] == saved
    restored = layers.DeepRNN.from_config(config)
    assert [type(layer) for layer in restored.recurrent_layers] == [cell, cell]
    x = np.random.default_rng(0).standard_normal((2, 3, 5)).astype("float32")
    stack(x)
    restored(x)
    restored.set_weights(stack.get_weights())
    np.testing.assert_allclose(restored(x), stack(x), atol=1e-6)
