"""Keras optimizers with a separate learning rate for manifold parameters."""

from kerasseq.optimizers.manifold import MANIFOLD_ATTRIBUTE
from kerasseq.optimizers.manifold import PAPERS_MANIFOLD_MULTIPLIER
from kerasseq.optimizers.manifold import SGD
from kerasseq.optimizers.manifold import Adam
from kerasseq.optimizers.manifold import AdamW
from kerasseq.optimizers.manifold import ManifoldLearningRateMixin
from kerasseq.optimizers.manifold import RMSprop
from kerasseq.optimizers.manifold import is_manifold_variable
from kerasseq.optimizers.manifold import manifold_optimizer_class
from kerasseq.optimizers.manifold import manifold_variables
from kerasseq.optimizers.manifold import mark_manifold_variable
