"""Measurements of what the lecture argues: how gradients flow through time."""

from kerasseq.diagnostics.gradients import GradientFlow
from kerasseq.diagnostics.gradients import gradient_flow
from kerasseq.diagnostics.gradients import gradient_flow_for_cells
from kerasseq.diagnostics.gradients import gradient_flow_for_model
from kerasseq.diagnostics.gradients import plot_gradient_flow
