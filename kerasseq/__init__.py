"""kerasseq: recurrent sequence modelling on Keras 3.

Importing the package registers every kerasseq layer with Keras, so `.keras`
files that use them load without `custom_objects`.
"""

from kerasseq import layers
from kerasseq.version import __version__
