import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasseq.jobs import JobConfig
from kerasseq.jobs.long_memory import CopyOptions
from kerasseq.training import model_dir
from kerasseq.training import trainer
from kerasseq.training.config import ModelConfig
from kerasseq.training.config import TrainConfig
from tests.helpers.training import train_job
from kerasseq.jobs import evaluate_model_dir


def tiny_config(out, epochs=3, **train):
    return JobConfig(
        job="copy",
        out=str(out),
        model=ModelConfig(cell="gru", units=8, embedding_dim=4),
        train=TrainConfig(
            epochs=epochs, steps_per_epoch=4, validation_steps=1,
            batch_size=8, learning_rate=1e-2, **train,
        ),
        options=CopyOptions(T=4),
    )


def quiet(*args):
    pass


def test_writes_a_complete_model_directory(tmp_path):
    config = tiny_config(tmp_path / "run")
    model, metrics = train_job(config, print_fn=quiet, verbose=0)
    files = set(os.listdir(config.out))
    assert {"config.json", "model.keras", "history.csv", "metrics.json",
            "training.png", "logs"} <= files
    assert "backup" not in files  # removed once training finished
    assert json.loads((tmp_path / "run" / "metrics.json").read_text()) == metrics
    assert len(trainer.read_history(config.out)["loss"]) == 3
    # evaluate() rebuilds the held-out stream from config.json alone.
    assert evaluate_model_dir(config.out) == pytest.approx(metrics)


class _Interrupt(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        if epoch == 2:
            raise KeyboardInterrupt


def test_resume_ends_with_the_weights_of_an_uninterrupted_run(tmp_path):
    straight, _ = train_job(tiny_config(tmp_path / "a"), print_fn=quiet, verbose=0)

    config = tiny_config(tmp_path / "b")
    with pytest.raises(KeyboardInterrupt):
        train_job(config, print_fn=quiet, verbose=0, callbacks=[_Interrupt()])
    assert trainer.completed_epochs(tmp_path / "b" / "backup") == 2
    with pytest.raises(model_dir.ModelDirError, match="--resume"):
        evaluate_model_dir(config.out)  # no model yet: says how to continue
    resumed, _ = train_job(config, resume=True, print_fn=quiet, verbose=0)

    for a, b in zip(straight.get_weights(), resumed.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert len(trainer.read_history(config.out)["loss"]) == 3


def test_resume_refuses_a_different_config_or_a_finished_run(tmp_path):
    config = tiny_config(tmp_path / "run")
    with pytest.raises(KeyboardInterrupt):
        train_job(config, print_fn=quiet, verbose=0, callbacks=[_Interrupt()])
    with pytest.raises(ValueError, match=r"model.units \(saved 8, given 16\)"):
        changed = tiny_config(tmp_path / "run")
        changed.model.units = 16
        train_job(changed, resume=True, print_fn=quiet, verbose=0)
    train_job(config, resume=True, print_fn=quiet, verbose=0)
    with pytest.raises(ValueError, match="no unfinished run"):
        train_job(config, resume=True, print_fn=quiet, verbose=0)


def test_broken_model_directories_name_the_problem(tmp_path):
    with pytest.raises(model_dir.ModelDirError, match="does not exist"):
        evaluate_model_dir(tmp_path / "missing")
    config = tiny_config(tmp_path / "run", epochs=1)
    train_job(config, print_fn=quiet, verbose=0)
    model_file = tmp_path / "run" / "model.keras"
    model_file.write_bytes(model_file.read_bytes()[:100])
    with pytest.raises(model_dir.ModelDirError, match="corrupt or truncated"):
        evaluate_model_dir(config.out)
    (tmp_path / "run" / "config.json").write_text("{not json")
    with pytest.raises(model_dir.ModelDirError, match="config.json is corrupt"):
        evaluate_model_dir(config.out)


def test_atomic_path_keeps_the_old_file_on_failure(tmp_path):
    target = tmp_path / "data.json"
    model_dir.write_json(target, {"a": 1})
    with pytest.raises(RuntimeError):
        with model_dir.atomic_path(target) as temporary:
            with open(temporary, "w") as handle:
                handle.write("half")
            raise RuntimeError("crash")
    assert json.loads(target.read_text()) == {"a": 1}
    assert os.listdir(tmp_path) == ["data.json"]


def test_jit_compile_auto_keeps_recurrent_models_in_graph_mode_on_cpus(tmp_path):
    """The copying task's GRU model: graph mode, where its training loops
    compile with XLA and run as parallel chains (`resolve_jit_compile`)."""
    if tf.config.list_physical_devices("GPU"):
        pytest.skip("a GPU is visible")
    config = tiny_config(tmp_path / "auto", epochs=1)
    assert config.train.jit_compile == "auto"
    model, metrics = train_job(config, print_fn=quiet, verbose=0)
    assert model.jit_compile is False
    assert trainer.has_recurrent_layers(model)
    assert np.isfinite(metrics["loss"])


def test_has_recurrent_layers_looks_inside_wrappers():
    from kerasseq import layers

    inputs = keras.Input((5, 3))
    wrapped = keras.layers.Bidirectional(layers.GRU(4))(inputs)
    assert trainer.has_recurrent_layers(keras.Model(inputs, wrapped))
    dense = keras.layers.Dense(2)(keras.layers.GRU(4)(inputs))  # Keras's own GRU
    assert not trainer.has_recurrent_layers(keras.Model(inputs, dense))


def test_jit_compile_on_really_compiles(tmp_path):
    config = tiny_config(tmp_path / "xla", epochs=1, jit_compile="on")
    model, metrics = train_job(config, print_fn=quiet, verbose=0)
    assert model.jit_compile is True
    assert np.isfinite(metrics["loss"])


class _PoisonWeights(keras.callbacks.Callback):
    """Fault injection: a NaN weight from the second epoch on."""

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == 1:
            kernel = self.model.get_layer("logits").kernel
            kernel.assign(kernel * np.nan)


def test_nan_loss_stops_with_the_step_and_keeps_the_checkpoint(tmp_path):
    config = tiny_config(tmp_path / "run")
    with pytest.raises(trainer.NonFiniteLoss, match=r"epoch 2, step 1.*--clipnorm"):
        train_job(config, print_fn=quiet, verbose=0, callbacks=[_PoisonWeights()])
    backup = tmp_path / "run" / "backup"
    assert trainer.completed_epochs(backup) == 1
    # The kept checkpoint is finite and resumable.
    model, metrics = train_job(config, resume=True, print_fn=quiet, verbose=0)
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())
    assert np.isfinite(metrics["loss"])


def test_resume_reads_a_setting_missing_from_an_older_run_as_its_default(tmp_path):
    config = tiny_config(str(tmp_path / "run"))
    os.makedirs(os.path.join(config.out, model_dir.BACKUP_DIR))
    old = config.to_dict()
    del old["train"]["learning_rate_decay"]  # written before the setting existed
    model_dir.write_json(os.path.join(config.out, model_dir.CONFIG_FILE), old)
    trainer._check_resumable(config)  # the default "none": the same run
    cosine = tiny_config(str(tmp_path / "run"), learning_rate_decay="cosine")
    with pytest.raises(ValueError, match="train.learning_rate_decay \\(saved 'none', given 'cosine'\\)"):
        trainer._check_resumable(cosine)


def test_small_held_out_figures_keep_their_digits():
    from kerasseq.training.trainer import format_metrics

    text = format_metrics({"loss": 7.1083e-06, "accuracy": 0.99996, "zero": 0.0,
                           "steps": 40, "test": {"loss": 0.25}})
    assert text == ("loss 7.108e-06, accuracy 1.0000, zero 0.0000, steps 40, "
                    "test (loss 0.2500)")
