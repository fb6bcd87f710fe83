"""SelfAttention and SelfAttentionBlock against float64 NumPy references."""

import numpy as np
import pytest

import keras
from kerasseq import layers
from tests.layers import attention_reference
from tests.layers.attention_specs import right_padded_mask

BATCH, STEPS, FEATURES, UNITS = 3, 5, 4, 6
PROJECTIONS = [f"{n}_{p}" for n in ("query", "key", "value") for p in ("kernel", "bias")]


def randomize(variables, rng, scale=0.5):
    """Assigns random values; returns them as float64 arrays."""
    values = []
    for variable in variables:
        value = scale * rng.standard_normal(variable.shape)
        variable.assign(value)
        values.append(value)
    return values


def built_self_attention(rng, **kwargs):
    layer = layers.SelfAttention(UNITS, dtype="float64", **kwargs)
    layer.build((None, None, FEATURES))
    weights = randomize([getattr(layer, name) for name in PROJECTIONS], rng)
    return layer, weights


def built_block(rng, features=FEATURES, **kwargs):
    block = layers.SelfAttentionBlock(7, dtype="float64", **kwargs)
    block.build((None, None, features))
    attention = randomize(
        [getattr(block.attention, name) for name in PROJECTIONS], rng
    )
    ffn = randomize(
        [
            block.feedforward_inner.kernel, block.feedforward_inner.bias,
            block.feedforward_outer.kernel, block.feedforward_outer.bias,
        ],
        rng,
    )
    norms = None
    if block.layer_norm:
        norms = [
            tuple(randomize([norm.gamma, norm.beta], rng))
            for norm in (block.attention_norm, block.feedforward_norm)
        ]
    return block, attention, ffn, norms


# ------------------------------------------------------------ SelfAttention
def test_self_attention_matches_numpy():
    rng = np.random.default_rng(0)
    layer, weights = built_self_attention(rng)
    x = rng.standard_normal((BATCH, STEPS, FEATURES))
    mask = right_padded_mask(rng, BATCH, STEPS)
    for use_mask in (False, True):
        for causal in (False, True):
            m = mask if use_mask else None
            got, got_weights = layer(
                x, mask=m, return_attention_scores=True, use_causal_mask=causal
            )
            want, want_weights = attention_reference.self_attention(
                x, weights, mask=m, causal=causal
            )
            message = f"mask={use_mask}, causal={causal}"
            assert got.shape == (BATCH, STEPS, UNITS)
            np.testing.assert_allclose(got, want, atol=1e-12, err_msg=message)
            np.testing.assert_allclose(
                got_weights, want_weights, atol=1e-12, err_msg=message
            )


def test_causal_mask_from_constructor_and_call():
    rng = np.random.default_rng(1)
    layer, _ = built_self_attention(rng, use_causal_mask=True)
    x = rng.standard_normal((BATCH, STEPS, FEATURES))
    _, weights = layer(x, return_attention_scores=True)
    upper = np.triu(np.ones((STEPS, STEPS), bool), k=1)
    assert np.all(np.asarray(weights)[:, upper] == 0.0)
    _, weights = layer(x, return_attention_scores=True, use_causal_mask=False)
    assert np.all(np.asarray(weights) > 0.0)
    # Causal: a prefix's outputs do not depend on what follows it.
    np.testing.assert_allclose(layer(x)[:, :3], layer(x[:, :3]), atol=1e-12)


def test_embedding_mask_masks_keys_and_is_passed_on():
    rng = np.random.default_rng(2)
    tokens = np.array([[3, 1, 4, 0, 0], [2, 7, 1, 8, 2]])
    inputs = keras.Input((None,), dtype="int32")
    embedded = keras.layers.Embedding(10, FEATURES, mask_zero=True)(inputs)
    layer = layers.SelfAttention(UNITS)
    attended = layer(embedded)
    pooled = keras.layers.GlobalAveragePooling1D()(attended)  # uses the mask
    model = keras.Model(inputs, [attended, pooled])
    randomize(layer.weights, rng)
    got, got_pooled = model.predict(tokens, verbose=0)
    alone, _ = model.predict(tokens[:1, :3], verbose=0)
    np.testing.assert_allclose(got[0, :3], alone[0], atol=1e-6)
    assert np.all(got[0, 3:] == 0.0)
    np.testing.assert_allclose(got_pooled[0], got[0, :3].mean(0), atol=1e-6)
    mask = tokens != 0
    np.testing.assert_array_equal(layer.compute_mask(got, mask), mask)


# ------------------------------------------------------------------- block
BLOCK_CONFIGS = [
    dict(residual=True, layer_norm=True, norm_first=False),
    dict(residual=True, layer_norm=True, norm_first=True),
    dict(residual=True, layer_norm=False),
    dict(residual=False, layer_norm=True),
    dict(residual=False, layer_norm=False),
]


def test_block_matches_numpy():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((BATCH, STEPS, FEATURES))
    mask = right_padded_mask(rng, BATCH, STEPS)
    for config in BLOCK_CONFIGS:
        block, attention, ffn, norms = built_block(
            rng, layer_norm_epsilon=1e-3, **config
        )
        for m, causal in ((None, False), (mask, True)):
            want = attention_reference.self_attention_block(
                x, attention, ffn, norms, residual=config["residual"],
                norm_first=config.get("norm_first", False), epsilon=1e-3,
                mask=m, causal=causal,
            )
            np.testing.assert_allclose(
                block(x, mask=m, use_causal_mask=causal), want, atol=1e-10,
                err_msg=f"{config}, causal={causal}",
            )


def test_block_activation_and_causal_constructor_argument():
    rng = np.random.default_rng(4)
    block, *_ = built_block(rng, activation="tanh", use_causal_mask=True)
    x = rng.standard_normal((BATCH, STEPS, FEATURES))
    np.testing.assert_allclose(block(x)[:, :2], block(x[:, :2]), atol=1e-12)
    assert block.attention.use_causal_mask
    assert block.get_config()["activation"] == "tanh"


def test_block_float16_with_mask_is_finite():
    rng = np.random.default_rng(5)
    block = layers.SelfAttentionBlock(16, dtype="mixed_float16",
                                      use_causal_mask=True)
    x = 4.0 * rng.standard_normal((BATCH, STEPS, 8))
    mask = right_padded_mask(rng, BATCH, STEPS)
    mask[:, 0] = False  # causal + left pad: query 0 sees nothing
    out = block(x.astype("float16"), mask=mask)
    assert out.dtype == "float16"
    assert np.all(np.isfinite(np.asarray(out, np.float32)))


# ------------------------------------------------------------------ dropout
def test_dropout_is_off_at_inference_and_seeded_in_training():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((BATCH, STEPS, FEATURES))
    makers = [
        lambda **kw: layers.SelfAttention(UNITS, dtype="float64", **kw),
        lambda **kw: layers.SelfAttentionBlock(
            7, dtype="float64", attention_dropout=kw.get("dropout", 0.0), **kw
        ),
    ]
    for make in makers:
        plain = make()
        plain.build((None, None, FEATURES))
        weights = randomize(plain.weights, rng)

        def dropped_layer():
            layer = make(dropout=0.4, seed=5)
            layer.build((None, None, FEATURES))
            for variable, value in zip(layer.weights, weights):
                variable.assign(value)
            return layer

        dropped = dropped_layer()
        name = type(plain).__name__
        np.testing.assert_allclose(
            dropped(x, training=False), plain(x), atol=1e-12, err_msg=name
        )
        first = dropped(x, training=True)
        assert not np.allclose(first, plain(x)), name
        assert not np.allclose(dropped(x, training=True), first), name
        np.testing.assert_allclose(
            dropped_layer()(x, training=True), first, atol=1e-12, err_msg=name
        )


# --------------------------------------------------------------- round trip
def test_config_round_trips():
    for layer in (
        layers.SelfAttention(
            5, use_bias=False, use_causal_mask=True, dropout=0.2, seed=3,
            kernel_initializer="he_normal", bias_regularizer="l2",
        ),
        layers.SelfAttentionBlock(
            32, activation="gelu", residual=False, norm_first=True,
            layer_norm_epsilon=1e-6, use_causal_mask=True, dropout=0.1,
            attention_dropout=0.2, seed=4, kernel_initializer="he_normal",
        ),
    ):
        config = layer.get_config()
        clone = type(layer).from_config(config)
        assert clone.get_config() == config


def test_self_attention_without_bias_has_three_kernels():
    layer = layers.SelfAttention(5, use_bias=False)
    layer.build((None, None, 3))
    assert sorted(w.path.split("/")[-1] for w in layer.weights) == [
        "key_kernel", "query_kernel", "value_kernel"
    ]
    q, k, v = layer.get_weights()
    assert not np.allclose(q, k) and not np.allclose(k, v)


def test_keras_file_round_trip(tmp_path):
    rng = np.random.default_rng(7)
    inputs = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(20, 8, mask_zero=True)(inputs)
    x = layers.PositionEmbedding(10)(x)
    x = layers.SelfAttentionBlock(16, use_causal_mask=True, norm_first=True,
                                  dropout=0.1, seed=1)(x)
    x = layers.SelfAttentionBlock(16)(x)
    x = layers.SelfAttention(6)(x)
    model = keras.Model(inputs, keras.layers.Dense(3)(x))
    tokens = rng.integers(1, 20, size=(2, 7))
    tokens[1, 5:] = 0
    before = model.predict(tokens, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)  # no custom_objects
    np.testing.assert_allclose(loaded.predict(tokens, verbose=0), before, atol=1e-6)


# --------------------------------------------------------------- bad input
def test_bad_arguments_name_argument_and_value():
    cases = [
        (layers.SelfAttention, {"units": 0}, "units", "0"),
        (layers.SelfAttention, {"units": 4, "dropout": 1.0}, "dropout", "1.0"),
        (layers.SelfAttention, {"units": 4, "seed": 1.5}, "seed", "1.5"),
        (layers.SelfAttention, {"units": 4, "kernel_initializer": "nope"},
         "kernel_initializer", "nope"),
        (layers.SelfAttentionBlock, {"feedforward_dim": -2},
         "feedforward_dim", "-2"),
        (layers.SelfAttentionBlock, {"feedforward_dim": 8, "activation": "relux"},
         "activation", "relux"),
        (layers.SelfAttentionBlock, {"feedforward_dim": 8, "layer_norm_epsilon": 0},
         "layer_norm_epsilon", "0"),
        (layers.SelfAttentionBlock, {"feedforward_dim": 8, "dropout": 2},
         "dropout", "2"),
        (layers.SelfAttentionBlock, {"feedforward_dim": 8, "attention_dropout": -1},
         "attention_dropout", "-1"),
        (layers.SelfAttentionBlock, {"feedforward_dim": 8, "seed": "s"},
         "seed", "'s'"),
    ]
    for layer_class, kwargs, argument, shown in cases:
        with pytest.raises(ValueError) as info:
            layer_class(**kwargs)
        message = str(info.value)
        assert f"`{argument}`" in message and shown in message, message
    for layer in (layers.SelfAttention(4), layers.SelfAttentionBlock(8)):
        with pytest.raises(ValueError, match="input_shape=.*2, 3"):
            layer(np.ones((2, 3)))
