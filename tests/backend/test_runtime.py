"""`kerasseq.backend.current_runtime` / `running_on`: where a traced graph
runs, which `attention_step_ops` chooses its ops by."""

import keras
import numpy as np
import pytest

from kerasseq import backend


def runtime_while_traced(jit_compile):
    seen = []

    def function(x):
        seen.append(backend.current_runtime())
        return x + 1

    backend.compiled(function, jit_compile=jit_compile)(np.zeros(2, "float32"))
    return seen[0]


@pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                    reason="TensorFlow's graph runtimes")
def test_tensorflow_graphs_are_told_apart_from_xla():
    assert backend.current_runtime() == "tensorflow"  # eager ops
    assert runtime_while_traced(jit_compile=False) == "tensorflow"
    assert runtime_while_traced(jit_compile=True) == "xla"


@pytest.mark.skipif(keras.backend.backend() == "tensorflow",
                    reason="the other backends")
def test_other_backends_are_portable():
    assert backend.current_runtime() == "portable"
    assert runtime_while_traced(jit_compile=True) == "portable"


def test_running_on_declares_the_runtime_inside_its_block_only():
    before = backend.current_runtime()
    with backend.running_on("tflite"):
        assert backend.current_runtime() == "tflite"
        with backend.running_on("xla"):
            assert backend.current_runtime() == "xla"
        assert backend.current_runtime() == "tflite"
        assert backend.attention_step_ops(1, 1) == backend.StepOps("sums", "sums", "slice")
    assert backend.current_runtime() == before


def test_running_on_rejects_an_unknown_runtime():
    with pytest.raises(ValueError, match="one of .*tflite.*Received: runtime='gpu'"):
        with backend.running_on("gpu"):
            pass
