"""The core (`kerasseq.layers`, `samplers`, `models`, ...) is backend-neutral:
no TensorFlow import in its files, and it imports, trains and generates on
JAX with TensorFlow unimportable."""

import ast
import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "kerasseq"
CORE = ("layers", "samplers", "models", "initializers", "regularizers",
        "optimizers", "callbacks", "metrics", "special_tokens.py")


def tensorflow_imports(path):
    """`(line, statement)` of every import of TensorFlow in `path`,
    at any depth (function-level imports count)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        if any(n == "tensorflow" or n.startswith("tensorflow.") for n in names):
            found.append((node.lineno, ast.unparse(node)))
    return found


def test_no_core_file_imports_tensorflow():
    files = []
    for part in CORE:
        path = PACKAGE / part
        files += [path] if path.is_file() else sorted(path.rglob("*.py"))
    assert len(files) > 30
    offenders = {str(f.relative_to(PACKAGE)): tensorflow_imports(f) for f in files}
    assert {f: found for f, found in offenders.items() if found} == {}


def test_the_scan_finds_a_tensorflow_import(tmp_path):
    path = tmp_path / "module.py"
    path.write_text("def f():\n    from tensorflow.python.ops import x\n")
    assert tensorflow_imports(path) == [(2, "from tensorflow.python.ops import x")]


# Runs in a fresh interpreter: TensorFlow cannot be imported at all there.
BLOCKED_TENSORFLOW_SCRIPT = textwrap.dedent('''
    import importlib.abc, sys

    class NoTensorFlow(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name == "tensorflow" or name.startswith("tensorflow."):
                raise ImportError("TensorFlow is blocked in this test")

    sys.meta_path.insert(0, NoTensorFlow())

    import keras
    import numpy as np

    import kerasseq
    from kerasseq import layers, samplers
    from kerasseq.models import build_language_model, generate_ids
    from kerasseq.training.config import ModelConfig

    assert keras.backend.backend() == "jax"
    rng = np.random.default_rng(0)
    ids = rng.integers(2, 12, size=(16, 9))
    for cell in ("lstm", "orthogonal", "self_attention"):
        keras.utils.set_random_seed(0)
        model = build_language_model(
            12, ModelConfig(cell=cell, units=8, embedding_dim=6), max_length=8)
        model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        history = model.fit(ids[:, :-1], ids[:, 1:], epochs=2, verbose=0)
        assert np.isfinite(history.history["loss"]).all()
        tokens = np.asarray(generate_ids(model, ids[:2, :3], 5, samplers.GreedySampler()))
        # Greedy generation (cached keys and values, or the carried state)
        # is the argmax of a full rerun, token by token, within the window.
        context = ids[:2, :3]
        for t in range(5):
            logits = np.asarray(model.predict(context, verbose=0))[:, -1]
            logits[:, :2] = -np.inf  # padding and [UNK] are never emitted
            assert (tokens[:, t] == logits.argmax(-1)).all(), (cell, t)
            context = np.concatenate([context, tokens[:, t:t + 1]], axis=1)
        print(cell, "ok")
    assert not [m for m in sys.modules if m.startswith("tensorflow")]
''')


def test_core_trains_and_generates_on_jax_without_tensorflow():
    pytest.importorskip("jax")
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    result = subprocess.run(
        [sys.executable, "-c", BLOCKED_TENSORFLOW_SCRIPT],
        env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["lstm", "ok", "orthogonal", "ok",
                                     "self_attention", "ok"]


def test_export_on_another_backend_says_it_needs_tensorflow_in_one_line(tmp_path):
    pytest.importorskip("jax")
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    result = subprocess.run(
        [sys.executable, "-m", "kerasseq", "export", str(tmp_path / "model")],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 2, result.stderr[-2000:]
    # One error line (TensorFlow and JAX may log lines of their own).
    errors = [line for line in result.stderr.splitlines()
              if line.startswith("kerasseq export: error:")]
    assert len(errors) == 1, result.stderr[-2000:]
    assert "export writes TensorFlow graphs" in errors[0]
    assert "KERAS_BACKEND='jax'" in errors[0] and "Traceback" not in result.stderr
    assert not (tmp_path / "model").exists()
