"""`resolve_jit_compile`: what `--jit-compile auto|on|off` turns into."""

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


def test_auto_is_off_on_this_cpu_machine():
    if tf.config.list_physical_devices("GPU"):
        pytest.skip("a GPU is visible")
    assert resolve_jit_compile("auto") is False


def test_unknown_setting_names_the_choices():
    with pytest.raises(ValueError, match="jit_compile.*auto"):
        resolve_jit_compile("sometimes")
