import pytest

from kerasseq import layers


def test_names_map_to_layers():
    assert layers.get_recurrent_layer("lstm") is layers.LSTM
    assert layers.get_recurrent_layer("gru") is layers.GRU
    assert layers.get_recurrent_layer("simple_rnn") is layers.SimpleRNN
    assert {"simple_rnn", "lstm", "gru"} <= set(layers.recurrent_layer_names())


def test_unknown_name_lists_the_choices():
    with pytest.raises(ValueError) as info:
        layers.get_recurrent_layer("lstn")
    message = str(info.value)
    assert "'lstn'" in message and "'lstm'" in message and "`cell`" in message


def test_a_name_cannot_be_taken_twice():
    with pytest.raises(ValueError, match="already registered"):
        layers.register_recurrent_layer("lstm", layers.GRU)
