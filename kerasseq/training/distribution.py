"""Distribution strategies by name: TensorFlow's own `tf.distribute`.

* `default`: one device (TensorFlow's default strategy).
* `mirrored`: `tf.distribute.MirroredStrategy`, synchronous data parallelism
  over the GPUs of one machine (or its CPU when it has none).
* `multi-worker`: `tf.distribute.MultiWorkerMirroredStrategy` over several
  machines, each configured by the `TF_CONFIG` environment variable. Keras
  3.15's `fit` fails under it (keras-team/keras issue 20585);
  `adapt_to_strategy` works around the two failing reductions.

On TPUs, create a `tf.distribute.TPUStrategy` yourself and pass it to
`kerasseq.training.trainer.train(..., strategy=...)` (not tested).

Under a strategy, `batch_size` is the global batch: each of N replicas
computes on `batch_size / N` examples, and Keras's `fit` distributes the
`tf.data` input with the strategy's own `experimental_distribute_dataset`.
"""

import dataclasses
import json
import os

import keras

from kerasseq.layers import validation

STRATEGIES = ("default", "mirrored", "multi-worker")


def make_strategy(name):
    """The `tf.distribute.Strategy` called `name` (see the module doc)."""
    import tensorflow as tf

    validation.check_choice("strategy", name, STRATEGIES)
    if name == "default":
        return tf.distribute.get_strategy()
    if keras.backend.backend() != "tensorflow":
        # Keras's JAX and torch trainers ignore `tf.distribute`: the run
        # would quietly train on one device.
        raise ValueError(
            f"--strategy {name} needs the TensorFlow backend (tf.distribute); "
            f"Keras runs on {keras.backend.backend()!r}. Use KERAS_BACKEND="
            "tensorflow, or --strategy default."
        )
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


def is_multi_worker(strategy):
    import tensorflow as tf

    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)


def check_supported(strategy, resume=False, jit_compile=False):
    """Refuses what kerasseq cannot train under `strategy`, saying why.

    Under `MultiWorkerMirroredStrategy`, resuming is refused: the
    `BackupAndRestore` checkpoint lives in the chief's model directory, and
    the other workers, which write only to scratch directories, would start
    from fresh weights and fall out of step with it. So is XLA on CPUs:
    TensorFlow cannot compile collective operations for CPU devices (the
    run aborts at its first step).
    """
    import tensorflow as tf

    if isinstance(strategy, tf.distribute.experimental.ParameterServerStrategy):
        raise ValueError(
            "kerasseq cannot train under ParameterServerStrategy (Keras 3's "
            "fit does not support it); use MultiWorkerMirroredStrategy "
            "(--strategy multi-worker)."
        )
    if resume and is_multi_worker(strategy):
        raise ValueError(
            "--resume is not supported with --strategy multi-worker: only the "
            "chief keeps the checkpoint, so the other workers could not "
            "restore it. Rerun without --resume, or resume on one machine "
            "with --strategy default or mirrored."
        )
    if (jit_compile and is_multi_worker(strategy)
            and not tf.config.list_physical_devices("GPU")):
        raise ValueError(
            "--jit-compile on cannot be used with --strategy multi-worker on "
            "CPUs: XLA does not compile TensorFlow's collective operations "
            "for CPU devices. Use --jit-compile auto or off."
        )


def shard_by_example(data):
    """`data` with each of its `tf.data` splits sharded example by example.

    Under `MultiWorkerMirroredStrategy` every worker builds the whole input
    pipeline; `AutoShardPolicy.DATA` makes each keep its own part of every
    global batch. kerasseq's streams are generated or held in memory, so
    TensorFlow's default (`AUTO`: shard by input file, else by example)
    would only fall back to it with a warning.

    Args:
        data: A dataclass with `train`, `validation` and `test` fields
            (`kerasseq.jobs.PreparedData`).
    """
    import tensorflow as tf

    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = (
        tf.data.experimental.AutoShardPolicy.DATA
    )
    return dataclasses.replace(data, **{
        name: getattr(data, name).with_options(options)
        for name in ("train", "validation", "test")
        if isinstance(getattr(data, name), tf.data.Dataset)
    })


def adapt_to_strategy(model, strategy, element_spec):
    """Lets Keras's `fit` and `evaluate` run `model` under `strategy`.

    Under `MultiWorkerMirroredStrategy`, Keras 3.15's TensorFlow trainer
    fails in two `strategy.reduce` calls (keras-team/keras issue 20585):

    1. Before the first step, `fit` averages a distributed input batch with
       `strategy.reduce("MEAN", batch, axis=None)`, only to learn its shapes
       for building the model, loss, metrics and optimizer. The collective
       reduction cannot take that eager `PerReplica` value ("Attempt to
       convert a value (PerReplica:...) ... to a Tensor"). Here they are
       built from the dataset's `element_spec` instead.
    2. Every step averages the logs of the replicas with
       `strategy.reduce("MEAN", value, axis=0)`, which fails for the scalar
       loss ("Invalid reduction dimension 0 for input with 0 dimensions").
       Here `train_step` and `test_step` give each log a leading axis of
       length 1, so that reduction is the mean over all replicas.

    Both fixes replace methods of this one model object; other strategies
    get `model` back unchanged.

    Args:
        model: A compiled Keras model, created under `strategy.scope()`.
        strategy: The `tf.distribute.Strategy`.
        element_spec: The `element_spec` of the training dataset.

    Returns:
        `model`.
    """
    if not is_multi_worker(strategy):
        return model
    import keras

    symbolic_build = model._maybe_symbolic_build

    def build_from_spec(iterator=None, data_batch=None):
        symbolic_build(data_batch=element_spec)

    def replica_axis(step):
        def step_with_replica_axis(data):
            return keras.tree.map_structure(
                lambda value: keras.ops.expand_dims(value, 0), step(data)
            )

        return step_with_replica_axis

    model._maybe_symbolic_build = build_from_spec
    model.train_step = replica_axis(model.train_step)
    model.test_step = replica_axis(model.test_step)
    return model
