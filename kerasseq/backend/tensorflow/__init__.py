"""TensorFlow fast paths of kerasseq (see `kerasseq.backend`)."""
