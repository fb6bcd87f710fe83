"""AdditiveAttention: Bahdanau score against NumPy and Keras.

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


def built(query_dim, key_dim, units, rng):
    layer = layers.AdditiveAttention(units=units, dtype="float64")
    layer.build([(None, None, query_dim), (None, None, 2), (None, None, key_dim)])
    weights = [
        rng.standard_normal((key_dim, units)),  # W1, keys
        rng.standard_normal((query_dim, units)),  # W2, queries
        rng.standard_normal((units,)),  # v
    ]
    layer.set_weights(weights)
    return layer, weights


def test_weight_shapes_and_scores_with_unequal_widths_match_numpy():
    rng = np.random.default_rng(0)
    layer, weights = built(3, 5, 7, rng)
    assert [tuple(w.shape) for w in layer.weights] == [(5, 7), (3, 7), (7,)]
    query = rng.standard_normal((2, 4, 3))
    value = rng.standard_normal((2, 6, 2))
    key = rng.standard_normal((2, 6, 5))
    query_mask = right_padded_mask(rng, 2, 4)
    value_mask = right_padded_mask(rng, 2, 6)
    scores = attention_reference.additive_scores(query, key, *weights)
    np.testing.assert_allclose(
        layer.compute_scores(query, key), scores, atol=1e-12
    )
    want, want_weights = attention_reference.attend(
        scores, value, query_mask=query_mask, value_mask=value_mask
    )
    got, got_weights = layer(
        [query, value, key], mask=[query_mask, value_mask],
        return_attention_scores=True,
    )
    np.testing.assert_allclose(got, want, atol=1e-12)
    np.testing.assert_allclose(got_weights, want_weights, atol=1e-12)


@pytest.mark.parametrize("use_scale", [True, False])
def test_identity_projections_are_keras_additive_attention(use_scale):
    # W1 = W2 = I and v = Keras's `scale` (ones without scale): the Keras
    # score sum(scale * tanh(q + k)).
    rng = np.random.default_rng(1)
    dim = 4
    theirs = keras.layers.AdditiveAttention(use_scale=use_scale, dtype="float64")
    theirs.build([(None, None, dim), (None, None, dim)])
    v = np.ones(dim)
    if use_scale:
        v = rng.standard_normal(dim)
        theirs.set_weights([v])
    ours = layers.AdditiveAttention(dtype="float64")  # units = key width
    ours.build([(None, None, dim), (None, None, dim)])
    ours.set_weights([np.eye(dim), np.eye(dim), v])
    query = rng.standard_normal((3, 5, dim))
    value = rng.standard_normal((3, 7, dim))
    key = rng.standard_normal((3, 7, dim))
    mask = [right_padded_mask(rng, 3, 5), right_padded_mask(rng, 3, 7)]
    for causal in (False, True):
        call = dict(
            mask=mask, return_attention_scores=True, use_causal_mask=causal
        )
        for got, want in zip(
            ours([query, value, key], **call), theirs([query, value, key], **call)
        ):
            np.testing.assert_allclose(got, want, atol=1e-12)


def test_each_weight_gets_its_own_initial_values():
    layer = layers.AdditiveAttention()
    layer.build([(None, None, 4), (None, None, 4)])
    key_kernel, query_kernel, _ = layer.get_weights()
    assert not np.allclose(key_kernel, query_kernel)


def test_finite_difference_gradients():
    rng = np.random.default_rng(2)
    layer, _ = built(3, 5, 4, rng)
    query = rng.standard_normal((2, 4, 3))
    value = rng.standard_normal((2, 6, 2))
    key = rng.standard_normal((2, 6, 5))
    mask = [right_padded_mask(rng, 2, 4), right_padded_mask(rng, 2, 6)]
    check_layer_gradients(layer, [query, value, key], rng, mask=mask)


def test_bad_arguments_name_argument_and_value():
    for kwargs, argument, shown in [
        ({"units": 0}, "units", "0"),
        ({"units": 2.5}, "units", "2.5"),
        ({"units": "8"}, "units", "'8'"),
        ({"kernel_initializer": "nope"}, "kernel_initializer", "nope"),
    ]:
        with pytest.raises(ValueError) as info:
            layers.AdditiveAttention(**kwargs)
        message = str(info.value)
        assert f"`{argument}`" in message and shown in message, message
    layer = layers.AdditiveAttention(units=3, kernel_regularizer="l2")
    clone = layers.AdditiveAttention.from_config(layer.get_config())
    assert clone.units == 3 and clone.get_config() == layer.get_config()
