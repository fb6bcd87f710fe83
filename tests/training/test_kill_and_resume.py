"""A run killed with SIGKILL mid-training resumes to the uninterrupted weights."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np

import keras
import kerasseq  # noqa: F401  (registers the layers for load_model)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ARGS = ["train", "adding", "--T", "8", "--cell", "gru", "--units", "8",
        "--epochs", "6", "--steps-per-epoch", "300", "--validation-steps", "1",
        "--batch-size", "16", "--learning-rate", "0.01", "--seed", "5"]


def _start(out, *extra):
    return subprocess.Popen(
        [sys.executable, "-m", "kerasseq", *ARGS, "--out", str(out), *extra],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def _weights(out):
    return keras.saving.load_model(os.path.join(out, "model.keras")).get_weights()


def test_sigkill_then_resume_gives_the_same_weights(tmp_path):
    straight = _start(tmp_path / "straight")
    assert straight.wait(timeout=300) == 0, straight.stderr.read().decode()[-2000:]

    killed = _start(tmp_path / "killed")
    metadata = tmp_path / "killed" / "backup" / "training_metadata.json"
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline:
            if metadata.is_file():
                try:
                    if json.loads(metadata.read_text())["epoch"] >= 2:
                        break
                except (ValueError, KeyError):
                    pass  # being written
            assert killed.poll() is None, "finished before it could be killed"
            time.sleep(0.05)
        else:
            raise AssertionError("no checkpoint within the time limit")
        time.sleep(0.3)  # into the next epoch
    finally:
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=60)
    assert killed.returncode == -signal.SIGKILL
    assert not (tmp_path / "killed" / "model.keras").exists()

    resumed = _start(tmp_path / "killed", "--resume")
    assert resumed.wait(timeout=300) == 0, resumed.stderr.read().decode()[-2000:]
    for a, b in zip(_weights(tmp_path / "straight"), _weights(tmp_path / "killed"), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
