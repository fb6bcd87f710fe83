"""Runs one small copy-task training in its own process (for tests).

    python -m tests.helpers.run_training OUT WEIGHTS.npz \
        [--strategy S] [--cpus N] [--epochs E]

`--cpus N` splits the CPU into N logical devices before TensorFlow starts,
so MirroredStrategy has N replicas; `--strategy multi-worker` reads the
cluster from TF_CONFIG. Writes the final weights to WEIGHTS.npz and the
per-epoch losses beside it as JSON.
"""

import argparse
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("weights")
    parser.add_argument("--strategy", default="default")
    parser.add_argument("--cpus", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()

    import tensorflow as tf
    import keras

    keras.config.disable_traceback_filtering()

    if args.cpus > 1:
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * args.cpus
        )
    import numpy as np

    from kerasseq.jobs import JobConfig
    from kerasseq.jobs import get_job
    from kerasseq.jobs.long_memory import DelayOptions
    from kerasseq.training import trainer
    from kerasseq.training.config import ModelConfig, TrainConfig

    config = JobConfig(
        job="adding",
        out=args.out,
        model=ModelConfig(cell="gru", units=8),
        train=TrainConfig(
            epochs=args.epochs, steps_per_epoch=5, validation_steps=1,
            batch_size=16, learning_rate=1e-2, strategy=args.strategy, seed=3,
        ),
        options=DelayOptions(T=6),
    )
    losses = []

    class Record(__import__("keras").callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            losses.append(float(logs["loss"]))

    model, _ = trainer.train(get_job("adding"), config, print_fn=lambda *a: None,
                             verbose=0, callbacks=[Record()])
    np.savez(args.weights, *model.get_weights())
    with open(args.weights + ".json", "w") as handle:
        json.dump({"losses": losses,
                   "replicas": model.distribute_strategy.num_replicas_in_sync},
                  handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
