"""Checks shared by the tests of the parametrized recurrent layers."""

import numpy as np

import keras


def count_recurrent_matrix_calls(layer, inputs, monkeypatch):
    """How often `layer(inputs)` calls `layer.cell.recurrent_matrix`."""
    calls = []
    original = layer.cell.recurrent_matrix

    def spy():
        calls.append(1)
        return original()

    monkeypatch.setattr(layer.cell, "recurrent_matrix", spy)
    layer(inputs)
    return len(calls)


def fit_under_xla(layer, rng, steps=6, features=3):
    """Trains `Input -> layer -> Dense(1)` with `jit_compile=True`.

    Two epochs of two batches of 8 with Adam(0.05) on random data. Returns
    the per-epoch losses; fails if Keras turned XLA off.
    """
    inputs = keras.Input((steps, features))
    model = keras.Model(inputs, keras.layers.Dense(1)(layer(inputs)))
    model.compile(
        optimizer=keras.optimizers.Adam(0.05), loss="mse", jit_compile=True
    )
    assert model.jit_compile is True  # no silent fallback to plain graphs
    x = rng.standard_normal((16, steps, features)).astype("float32")
    y = rng.standard_normal((16, 1)).astype("float32")
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    return np.asarray(history.history["loss"])
