"""expRNN's dynamic trivialization: `W_h = B map(A)` and its change of base.

References: `orthogonal_reference.py` (the maps by eigendecomposition and
matrix inverse) and the Keras optimizer's step count.
"""

import keras
import numpy as np
import pytest

from kerasseq import callbacks
from kerasseq import layers
from kerasseq import optimizers
from kerasseq.jobs import JobConfig
from kerasseq.jobs.long_memory import CopyOptions
from kerasseq.training.config import ModelConfig
from kerasseq.training.config import TrainConfig
from tests.helpers import orthogonal_reference as ref
from tests.helpers.training import train_job

UNITS, FEATURES = 5, 3


def random_orthogonal(rng, n):
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


@pytest.mark.parametrize("parametrization", ["exp", "cayley"])
def test_recurrent_matrix_is_the_base_times_the_map(parametrization):
    rng = np.random.default_rng(0)
    layer = layers.OrthogonalRNN(UNITS, parametrization=parametrization,
                                 rebase_every=10, dtype="float64")
    layer.build((None, None, FEATURES))
    np.testing.assert_array_equal(np.asarray(layer.cell.base), np.eye(UNITS))
    base = random_orthogonal(rng, UNITS)
    skew_params = 0.5 * rng.standard_normal((UNITS, UNITS))
    layer.cell.base.assign(base)
    layer.cell.skew_kernel.assign(skew_params)
    want = base @ ref.MAPS[parametrization](ref.skew(skew_params))
    np.testing.assert_allclose(np.asarray(layer.cell.recurrent_matrix()), want, atol=1e-12)
    assert not layer.cell.base.trainable
    assert [w.name for w in optimizers.manifold_variables(layer)] == ["skew_kernel"]


@pytest.mark.parametrize("parametrization", ["exp", "cayley"])
def test_rebase_keeps_the_function_and_zeroes_the_skew_parameter(parametrization):
    rng = np.random.default_rng(1)
    inputs = keras.Input((None, FEATURES))
    layer = layers.OrthogonalRNN(UNITS, parametrization=parametrization,
                                 rebase_every=3, return_sequences=True)
    model = keras.Model(inputs, layer(inputs))
    layer.cell.skew_kernel.assign(0.7 * rng.standard_normal((UNITS, UNITS)))
    x = rng.standard_normal((2, 6, FEATURES)).astype("float32")
    before_w = np.asarray(layer.cell.recurrent_matrix())
    before = model.predict(x, verbose=0)
    layer.cell.rebase()
    np.testing.assert_array_equal(np.asarray(layer.cell.skew_kernel), 0.0)
    base = np.asarray(layer.cell.base)
    np.testing.assert_allclose(base @ base.T, np.eye(UNITS), atol=1e-6)
    np.testing.assert_allclose(np.asarray(layer.cell.recurrent_matrix()), before_w, atol=1e-6)
    np.testing.assert_allclose(model.predict(x, verbose=0), before, atol=1e-5)


def _model(rebase_every):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((None, FEATURES))
    layer = layers.OrthogonalRNN(UNITS, rebase_every=rebase_every)
    model = keras.Model(inputs, keras.layers.Dense(1)(layer(inputs)))
    model.compile(optimizers.SGD(0.1), "mse")
    return model, layer.cell


def _data(batches):
    rng = np.random.default_rng(2)
    return (rng.standard_normal((4 * batches, 5, FEATURES)).astype("float32"),
            rng.standard_normal((4 * batches, 1)).astype("float32"))


def test_the_callback_rebases_every_k_optimizer_steps_across_epochs_and_fits(monkeypatch):
    model, cell = _model(rebase_every=3)
    steps = []
    rebase = type(cell).rebase

    def counting_rebase(self):
        steps.append(int(model.optimizer.iterations.numpy()))
        rebase(self)

    monkeypatch.setattr(type(cell), "rebase", counting_rebase)
    x, y = _data(4)
    model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0,
              callbacks=[callbacks.DynamicTrivialization()])
    assert steps == [3, 6]
    model.fit(x[:4], y[:4], batch_size=4, verbose=0,
              callbacks=[callbacks.DynamicTrivialization()])
    assert steps == [3, 6, 9]  # the count carries on in a new fit call
    np.testing.assert_array_equal(np.asarray(cell.skew_kernel), 0.0)
    w = np.asarray(cell.recurrent_matrix())
    np.testing.assert_allclose(w @ w.T, np.eye(UNITS), atol=1e-5)
    assert not np.allclose(np.asarray(cell.base), np.eye(UNITS))


def test_a_static_cell_is_left_alone():
    model, cell = _model(rebase_every=None)
    assert cell.base is None and callbacks.rebasing_cells(model) == []
    model.fit(*_data(2), batch_size=4, verbose=0,
              callbacks=[callbacks.DynamicTrivialization()])
    with pytest.raises(ValueError, match="rebase_every"):
        cell.rebase()


def test_config_and_keras_file_keep_the_base(tmp_path):
    model, cell = _model(rebase_every=2)
    model.fit(*_data(3), batch_size=4, verbose=0,
              callbacks=[callbacks.DynamicTrivialization()])
    assert cell.get_config()["rebase_every"] == 2
    assert "rebase_every" not in layers.OrthogonalRNN(4).get_config()
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    x = _data(1)[0]
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-6)
    loaded_cell = callbacks.rebasing_cells(loaded)[0]
    np.testing.assert_allclose(np.asarray(loaded_cell.base), np.asarray(cell.base))


@pytest.mark.parametrize("bad", [0, -2, 2.5, "3", True])
def test_bad_rebase_every_names_the_argument(bad):
    with pytest.raises(ValueError, match="rebase_every"):
        layers.OrthogonalRNN(4, rebase_every=bad)


def test_the_trainer_rebases_and_resumes_to_the_uninterrupted_weights(tmp_path):
    """A resumed run carries on the change-of-base schedule and the manifold
    learning rate: its weights are those of the uninterrupted run."""

    def config(out):
        return JobConfig(
            job="copy", out=str(out),
            model=ModelConfig(cell="orthogonal", units=6, embedding_dim=4,
                              cell_options={"rebase_every": 2}),
            train=TrainConfig(epochs=3, steps_per_epoch=3, validation_steps=1,
                              batch_size=8, learning_rate=1e-2, optimizer="rmsprop",
                              manifold_learning_rate=3e-3),
            options=CopyOptions(T=4),
        )

    class Interrupt(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 2:
                raise KeyboardInterrupt

    quiet = lambda *args: None  # noqa: E731
    straight, _ = train_job(config(tmp_path / "a"), print_fn=quiet, verbose=0)
    cell = callbacks.rebasing_cells(straight)[0]
    assert not np.allclose(np.asarray(cell.base), np.eye(6))  # 9 steps: 4 rebases
    with pytest.raises(KeyboardInterrupt):
        train_job(config(tmp_path / "b"), print_fn=quiet, verbose=0,
                      callbacks=[Interrupt()])
    resumed, _ = train_job(config(tmp_path / "b"), resume=True, print_fn=quiet,
                               verbose=0)
    assert type(resumed.optimizer) is optimizers.RMSprop
    assert resumed.optimizer.manifold_multiplier == pytest.approx(0.3)
    a, b = straight.get_weights(), resumed.get_weights()
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)


# ------------------------------------------------- scoRNN's scaling matrix D
@pytest.mark.parametrize("rebase_every", [None, 4])
def test_negative_ones_scale_the_last_columns_and_survive_a_rebase(rebase_every):
    rng = np.random.default_rng(3)
    layer = layers.OrthogonalRNN(UNITS, parametrization="cayley", negative_ones=2,
                                 rebase_every=rebase_every, dtype="float64")
    layer.build((None, None, FEATURES))
    skew_params = 0.5 * rng.standard_normal((UNITS, UNITS))
    layer.cell.skew_kernel.assign(skew_params)
    d = np.diag([1.0, 1.0, 1.0, -1.0, -1.0])
    want = ref.cayley(ref.skew(skew_params)) @ d
    np.testing.assert_allclose(np.asarray(layer.cell.recurrent_matrix()), want, atol=1e-12)
    # The Cayley map alone stays in det +1; one -1 in D reaches det -1.
    one = layers.OrthogonalRNN(UNITS, parametrization="cayley", negative_ones=1)
    one.build((None, None, FEATURES))
    assert np.linalg.det(np.asarray(one.cell.recurrent_matrix())) == pytest.approx(-1.0)
    if rebase_every:
        layer.cell.rebase()
        np.testing.assert_allclose(np.asarray(layer.cell.recurrent_matrix()), want,
                                   atol=1e-10)
    config = layer.get_config()
    assert config["negative_ones"] == 2
    assert layers.OrthogonalRNN.from_config(config).cell.negative_ones == 2


@pytest.mark.parametrize("bad", [-1, UNITS + 1, 1.5, True])
def test_bad_negative_ones_names_the_argument_and_the_range(bad):
    with pytest.raises(ValueError, match=r"negative_ones.*from 0 to `units` \(5\)"):
        layers.OrthogonalRNN(UNITS, negative_ones=bad)


def test_resume_refuses_a_different_manifold_rate(tmp_path):
    config = JobConfig(
        job="copy", out=str(tmp_path / "run"),
        model=ModelConfig(cell="orthogonal", units=4, embedding_dim=4),
        train=TrainConfig(epochs=1, steps_per_epoch=1, validation_steps=1,
                          batch_size=4, manifold_learning_rate=1e-4),
        options=CopyOptions(T=3),
    )
    (tmp_path / "run" / "backup").mkdir(parents=True)
    from kerasseq.training import model_dir
    model_dir.write_json(str(tmp_path / "run" / "config.json"), config.to_dict())
    config.train.manifold_learning_rate = 1e-3
    with pytest.raises(ValueError, match=r"train.manifold_learning_rate \(saved 0.0001"):
        train_job(config, resume=True, print_fn=lambda *a: None, verbose=0)
