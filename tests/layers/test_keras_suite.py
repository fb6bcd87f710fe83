"""Keras's own recurrent-layer test files, run with kerasseq's SimpleRNN,
LSTM, GRU and their cells swapped in (`tools/keras_rnn_suite.py`)."""

import importlib.util
import os
import re

import pytest

import keras

pytestmark = pytest.mark.tensorflow_only(reason="runs Keras's files on TensorFlow")

TOOL = os.path.join(os.path.dirname(__file__), "..", "..", "tools", "keras_rnn_suite.py")

#: Tests of Keras-private internals: `Bidirectional._can_attempt_fused_lstm`
#: and `_can_attempt_fused_gru` ask whether Keras's own cuDNN kernels apply
#: to the wrapped layer, which they never do to kerasseq's.
KERAS_PRIVATE = {"test_fused_lstm_eligibility", "test_fused_gru_eligibility"}


def _suite():
    spec = importlib.util.spec_from_file_location("keras_rnn_suite", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_keras_rnn_tests_pass_with_kerasseq_layers(tmp_path):
    suite = _suite()
    if not all(os.path.isfile(path) for path in suite.test_files()):
        pytest.skip(f"Keras {keras.__version__} does not ship its rnn tests")
    result = suite.run(["-q", "-rfE", "-p", "no:xdist"], plugin_dir=str(tmp_path),
                       capture_output=True, text=True, timeout=900)
    report = result.stdout
    failed = set(re.findall(r"^(?:FAILED|ERROR) \S*::(\w+)", report, re.M))
    passed = int(re.search(r"(\d+) passed", report).group(1))
    assert failed <= KERAS_PRIVATE, report[-3000:]
    # They fail only because the swap took effect (Keras's layers pass them).
    assert failed == KERAS_PRIVATE, report[-3000:]
    assert passed >= 50, report[-3000:]
