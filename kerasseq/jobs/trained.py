"""Trained model directories, read back with the job that wrote them."""

import dataclasses
import os

from kerasseq.jobs.base import JobConfig
from kerasseq.jobs.base import get_job
from kerasseq.training import model_dir


def load_trained(path):
    """`(job, config, model)` of a model directory, with clear errors."""
    data = model_dir.read_json(path, model_dir.CONFIG_FILE)
    try:
        config = JobConfig.from_dict(data)
    except (KeyError, TypeError) as error:
        raise model_dir.ModelDirError(
            f"{os.path.join(path, model_dir.CONFIG_FILE)} is not a kerasseq "
            f"config ({type(error).__name__}: {error})."
        ) from None
    config = dataclasses.replace(config, out=os.fspath(path))
    job = get_job(config.job)
    return job, config, job.adopt(model_dir.load_model(path), config)


def evaluate_model_dir(path):
    """Held-out metrics of the model in directory `path`, as its job
    measures them after training."""
    job, config, model = load_trained(path)
    return job.evaluate(model, config)
