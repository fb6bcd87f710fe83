"""Training configuration, optimizers and the small demo job."""

from kerasseq.training.config import TrainConfig
from kerasseq.training.optimizers import make_optimizer
