"""Keras regularizers of kerasseq, registered under the package `kerasseq`."""

from kerasseq.regularizers.soft_orthogonality import SoftOrthogonality
