import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kerasseq.text import OOV_ID, PAD_ID, Tokenizer


def test_char_vocabulary_is_frequency_ranked_after_pad_and_oov():
    tokenizer = Tokenizer.fit(["abracadabra"], level="char")
    assert tokenizer.vocabulary == ["", "[UNK]", "a", "b", "r", "c", "d"]
    assert tokenizer.encode_one("bad") == [3, 2, 6]
    assert tokenizer.encode_one("zap") == [OOV_ID, 2, OOV_ID]


def test_word_level_lowercases_strips_punctuation_and_maps_oov():
    tokenizer = Tokenizer.fit(["The cat sat.", "the CAT, the dog!"], level="word")
    assert tokenizer.vocabulary[:4] == ["", "[UNK]", "the", "cat"]
    ids = tokenizer.encode_one("The Cat flew")
    assert ids == [2, 3, OOV_ID]
    assert tokenizer.decode(ids) == "the cat [UNK]"


def test_max_tokens_and_min_count():
    tokenizer = Tokenizer.fit(["a a a b b c"], level="word", max_tokens=2)
    assert tokenizer.tokens == ["a", "b"]
    tokenizer = Tokenizer.fit(["a a a b b c"], level="word", min_count=2)
    assert tokenizer.tokens == ["a", "b"]


def test_padding_is_skipped_in_decode_and_encode_is_ragged():
    tokenizer = Tokenizer.fit(["hello"], level="char")
    ids = tokenizer.encode(["he", "hello", ""])
    assert ids.row_lengths().numpy().tolist() == [2, 5, 0]
    padded = ids.to_tensor(PAD_ID).numpy()
    assert tokenizer.decode(padded[0].tolist()) == "he"


def test_invalid_utf8_maps_to_oov_not_an_error():
    tokenizer = Tokenizer.fit(["ab"], level="char")
    assert tokenizer.encode([b"a\xffb"])[0].numpy().tolist() == [2, OOV_ID, 3]


def test_save_and_load_round_trip(tmp_path):
    tokenizer = Tokenizer.fit(["Ünïcödé text, 漢字\n"], level="char")
    tokenizer.save(tmp_path / "vocabulary.json")
    loaded = Tokenizer.load(tmp_path / "vocabulary.json")
    assert loaded.vocabulary == tokenizer.vocabulary and loaded.level == "char"
    assert loaded.encode_one("漢\n") == tokenizer.encode_one("漢\n")


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=40))
def test_any_unicode_round_trips_or_maps_to_oov(text):
    tokenizer = Tokenizer.fit(["the quick brown fox"], level="char")
    ids = tokenizer.encode_one(text)
    assert len(ids) == len(text)
    known = set(tokenizer.tokens)
    for char, token_id in zip(text, ids):
        if char in known:
            assert tokenizer.vocabulary[token_id] == char
        else:
            assert token_id == OOV_ID


@pytest.mark.parametrize("kwargs, argument", [
    ({"tokens": ["a"], "level": "byte"}, "level"),
    ({"tokens": ["a", "[UNK]"]}, "tokens"),
])
def test_bad_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        Tokenizer(**kwargs)
