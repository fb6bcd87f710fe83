"""Keras callbacks of kerasseq."""

from kerasseq.callbacks.dynamic_trivialization import DynamicTrivialization
from kerasseq.callbacks.dynamic_trivialization import rebasing_cells
