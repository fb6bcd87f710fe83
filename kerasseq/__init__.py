"""kerasseq: recurrent sequence modelling on Keras 3.

Importing the package registers every kerasseq layer, sampler, initializer
and regularizer with Keras, so `.keras` files and configs that use them load
without `custom_objects`.
"""

from kerasseq import initializers
from kerasseq import layers
from kerasseq import regularizers
from kerasseq import samplers
from kerasseq.version import __version__
