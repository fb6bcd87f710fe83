"""Trainable jobs, by name: what `kerasseq train NAME` runs."""

from kerasseq.jobs import language_model  # noqa: F401  (registers lm)
from kerasseq.jobs import long_memory  # noqa: F401  (registers copy, adding)
from kerasseq.jobs import sentiment  # noqa: F401  (registers sentiment)
from kerasseq.jobs import seq2seq  # noqa: F401  (registers seq2seq)
from kerasseq.jobs.base import Job
from kerasseq.jobs.base import JobConfig
from kerasseq.jobs.base import get_job
from kerasseq.jobs.base import job_names
from kerasseq.jobs.base import register_job
from kerasseq.jobs.trained import evaluate_model_dir
from kerasseq.jobs.trained import load_trained
