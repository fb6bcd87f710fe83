"""tf.distribute: MirroredStrategy on 2 logical CPUs, and two real workers."""

import json
import os
import socket
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

from kerasseq.training.distribution import check_supported
from kerasseq.training.distribution import make_strategy

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(out, weights, *extra, env=None, wait=True):
    command = [sys.executable, "-m", "tests.helpers.run_training",
               str(out), str(weights), *extra]
    process = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    if not wait:
        return process
    try:
        _, err = process.communicate(timeout=300)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
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


@pytest.mark.parametrize("name", ["mirrored", "multi-worker"])
def test_a_strategy_on_another_backend_is_refused_not_ignored(monkeypatch, name):
    monkeypatch.setenv("TF_CONFIG", json.dumps(
        {"cluster": {"worker": ["localhost:1"]}, "task": {"type": "worker", "index": 0}}))
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    with pytest.raises(ValueError, match=f"--strategy {name} needs the TensorFlow backend.*'jax'"):
        make_strategy(name)
    make_strategy("default")  # one device is what every backend does


def _workers(count=2):
    """TF_CONFIG environments of `count` workers on free loopback ports."""
    cluster = {"worker": [f"127.0.0.1:{port}" for port in _free_ports(count)]}
    return [
        {"TF_CONFIG": json.dumps({"cluster": cluster,
                                  "task": {"type": "worker", "index": index}})}
        for index in range(count)
    ]


def test_two_workers_train_the_weights_of_one_process(tmp_path):
    # The same command on both workers; worker 0 is the chief.
    workers = [
        _run(tmp_path / "mw", tmp_path / f"w{index}.npz", "--strategy",
             "multi-worker", env=env, wait=False)
        for index, env in enumerate(_workers())
    ]
    deadline = time.monotonic() + 180  # for both workers, whatever the load
    try:
        _run(tmp_path / "one", tmp_path / "one.npz")
        for worker in workers:
            _, err = worker.communicate(timeout=max(deadline - time.monotonic(), 1))
            assert worker.returncode == 0, err.decode()[-3000:]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    one, one_info = _load(tmp_path / "one.npz")
    (chief, chief_info), (other, other_info) = (
        _load(tmp_path / f"w{index}.npz") for index in range(2)
    )
    assert chief_info["replicas"] == other_info["replicas"] == 2
    for a, b in zip(chief, other):
        np.testing.assert_array_equal(a, b)  # all-reduced: the same update
    # The global batch of 16 is split 8 + 8; only summation order differs.
    np.testing.assert_allclose(chief_info["losses"], one_info["losses"], rtol=1e-5)
    for a, b in zip(one, chief):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    # Only the chief wrote the model directory, with a normal run's files
    # and held-out metrics.
    assert sorted(os.listdir(tmp_path / "mw")) == sorted(os.listdir(tmp_path / "one"))
    metrics = [json.loads((tmp_path / run / "metrics.json").read_text())
               for run in ("one", "mw")]
    assert metrics[1] == pytest.approx(metrics[0], rel=1e-5)


def test_multi_worker_refuses_resume_and_xla_on_cpus():
    import tensorflow as tf

    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    with pytest.raises(ValueError, match="--resume is not supported"):
        check_supported(strategy, resume=True)
    if not tf.config.list_physical_devices("GPU"):
        with pytest.raises(ValueError, match="XLA does not compile"):
            check_supported(strategy, jit_compile=True)
    check_supported(tf.distribute.get_strategy(), resume=True, jit_compile=True)
