"""Models built with the functional API."""

from kerasseq.models.classifier import build_classifier
from kerasseq.models.language_model import StatefulGenerator
from kerasseq.models.language_model import build_language_model
from kerasseq.models.language_model import generate_ids
