"""Gradient clipping: g <- xi * g / ||g|| when ||g|| > xi (lecture, Pascanu et al.)."""

import numpy as np
import pytest

import keras
from kerasseq.training import TrainConfig
from kerasseq.training import make_optimizer


def _apply_sgd_step(config, gradients):
    optimizer = make_optimizer(config)
    variables = [keras.Variable(np.zeros_like(g)) for g in gradients]
    optimizer.apply_gradients(
        [(keras.ops.convert_to_tensor(g), v) for g, v in zip(gradients, variables, strict=True)]
    )
    return [-np.asarray(v) for v in variables]  # lr = 1: update = -step


def test_global_clipnorm_rescales_large_gradients():
    xi = 0.5
    g = [np.array([3.0, 4.0], "float32"), np.array([[12.0]], "float32")]
    norm = np.sqrt(9 + 16 + 144)  # 13
    step = _apply_sgd_step(
        TrainConfig(optimizer="sgd", learning_rate=1.0, global_clipnorm=xi), g
    )
    for got, grad in zip(step, g):
        np.testing.assert_allclose(got, xi * grad / norm, rtol=1e-6)


def test_global_clipnorm_leaves_small_gradients():
    g = [np.array([0.03, 0.04], "float32")]
    step = _apply_sgd_step(
        TrainConfig(optimizer="sgd", learning_rate=1.0, global_clipnorm=1.0), g
    )
    np.testing.assert_allclose(step[0], g[0], rtol=1e-6)


def test_clipnorm_clips_each_tensor_by_its_own_norm():
    xi = 1.0
    g = [np.array([3.0, 4.0], "float32"), np.array([0.3, 0.4], "float32")]
    step = _apply_sgd_step(
        TrainConfig(optimizer="sgd", learning_rate=1.0, clipnorm=xi), g
    )
    np.testing.assert_allclose(step[0], g[0] / 5.0, rtol=1e-6)
    np.testing.assert_allclose(step[1], g[1], rtol=1e-6)


@pytest.mark.parametrize(
    "kwargs, argument",
    [
        ({"optimizer": "adagrad2"}, "optimizer"),
        ({"learning_rate": 0}, "learning_rate"),
        ({"clipnorm": -1.0}, "clipnorm"),
        ({"clipnorm": 1.0, "global_clipnorm": 1.0}, "global_clipnorm"),
        ({"epochs": 0}, "epochs"),
    ],
)
def test_bad_config_is_rejected(kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        TrainConfig(**kwargs)


def test_cosine_decay_follows_the_half_cosine_for_both_rates():
    """SGD steps under `learning_rate_decay="cosine"` against the closed form
    lr_k = lr / 2 * (1 + cos(pi k / N)); the marked manifold variable moves
    by a tenth of it at every step."""
    from kerasseq.optimizers import mark_manifold_variable

    lr, total = 0.3, 5
    config = TrainConfig(optimizer="sgd", learning_rate=lr, learning_rate_decay="cosine")
    optimizer = make_optimizer(config, total_steps=total)
    plain = keras.Variable(np.zeros(2, "float32"))
    marked = mark_manifold_variable(keras.Variable(np.zeros(2, "float32")))
    gradient = np.array([1.0, -2.0], "float32")
    want = np.zeros(2)
    for k in range(total + 2):  # past the end the rate stays 0
        optimizer.apply([gradient, gradient], [plain, marked])
        want = want - lr / 2 * (1 + np.cos(np.pi * min(k, total) / total)) * gradient
        np.testing.assert_allclose(np.asarray(plain), want, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(np.asarray(marked), 0.1 * want, rtol=1e-5, atol=1e-7)


def test_cosine_decay_needs_the_number_of_steps():
    config = TrainConfig(learning_rate_decay="cosine")
    for bad in (None, 0, 2.5):
        with pytest.raises(ValueError, match="cosine.*number of training steps.*steps_per_epoch"):
            make_optimizer(config, total_steps=bad)
    with pytest.raises(ValueError, match="learning_rate_decay.*'none', 'cosine'"):
        TrainConfig(learning_rate_decay="linear")
    assert make_optimizer(TrainConfig()).learning_rate.numpy() == np.float32(1e-3)
