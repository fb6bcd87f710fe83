"""kerasseq: recurrent sequence modelling on Keras 3.

Importing the package registers every kerasseq layer and sampler with Keras,
so `.keras` files and configs that use them load without `custom_objects`.
"""

from kerasseq import layers
from kerasseq import samplers
from kerasseq.version import __version__
from kerasseq import initializers
from kerasseq import regularizers
