"""Training a `JobConfig` in tests: the registered job, looked up by name."""

from kerasseq.jobs import get_job
from kerasseq.training import trainer


def train_job(config, **kwargs):
    """`trainer.train(get_job(config.job), config, **kwargs)`."""
    return trainer.train(get_job(config.job), config, **kwargs)
