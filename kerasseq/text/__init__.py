"""Tokenization and word vectors."""

from kerasseq.text.tokenizer import OOV_ID
from kerasseq.text.tokenizer import PAD_ID
from kerasseq.text.tokenizer import Tokenizer
from kerasseq.text.tokenizer import fit_tokenizer
from kerasseq.text.tokenizer import load_tokenizer
