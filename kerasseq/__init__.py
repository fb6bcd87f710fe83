"""kerasseq: recurrent sequence modelling on Keras 3."""

__version__ = "0.1.0"

from kerasseq import layers  # noqa: E402
