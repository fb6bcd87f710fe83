"""`resolve_jit_compile`: what `--jit-compile auto|on|off` turns into."""

import keras
import pytest
import tensorflow as tf

from kerasseq.training.config import resolve_jit_compile


def test_on_and_off_are_taken_as_given():
    assert resolve_jit_compile("on") is True
    assert resolve_jit_compile("off") is False


@pytest.mark.parametrize("devices, expected", [([], False), (["GPU:0"], True)])
def test_auto_turns_xla_on_only_with_a_gpu(monkeypatch, devices, expected):
    monkeypatch.setattr(
        tf.config, "list_physical_devices",
        lambda kind=None: list(devices) if kind == "GPU" else [],
    )
    assert resolve_jit_compile("auto") is expected


def batches(*shapes, dtype=tf.int32):
    """An `element_spec` of `(inputs, targets)` with the given shapes."""
    specs = [tf.TensorSpec(shape, dtype) for shape in shapes]
    return (specs[0], specs[1]) if len(specs) == 2 else ((specs[0], specs[1]), specs[2])


@pytest.mark.parametrize(
    "element_spec, distributed, recurrent, expected",
    [
        (batches((None, 100), (None, 100)), False, False, True),  # self-attention LM
        (batches((None, 60, 2), (None, 1), dtype=tf.float32), False, False, True),
        (batches((None, 100), (None, 100)), False, True, False),  # recurrent LM
        (batches((None, None), (None,)), False, False, False),  # bucketed classifier
        (batches((None, 12), (None, None), (None, None)), False, False, False),  # seq2seq
        (batches((None, 100), (None, 100)), True, False, False),  # mirrored / multi-worker
        (None, False, False, False),  # nothing known about the data
    ],
    ids=["fixed_windows", "fixed_floats", "recurrent", "padded_to_longest",
         "one_ragged_part", "distributed", "unknown"],
)
def test_auto_on_cpus_compiles_fixed_shape_attention_models(
    monkeypatch, element_spec, distributed, recurrent, expected
):
    monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind=None: [])
    assert resolve_jit_compile("auto", element_spec, distributed, recurrent) is expected
    assert resolve_jit_compile("off", element_spec, distributed, recurrent) is False
    assert resolve_jit_compile("on", element_spec, distributed, recurrent) is True


@pytest.mark.parametrize(
    "element_spec, recurrent",
    [
        (batches((None, 100), (None, 100)), True),  # recurrent LM
        (batches((None, None), (None,)), False),  # bucketed classifier
        (None, True),  # nothing known about the data
    ],
    ids=["recurrent", "padded_to_longest", "unknown"],
)
def test_auto_on_jax_always_compiles(monkeypatch, element_spec, recurrent):
    # Keras's JAX trainer without jit_compile runs each operation eagerly.
    monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind=None: [])
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    assert resolve_jit_compile("auto", element_spec, recurrent=recurrent) is True
    assert resolve_jit_compile("off", element_spec, recurrent=recurrent) is False


def test_unknown_setting_names_the_choices():
    with pytest.raises(ValueError, match="jit_compile.*auto"):
        resolve_jit_compile("sometimes")


def test_architecture_is_one_field_and_the_old_cell_spelling_reads_as_it():
    from kerasseq.training.config import ModelConfig

    recurrent = ModelConfig(cell="gru")
    assert (recurrent.architecture, recurrent.cell, recurrent.label) == (
        "recurrent", "gru", "gru")
    attention = ModelConfig(architecture="self_attention")
    assert (attention.cell, attention.label) == (None, "self_attention")
    # `config.json` files written before `architecture` existed.
    old = ModelConfig(cell="self_attention")
    assert (old.architecture, old.cell) == ("self_attention", None)
    with pytest.raises(ValueError, match="architecture.*'recurrent', 'self_attention'"):
        ModelConfig(architecture="transformer")
    with pytest.raises(ValueError, match="cell"):
        ModelConfig(cell="self_attn")


def test_an_old_self_attention_run_resumes_under_the_new_spelling(tmp_path):
    import dataclasses
    import os

    from kerasseq.jobs import JobConfig
    from kerasseq.jobs.language_model import LanguageModelOptions
    from kerasseq.training import model_dir
    from kerasseq.training import trainer
    from kerasseq.training.config import ModelConfig

    config = JobConfig(
        job="lm", out=str(tmp_path), options=LanguageModelOptions(),
        model=ModelConfig(architecture="self_attention", units=8),
    )
    os.makedirs(tmp_path / model_dir.BACKUP_DIR)
    old = config.to_dict()
    del old["model"]["architecture"]
    old["model"]["cell"] = "self_attention"
    model_dir.write_json(str(tmp_path / model_dir.CONFIG_FILE), old)
    assert JobConfig.from_dict(old).model == config.model
    trainer._check_resumable(config)
    changed = dataclasses.replace(config, model=ModelConfig(cell="lstm", units=8))
    with pytest.raises(ValueError, match="model.architecture"):
        trainer._check_resumable(changed)
