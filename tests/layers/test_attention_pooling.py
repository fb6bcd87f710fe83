import numpy as np
import pytest

import keras
from kerasseq.layers import AttentionPooling


def _numpy_pooling(layer, x, mask):
    w1 = np.asarray(layer.attention.key_kernel)
    w2 = np.asarray(layer.attention.query_kernel)
    v = np.asarray(layer.attention.score_kernel)
    u = np.asarray(layer.query)[0, 0]
    scores = np.tanh(x @ w1 + u @ w2) @ v  # (batch, time)
    scores = np.where(mask, scores, -np.inf)
    weights = np.exp(scores - scores.max(axis=1, keepdims=True))
    weights /= weights.sum(axis=1, keepdims=True)
    return (weights[..., None] * x).sum(axis=1), weights


def test_matches_numpy_and_ignores_padding():
    rng = np.random.default_rng(0)
    layer = AttentionPooling(units=5, seed=1, dtype="float64")
    x = rng.standard_normal((3, 6, 4))
    mask = np.array([[1] * 6, [1] * 4 + [0] * 2, [1] + [0] * 5], bool)
    layer.build(x.shape)
    pooled, weights = layer(x, mask=mask, return_attention_scores=True)
    want_pooled, want_weights = _numpy_pooling(layer, x, mask)
    np.testing.assert_allclose(pooled, want_pooled, atol=1e-10)
    np.testing.assert_allclose(weights, want_weights, atol=1e-10)
    assert np.all(np.asarray(weights)[~mask] == 0)
    np.testing.assert_allclose(pooled[2], x[2, 0], atol=1e-12)


def test_classifier_with_attention_pooling_round_trips(tmp_path):
    inputs = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(10, 4, mask_zero=True)(inputs)
    x = AttentionPooling(seed=0)(x)
    model = keras.Model(inputs, keras.layers.Dense(1)(x))
    tokens = np.array([[3, 4, 0, 0], [5, 6, 7, 8]])
    before = model.predict(tokens, verbose=0)
    model.save(tmp_path / "m.keras")
    after = keras.saving.load_model(tmp_path / "m.keras").predict(tokens, verbose=0)
    np.testing.assert_allclose(before, after, atol=1e-6)
    np.testing.assert_allclose(
        model.predict(tokens[:1, :2], verbose=0), before[:1], atol=1e-6
    )


def test_bad_units():
    with pytest.raises(ValueError, match="`units`"):
        AttentionPooling(units=0)
