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
        [(keras.ops.convert_to_tensor(g), v) for g, v in zip(gradients, variables)]
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
