"""Keras initializers of kerasseq, registered under the package `kerasseq`."""

from kerasseq.initializers.skew_symmetric import SKEW_INITIALIZERS
from kerasseq.initializers.skew_symmetric import CayleySkew
from kerasseq.initializers.skew_symmetric import HenaffSkew
from kerasseq.initializers.skew_symmetric import RandomOrthogonalSkew
