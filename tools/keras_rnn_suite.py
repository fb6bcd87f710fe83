"""Runs Keras's own recurrent-layer test files with kerasseq's layers
swapped in for Keras's: the drop-in check of issue 17.

    .venv/bin/python tools/keras_rnn_suite.py            # summary
    .venv/bin/python tools/keras_rnn_suite.py -- -x -q   # pytest options

The installed Keras ships its tests (`keras/src/layers/rnn/*_test.py`).
Before they are collected, `keras.src.layers.{SimpleRNN, LSTM, GRU}` and
their cells (and the same names in `keras.layers`) are replaced by
kerasseq's, so every test that builds one of them builds kerasseq's layer.
`tests/layers/test_keras_suite.py` runs this in CI and names the tests
expected to fail (those of Keras-private internals).
"""

import os
import subprocess
import sys

import keras

FILES = (
    "simple_rnn_test.py", "lstm_test.py", "gru_test.py", "rnn_test.py",
    "bidirectional_test.py", "stacked_rnn_cells_test.py",
    "dropout_rnn_cell_test.py",
)
SWAPPED = ("SimpleRNN", "SimpleRNNCell", "LSTM", "LSTMCell", "GRU", "GRUCell")

PLUGIN = """
import keras
import keras.src.layers
import kerasseq.layers

for name in {swapped!r}:
    setattr(keras.src.layers, name, getattr(kerasseq.layers, name))
    setattr(keras.layers, name, getattr(kerasseq.layers, name))
"""


def test_files():
    folder = os.path.join(os.path.dirname(keras.__file__), "src", "layers", "rnn")
    return [os.path.join(folder, name) for name in FILES]


def run(pytest_args=(), plugin_dir=None, **kwargs):
    """Runs pytest on Keras's files with the swap; returns the process."""
    import tempfile

    plugin_dir = plugin_dir or tempfile.mkdtemp(prefix="kerasseq-swap-")
    with open(os.path.join(plugin_dir, "kerasseq_swap.py"), "w") as handle:
        handle.write(PLUGIN.format(swapped=SWAPPED))
    env = {**os.environ, "KERAS_BACKEND": os.environ.get("KERAS_BACKEND", "tensorflow"),
           "PYTHONPATH": os.pathsep.join(filter(None, [plugin_dir, os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", "pytest", "-p", "kerasseq_swap",
               "-p", "no:cacheprovider", "-o", "addopts=", "--rootdir", plugin_dir,
               *pytest_args, *test_files()]
    return subprocess.run(command, env=env, cwd=plugin_dir, **kwargs)


if __name__ == "__main__":
    extra = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else ["-q", "-rf"]
    sys.exit(run(extra).returncode)
