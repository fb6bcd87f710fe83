"""Distribution strategies by name: TensorFlow's own `tf.distribute`.

* `default`: one device (TensorFlow's default strategy).
* `mirrored`: `tf.distribute.MirroredStrategy`, synchronous data parallelism
  over the GPUs of one machine (or its CPU when it has none).
* `multi-worker`: `tf.distribute.MultiWorkerMirroredStrategy` over several
  machines, each configured by the `TF_CONFIG` environment variable. Keras 3
  cannot yet `fit` under it (see `check_supported`), so training refuses it
  with that explanation.

On TPUs, create a `tf.distribute.TPUStrategy` yourself and pass it to
`kerasseq.training.trainer.train(..., strategy=...)`.

Under a strategy, `batch_size` is the global batch: each of N replicas
computes on `batch_size / N` examples, and Keras's `fit` distributes the
`tf.data` input with the strategy's own input pipeline.
"""

import json
import os

from kerasseq.layers import validation

STRATEGIES = ("default", "mirrored", "multi-worker")


def make_strategy(name):
    """The `tf.distribute.Strategy` called `name` (see the module doc)."""
    import tensorflow as tf

    validation.check_choice("strategy", name, STRATEGIES)
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if "TF_CONFIG" not in os.environ:
        raise ValueError(
            "--strategy multi-worker needs the TF_CONFIG environment variable "
            'on every worker, e.g. {"cluster": {"worker": ["host1:12345", '
            '"host2:12345"]}, "task": {"type": "worker", "index": 0}}.'
        )
    return tf.distribute.MultiWorkerMirroredStrategy()


def is_chief():
    """Whether this process writes the model directory (worker 0 or chief)."""
    config = json.loads(os.environ.get("TF_CONFIG", "{}") or "{}")
    task = config.get("task", {})
    task_type = task.get("type")
    if task_type in (None, "chief"):
        return True
    return task_type == "worker" and task.get("index", 0) == 0 and (
        "chief" not in config.get("cluster", {})
    )



def check_supported(strategy):
    """Refuses strategies that Keras's `fit` cannot run, saying why.

    Keras 3 (3.15 here) cannot run `model.fit` under
    `MultiWorkerMirroredStrategy`: it averages scalar per-replica logs with
    `strategy.reduce("MEAN", axis=0)` and builds from a batch reduced the
    same way, both of which fail for that strategy (keras-team/keras issue
    20585, open since TensorFlow 2.16).
    """
    import tensorflow as tf

    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        import keras

        raise ValueError(
            f"Keras {keras.__version__} cannot train with model.fit under "
            "MultiWorkerMirroredStrategy (keras-team/keras issue 20585); use "
            "--strategy mirrored on one machine with several GPUs."
        )
