"""`import kerasseq` is what a `.keras` file of kerasseq objects needs."""

import os
import subprocess
import sys

import keras
import numpy as np

import kerasseq
from kerasseq import layers
from kerasseq.metrics import copied_symbol_accuracy
from kerasseq.regularizers import SoftOrthogonality

#: Runs in a fresh interpreter: loading before and after `import kerasseq`.
LOAD = """
import sys
import numpy as np
import keras
try:
    keras.saving.load_model(sys.argv[1])
    print("before: loaded")
except TypeError as error:
    print("before: TypeError, Could not locate:", "Could not locate" in str(error))
print("kerasseq imported by keras:", any(m.split(".")[0] == "kerasseq" for m in sys.modules))
import kerasseq
model = keras.saving.load_model(sys.argv[1])
tokens = np.load(sys.argv[3])
np.save(sys.argv[2], model.predict(tokens, verbose=0))
print("after: loaded, evaluates", sorted(model.evaluate(tokens, tokens, verbose=0,
                                                        return_dict=True)))
"""


def test_keras_loads_kerasseq_models_after_import_kerasseq_only(tmp_path):
    """A layer, a regularizer and a metric (the copying task's) of kerasseq;
    Keras alone cannot load them, one `import kerasseq` suffices."""
    inputs = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(10, 4)(inputs)
    x = layers.LSTM(5, return_sequences=True,
                    recurrent_regularizer=SoftOrthogonality(1e-3))(x)
    model = keras.Model(inputs, keras.layers.Dense(10)(x))
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[keras.metrics.MeanMetricWrapper(copied_symbol_accuracy,
                                                           name="accuracy")])
    tokens = np.random.default_rng(0).integers(0, 10, (2, 12)).astype("int32")
    model.evaluate(tokens, tokens, verbose=0)  # builds the metrics
    model.save(tmp_path / "model.keras")
    np.save(tmp_path / "tokens.npy", tokens)

    package_root = os.path.dirname(os.path.dirname(kerasseq.__file__))
    environment = {**os.environ, "PYTHONPATH": package_root,
                   "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "-c", LOAD, str(tmp_path / "model.keras"),
         str(tmp_path / "out.npy"), str(tmp_path / "tokens.npy")],
        capture_output=True, text=True, env=environment, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    assert "before: TypeError, Could not locate: True" in lines
    assert "kerasseq imported by keras: False" in lines
    assert "after: loaded, evaluates ['accuracy', 'loss']" in lines
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"),
                               model.predict(tokens, verbose=0), atol=1e-6)
