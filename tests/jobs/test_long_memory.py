import math

import numpy as np
import pytest

from kerasseq import jobs
from kerasseq.jobs.long_memory import CopyOptions
from kerasseq.jobs.long_memory import DelayOptions
from kerasseq.training.config import ModelConfig
from kerasseq.training.config import TrainConfig


def _config(name, T, **options):
    return jobs.JobConfig(
        job=name, out="unused",
        model=ModelConfig(cell="lstm", units=6, layers=2, bidirectional=True,
                          embedding_dim=3),
        train=TrainConfig(batch_size=5, steps_per_epoch=2, validation_steps=1),
        options=CopyOptions(T=T, **options) if name == "copy" else DelayOptions(T=T),
    )


def test_copy_model_maps_tokens_to_per_step_logits():
    config = _config("copy", 7)
    job = jobs.get_job("copy")
    data = job.prepare(config)
    train, validation = data.train, data.validation
    x, y = next(iter(train))
    logits = job.build_model(config, data)(x)
    assert tuple(logits.shape) == (5, 27, 10)
    assert job.baseline(config) == pytest.approx(10 * math.log(8) / 27)
    vx, _ = next(iter(validation))
    assert not np.array_equal(x.numpy(), vx.numpy())  # disjoint streams


def test_adding_model_maps_sequences_to_one_number():
    config = _config("adding", 12)
    job = jobs.get_job("adding")
    x, y = next(iter(job.prepare(config).train))
    assert tuple(job.build_model(config)(x).shape) == (5, 1) == tuple(y.shape)


def test_resumed_stream_continues_where_it_stopped():
    config = _config("copy", 5)
    job = jobs.get_job("copy")
    full = [x.numpy() for x, _ in job.prepare(config).train.take(3)]
    later = next(iter(job.prepare(config, start_batch=2).train))[0].numpy()
    np.testing.assert_array_equal(full[2], later)


def test_config_round_trip_and_unknown_job():
    config = _config("copy", 9)
    assert jobs.JobConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ValueError, match="'translate2'.*'copy'"):
        jobs.get_job("translate2")
    with pytest.raises(ValueError, match="`T`"):
        DelayOptions(T=1)


def test_copy_inputs_one_hot_or_a_trained_embedding():
    """One-hot (the default, the papers' setting): symbol `s` enters the
    cell as the unit vector `e_s`, and nothing of that table trains; a
    trained embedding of `embedding_dim` otherwise."""
    job = jobs.get_job("copy")
    tokens = np.array([[0, 3, 9, 1]])
    one_hot = job.build_model(_config("copy", 2))
    table = one_hot.get_layer("one_hot")
    np.testing.assert_array_equal(np.asarray(table(tokens)), np.eye(10)[tokens])
    assert not table.trainable_weights
    embedded = job.build_model(_config("copy", 2, inputs="embedding"))
    table = embedded.get_layer("embedding")
    assert table.embeddings.shape == (10, 3) and table.trainable_weights
    with pytest.raises(ValueError, match="`inputs`.*one_hot, embedding.*'onehot'"):
        CopyOptions(T=5, inputs="onehot")


def test_copy_gives_the_orthogonal_cell_he_normal_input_kernels():
    job = jobs.get_job("copy")
    config = job.make_config("unused", model={"units": 8})
    assert config.model.cell_options == {"kernel_initializer": "he_normal"}
    lstm = job.make_config("unused", model={"cell": "lstm", "units": 8})
    assert lstm.model.cell_options == {}
    assert config.options == CopyOptions(T=100, inputs="one_hot")
