import pytest

from kerasseq import layers


def test_names_map_to_configured_layers():
    assert layers.attention_names() == (
        "dot", "scaled_dot", "multiplicative", "additive"
    )
    dot = layers.get_attention("dot")
    scaled = layers.get_attention("scaled_dot", dropout=0.1, seed=2)
    assert type(dot) is layers.DotProductAttention and not dot.use_scale
    assert type(scaled) is layers.DotProductAttention and scaled.use_scale
    assert scaled.dropout == 0.1 and scaled.seed == 2
    assert type(layers.get_attention("multiplicative")) is (
        layers.MultiplicativeAttention
    )
    additive = layers.get_attention("additive", units=5)
    assert type(additive) is layers.AdditiveAttention and additive.units == 5
    assert layers.get_attention("dot") is not dot  # a new layer each time


def test_unknown_name_lists_the_choices():
    with pytest.raises(ValueError) as info:
        layers.get_attention("bahdanau")
    message = str(info.value)
    assert "`attention`" in message and "'bahdanau'" in message
    for name in layers.attention_names():
        assert repr(name) in message
