"""Arguments and return conventions kerasseq's layers share with Keras's."""

import keras
import numpy as np
import pytest

from kerasseq import layers


@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_implementation_and_use_cudnn_are_accepted_and_not_saved(name):
    layer = getattr(layers, name)(3, implementation=1, use_cudnn=False)
    assert layer.implementation == 1 and layer.use_cudnn is False
    config = layer.get_config()
    assert "implementation" not in config and "use_cudnn" not in config
    # A Keras 2 / tf.keras config carries `implementation`.
    keras_config = getattr(keras.layers, name)(3).get_config()
    restored = getattr(layers, name).from_config({**keras_config, "implementation": 2})
    assert restored.units == 3
    bidirectional = keras.layers.Bidirectional(getattr(layers, name)(2, use_cudnn=True))
    assert bidirectional.backward_layer.use_cudnn is True


@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_nonsense_values_are_still_refused(name):
    layer_class = getattr(layers, name)
    with pytest.raises(ValueError, match="implementation"):
        layer_class(3, implementation=5)
    with pytest.raises(ValueError, match="use_cudnn"):
        layer_class(3, use_cudnn="yes")
    with pytest.raises(ValueError, match="units"):
        layer_class(-1)


@pytest.mark.parametrize("name", ["SimpleRNNCell", "GRUCell"])
def test_a_bare_tensor_state_comes_back_bare_as_in_keras(name):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3)).astype("float32")
    h = rng.standard_normal((2, 4)).astype("float32")
    ours, theirs = getattr(layers, name)(4), getattr(keras.layers, name)(4)
    ours.build((None, 3))
    theirs.build((None, 3))
    theirs.set_weights(ours.get_weights())
    output, state = ours(x, h)
    want_output, want_state = theirs(x, h)
    assert not isinstance(state, (list, tuple))
    assert not isinstance(want_state, (list, tuple))
    np.testing.assert_allclose(np.asarray(state), np.asarray(want_state), atol=1e-6)
    np.testing.assert_allclose(np.asarray(output), np.asarray(want_output), atol=1e-6)
    _, listed = ours(x, [h])
    assert isinstance(listed, (list, tuple)) and len(listed) == 1


@pytest.mark.parametrize("name", ["SimpleRNN", "LSTM", "GRU"])
def test_help_shows_every_argument_with_keras_defaults(name):
    import inspect

    import kerasseq.layers

    ours = inspect.signature(getattr(kerasseq.layers, name)).parameters
    theirs = inspect.signature(getattr(keras.layers, name).__init__).parameters
    # Every argument of Keras's layer is named, with Keras's default.
    for parameter in theirs.values():
        if parameter.name in ("self", "kwargs"):
            continue
        assert parameter.name in ours, parameter.name
        assert ours[parameter.name].default == parameter.default, parameter.name
    assert list(ours)[0] == "units" and list(ours)[-1] == "kwargs"
    # And every one the signature shows is accepted.
    layer = getattr(kerasseq.layers, name)(
        3, **{key: p.default for key, p in list(ours.items())[1:-1]})
    assert layer.units == 3
