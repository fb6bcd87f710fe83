"""kerasseq: recurrent sequence modelling on Keras 3.

Importing the package registers every kerasseq layer, sampler, initializer,
regularizer and metric with Keras, so that after `import kerasseq`,
`keras.saving.load_model(path)` loads `.keras` files (and configs) that use
them without `custom_objects`. The import is needed: when it deserializes,
Keras imports modules of its own packages only (keras, keras_hub,
keras_cv, keras_nlp), never the `kerasseq...` module a file names.
"""

from kerasseq import backend
from kerasseq import callbacks
from kerasseq import initializers
from kerasseq import layers
from kerasseq import metrics
from kerasseq import optimizers
from kerasseq import regularizers
from kerasseq import samplers
from kerasseq.version import __version__
