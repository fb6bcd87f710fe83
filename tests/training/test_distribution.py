"""tf.distribute: MirroredStrategy on 2 logical CPUs, and two real workers."""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

from kerasseq.training.distribution import make_strategy

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(out, weights, *extra, env=None, wait=True):
    command = [sys.executable, "-m", "tests.training.run_training",
               str(out), str(weights), *extra]
    process = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    if not wait:
        return process
    _, err = process.communicate(timeout=300)
    assert process.returncode == 0, err.decode()[-3000:]
    return process


def _load(weights):
    with np.load(weights) as arrays:
        values = [arrays[k] for k in sorted(arrays.files, key=lambda k: int(k.split("_")[1]))]
    with open(f"{weights}.json") as handle:
        return values, json.load(handle)


def test_mirrored_on_two_replicas_matches_one_device(tmp_path):
    _run(tmp_path / "one", tmp_path / "one.npz")
    _run(tmp_path / "two", tmp_path / "two.npz", "--strategy", "mirrored", "--cpus", "2")
    one, one_info = _load(tmp_path / "one.npz")
    two, two_info = _load(tmp_path / "two.npz")
    assert one_info["replicas"] == 1 and two_info["replicas"] == 2
    np.testing.assert_allclose(two_info["losses"], one_info["losses"], rtol=1e-4)
    for a, b in zip(one, two):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    assert os.path.isfile(tmp_path / "two" / "model.keras")


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def test_multi_worker_without_tf_config_says_what_is_missing(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(ValueError, match="TF_CONFIG"):
        make_strategy("multi-worker")
    with pytest.raises(ValueError, match="`strategy`"):
        make_strategy("tpu-pod")


def test_multi_worker_refusal_names_the_upstream_issue(tmp_path):
    workers = [f"127.0.0.1:{port}" for port in _free_ports(1)]
    tf_config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": 0}}
    process = _run(tmp_path / "m", tmp_path / "w.npz", "--strategy", "multi-worker",
                   env={"TF_CONFIG": json.dumps(tf_config)}, wait=False)
    _, err = process.communicate(timeout=300)
    assert process.returncode != 0
    assert "keras-team/keras issue 20585" in err.decode()
