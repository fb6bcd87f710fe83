"""Trained model directories, read back with the job that wrote them."""

import dataclasses
import os

from kerasseq.jobs.base import JobConfig
from kerasseq.jobs.base import get_job
from kerasseq.training import model_dir


def read_trained_config(path):
    """`(job, config)` of a model directory (its `config.json`), with clear
    errors; the model itself is not loaded."""
    data = model_dir.read_json(path, model_dir.CONFIG_FILE)
    try:
        config = JobConfig.from_dict(data)
    except (KeyError, TypeError) as error:
        raise model_dir.ModelDirError(
            f"{os.path.join(path, model_dir.CONFIG_FILE)} is not a kerasseq "
            f"config ({type(error).__name__}: {error})."
        ) from None
    config = dataclasses.replace(config, out=os.fspath(path))
    return get_job(config.job), config


def load_trained(path):
    """`(job, config, model)` of a model directory, with clear errors.

    A model saved by an older kerasseq is adopted by its job (`Job.adopt`:
    e.g. a plain functional language model becomes a `LanguageModel`); one
    that does not fit its `config.json` is a `ModelDirError`.
    """
    job, config = read_trained_config(path)
    model = model_dir.load_model(path)
    try:
        model = job.adopt(model, config)
    except ValueError as error:
        raise model_dir.ModelDirError(
            f"{os.path.join(path, model_dir.MODEL_FILE)} does not fit "
            f"{model_dir.CONFIG_FILE}: {error}"
        ) from None
    return job, config, model


def evaluate_model_dir(path):
    """Held-out metrics of the model in directory `path`, as its job
    measures them after training."""
    job, config, model = load_trained(path)
    return job.evaluate(model, config)
