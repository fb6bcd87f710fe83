import pickle

import pytest

from kerasseq.data.pairs import TranslationPairs


def test_a_list_of_pairs_with_metadata():
    pairs = TranslationPairs(
        [("uno", "one"), ("dos", "two"), ("tres", "three")],
        split=["train", "test", "train"],
        references=["Gen.1.1", "Gen.2.1", "Gen.1.2"],
        skipped={"empty in Spanish": 1},
    )
    assert pairs == [("uno", "one"), ("dos", "two"), ("tres", "three")]
    assert pairs.split == ("train", "test", "train")
    assert pairs.references == ("Gen.1.1", "Gen.2.1", "Gen.1.2")
    assert pairs.indices("train") == [0, 2] and pairs.indices("validation") == []
    assert pickle.loads(pickle.dumps(pairs)).split == pairs.split


def test_swapped_keeps_split_and_references():
    pairs = TranslationPairs(
        [("uno", "one"), ("dos", "two")], split=["train", "test"],
        references=["a", "b"], skipped={"empty in English": 2},
    )
    swapped = pairs.swapped()
    assert swapped == [("one", "uno"), ("two", "dos")]
    assert (swapped.split, swapped.references, swapped.skipped) == (
        pairs.split, pairs.references, pairs.skipped,
    )


def test_plain_pairs_carry_no_metadata():
    pairs = TranslationPairs([("a", "b")])
    assert (pairs.split, pairs.references, pairs.skipped) == (None, None, None)
    with pytest.raises(ValueError, match="no fixed split"):
        pairs.indices("test")


def test_metadata_must_match_the_pairs():
    with pytest.raises(ValueError, match="`split` must hold one entry per pair \\(2\\). Received: 1"):
        TranslationPairs([("a", "b"), ("c", "d")], split=["train"])
    with pytest.raises(ValueError, match="`references` must hold one entry per pair"):
        TranslationPairs([("a", "b")], references=[])
    with pytest.raises(ValueError, match="Received: \\['dev'\\]"):
        TranslationPairs([("a", "b")], split=["dev"])
    with pytest.raises(ValueError, match="`name` must be one of"):
        TranslationPairs([("a", "b")], split=["test"]).indices("dev")
