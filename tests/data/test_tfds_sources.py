import pytest

tfds = pytest.importorskip("tensorflow_datasets")

from kerasseq.data import load_labelled  # noqa: E402
from kerasseq.data import load_pairs  # noqa: E402
from kerasseq.data import load_text  # noqa: E402
from kerasseq.data import tfds_sources  # noqa: E402
from kerasseq.data.errors import CorpusError  # noqa: E402


def test_tfds_names():
    assert tfds_sources.tfds_name("tiny_shakespeare") == "tiny_shakespeare"
    assert tfds_sources.tfds_name("tfds:glue/sst2") == "glue/sst2"
    assert tfds_sources.tfds_name("shakespeare") is None
    assert tfds_sources.tfds_name(3) is None


def test_text_from_tfds(tmp_path):
    with tfds.testing.mock_data(num_examples=4):
        text = load_text("tiny_shakespeare", data_dir=tmp_path)
        examples = [
            example["text"].decode()
            for example in tfds.as_numpy(tfds.load("tiny_shakespeare", split="train", data_dir=tmp_path))
        ]
    assert isinstance(text, str) and len(examples) == 4
    assert text == "".join(examples)


def test_labelled_from_tfds_uses_supervised_keys(tmp_path):
    with tfds.testing.mock_data(num_examples=6):
        texts, labels = load_labelled("imdb_reviews", data_dir=tmp_path)
        same = load_labelled("tfds:imdb_reviews", "text", "label", data_dir=tmp_path)
    assert len(texts) == len(labels) == 6
    assert all(isinstance(text, str) for text in texts)
    assert set(labels) <= {0, 1} and all(isinstance(label, int) for label in labels)
    assert same == (texts, labels)


def test_pairs_from_tfds(tmp_path):
    with tfds.testing.mock_data(num_examples=3):
        pairs = load_pairs("ted_hrlr_translate/pt_to_en", data_dir=tmp_path)
        reversed_pairs = load_pairs("ted_hrlr_translate/pt_to_en", reverse=True, data_dir=tmp_path)
        raw = list(tfds.as_numpy(tfds.load("ted_hrlr_translate/pt_to_en", split="train", data_dir=tmp_path)))
    assert pairs == [(e["pt"].decode(), e["en"].decode()) for e in raw]
    assert reversed_pairs == [(target, source) for source, target in pairs]


def test_missing_feature_is_named(tmp_path):
    with tfds.testing.mock_data(num_examples=2):
        with pytest.raises(CorpusError, match="no feature 'review'; features: label, text"):
            load_labelled("imdb_reviews", "review", "label", data_dir=tmp_path)


def test_kind_mismatch_for_known_tfds_names():
    with pytest.raises(CorpusError, match="'imdb_reviews' is a classification corpus; read it with load_labelled"):
        load_text("imdb_reviews")
