"""BaseAttention behaviour for every variant, and DotProductAttention.

Each variant is checked against the float64 NumPy reference in
`attention_reference.py`; `DotProductAttention` also against
`keras.layers.Attention`.
"""

import numpy as np
import pytest
import tensorflow as tf

import keras
from kerasseq import layers
from tests.helpers import attention_reference
from tests.helpers.attention_specs import IDS
from tests.helpers.attention_specs import SPECS
from tests.helpers.attention_specs import built
from tests.helpers.attention_specs import right_padded_mask

BATCH, TQ, TV, DIM = 3, 4, 6, 4
parametrize_specs = pytest.mark.parametrize("spec", SPECS, ids=IDS)


def random_inputs(rng, scale=1.0):
    query = scale * rng.standard_normal((BATCH, TQ, DIM))
    value = scale * rng.standard_normal((BATCH, TV, DIM))
    key = scale * rng.standard_normal((BATCH, TV, DIM))
    return query, value, key


MASK_CASES = ["none", "value", "query_and_value", "causal", "causal_and_value"]


def masks_for(case, rng):
    query_mask = value_mask = None
    if case in ("value", "query_and_value", "causal_and_value"):
        value_mask = right_padded_mask(rng, BATCH, TV)
    if case == "query_and_value":
        query_mask = right_padded_mask(rng, BATCH, TQ)
    return query_mask, value_mask, case.startswith("causal")


# --------------------------------------------------------------- NumPy parity
@parametrize_specs
def test_scores_outputs_and_weights_match_numpy(spec):
    rng = np.random.default_rng(1)
    layer, weights = built(spec, rng)
    query, value, key = random_inputs(rng)
    np.testing.assert_allclose(
        layer.compute_scores(query, key),
        spec.numpy_scores(query, key, weights),
        atol=1e-12,
    )
    for case in MASK_CASES:
        for with_key in (False, True):
            k = key if with_key else value
            query_mask, value_mask, causal = masks_for(case, rng)
            inputs = [query, value, key] if with_key else [query, value]
            mask = None if case in ("none", "causal") else [query_mask, value_mask]
            outputs, got_weights = layer(
                inputs, mask=mask, return_attention_scores=True,
                use_causal_mask=causal,
            )
            want_outputs, want_weights = attention_reference.attend(
                spec.numpy_scores(query, k, weights), value,
                query_mask=query_mask, value_mask=value_mask, causal=causal,
            )
            message = f"mask={case}, separate key={with_key}"
            np.testing.assert_allclose(
                outputs, want_outputs, atol=1e-12, err_msg=message
            )
            np.testing.assert_allclose(
                got_weights, want_weights, atol=1e-12, err_msg=message
            )


# ------------------------------------------------------------ mask semantics
@parametrize_specs
def test_weights_sum_to_one_and_are_exactly_zero_when_masked(spec):
    rng = np.random.default_rng(2)
    layer, _ = built(spec, rng)
    query, value, _ = random_inputs(rng, scale=3.0)
    value_mask = right_padded_mask(rng, BATCH, TV)
    value_mask[1] = [False, True, False, True, True, False]  # holes too
    _, weights = layer(
        [query, value], mask=[None, value_mask], return_attention_scores=True
    )
    weights = np.asarray(weights)
    allowed = np.broadcast_to(value_mask[:, None, :], weights.shape)
    assert np.all(weights[~allowed] == 0.0)
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-12)


@parametrize_specs
def test_causal_weights_above_the_diagonal_are_exactly_zero(spec):
    rng = np.random.default_rng(3)
    layer, _ = built(spec, rng)
    x = rng.standard_normal((BATCH, 5, DIM))
    _, weights = layer([x, x], return_attention_scores=True, use_causal_mask=True)
    weights = np.asarray(weights)
    upper = np.triu(np.ones((5, 5), bool), k=1)
    assert np.all(weights[:, upper] == 0.0)
    assert np.all(weights[:, ~upper] > 0.0)
    np.testing.assert_allclose(weights[:, 0, 0], 1.0)


@parametrize_specs
@pytest.mark.filterwarnings("ignore:You are using a softmax over axis")
def test_padded_values_do_not_change_the_result(spec):
    rng = np.random.default_rng(4)
    layer, _ = built(spec, rng)
    query, value, _ = random_inputs(rng)
    value_mask = right_padded_mask(rng, BATCH, TV)
    garbage = np.where(value_mask[..., None], value, 1e3)
    masked = layer([query, garbage], mask=[None, value_mask])
    for row in range(BATCH):
        length = int(value_mask[row].sum())
        alone = layer([query[row : row + 1], value[row : row + 1, :length]])
        np.testing.assert_allclose(masked[row], alone[0], atol=1e-12)


@parametrize_specs
def test_fully_masked_rows_give_zeros_not_nan(spec):
    rng = np.random.default_rng(5)
    layer, _ = built(spec, rng)
    query, value, _ = random_inputs(rng)
    value_mask = np.ones((BATCH, TV), bool)
    value_mask[1] = False
    value = tf.constant(value)
    with tf.GradientTape() as tape:
        tape.watch(value)
        outputs, weights = layer(
            [query, value], mask=[None, value_mask], return_attention_scores=True
        )
        loss = tf.reduce_sum(outputs**2)
    grads = tape.gradient(loss, [value] + layer.trainable_weights)
    assert np.all(np.asarray(weights)[1] == 0.0)
    assert np.all(np.asarray(outputs)[1] == 0.0)
    assert np.all(np.isfinite(outputs)) and np.all(np.isfinite(weights))
    for grad in grads:
        assert np.all(np.isfinite(grad))


@parametrize_specs
def test_query_mask_zeroes_outputs_and_is_passed_on(spec):
    rng = np.random.default_rng(6)
    layer, _ = built(spec, rng)
    query, value, _ = random_inputs(rng)
    query_mask = right_padded_mask(rng, BATCH, TQ)
    query_mask[0, -1] = False
    outputs = np.asarray(layer([query, value], mask=[query_mask, None]))
    assert np.all(outputs[~query_mask] == 0.0)
    assert np.all(outputs[query_mask] != 0.0)
    passed = layer.compute_mask([query, value], mask=[query_mask, None])
    np.testing.assert_array_equal(passed, query_mask)


@parametrize_specs
def test_float16_with_masks_is_finite_and_close(spec):
    for dtype in ("float16", "mixed_float16"):
        check_float16(spec, dtype)


def check_float16(spec, dtype):
    rng = np.random.default_rng(7)
    layer, weights = built(spec, rng, dtype=dtype)
    query, value, _ = random_inputs(rng, scale=4.0)  # large scores
    value_mask = right_padded_mask(rng, BATCH, TV)
    value_mask[2] = False  # one fully masked row
    inputs = [tf.constant(query, tf.float16), tf.constant(value, tf.float16)]
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        outputs, got_weights = layer(
            inputs, mask=[None, value_mask], return_attention_scores=True,
            use_causal_mask=True,
        )
        loss = tf.reduce_sum(tf.cast(outputs, tf.float32))
    grads = tape.gradient(loss, inputs + layer.trainable_weights)
    assert outputs.dtype == "float16", dtype
    outputs = np.asarray(outputs, np.float64)
    assert np.all(np.isfinite(outputs))
    for grad in grads:
        if grad is None and spec.layer is layers.MeanAttention:
            continue  # its output does not depend on the query
        assert np.all(np.isfinite(np.asarray(grad, np.float32))), dtype
    weights16 = [np.asarray(w, np.float16).astype(np.float64) for w in weights]
    q16, v16 = (np.asarray(a, np.float16).astype(np.float64) for a in (query, value))
    want, want_weights = attention_reference.attend(
        spec.numpy_scores(q16, v16, weights16), v16,
        value_mask=value_mask, causal=True,
    )
    np.testing.assert_allclose(outputs, want, atol=0.1, rtol=0.05)
    got_weights = np.asarray(got_weights, np.float64)
    assert np.all(got_weights[want_weights == 0] == 0.0)


# ------------------------------------------------------------------ dropout
@parametrize_specs
def test_dropout_is_off_at_inference_and_seeded_in_training(spec):
    rng = np.random.default_rng(8)
    plain, weights = built(spec, rng)
    query, value, _ = random_inputs(rng)
    value_mask = right_padded_mask(rng, BATCH, TV)

    def dropped_layer():
        layer = spec.make(dtype="float64", dropout=0.5, seed=3)
        layer.build([(None, None, DIM), (None, None, DIM)])
        layer.set_weights(weights)
        return layer

    dropped = dropped_layer()
    call = dict(mask=[None, value_mask], return_attention_scores=True)
    clean, clean_weights = plain([query, value], **call)
    np.testing.assert_allclose(
        dropped([query, value], training=False, **call)[0], clean, atol=1e-12
    )
    first, first_weights = dropped([query, value], training=True, **call)
    first_weights = np.asarray(first_weights)
    kept = first_weights != 0
    # Kept weights are scaled by 1 / (1 - rate); masked ones stay zero.
    np.testing.assert_allclose(
        first_weights[kept], 2 * np.asarray(clean_weights)[kept], atol=1e-12
    )
    assert 0 < kept.sum() < (np.asarray(clean_weights) != 0).sum()
    assert not np.allclose(dropped([query, value], training=True, **call)[0], first)
    twin_first, _ = dropped_layer()([query, value], training=True, **call)
    np.testing.assert_allclose(twin_first, first, atol=1e-12)


# ---------------------------------------------------------------- functional
@parametrize_specs
def test_functional_model_with_embedding_masks(spec):
    tokens = np.array([[3, 1, 4, 0, 0], [2, 7, 1, 8, 2]])
    inputs = keras.Input((None,), dtype="int32")
    embedded = keras.layers.Embedding(10, DIM, mask_zero=True)(inputs)
    attended = spec.make()([embedded, embedded])
    model = keras.Model(inputs, attended)
    got = model.predict(tokens, verbose=0)
    alone = model.predict(tokens[:1, :3], verbose=0)
    np.testing.assert_allclose(got[0, :3], alone[0], atol=1e-6)
    assert np.all(got[0, 3:] == 0.0)

    query = keras.Input((None, DIM))
    value = keras.Input((7, DIM))
    outputs, weights = spec.make()([query, value], return_attention_scores=True)
    assert tuple(outputs.shape) == (None, None, DIM)
    assert tuple(weights.shape) == (None, None, 7)


# --------------------------------------------------------------- round trip
@parametrize_specs
def test_config_round_trip(spec):
    layer = spec.make(dropout=0.25, seed=11, name="attn")
    config = layer.get_config()
    clone = spec.layer.from_config(config)
    assert clone.get_config() == config
    assert clone.dropout == 0.25 and clone.seed == 11


@parametrize_specs
def test_keras_file_round_trip(spec, tmp_path):
    rng = np.random.default_rng(9)
    inputs = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(20, DIM, mask_zero=True)(inputs)
    x = spec.make(dropout=0.1, seed=2)([x, x], use_causal_mask=True)
    x = keras.layers.GlobalAveragePooling1D()(x)
    model = keras.Model(inputs, keras.layers.Dense(2)(x))
    tokens = rng.integers(0, 20, size=(3, 6))
    before = model.predict(tokens, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)  # no custom_objects
    np.testing.assert_allclose(loaded.predict(tokens, verbose=0), before, atol=1e-6)
    assert type(loaded.layers[2]) is spec.layer


# --------------------------------------------------------------- bad input
BAD_ARGUMENTS = [
    ({"dropout": 1.5}, "dropout", "1.5"),
    ({"dropout": -0.1}, "dropout", "-0.1"),
    ({"seed": "x"}, "seed", "'x'"),
]


def assert_rejected(make, kwargs, argument, shown):
    with pytest.raises(ValueError) as info:
        make(**kwargs)
    message = str(info.value)
    assert f"`{argument}`" in message and shown in message, message


@parametrize_specs
def test_bad_arguments_name_argument_and_value(spec):
    for kwargs, argument, shown in BAD_ARGUMENTS:
        assert_rejected(spec.make, kwargs, argument, shown)


def test_inputs_must_be_a_list_of_two_or_three():
    x = np.ones((2, 3, DIM))
    for spec in SPECS:
        with pytest.raises(ValueError, match=r"\[query, value\]"):
            spec.make()(x)
        with pytest.raises(ValueError, match=r"\[query, value\]"):
            spec.make()([x, x, x, x])
        with pytest.raises(ValueError, match="mask"):
            spec.make()([x, x], mask=np.ones((2, 3), bool))


# ------------------------------------------------------- DotProductAttention
@pytest.mark.parametrize("use_scale", [False, True])
def test_dot_product_matches_keras_attention(use_scale):
    rng = np.random.default_rng(10)
    query, value, key = random_inputs(rng)
    ours = layers.DotProductAttention(use_scale=use_scale, dtype="float64")
    theirs = keras.layers.Attention(use_scale=use_scale, dtype="float64")
    theirs.build([query.shape, value.shape, key.shape])
    if use_scale:  # Keras learns the factor; fix it at 1 / sqrt(d)
        theirs.set_weights([np.array(1.0 / np.sqrt(DIM))])
    for case in MASK_CASES:
        query_mask, value_mask, causal = masks_for(case, rng)
        mask = None if case in ("none", "causal") else [query_mask, value_mask]
        call = dict(
            mask=mask, return_attention_scores=True, use_causal_mask=causal
        )
        for got, want in zip(
            ours([query, value, key], **call), theirs([query, value, key], **call)
        ):
            np.testing.assert_allclose(got, want, atol=1e-12, err_msg=case)


def test_dot_product_custom_scale_matches_numpy():
    rng = np.random.default_rng(11)
    query, value, _ = random_inputs(rng)
    layer = layers.DotProductAttention(use_scale=True, scale=0.3, dtype="float64")
    want, _ = attention_reference.attend(
        attention_reference.dot_scores(query, value, 0.3), value
    )
    np.testing.assert_allclose(layer([query, value]), want, atol=1e-12)
    assert layers.DotProductAttention.from_config(layer.get_config()).scale == 0.3


def test_dot_product_has_no_weights_and_needs_equal_widths():
    layer = layers.DotProductAttention(use_scale=True)
    layer([np.ones((1, 2, 3)), np.ones((1, 4, 3))])
    assert layer.weights == []
    with pytest.raises(ValueError, match="query_shape=.*key_shape="):
        layers.DotProductAttention()([np.ones((1, 2, 3)), np.ones((1, 4, 5))])


def test_dot_product_bad_scale():
    for kwargs, shown in [
        ({"use_scale": True, "scale": -1.0}, "-1.0"),
        ({"use_scale": True, "scale": "big"}, "'big'"),
        ({"scale": 0.5}, "0.5"),
    ]:
        assert_rejected(layers.DotProductAttention, kwargs, "scale", shown)


def test_mask_value_is_finite_and_dtype_aware():
    from kerasseq.layers.attention import mask_value

    assert mask_value("float16") == -65504.0
    assert mask_value("float32") == float(np.finfo(np.float32).min)
    assert np.isfinite(np.float16(mask_value("float16")))
    bfloat16 = keras.ops.convert_to_tensor(mask_value("bfloat16"), "bfloat16")
    assert np.isfinite(np.asarray(keras.ops.cast(bfloat16, "float32")))
