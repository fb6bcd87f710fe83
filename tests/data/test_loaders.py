import dataclasses
import hashlib

import pytest

from kerasseq import data
from kerasseq.data import archives as archives_module
from kerasseq.data import corpora
from kerasseq.data.errors import CorpusError
from kerasseq.data.pairs import TranslationPairs
from tests.helpers.data_builders import write_deb


@pytest.fixture
def fortunes_cache(tmp_path, monkeypatch):
    """A cache holding a small fortunes .deb, registered under its own sha256."""
    deb = write_deb(tmp_path / "f.deb", {"usr/share/games/fortunes/x": b"One.\n%\nTwo.\n%\n"})
    real = corpora.CORPORA["fortunes"]
    archive = dataclasses.replace(
        real.archive, sha256=hashlib.sha256(deb.read_bytes()).hexdigest()
    )
    monkeypatch.setitem(corpora.CORPORA, "fortunes", dataclasses.replace(real, archive=archive))
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    deb.rename(cache_dir / archive.filename)
    return cache_dir


@pytest.fixture
def bible_cache(tmp_path, monkeypatch):
    """A cache holding two small .debs that a stand-in bible_es_en reads."""
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    real = corpora.CORPORA["bible_es_en"]
    archives = []
    for archive, text in zip(real.archives, (b"Hola.\n", b"Hello.\n")):
        deb = write_deb(tmp_path / "x.deb", {"usr/share/text": text})
        archives.append(dataclasses.replace(
            archive, sha256=hashlib.sha256(deb.read_bytes()).hexdigest()
        ))
        deb.rename(cache_dir / archive.filename)

    def reader(spanish_path, english_path):
        texts = [
            archives_module.read_file(path, "usr/share/text").decode().strip()
            for path in (spanish_path, english_path)
        ]
        return TranslationPairs(
            [tuple(texts), ("Adiós.", "Bye.")], split=["train", "test"],
            references=["Gen.1.1", "Gen.2.1"], skipped={"empty in Spanish": 0},
        )

    monkeypatch.setitem(corpora.CORPORA, "bible_es_en", dataclasses.replace(
        real, archive=archives[0], extra_archives=tuple(archives[1:]), reader=reader,
    ))
    return cache_dir


def test_list_corpora_reports_what_is_cached(fortunes_cache):
    infos = {info.name: info for info in data.list_corpora(fortunes_cache)}
    assert list(infos) == list(corpora.CORPORA)
    assert infos["fortunes"].cached and not infos["kjv"].cached
    assert infos["fortunes"].package == "debian fortunes=1:1.99.1-7.3"
    assert infos["vader"].kind == "graded" and infos["vader"].license == "MIT"
    assert infos["bible_es_en"].package == (
        "debian sword-text-sparv=2.60-1, debian sword-text-kjv=14.3-1"
    )


def test_a_corpus_of_two_archives_is_cached_when_both_are(bible_cache):
    assert {info.name: info.cached for info in data.list_corpora(bible_cache)}["bible_es_en"]
    (bible_cache / "sword-text-kjv_14.3-1_all.deb").unlink()
    assert not {info.name: info.cached for info in data.list_corpora(bible_cache)}["bible_es_en"]


def test_fetch_and_load_a_registered_corpus(fortunes_cache):
    assert data.fetch("fortunes", fortunes_cache) == (
        fortunes_cache / corpora.CORPORA["fortunes"].archive.filename,
    )
    assert data.load_text("fortunes", cache_dir=fortunes_cache) == "One.\n%\nTwo.\n%\n"


def test_fetch_and_load_a_corpus_of_two_archives(bible_cache):
    assert [path.name for path in data.fetch("bible_es_en", bible_cache)] == [
        "sword-text-sparv_2.60-1_all.deb", "sword-text-kjv_14.3-1_all.deb",
    ]
    pairs = data.load_pairs("bible_es_en", cache_dir=bible_cache)
    assert pairs == [("Hola.", "Hello."), ("Adiós.", "Bye.")]
    assert pairs.split == ("train", "test") and pairs.references == ("Gen.1.1", "Gen.2.1")


def test_reverse_swaps_the_pairs_and_keeps_their_split(bible_cache):
    pairs = data.load_pairs("bible_es_en", reverse=True, cache_dir=bible_cache)
    assert isinstance(pairs, TranslationPairs)
    assert pairs == [("Hello.", "Hola."), ("Bye.", "Adiós.")]
    assert pairs.split == ("train", "test") and pairs.references == ("Gen.1.1", "Gen.2.1")
    assert pairs.skipped == {"empty in Spanish": 0}


def test_cache_dir_from_the_environment(fortunes_cache, monkeypatch):
    monkeypatch.setenv("KERASSEQ_CACHE", str(fortunes_cache))
    assert data.load_text("fortunes") == "One.\n%\nTwo.\n%\n"


def test_unknown_name_lists_what_is_known():
    with pytest.raises(CorpusError) as raised:
        data.load_text("wikitext")
    message = str(raised.value)
    assert "'wikitext' is neither a known corpus nor an existing file" in message
    assert "shakespeare, kjv, fortunes, rotten_tomatoes, vader, ding_de_en, bible_es_en" in message
    assert "tiny_shakespeare" in message and "'tfds:NAME'" in message
    with pytest.raises(CorpusError, match="Unknown corpus 'wikitext'. Known corpora: shakespeare"):
        data.fetch("wikitext")


@pytest.mark.parametrize("loader, name, expected", [
    (data.load_text, "rotten_tomatoes", "load_labelled"),
    (data.load_labelled, "kjv", "load_text"),
    (data.load_pairs, "vader", "load_labelled"),
    (data.load_labelled, "ding_de_en", "load_pairs"),
])
def test_kind_mismatch_names_the_right_loader(loader, name, expected):
    with pytest.raises(CorpusError, match=f"read it with {expected}"):
        loader(name)


def test_options_that_do_not_apply():
    with pytest.raises(CorpusError, match="fixed columns"):
        data.load_labelled("vader", text_column="text")


def test_subset_does_not_apply_to_files(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("text,label\na,1\n")
    with pytest.raises(CorpusError, match="`subset` applies to registered corpora"):
        data.load_labelled(path, subset="tweets")


def test_user_files(tmp_path):
    text = tmp_path / "book.txt"
    text.write_text("Call me Ishmael.\n")
    table = tmp_path / "d.tsv"
    table.write_text("sentence\tgold\nfine\tpos\n")
    pairs = tmp_path / "deu.txt"
    pairs.write_text("Hi.\tHallo!\tCC-BY\n")
    assert data.load_text(text) == "Call me Ishmael.\n"
    assert data.load_text(str(text)) == "Call me Ishmael.\n"
    assert data.load_labelled(table, "sentence", "gold") == (["fine"], ["pos"])
    assert data.load_pairs(pairs) == [("Hi.", "Hallo!")]
    assert data.load_pairs(pairs, reverse=True) == [("Hallo!", "Hi.")]
    assert isinstance(data.load_pairs(pairs), data.TranslationPairs)
    assert data.load_pairs(pairs, reverse=True).split is None
