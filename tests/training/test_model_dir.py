import os

import pytest

from kerasseq.training.model_dir import MODEL_FILE
from kerasseq.training.model_dir import ModelDirError
from kerasseq.training.model_dir import atomic_directory
from kerasseq.training.model_dir import load_model


def test_atomic_directory_appears_only_when_complete(tmp_path):
    target = tmp_path / "export"
    with atomic_directory(target) as temporary:
        assert not target.exists()
        (open(os.path.join(temporary, "model.bin"), "w")).write("new")
    assert (target / "model.bin").read_text() == "new"
    assert os.listdir(tmp_path) == ["export"]


def test_atomic_directory_keeps_the_old_one_on_failure_and_replaces_on_success(tmp_path):
    target = tmp_path / "export"
    target.mkdir()
    (target / "old.bin").write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_directory(target) as temporary:
            (open(os.path.join(temporary, "half.bin"), "w")).write("half")
            raise RuntimeError("interrupted")
    assert os.listdir(target) == ["old.bin"] and os.listdir(tmp_path) == ["export"]
    with atomic_directory(target) as temporary:
        (open(os.path.join(temporary, "new.bin"), "w")).write("new")
    assert os.listdir(target) == ["new.bin"] and os.listdir(tmp_path) == ["export"]


def _save_unregistered(tmp_path, kind):
    """A model directory whose model.keras uses a kerasseq-registered
    `kind` ("class" or "function") that is then unregistered, as for a file
    written by another kerasseq version."""
    import keras

    custom_objects = keras.saving.get_custom_objects()
    if kind == "class":

        @keras.saving.register_keras_serializable(package="kerasseq")
        class FromAnotherVersion(keras.layers.Layer):
            def call(self, x):
                return x

        inputs = keras.Input((3,))
        model = keras.Model(inputs, FromAnotherVersion()(inputs))
        model.save(tmp_path / MODEL_FILE)
        del custom_objects["kerasseq>FromAnotherVersion"]
        return "kerasseq>FromAnotherVersion"

    @keras.saving.register_keras_serializable(package="kerasseq")
    def metric_from_another_version(y_true, y_pred):
        return keras.ops.mean(y_pred)

    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    model.compile(loss="mse", metrics=[
        keras.metrics.MeanMetricWrapper(metric_from_another_version)])
    model.save(tmp_path / MODEL_FILE)
    del custom_objects["kerasseq>metric_from_another_version"]
    return "kerasseq>metric_from_another_version"


@pytest.mark.parametrize("kind", ["class", "function"])
def test_an_unregistered_kerasseq_object_is_named_with_import_kerasseq(tmp_path, kind):
    name = _save_unregistered(tmp_path, kind)
    with pytest.raises(ModelDirError) as info:
        load_model(str(tmp_path))
    message = str(info.value)
    assert f"uses the kerasseq object '{name}', which is not registered" in message
    assert "`import kerasseq`" in message and "another kerasseq version" in message
    assert "corrupt" not in message
