import json
import os

import numpy as np
import pytest
import sentencepiece
import tensorflow as tf

from kerasseq.text.subword import SubwordTokenizer
from kerasseq.text.subword import model_file_for
from kerasseq.text.tokenizer import fit_tokenizer
from kerasseq.text.tokenizer import load_tokenizer

TEXTS = [
    "En el principio creó Dios los cielos y la tierra.",
    "Y la tierra estaba desordenada y vacía, y las tinieblas estaban sobre la faz del abismo.",
    "Y dijo Dios: Sea la luz: y fué la luz.",
    "¿Dónde estás? ¡Aquí estoy, Señor!",
    "Y llamó Dios á la luz Día, y á las tinieblas llamó Noche.",
] * 20


@pytest.fixture(scope="module")
def trained():
    return SubwordTokenizer.fit(TEXTS, vocabulary_size=400)


@pytest.fixture
def tokenizer(trained):
    # A new instance per test: conftest's `clear_session` clears TF's kernel
    # cache, which owns TF Text's SentencePiece resource.
    return SubwordTokenizer(trained.model_proto)


def test_special_ids_follow_the_package_conventions(tokenizer):
    assert tokenizer.vocabulary[:4] == ["", "[UNK]", "[START]", "[END]"]
    assert tokenizer.vocabulary_size == len(tokenizer.vocabulary)
    assert tokenizer.index()["[END]"] == 3


def test_case_punctuation_and_accents_survive_the_round_trip(tokenizer):
    for text in TEXTS[:5]:
        ids = tokenizer.encode_one(text)
        assert 1 not in ids  # never [UNK]
        assert tokenizer.decode(ids) == text


def test_unseen_characters_are_spelled_in_bytes_not_unk(tokenizer):
    text = "Ωμέγα 😀 naïve ☃"
    ids = tokenizer.encode_one(text)
    assert 1 not in ids
    assert tokenizer.decode(ids) == text


def test_python_and_graph_encodings_agree_with_the_sentencepiece_library(tokenizer):
    reference = sentencepiece.SentencePieceProcessor()
    reference.LoadFromSerializedProto(tokenizer.model_proto)
    texts = TEXTS[:5] + ["", "  spaced   out  ", "Ωμέγα 😀"]
    expected = [reference.EncodeAsIds(t) for t in texts]
    graph = tf.function(tokenizer.encode)(tf.constant(texts)).to_list()
    assert graph == expected
    assert tokenizer.encode(texts).to_list() == expected  # eager
    assert [tokenizer.encode_one(t) for t in texts] == expected
    pieces = tokenizer.split(texts[:1]).to_list()[0]
    assert [p.decode() for p in pieces] == reference.EncodeAsPieces(texts[0])


def test_graph_decoding_equals_python_decoding_and_skips_specials(tokenizer):
    rows = [tokenizer.encode_one(t) for t in TEXTS[:3]]
    width = max(len(r) for r in rows) + 2
    padded = np.zeros((3, width), np.int32)
    for i, row in enumerate(rows):
        padded[i, : len(row)] = row
    padded[0, len(rows[0])] = 3  # [END], then padding
    padded[1, len(rows[1])] = 2  # a stray [START]
    for decode in (tokenizer.decode_tensor, tf.function(tokenizer.decode_tensor)):
        got = decode(tf.constant(padded)).numpy()
        assert [g.decode() for g in got] == TEXTS[:3]
    assert tokenizer.decode(padded[0].tolist()) == TEXTS[0]


def test_decode_tensor_inside_a_tf_function(tokenizer):
    ids = tf.constant([tokenizer.encode_one(TEXTS[2])])

    @tf.function
    def decode(x):
        return tokenizer.decode_tensor(x)

    assert decode(ids).numpy()[0].decode() == TEXTS[2]


def test_invalid_utf8_is_dropped_not_an_error(tokenizer):
    # Replaced by U+FFFD, which SentencePiece's NFKC normalization removes.
    for encode in (tokenizer.encode, tf.function(tokenizer.encode)):
        ids = encode(tf.constant([b"luz \xff fin"])).to_list()[0]
        assert tokenizer.decode(ids) == "luz fin"


def test_save_and_load_round_trip(tokenizer, tmp_path):
    path = str(tmp_path / "source_vocabulary.json")
    tokenizer.save(path)
    assert os.path.isfile(model_file_for(path))
    with open(path, encoding="utf-8") as handle:
        config = json.load(handle)
    assert config["level"] == "subword"
    assert config["model_file"] == "source_vocabulary.model"
    loaded = load_tokenizer(path)
    assert isinstance(loaded, SubwordTokenizer)
    assert loaded.tokens == tokenizer.tokens
    assert loaded.encode_one(TEXTS[1]) == tokenizer.encode_one(TEXTS[1])


def test_missing_or_corrupt_model_file_is_one_clear_error(tokenizer, tmp_path):
    path = str(tmp_path / "v.json")
    tokenizer.save(path)
    with open(model_file_for(path), "wb") as handle:
        handle.write(b"not a model")
    with pytest.raises(ValueError, match="Not a SentencePiece model"):
        load_tokenizer(path)
    os.remove(model_file_for(path))
    with pytest.raises(ValueError, match="missing"):
        load_tokenizer(path)


def test_a_model_with_other_special_ids_is_refused(tmp_path):
    import io

    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.Train(
        sentence_iterator=iter(TEXTS), model_writer=model, vocab_size=60,
        hard_vocab_limit=False, minloglevel=2,
    )
    with pytest.raises(ValueError, match="ids 0-3"):
        SubwordTokenizer(model.getvalue())


def test_fit_tokenizer_dispatches_on_level():
    assert isinstance(fit_tokenizer(TEXTS, "subword", 400), SubwordTokenizer)
    with pytest.raises(ValueError, match="vocabulary_size=270"):
        fit_tokenizer(TEXTS, "subword", 270)
    assert fit_tokenizer(TEXTS, "word", 5).level == "word"
    with pytest.raises(ValueError, match="level"):
        fit_tokenizer(TEXTS, "bytes")
    with pytest.raises(ValueError, match="non-empty"):
        SubwordTokenizer.fit(["", "  "])


def test_two_tokenizers_in_one_saved_model_keep_their_own_models(tmp_path):
    """TF Text's kernel-owned resources are named after their nodes: the
    source and target tokenizers of a translator must not collide when the
    SavedModel is restored."""
    spanish = SubwordTokenizer.fit(TEXTS, vocabulary_size=400)
    english = SubwordTokenizer.fit(["In the beginning God created the heaven."] * 30,
                                   vocabulary_size=300)
    ids = tf.constant([english.encode_one("God created the heaven.")])

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def serve(text):
        return {"source": spanish.encode(text).to_tensor(),
                "target": english.decode_tensor(ids)}

    module = tf.Module()
    module.resources = [spanish.lookup_layer(), english.lookup_layer()]
    tf.saved_model.save(module, str(tmp_path), signatures={"serving_default": serve})
    loaded = tf.saved_model.load(str(tmp_path)).signatures["serving_default"]
    outputs = loaded(text=tf.constant([TEXTS[2]]))
    assert outputs["source"].numpy()[0].tolist() == spanish.encode_one(TEXTS[2])
    assert outputs["target"].numpy()[0].decode() == "God created the heaven."
