"""SoftOrthogonality against `lambda * ||W^T W - I||_F^2` computed in NumPy."""

import numpy as np
import pytest
import tensorflow as tf

import keras
from kerasseq import layers
from kerasseq.regularizers import SoftOrthogonality


def numpy_penalty(factor, w):
    n = w.shape[0]
    return factor * sum(
        np.sum((block.T @ block - np.eye(n)) ** 2)
        for block in np.split(w, w.shape[1] // n, axis=1)
    )


def test_value_matches_numpy_on_a_square_matrix():
    w = np.random.default_rng(0).standard_normal((6, 6))
    want = 1e-3 * np.sum((w.T @ w - np.eye(6)) ** 2)
    got = float(SoftOrthogonality(1e-3)(tf.constant(w)))
    assert got == pytest.approx(want, rel=1e-12)


def test_zero_on_orthogonal_matrices():
    rng = np.random.default_rng(1)
    q, _ = np.linalg.qr(rng.standard_normal((7, 7)))
    assert float(SoftOrthogonality(10.0)(tf.constant(q))) < 1e-26
    permutation = np.eye(5)[[3, 0, 4, 1, 2]]
    assert float(SoftOrthogonality(10.0)(tf.constant(permutation))) == 0.0
    assert float(SoftOrthogonality(1.0)(tf.constant(2 * permutation))) > 0


def test_gated_kernel_sums_the_per_gate_blocks():
    w = np.random.default_rng(2).standard_normal((4, 12))
    got = float(SoftOrthogonality(0.5)(tf.constant(w)))
    assert got == pytest.approx(numpy_penalty(0.5, w), rel=1e-12)


@pytest.mark.parametrize("regularizer", [
    SoftOrthogonality(1e-2), "kerasseq>SoftOrthogonality",
])
def test_on_a_recurrent_kernel_of_a_layer(regularizer):
    layer = layers.LSTM(5, recurrent_regularizer=regularizer, dtype="float64")
    layer(np.zeros((2, 3, 4)))
    factor = layer.cell.recurrent_regularizer.factor
    want = numpy_penalty(factor, layer.cell.recurrent_kernel.numpy())
    assert len(layer.losses) == 1
    assert float(layer.losses[0]) == pytest.approx(want, rel=1e-12)


def test_config_and_keras_file_round_trip(tmp_path):
    regularizer = SoftOrthogonality(0.25)
    assert SoftOrthogonality.from_config(regularizer.get_config()).factor == 0.25
    inputs = keras.Input((None, 3))
    outputs = layers.SimpleRNN(4, recurrent_regularizer=regularizer)(inputs)
    model = keras.Model(inputs, outputs)
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    reloaded = loaded.layers[-1].cell.recurrent_regularizer
    assert isinstance(reloaded, SoftOrthogonality) and reloaded.factor == 0.25


def test_bad_factor_and_shape():
    with pytest.raises(ValueError, match=r"`factor`.*factor=-1"):
        SoftOrthogonality(-1)
    with pytest.raises(ValueError, match=r"\(n, k \* n\).*shape=\(4, 6\)"):
        SoftOrthogonality()(tf.zeros((4, 6)))
