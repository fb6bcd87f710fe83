"""`load_text`, `load_labelled`, `load_pairs`: one entry point per kind of data.

Each takes a registered corpus name (`kerasseq.data.corpora.CORPORA`), a tfds
name (`tfds:NAME`, or one of `TFDS_CORPORA` bare), or the path of a user's
file, looked up in that order.
"""

import dataclasses
import os
import pathlib

from kerasseq.data import files
from kerasseq.data import tfds_sources
from kerasseq.data.cache import fetch_archive
from kerasseq.data.cache import resolve_cache_dir
from kerasseq.data.corpora import CORPORA
from kerasseq.data.corpora import get_corpus
from kerasseq.data.errors import CorpusError
from kerasseq.data.pairs import TranslationPairs

_LOADER_FOR_KIND = {
    "language_model": "load_text",
    "classification": "load_labelled",
    "graded": "load_labelled",
    "translation": "load_pairs",
}


@dataclasses.dataclass(frozen=True)
class CorpusInfo:
    """What `list_corpora` reports about one registered corpus.

    `package` names every archive the corpus reads (`"debian
    sword-text-sparv=2.60-1, debian sword-text-kjv=14.3-1"`); `cached` is
    true when all of them are in the cache.
    """

    name: str
    kind: str
    size: str
    license: str
    package: str
    cached: bool


def list_corpora(cache_dir=None):
    """The registered corpora, and whether their archives are in the cache.

    Returns:
        List of `CorpusInfo(name, kind, size, license, package, cached)`.

    Example:

    >>> [info.name for info in list_corpora()][:2]
    ['shakespeare', 'kjv']
    """
    cache_dir = resolve_cache_dir(cache_dir)
    return [
        CorpusInfo(
            name=corpus.name,
            kind=corpus.kind,
            size=corpus.size,
            license=corpus.license,
            package=", ".join(
                f"{archive.registry} {archive.spec}" for archive in corpus.archives
            ),
            cached=all(
                (cache_dir / archive.filename).is_file() for archive in corpus.archives
            ),
        )
        for corpus in CORPORA.values()
    ]


def fetch(name, cache_dir=None):
    """Downloads (once) and verifies the archives of corpus `name`.

    Args:
        name: A registered corpus name.
        cache_dir: Cache directory; None means `$KERASSEQ_CACHE` or
            `~/.cache/kerasseq`.

    Returns:
        Tuple of the `pathlib.Path`s of the verified archives in the cache,
        in `Corpus.archives` order: one for most corpora, two for
        `bible_es_en`.
    """
    return tuple(
        fetch_archive(archive, cache_dir) for archive in get_corpus(name).archives
    )


def load_text(name_or_path, *, cache_dir=None, data_dir=None, split="train", encoding="utf-8"):
    """Text for a language model, as one string.

    Args:
        name_or_path: A language-model corpus (`"shakespeare"`, `"kjv"`,
            `"fortunes"`), a tfds name (`"tiny_shakespeare"`,
            `"tfds:NAME"`), or the path of a plain-text file.
        cache_dir: Cache directory for registry corpora.
        data_dir: tfds data directory (None: tfds' default).
        split: tfds split.
        encoding: Encoding of a user's file.

    Returns:
        str.

    Example:

    >>> text = load_text("shakespeare")  # doctest: +SKIP
    >>> text[:9]
    'THESEUS:\\n'
    """
    source = _source(name_or_path, "load_text")
    if source == "corpus":
        return _read_corpus(name_or_path, cache_dir)
    if source == "tfds":
        return tfds_sources.load_tfds_text(tfds_sources.tfds_name(name_or_path), split, data_dir)
    return files.read_text_file(name_or_path, encoding=encoding)


def load_labelled(
    name_or_path,
    text_column=None,
    label_column=None,
    *,
    subset=None,
    delimiter=None,
    cache_dir=None,
    data_dir=None,
    split="train",
    encoding="utf-8",
):
    """`(texts, labels)` for classification or graded (regression) data.

    Args:
        name_or_path: A classification or graded corpus
            (`"rotten_tomatoes"`, `"vader"`), a tfds name (`"imdb_reviews"`,
            `"tfds:NAME"`), or the path of a CSV/TSV file with a header row.
        text_column: Column (file) or feature (tfds) holding the text; for
            files it defaults to `"text"`, for tfds to the supervised keys.
        label_column: Column or feature holding the label; `"label"` for
            files by default.
        subset: Corpus option: the VADER subset(s) (see
            `corpora.VADER_SUBSETS`).
        delimiter: Field delimiter of a file; None: from the extension or
            sniffed.
        cache_dir: Cache directory for registry corpora.
        data_dir: tfds data directory.
        split: tfds split.
        encoding: Encoding of a user's file.

    Returns:
        `(texts, labels)`, two lists of equal length.

    Example:

    >>> texts, labels = load_labelled("rotten_tomatoes")  # doctest: +SKIP
    >>> len(texts), sorted(set(labels))
    (12808, [0, 1])
    """
    source = _source(name_or_path, "load_labelled")
    if source == "corpus":
        if text_column is not None or label_column is not None:
            raise CorpusError(
                f"Corpus {name_or_path!r} has fixed columns; `text_column` and "
                "`label_column` apply to files and tfds datasets."
            )
        options = {} if subset is None else {"subset": subset}
        return _read_corpus(name_or_path, cache_dir, **options)
    if subset is not None:
        raise CorpusError(f"`subset` applies to registered corpora, not {name_or_path!r}.")
    if source == "tfds":
        return tfds_sources.load_tfds_labelled(
            tfds_sources.tfds_name(name_or_path), split, data_dir, text_column, label_column
        )
    return files.read_labelled_file(
        name_or_path,
        text_column=text_column or "text",
        label_column=label_column or "label",
        delimiter=delimiter,
        encoding=encoding,
    )


def load_pairs(
    name_or_path, *, reverse=False, cache_dir=None, data_dir=None, split="train", encoding="utf-8"
):
    """`[(source, target), ...]` sentence pairs for translation.

    Args:
        name_or_path: A translation corpus (`"ding_de_en"`: German,
            English; `"bible_es_en"`: Spanish, English), a tfds name
            (`"ted_hrlr_translate/pt_to_en"`, `"tfds:NAME"`), or the path of
            a file in the TensorFlow NMT tutorial format
            (`source<TAB>target[<TAB>attribution]`).
        reverse: Swap each pair to `(target, source)`; `split`,
            `references` and `skipped` stay as they are.
        cache_dir: Cache directory for registry corpora.
        data_dir: tfds data directory.
        split: tfds split.
        encoding: Encoding of a user's file.

    Returns:
        `TranslationPairs`: a list of `(source, target)` string pairs. Its
        `split` is a tuple of `"train"`/`"validation"`/`"test"` per pair
        for a corpus with a fixed held-out split (`bible_es_en`, by
        chapter), None otherwise; `references` and `skipped` likewise
        (verse references, counts of skipped verses) or None.

    Example:

    >>> pairs = load_pairs("bible_es_en", reverse=True)  # doctest: +SKIP
    >>> pairs[0][1], pairs.split[0], pairs.references[0]
    ('EN el principio crió Dios los cielos y la tierra.', 'train', 'Gen.1.1')
    """
    source = _source(name_or_path, "load_pairs")
    if source == "corpus":
        pairs = _read_corpus(name_or_path, cache_dir)
    elif source == "tfds":
        pairs = tfds_sources.load_tfds_pairs(tfds_sources.tfds_name(name_or_path), split, data_dir)
    else:
        pairs = files.read_pairs_file(name_or_path, encoding=encoding)
    if not isinstance(pairs, TranslationPairs):
        pairs = TranslationPairs(pairs)
    return pairs.swapped() if reverse else pairs


def _read_corpus(name, cache_dir, **options):
    return get_corpus(name).read(*fetch(name, cache_dir), **options)


def _source(name_or_path, loader):
    """'corpus', 'tfds' or 'file'; checks that `loader` fits the kind."""
    if isinstance(name_or_path, str) and name_or_path in CORPORA:
        _check_kind(name_or_path, CORPORA[name_or_path].kind, loader)
        return "corpus"
    tfds_name = tfds_sources.tfds_name(name_or_path)
    if tfds_name is not None:
        kind = tfds_sources.TFDS_CORPORA.get(tfds_name)
        if kind is not None:
            _check_kind(name_or_path, kind, loader)
        return "tfds"
    if isinstance(name_or_path, (str, os.PathLike)) and pathlib.Path(name_or_path).is_file():
        return "file"
    raise CorpusError(
        f"{name_or_path!r} is neither a known corpus nor an existing file. "
        f"Known corpora: {', '.join(CORPORA)}. tfds datasets: "
        f"{', '.join(tfds_sources.TFDS_CORPORA)}, or any as "
        f"'{tfds_sources.TFDS_PREFIX}NAME'."
    )


def _check_kind(name, kind, loader):
    expected = _LOADER_FOR_KIND[kind]
    if expected != loader:
        raise CorpusError(
            f"{name!r} is a {kind} corpus; read it with {expected}(), "
            f"not {loader}()."
        )
