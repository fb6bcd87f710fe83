"""MultiplicativeAttention: Luong "general" score against NumPy and Keras.

Behaviour shared with the other variants (masks, dropout, float16, saving)
is tested for every variant in `test_attention.py`.
"""

import numpy as np
import pytest

import keras
from kerasseq import layers
from tests.helpers import attention_reference
from tests.helpers.attention_specs import right_padded_mask
from tests.helpers.gradient_check import check_layer_gradients


def built(query_dim, key_dim, rng):
    layer = layers.MultiplicativeAttention(dtype="float64")
    layer.build([(None, None, query_dim), (None, None, 2), (None, None, key_dim)])
    kernel = rng.standard_normal((query_dim, key_dim))
    layer.set_weights([kernel])
    return layer, kernel


def test_kernel_shape_and_scores_with_unequal_widths_match_numpy():
    rng = np.random.default_rng(0)
    layer, kernel = built(3, 5, rng)
    assert tuple(layer.kernel.shape) == (3, 5)
    query = rng.standard_normal((2, 4, 3))
    value = rng.standard_normal((2, 6, 2))
    key = rng.standard_normal((2, 6, 5))
    value_mask = right_padded_mask(rng, 2, 6)
    scores = attention_reference.multiplicative_scores(query, key, kernel)
    np.testing.assert_allclose(
        layer.compute_scores(query, key), scores, atol=1e-12
    )
    want, want_weights = attention_reference.attend(
        scores, value, value_mask=value_mask, causal=True
    )
    got, got_weights = layer(
        [query, value, key], mask=[None, value_mask],
        return_attention_scores=True, use_causal_mask=True,
    )
    assert got.shape == (2, 4, 2)
    np.testing.assert_allclose(got, want, atol=1e-12)
    np.testing.assert_allclose(got_weights, want_weights, atol=1e-12)


def test_identity_kernel_is_keras_dot_attention():
    rng = np.random.default_rng(1)
    ours = layers.MultiplicativeAttention(dtype="float64")
    ours.build([(None, None, 4), (None, None, 4)])
    ours.set_weights([np.eye(4)])
    theirs = keras.layers.Attention(dtype="float64")
    query = rng.standard_normal((3, 5, 4))
    value = rng.standard_normal((3, 7, 4))
    mask = [right_padded_mask(rng, 3, 5), right_padded_mask(rng, 3, 7)]
    call = dict(mask=mask, return_attention_scores=True)
    for got, want in zip(ours([query, value], **call), theirs([query, value], **call)):
        np.testing.assert_allclose(got, want, atol=1e-12)


def test_finite_difference_gradients():
    rng = np.random.default_rng(2)
    layer, _ = built(3, 5, rng)
    query = rng.standard_normal((2, 4, 3))
    value = rng.standard_normal((2, 6, 2))
    key = rng.standard_normal((2, 6, 5))
    mask = [None, right_padded_mask(rng, 2, 6)]
    check_layer_gradients(layer, [query, value, key], rng, mask=mask)


def test_bad_arguments_name_argument_and_value():
    for argument in ("kernel_initializer", "kernel_regularizer", "kernel_constraint"):
        with pytest.raises(ValueError) as info:
            layers.MultiplicativeAttention(**{argument: "nope"})
        assert f"`{argument}`" in str(info.value) and "nope" in str(info.value)
    with pytest.raises(ValueError, match="known query and key widths"):
        layers.MultiplicativeAttention().build(
            [(None, None, None), (None, None, 4)]
        )
