"""SelfAttention and SelfAttentionBlock against float64 NumPy references."""

import numpy as np
import pytest

import keras
from kerasseq import layers
from kerasseq import backend
from kerasseq.backend import compiled
from tests.helpers import attention_reference
from tests.helpers.attention_specs import right_padded_mask

BATCH, STEPS, FEATURES, UNITS = 3, 5, 4, 6
PROJECTIONS = [f"{n}_{p}" for n in ("query", "key", "value") for p in ("kernel", "bias")]
OUTPUT = ["output_kernel", "output_bias"]  # several heads only
#: (num_heads, key_dim, value_dim) of the multi-head cases, UNITS wide.
HEADS = [(2, None, None), (3, None, None), (6, None, None), (2, 5, 4)]
HEAD_IDS = [f"heads{h}-key{k}-value{v}" for h, k, v in HEADS]


def randomize(variables, rng, scale=0.5):
    """Assigns random values; returns them as float64 arrays."""
    values = []
    for variable in variables:
        value = scale * rng.standard_normal(variable.shape)
        variable.assign(value)
        values.append(value)
    return values


def built_self_attention(rng, num_heads=1, **kwargs):
    layer = layers.SelfAttention(UNITS, num_heads=num_heads, dtype="float64",
                                 **kwargs)
    layer.build((None, None, FEATURES))
    names = PROJECTIONS + (OUTPUT if num_heads > 1 else [])
    weights = randomize([getattr(layer, name) for name in names], rng)
    return layer, weights


def built_block(rng, features=FEATURES, num_heads=1, **kwargs):
    block = layers.SelfAttentionBlock(7, num_heads=num_heads, dtype="float64",
                                      **kwargs)
    block.build((None, None, features))
    names = PROJECTIONS + (OUTPUT if num_heads > 1 else [])
    attention = randomize(
        [getattr(block.attention, name) for name in names], rng
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


# --------------------------------------------------------------- many heads
@pytest.mark.parametrize("num_heads, key_dim, value_dim", HEADS, ids=HEAD_IDS)
def test_multi_head_matches_numpy(num_heads, key_dim, value_dim):
    rng = np.random.default_rng(8)
    layer, weights = built_self_attention(
        rng, num_heads=num_heads, key_dim=key_dim, value_dim=value_dim
    )
    heads_width = num_heads * (key_dim or UNITS // num_heads)
    assert tuple(layer.query_kernel.shape) == (FEATURES, heads_width)
    assert tuple(layer.output_kernel.shape) == (
        num_heads * (value_dim or UNITS // num_heads), UNITS)
    x = rng.standard_normal((BATCH, STEPS, FEATURES))
    mask = right_padded_mask(rng, BATCH, STEPS)
    for m, causal in ((None, False), (None, True), (mask, False), (mask, True)):
        got, got_weights = layer(
            x, mask=m, return_attention_scores=True, use_causal_mask=causal
        )
        want, want_weights = attention_reference.multi_head_self_attention(
            x, weights, num_heads, mask=m, causal=causal
        )
        message = f"mask={m is not None}, causal={causal}"
        assert got.shape == (BATCH, STEPS, UNITS)
        assert got_weights.shape == (BATCH, num_heads, STEPS, STEPS)
        np.testing.assert_allclose(got, want, atol=1e-12, err_msg=message)
        np.testing.assert_allclose(
            got_weights, want_weights, atol=1e-12, err_msg=message
        )


def keras_multi_head_attention(layer, weights, features):
    """`keras.layers.MultiHeadAttention` with `layer`'s heads and `weights`
    (`[Wq, bq, Wk, bk, Wv, bv, Wo, bo]`), reshaped to its per-head kernels."""
    heads, key_dim, value_dim = layer.num_heads, layer.key_dim, layer.value_dim
    theirs = keras.layers.MultiHeadAttention(
        num_heads=heads, key_dim=key_dim, value_dim=value_dim,
        output_shape=layer.units, dtype="float64",
    )
    theirs.build((None, None, features), (None, None, features))
    wq, bq, wk, bk, wv, bv, wo, bo = weights
    for dense, kernel, bias, dim in ((theirs.query_dense, wq, bq, key_dim),
                                     (theirs.key_dense, wk, bk, key_dim),
                                     (theirs.value_dense, wv, bv, value_dim)):
        # (features, heads * dim), head-major -> (features, heads, dim)
        dense.set_weights([kernel.reshape(features, heads, dim),
                           bias.reshape(heads, dim)])
    # (heads * value_dim, units) -> (heads, value_dim, units)
    theirs.output_dense.set_weights([wo.reshape(heads, value_dim, -1), bo])
    return theirs


@pytest.mark.parametrize("num_heads, key_dim, value_dim", HEADS, ids=HEAD_IDS)
def test_multi_head_equals_keras_multi_head_attention(
    num_heads, key_dim, value_dim
):
    rng = np.random.default_rng(9)
    ours, weights = built_self_attention(
        rng, num_heads=num_heads, key_dim=key_dim, value_dim=value_dim
    )
    theirs = keras_multi_head_attention(ours, weights, FEATURES)
    x = rng.standard_normal((BATCH, STEPS, FEATURES))
    mask = right_padded_mask(rng, BATCH, STEPS)
    padding = np.broadcast_to(mask[:, None, :], (BATCH, STEPS, STEPS))
    for m, causal in ((None, True), (mask, False), (mask, True)):
        keras_mask = None if m is None else padding
        message = f"mask={m is not None}, causal={causal}"
        got, got_weights = ours(
            x, mask=m, use_causal_mask=causal, return_attention_scores=True
        )
        want = theirs(x, x, attention_mask=keras_mask, use_causal_mask=causal)
        _, want_weights = theirs(
            x, x, attention_mask=keras_mask, use_causal_mask=causal,
            return_attention_scores=True,
        )
        # Keras computes padded queries too; kerasseq outputs zeros there.
        rows = np.ones((BATCH, STEPS), bool) if m is None else m
        np.testing.assert_allclose(
            np.asarray(got)[rows], np.asarray(want)[rows], atol=1e-5,
            err_msg=message,
        )
        assert np.all(np.asarray(got)[~rows] == 0.0), message
        np.testing.assert_allclose(
            np.asarray(got_weights).transpose(0, 2, 1, 3)[rows],
            np.asarray(want_weights).transpose(0, 2, 1, 3)[rows],
            atol=1e-5, err_msg=message,
        )


@pytest.mark.parametrize("num_heads", [2, 3])
def test_every_head_is_masked(num_heads):
    rng = np.random.default_rng(10)
    layer, _ = built_self_attention(rng, num_heads=num_heads,
                                    use_causal_mask=True)
    x = rng.standard_normal((BATCH, STEPS, FEATURES))
    mask = right_padded_mask(rng, BATCH, STEPS)
    _, weights = layer(x, mask=mask, return_attention_scores=True)
    weights = np.asarray(weights)  # (batch, heads, time, time)
    upper = np.triu(np.ones((STEPS, STEPS), bool), k=1)
    assert np.all(weights[:, :, upper] == 0.0)
    padded_keys = np.broadcast_to(~mask[:, None, None, :], weights.shape)
    assert np.all(weights[padded_keys] == 0.0)
    # Causal: a prefix's outputs do not depend on what follows it.
    np.testing.assert_allclose(layer(x)[:, :3], layer(x[:, :3]), atol=1e-12)


# The layer as saved before it had heads (kerasseq 03d7abf): its config,
# its weights and its outputs on `MAIN_INPUTS`, recorded from that code.
MAIN_CONFIG = {
    "name": "attention_from_main", "trainable": True,
    "dtype": {"module": "keras", "class_name": "DTypePolicy",
              "config": {"name": "float64"}, "registered_name": None},
    "units": 4, "use_bias": True, "use_causal_mask": False, "dropout": 0.0,
    "seed": None,
    "kernel_initializer": {
        "module": "keras.initializers", "class_name": "GlorotUniform",
        "config": {"seed": None, "input_axes": None, "output_axes": None},
        "registered_name": None},
    "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros",
                         "config": {}, "registered_name": None},
    "kernel_regularizer": None, "bias_regularizer": None,
    "kernel_constraint": None, "bias_constraint": None,
}
MAIN_WEIGHTS = [
    ("attention_from_main/query_kernel", (3, 4)),
    ("attention_from_main/query_bias", (4,)),
    ("attention_from_main/key_kernel", (3, 4)),
    ("attention_from_main/key_bias", (4,)),
    ("attention_from_main/value_kernel", (3, 4)),
    ("attention_from_main/value_bias", (4,)),
]
MAIN_OUTPUTS = np.array([  # causal, row 1 padded at its end
    [[-0.9363368806170925, -1.262356253237448, 0.7375352030791056,
      -0.5779540482087725],
     [-0.9102853767885057, -1.0524915034894682, 0.2678378986619563,
      -0.24855709920947816],
     [-0.8087893095449722, -0.46765266931801763, 0.41630055297825264,
      -0.04670301045108843]],
    [[-0.6689777677906215, 0.20298012383236563, 1.5292884465691259,
      -0.2892687211671284],
     [-0.5433426759029878, 0.4104336119718792, 1.4425218200246581,
      -0.3601906959696707],
     [0.0, 0.0, 0.0, 0.0]],
])


def test_one_head_is_the_layer_before_heads():
    for layer in (layers.SelfAttention.from_config(MAIN_CONFIG),
                  layers.SelfAttention(4, num_heads=1, dtype="float64",
                                       name="attention_from_main")):
        layer.build((None, None, 3))
        assert [(w.path, tuple(w.shape)) for w in layer.weights] == MAIN_WEIGHTS
        rng = np.random.default_rng(2024)  # as when MAIN_OUTPUTS was recorded
        randomize(layer.weights, rng)
        x = rng.standard_normal((2, 3, 3))
        mask = np.array([[True, True, True], [True, True, False]])
        out, weights = layer(x, mask=mask, use_causal_mask=True,
                             return_attention_scores=True)
        np.testing.assert_allclose(out, MAIN_OUTPUTS, atol=1e-14)
        assert weights.shape == (2, 3, 3)  # no heads axis for one head
        assert layer.key_dim == layer.value_dim == 4


def test_one_head_block_has_the_weights_of_before():
    block = layers.SelfAttentionBlock(5, name="block")
    block.build((None, None, 4))
    assert [w.path for w in block.weights] == [
        *(f"block/self_attention/{name}" for name in PROJECTIONS),
        "block/attention_norm/gamma", "block/attention_norm/beta",
        "block/feedforward_inner/kernel", "block/feedforward_inner/bias",
        "block/feedforward_outer/kernel", "block/feedforward_outer/bias",
        "block/feedforward_norm/gamma", "block/feedforward_norm/beta",
    ]
    assert all(tuple(w.shape) == (4, 4) for w in block.weights[:6:2])


# ------------------------------------------------------------------- block
BLOCK_CONFIGS = [
    dict(residual=True, layer_norm=True, norm_first=False),
    dict(residual=True, layer_norm=True, norm_first=True),
    dict(residual=True, layer_norm=False),
    dict(residual=False, layer_norm=True),
    dict(residual=False, layer_norm=False),
]


@pytest.mark.parametrize("num_heads", [1, 2])
def test_block_matches_numpy(num_heads):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((BATCH, STEPS, FEATURES))
    mask = right_padded_mask(rng, BATCH, STEPS)
    for config in BLOCK_CONFIGS:
        block, attention, ffn, norms = built_block(
            rng, layer_norm_epsilon=1e-3, num_heads=num_heads, **config
        )
        for m, causal in ((None, False), (mask, True)):
            want = attention_reference.self_attention_block(
                x, attention, ffn, norms, residual=config["residual"],
                norm_first=config.get("norm_first", False), epsilon=1e-3,
                mask=m, causal=causal, num_heads=num_heads,
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


@pytest.mark.parametrize("num_heads", [1, 4])
def test_block_float16_with_mask_is_finite(num_heads):
    rng = np.random.default_rng(5)
    block = layers.SelfAttentionBlock(16, num_heads=num_heads,
                                      dtype="mixed_float16",
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
        lambda **kw: layers.SelfAttention(UNITS, num_heads=3, dtype="float64",
                                          **kw),
        lambda **kw: layers.SelfAttentionBlock(
            7, dtype="float64", attention_dropout=kw.get("dropout", 0.0), **kw
        ),
        lambda **kw: layers.SelfAttentionBlock(
            7, num_heads=2, dtype="float64",
            attention_dropout=kw.get("dropout", 0.0), **kw
        ),
    ]
    for make in makers:
        plain = make()
        plain.build((None, None, FEATURES))
        weights = randomize(plain.weights, rng)

        def dropped_layer():
            layer = make(dropout=0.4, seed=5)
            layer.build((None, None, FEATURES))
            for variable, value in zip(layer.weights, weights, strict=True):
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
        layers.SelfAttention(12, num_heads=4, key_dim=5, value_dim=2),
        layers.SelfAttentionBlock(
            32, activation="gelu", residual=False, norm_first=True,
            layer_norm_epsilon=1e-6, use_causal_mask=True, dropout=0.1,
            attention_dropout=0.2, seed=4, kernel_initializer="he_normal",
        ),
        layers.SelfAttentionBlock(32, num_heads=2, key_dim=3),
    ):
        config = layer.get_config()
        clone = type(layer).from_config(config)
        assert clone.get_config() == config
    config = layers.SelfAttention(12, num_heads=4).get_config()
    assert (config["num_heads"], config["key_dim"], config["value_dim"]) == (
        4, 3, 3)
    config = layers.SelfAttentionBlock(32, num_heads=2).get_config()
    assert (config["num_heads"], config["key_dim"], config["value_dim"]) == (
        2, None, None)  # the input width decides, at build


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
    x = layers.SelfAttentionBlock(16, num_heads=4, dropout=0.1, seed=2)(x)
    x = layers.SelfAttention(6, num_heads=2, use_causal_mask=True)(x)
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
        (layers.SelfAttention, {"units": 4, "num_heads": 0}, "num_heads", "0"),
        (layers.SelfAttention, {"units": 4, "num_heads": 2, "key_dim": 1.5},
         "key_dim", "1.5"),
        (layers.SelfAttention, {"units": 4, "num_heads": 2, "value_dim": -1},
         "value_dim", "-1"),
        (layers.SelfAttention, {"units": 10, "num_heads": 3},
         "num_heads", "units=10, num_heads=3"),
        (layers.SelfAttention, {"units": 4, "value_dim": 2},
         "value_dim", "value_dim=2, units=4"),
        (layers.SelfAttentionBlock, {"feedforward_dim": 8, "num_heads": 2.0},
         "num_heads", "2.0"),
        (layers.SelfAttentionBlock, {"feedforward_dim": 8, "key_dim": 0},
         "key_dim", "0"),
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
    # A block's width is its input's: checked when it is built.
    with pytest.raises(ValueError, match="`features`.*features=8, num_heads=3"):
        layers.SelfAttentionBlock(8, num_heads=3)(np.ones((2, 3, 8)))
    block = layers.SelfAttentionBlock(8, num_heads=3, key_dim=2)
    assert block(np.ones((2, 3, 8))).shape == (2, 3, 8)
    assert block.attention.value_dim == 2  # as key_dim, 8 not divisible


# ------------------------------------------------------ key/value cache
@pytest.mark.parametrize("num_heads", [1, 2, 3])
def test_cached_steps_equal_the_causal_numpy_reference(num_heads):
    """One position at a time against the cache, each row at its own
    position, gives the causal attention of the whole sequence."""
    rng = np.random.default_rng(11)
    layer, weights = built_self_attention(rng, num_heads=num_heads)
    x = rng.standard_normal((BATCH, STEPS, FEATURES))
    if num_heads == 1:
        want, _ = attention_reference.self_attention(x, weights, causal=True)
    else:
        want, _ = attention_reference.multi_head_self_attention(
            x, weights, num_heads, causal=True)
    width = num_heads * layer.key_dim
    cache = (np.zeros((BATCH, STEPS, width)), np.zeros((BATCH, width, STEPS)))
    # Row b starts b steps late: every row writes its own position.
    got = np.zeros((BATCH, STEPS, UNITS))
    for t in range(STEPS + BATCH - 1):
        index = np.clip(t - np.arange(BATCH), 0, STEPS - 1)
        step = x[np.arange(BATCH), index][:, None]  # (batch, 1, features)
        out, new_cache = layer(step, cache=cache, cache_index=index)
        live = (t - np.arange(BATCH) >= 0) & (t - np.arange(BATCH) < STEPS)
        cache = tuple(np.where(live[:, None, None], new, old)
                      for new, old in zip(new_cache, cache))
        got[live, index[live]] = np.asarray(out)[live, 0]
    np.testing.assert_allclose(got, want, atol=1e-12)
    # The whole window at once fills the same cache, causally.
    out, filled = layer(x, cache=tuple(np.zeros_like(c) for c in cache),
                        cache_index=0)
    np.testing.assert_allclose(out, want, atol=1e-12)
    for full, stepped in zip(filled, cache):
        np.testing.assert_allclose(full, stepped, atol=1e-12)
    # The layout: keys (batch, positions, width), values positions last.
    w_k, b_k, w_v, b_v = weights[2:6]
    np.testing.assert_allclose(filled[0], x @ w_k + b_k, atol=1e-12)
    np.testing.assert_allclose(filled[1], np.swapaxes(x @ w_v + b_v, 1, 2), atol=1e-12)


def test_cached_block_steps_equal_the_causal_block():
    rng = np.random.default_rng(12)
    block = built_block(rng, num_heads=2, use_causal_mask=True, norm_first=True)[0]
    x = rng.standard_normal((BATCH, STEPS, FEATURES))
    want = np.asarray(block(x))
    width = 2 * block.attention.key_dim
    cache = (np.zeros((BATCH, STEPS, width)), np.zeros((BATCH, width, STEPS)))
    for t in range(STEPS):
        out, cache = block(x[:, t:t + 1], cache=cache,
                           cache_index=np.full((BATCH,), t))
        np.testing.assert_allclose(np.asarray(out)[:, 0], want[:, t], atol=1e-12)


def test_a_cached_call_takes_one_position_or_the_whole_window():
    layer = layers.SelfAttention(4)
    cache = (np.zeros((1, 6, 4), "float32"), np.zeros((1, 4, 6), "float32"))
    with pytest.raises(ValueError, match="one new position, or the whole window of 6"):
        layer(np.zeros((1, 3, 2), "float32"), cache=cache, cache_index=0)


# ------------------------------------------- the fused step of generation
STEP_CASES = [(1, None, True, BATCH), (1, None, False, 1), (2, None, True, 1),
              (3, None, False, BATCH), (2, 5, True, BATCH)]


@pytest.mark.parametrize("runtime", backend.RUNTIMES)
@pytest.mark.parametrize("num_heads, key_dim, use_bias, batch", STEP_CASES)
def test_step_equals_the_causal_numpy_reference(num_heads, key_dim, use_bias,
                                                batch, runtime):
    """`step` (merged projections, prescaled queries) gives the causal
    attention of the whole sequence, one position at a time, with the ops
    of every runtime (`attention_step_ops`: 2-D products, batched products
    or sums; cache rows by slice update, scatter or select), run here
    eagerly."""
    with backend.running_on(runtime):
        _check_step(num_heads, key_dim, use_bias, batch, jit=None)


@pytest.mark.parametrize("jit", [True, False], ids=["xla", "graph"])
@pytest.mark.parametrize("num_heads, key_dim, use_bias, batch",
                         [(1, None, True, BATCH), (3, None, True, 1), (1, None, True, 1)])
def test_compiled_step_equals_the_causal_numpy_reference(num_heads, key_dim,
                                                         use_bias, batch, jit):
    """The same, compiled (`compiled`: a TensorFlow graph, with XLA or not;
    `jax.jit` on JAX), where the runtime is found while tracing."""
    _check_step(num_heads, key_dim, use_bias, batch, jit=jit)


def _check_step(num_heads, key_dim, use_bias, batch, jit):
    rng = np.random.default_rng(13)
    layer = layers.SelfAttention(UNITS, num_heads=num_heads, key_dim=key_dim,
                                 use_bias=use_bias, dtype="float64")
    layer.build((None, None, FEATURES))
    names = [n for n in PROJECTIONS if use_bias or n.endswith("kernel")]
    if num_heads > 1:
        names += [n for n in OUTPUT if use_bias or n.endswith("kernel")]
    values = randomize([getattr(layer, name) for name in names], rng)
    weights = dict(zip(names, values))
    for name in PROJECTIONS + OUTPUT:  # no bias: zeros in the reference
        if name.endswith("bias") and name not in weights and (
            num_heads > 1 or not name.startswith("output")
        ):
            size = getattr(layer, name.replace("bias", "kernel")).shape[-1]
            weights[name] = np.zeros(size)
    weights = [weights[name] for name in
               PROJECTIONS + (OUTPUT if num_heads > 1 else [])]
    x = rng.standard_normal((batch, STEPS, FEATURES))
    if num_heads == 1:
        want, _ = attention_reference.self_attention(x, weights, causal=True)
    else:
        want, _ = attention_reference.multi_head_self_attention(
            x, weights, num_heads, causal=True)
    cache = (np.zeros((batch, STEPS, num_heads * layer.key_dim)),
             np.zeros((batch, num_heads * layer.value_dim, STEPS)))
    step = layer.step
    if jit is not None:
        step = compiled(layer.step, jit_compile=jit)
    for t in range(STEPS):
        out, cache = step(x[:, t], cache, np.full((batch,), t))
        np.testing.assert_allclose(np.asarray(out), want[:, t], atol=1e-12)


@pytest.mark.parametrize(
    "options",
    [{}, {"norm_first": True, "num_heads": 2}, {"layer_norm": False},
     {"residual": False, "activation": "gelu"}, {"num_heads": 2, "key_dim": 3}],
    ids=["post-norm", "pre-norm-2-heads", "no-norm", "no-residual-gelu",
         "key-dim"],
)
def test_block_step_equals_the_causal_block(options):
    """The block's fused step against the whole causal block (itself
    checked against NumPy above), every sublayer option."""
    rng = np.random.default_rng(14)
    block = built_block(rng, use_causal_mask=True, **options)[0]
    x = rng.standard_normal((BATCH, STEPS, FEATURES))
    want = np.asarray(block(x))
    attention = block.attention
    cache = (np.zeros((BATCH, STEPS, attention.num_heads * attention.key_dim)),
             np.zeros((BATCH, attention.num_heads * attention.value_dim, STEPS)))
    for t in range(STEPS):
        out, cache = block.step(x[:, t], cache, np.full((BATCH,), t))
        np.testing.assert_allclose(np.asarray(out), want[:, t], atol=1e-12)
