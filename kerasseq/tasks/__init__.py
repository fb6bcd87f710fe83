"""Synthetic long-memory tasks from the RNN literature."""

from kerasseq.tasks.adding import ADDING_BASELINE_MSE
from kerasseq.tasks.adding import adding_problem
