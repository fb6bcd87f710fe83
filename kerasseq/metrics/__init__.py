"""Keras metrics of kerasseq, registered under the package `kerasseq`
(so that `import kerasseq` is all a saved model that uses one needs)."""

from kerasseq.metrics.copying import copied_symbol_accuracy
