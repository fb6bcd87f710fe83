"""Models built with the functional API."""

from kerasseq.models.classifier import Classifier
from kerasseq.models.classifier import build_classifier
from kerasseq.models.language_model import CachedGenerator
from kerasseq.models.language_model import LanguageModel
from kerasseq.models.language_model import StatefulGenerator
from kerasseq.models.language_model import WindowedGenerator
from kerasseq.models.language_model import build_language_model
from kerasseq.models.language_model import generate_ids
from kerasseq.models.language_model import language_model_generator
from kerasseq.models.seq2seq import ATTENTIONS
from kerasseq.models.seq2seq import Seq2SeqDecoder
from kerasseq.models.seq2seq import Seq2SeqModel
from kerasseq.models.seq2seq import build_seq2seq
from kerasseq.models.self_attention_stack import SELF_ATTENTION
