"""The manifold learning rate: one optimizer step checked by hand.

The NumPy updates below are written from the Keras optimizers' documented
formulas, independently of `kerasseq.optimizers`.
"""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from kerasseq import optimizers
from kerasseq.layers import OrthogonalRNN
from kerasseq.layers import UnitaryRNN
from kerasseq.training.config import TrainConfig
from kerasseq.training.optimizers import make_optimizer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def sgd_steps(x, grads, lr, momentum=0.0):
    velocity = np.zeros_like(x)
    for g in grads:
        velocity = momentum * velocity - lr * g
        x = x + velocity
    return x


def rmsprop_steps(x, grads, lr, rho=0.9, epsilon=1e-7):
    average = np.zeros_like(x)
    for g in grads:
        average = rho * average + (1 - rho) * g**2
        x = x - lr * g / (np.sqrt(average) + epsilon)
    return x


def adam_steps(x, grads, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    m = np.zeros_like(x)
    v = np.zeros_like(x)
    for t, g in enumerate(grads, start=1):
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2
        rate = lr * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        x = x - rate * m / (np.sqrt(v) + epsilon)
    return x


CASES = {
    "sgd": (optimizers.SGD, {}, sgd_steps),
    "sgd_momentum": (optimizers.SGD, {"momentum": 0.9},
                     lambda x, g, lr: sgd_steps(x, g, lr, momentum=0.9)),
    "rmsprop": (optimizers.RMSprop, {}, rmsprop_steps),
    "adam": (optimizers.Adam, {}, adam_steps),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_marked_variables_move_by_the_scaled_update_others_by_the_plain_one(case):
    optimizer_class, kwargs, reference = CASES[case]
    rng = np.random.default_rng(0)
    start = rng.normal(size=(3, 4)).astype("float32")
    grads = [rng.normal(size=(3, 4)).astype("float32") for _ in range(3)]
    marked = optimizers.mark_manifold_variable(keras.Variable(start, name="marked"))
    plain = keras.Variable(start, name="plain")
    optimizer = optimizer_class(learning_rate=0.05, manifold_multiplier=0.2, **kwargs)
    for g in grads:
        optimizer.apply([g, g], [marked, plain])
    np.testing.assert_allclose(
        marked.numpy(), reference(start, grads, 0.05 * 0.2), rtol=1e-5, atol=1e-5
    )
    np.testing.assert_allclose(
        plain.numpy(), reference(start, grads, 0.05), rtol=1e-5, atol=1e-5
    )


def test_clipping_comes_before_the_scaled_rate():
    start = np.zeros(4, "float32")
    gradient = np.array([3.0, 4.0, 0.0, 0.0], "float32")  # norm 5
    marked = optimizers.mark_manifold_variable(keras.Variable(start))
    optimizer = optimizers.SGD(learning_rate=1.0, global_clipnorm=1.0,
                               manifold_multiplier=0.1)
    optimizer.apply([gradient], [marked])
    np.testing.assert_allclose(marked.numpy(), -0.1 * gradient / 5.0, rtol=1e-6)


def test_the_cells_mark_their_manifold_parameters_only():
    inputs = keras.Input((None, 3))
    orthogonal = OrthogonalRNN(4, return_sequences=True)
    unitary = UnitaryRNN(4)
    model = keras.Model(inputs, unitary(orthogonal(inputs)))
    marked = optimizers.manifold_variables(model)
    assert [id(v) for v in marked] == [
        id(orthogonal.cell.skew_kernel), id(unitary.cell.phases),
        id(unitary.cell.reflections),
    ]
    assert not optimizers.manifold_variables(keras.layers.LSTM(4))


def _orthogonal_model(seed=0):
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((None, 3))
    x = OrthogonalRNN(6, parametrization="cayley")(inputs)
    return keras.Model(inputs, keras.layers.Dense(1)(x))


def _batch(seed):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(8, 5, 3)).astype("float32"), rng.normal(size=(8, 1)).astype("float32")


def test_a_fit_step_scales_only_the_skew_kernel():
    """One `fit` step moves `skew_kernel` by multiplier x the SGD step."""
    x, y = _batch(0)
    steps = {}
    for multiplier in (1.0, 0.25):
        model = _orthogonal_model()
        before = [w.numpy() for w in model.trainable_weights]
        model.compile(optimizers.SGD(0.1, manifold_multiplier=multiplier), "mse")
        model.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
        steps[multiplier] = [w.numpy() - b for w, b in zip(model.trainable_weights, before, strict=True)]
    names = [w.name for w in model.trainable_weights]
    assert len(steps[1.0]) == len(steps[0.25]) == len(names)
    for name, full, scaled in zip(names, steps[1.0], steps[0.25]):
        expected = 0.25 * full if name == "skew_kernel" else full
        np.testing.assert_allclose(scaled, expected, rtol=1e-4, atol=1e-7, err_msg=name)
    assert np.abs(steps[1.0][names.index("skew_kernel")]).max() > 1e-4


def test_orthogonality_holds_after_training_with_the_multiplier():
    model = _orthogonal_model()
    model.compile(optimizers.RMSprop(0.05, manifold_multiplier=0.5), "mse")
    for seed in range(3):
        model.fit(*_batch(seed), epochs=5, verbose=0)
    layer = model.layers[1]
    w = keras.ops.convert_to_numpy(layer.cell.recurrent_matrix())
    np.testing.assert_allclose(w @ w.T, np.eye(6), atol=1e-5)


def test_the_optimizer_survives_a_keras_file_and_keeps_scaling(tmp_path):
    x, y = _batch(1)
    model = _orthogonal_model()
    model.compile(optimizers.Adam(0.01, manifold_multiplier=0.3), "mse")
    model.fit(x, y, epochs=2, verbose=0)
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded.optimizer) is optimizers.Adam
    assert loaded.optimizer.manifold_multiplier == pytest.approx(0.3)
    # The same further steps on both: the loaded optimizer found the marked
    # variable again and carries the moments on.
    model.fit(x, y, epochs=2, verbose=0)
    loaded.fit(x, y, epochs=2, verbose=0)
    weights, loaded_weights = model.get_weights(), loaded.get_weights()
    assert len(weights) == len(loaded_weights)
    for a, b in zip(weights, loaded_weights, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_config_round_trip_and_bad_values():
    optimizer = optimizers.RMSprop(1e-3, rho=0.99, manifold_multiplier=0.05)
    config = keras.optimizers.serialize(optimizer)
    restored = keras.optimizers.deserialize(config)
    assert type(restored) is optimizers.RMSprop
    assert restored.get_config() == optimizer.get_config()
    assert restored.manifold_multiplier == 0.05 and restored.rho == 0.99
    for bad in (0, -1.0, "0.1", True, float("nan")):
        with pytest.raises(ValueError, match="manifold_multiplier"):
            optimizers.RMSprop(1e-3, manifold_multiplier=bad)
    with pytest.raises(ValueError, match="optimizer_class"):
        optimizers.manifold_optimizer_class(keras.layers.Dense)
    lion = optimizers.manifold_optimizer_class(keras.optimizers.Lion)
    assert optimizers.manifold_optimizer_class(keras.optimizers.Lion) is lion
    assert optimizers.manifold_optimizer_class(lion) is lion


def test_train_config_turns_the_rate_into_the_multiplier():
    assert TrainConfig().manifold_multiplier == pytest.approx(0.1)
    config = TrainConfig(learning_rate=2e-4, manifold_learning_rate=2e-5)
    assert config.manifold_multiplier == pytest.approx(0.1)
    assert make_optimizer(TrainConfig(optimizer="sgd", learning_rate=0.1,
                                      manifold_learning_rate=0.5)).manifold_multiplier == 5.0
    with pytest.raises(ValueError, match="manifold_learning_rate"):
        TrainConfig(manifold_learning_rate=0.0)


def test_optimizer_options_reach_the_optimizer_and_unknown_ones_are_named():
    optimizer = make_optimizer(TrainConfig(optimizer="rmsprop",
                                           optimizer_options={"rho": 0.99}))
    assert optimizer.rho == 0.99 and optimizer.manifold_multiplier == pytest.approx(0.1)
    with pytest.raises(ValueError, match=r"optimizer_options.*rmsprop.*beta_1"):
        TrainConfig(optimizer="rmsprop", optimizer_options={"beta_1": 0.9})
    with pytest.raises(ValueError, match="may not set"):
        TrainConfig(optimizer_options={"learning_rate": 0.1})


MIRRORED = """
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras, numpy as np
from kerasseq import optimizers
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
with strategy.scope():
    marked = optimizers.mark_manifold_variable(keras.Variable(np.ones(3, "float32")))
    plain = keras.Variable(np.ones(3, "float32"))
    optimizer = optimizers.SGD(1.0, manifold_multiplier=0.1)
    optimizer.build([marked, plain])
def step():
    g = tf.ones(3)
    optimizer.apply([g, g], [marked, plain])
strategy.run(tf.function(step))
print(marked.numpy().tolist(), plain.numpy().tolist())
"""


def test_mirrored_strategy_scales_the_marked_variable():
    result = subprocess.run(
        [sys.executable, "-c", MIRRORED], cwd=ROOT, capture_output=True,
        text=True, timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    marked, plain = eval(result.stdout.strip().splitlines()[-1].replace("] [", "], ["))
    # Two replicas each contribute the gradient 1: the sum is 2.
    np.testing.assert_allclose(marked, [1 - 0.1 * 2] * 3, rtol=1e-6)
    np.testing.assert_allclose(plain, [1 - 2.0] * 3, rtol=1e-6)
