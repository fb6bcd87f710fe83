import json
import os

import numpy as np
import pytest

from kerasseq.jobs import JobConfig
from kerasseq.jobs import get_job
from kerasseq.jobs.seq2seq import Seq2SeqOptions
from kerasseq.jobs.seq2seq import corpus_bleu
from kerasseq.jobs.seq2seq import reference_texts
from kerasseq.jobs.seq2seq import with_special_tokens
from kerasseq.text.tokenizer import Tokenizer
from kerasseq.training.config import ModelConfig
from kerasseq.training.config import TrainConfig
from tests.helpers.training import train_job
from kerasseq.jobs import evaluate_model_dir

GERMAN = "null eins zwei drei vier fünf sechs sieben acht neun".split()
ENGLISH = "zero one two three four five six seven eight nine".split()


def write_digit_pairs(path, count=600, seed=0):
    """German digit words -> the English words in reverse order, as TSV."""
    rng = np.random.default_rng(seed)
    with open(path, "w", encoding="utf-8") as handle:
        for _ in range(count):
            digits = rng.integers(0, 10, rng.integers(2, 7))
            source = " ".join(GERMAN[d] for d in digits)
            target = " ".join(ENGLISH[d] for d in digits[::-1])
            handle.write(f"{source}.\t{target.capitalize()}.\tattribution\n")


def digits_config(root, out="model", **options):
    return JobConfig(
        job="seq2seq",
        out=str(root / out),
        model=ModelConfig(cell="gru", units=32, bidirectional=True, embedding_dim=16),
        train=TrainConfig(epochs=15, batch_size=32, learning_rate=5e-3,
                          global_clipnorm=1.0),
        options=Seq2SeqOptions(
            **{"data": str(root / "digits.tsv"), "max_length": 8, "beam": 3,
               "level": "word", **options}
        ),
    )


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("seq2seq")
    write_digit_pairs(root / "digits.tsv")
    config = digits_config(root)
    _, metrics = train_job(config, print_fn=lambda *a: None, verbose=0)
    return config, metrics


def test_learns_to_translate_and_reverse_digits(trained):
    config, metrics = trained
    assert metrics["bleu"] > 90 and metrics["bleu_greedy"] > 90, metrics
    assert metrics["bleu_long"] > 85, metrics
    assert metrics["token_accuracy"] > 0.95, metrics
    assert metrics["test_pairs"] == 30 and 0 < metrics["long_test_pairs"] < 30
    for name in ("source_vocabulary.json", "target_vocabulary.json",
                 "model.keras", "metrics.json", "training.png"):
        assert os.path.isfile(os.path.join(config.out, name)), name
    with open(os.path.join(config.out, "target_vocabulary.json")) as handle:
        assert json.load(handle)["tokens"][:2] == ["[START]", "[END]"]


def test_evaluate_from_the_directory_repeats_the_metrics(trained):
    config, metrics = trained
    again = evaluate_model_dir(config.out)
    for key in ("bleu", "bleu_greedy", "bleu_long", "token_accuracy"):
        assert again[key] == pytest.approx(metrics[key], abs=1e-6), key


def test_translator_reads_raw_text_and_returns_attention(trained):
    from kerasseq.translation import Translator

    translator = Translator(trained[0].out)
    results = translator.translate(["Drei eins vier!", "neun acht sieben sechs"])
    assert [r.translation for r in results] == [
        "four one three", "six seven eight nine"
    ]
    first = results[0]
    assert first.source_tokens == ["drei", "eins", "vier"]
    assert first.target_tokens == ["four", "one", "three", "[END]"]
    assert first.attention.shape == (4, 3)
    # Reversal: each output word attends most to its source word.
    assert first.attention[:3].argmax(axis=1).tolist() == [2, 1, 0]
    greedy = translator.translate(["Drei eins vier!"], beam=1)
    assert greedy[0].translation == "four one three"
    with pytest.raises(ValueError, match="holds no token"):
        translator.translate(["?!"])
    with pytest.raises(ValueError, match="`beam`"):
        translator.translate(["eins"], beam=0)


def test_splits_are_deterministic_by_seed_and_filtered_by_length(tmp_path):
    write_digit_pairs(tmp_path / "digits.tsv", count=200)
    job = get_job("seq2seq")
    config = digits_config(tmp_path)
    first = job.prepare(config).info
    second = job.prepare(config).info
    assert first["test_sources"] == second["test_sources"]
    other_seed = digits_config(tmp_path)
    other_seed.train.seed = 1
    assert job.prepare(other_seed).info["test_sources"] != first["test_sources"]
    short = job.prepare(digits_config(tmp_path, max_length=4)).info
    assert short["kept"] < first["kept"] == 200
    assert all(len(ids) <= 4 for ids in short["test_source_ids"])
    reversed_ = job.prepare(digits_config(tmp_path, reverse=True)).info
    assert reversed_["test_sources"] == first["test_targets"]


def test_batches_are_teacher_forced_and_padded(tmp_path):
    write_digit_pairs(tmp_path / "digits.tsv", count=100)
    data = get_job("seq2seq").prepare(digits_config(tmp_path))
    start, end = 2, 3
    (source, target_in), target_out = next(iter(data.test))
    source, target_in, target_out = (np.asarray(a) for a in (source, target_in, target_out))
    assert np.all(target_in[:, 0] == start)
    lengths = (target_out != 0).sum(axis=1)
    assert np.all(target_out[np.arange(len(lengths)), lengths - 1] == end)
    np.testing.assert_array_equal(target_in[:, 1:][target_out[:, 1:] != 0],
                                  target_out[:, :-1][target_out[:, 1:] != 0])
    assert np.all((target_in != 0) == (target_out != 0))


@pytest.mark.parametrize(
    "kwargs, argument",
    [({"attention": "bahdanau"}, "attention"), ({"beam": 0}, "beam"),
     ({"max_length": -1}, "max_length"), ({"length_penalty": -1.0}, "length_penalty"),
     ({"embeddings": "vectors.txt"}, "embeddings")],
)
def test_bad_options_name_the_argument_and_value(kwargs, argument):
    with pytest.raises(ValueError) as info:
        Seq2SeqOptions(**kwargs)
    message = str(info.value)
    assert f"`{argument}`" in message or f"{argument}=" in message, message
    assert repr(next(iter(kwargs.values()))) in message, message


def test_bleu_references_are_normalized_like_the_model_output():
    tokenizer = with_special_tokens(Tokenizer(["the", "house"], level="word"))
    assert tokenizer.vocabulary[2:4] == ["[START]", "[END]"]
    assert with_special_tokens(tokenizer) is tokenizer
    references = reference_texts(tokenizer, ["The house, old and RED!"])
    assert references == ["the house old and red"]
    assert corpus_bleu(references, references) == pytest.approx(100.0)
    # `[UNK]` is one wrong word, not three sacrebleu tokens.
    assert corpus_bleu(["the [UNK] old and red"], references) == pytest.approx(
        corpus_bleu(["the flat old and red"], references)
    )
    assert corpus_bleu([], []) == 0.0


def test_trains_on_a_tfds_translation_dataset_from_data_dir(tmp_path, monkeypatch):
    """`--data ted_hrlr_translate/pt_to_en --data-dir DIR`, offline: tfds'
    mock data stands in for the download; the pairs are the dataset's
    supervised keys (pt, en) and `data_dir` reaches `tfds.load`."""
    from kerasseq import cli

    tfds = pytest.importorskip("tensorflow_datasets")
    loads = []
    load = tfds.load

    def recording_load(name, **kwargs):
        loads.append((name, kwargs.get("split"), kwargs.get("data_dir")))
        return load(name, **kwargs)

    monkeypatch.setattr(tfds, "load", recording_load)
    data_dir, out = tmp_path / "tfds", tmp_path / "model"
    with tfds.testing.mock_data(num_examples=64):
        raw = [(e["pt"].decode(), e["en"].decode()) for e in tfds.as_numpy(
            load("ted_hrlr_translate/pt_to_en", split="train", data_dir=data_dir)
        )]
        assert cli.main([
            "train", "seq2seq", "--data", "ted_hrlr_translate/pt_to_en",
            "--data-dir", str(data_dir), "--cell", "gru", "--units", "8",
            "--embedding-dim", "8", "--epochs", "1", "--batch-size", "16",
            "--beam", "2", "--level", "word", "--out", str(out),
        ]) == 0
    assert loads == [("ted_hrlr_translate/pt_to_en", "train", str(data_dir))]
    metrics = json.loads((out / "metrics.json").read_text())
    assert 0 <= metrics["bleu"] <= 100 and metrics["test_pairs"] > 0
    source_tokens = set(Tokenizer.load(out / "source_vocabulary.json").tokens)
    assert source_tokens <= {w for pt, _ in raw for w in pt.lower().split()}


def test_source_length_buckets_count_whitespace_words():
    from kerasseq.jobs.seq2seq import source_length_buckets

    texts = ["", "one", " ".join(["w"] * 10), " ".join(["w"] * 11),
             " ".join(["w"] * 40), " ".join(["w"] * 41), "a  b\tc"]
    assert source_length_buckets(texts) == [
        "1-10", "1-10", "1-10", "11-20", "31-40", "41+", "1-10"]
    assert source_length_buckets(["a b c"], bounds=(2,)) == ["3+"]


def test_bucket_scores_are_sacrebleu_on_each_bucket_in_order():
    import sacrebleu

    from kerasseq.jobs.seq2seq import bucket_scores

    sources = ["x " * 25, "x", "x " * 12, "x " * 3]
    hypotheses = ["the cat sat on the mat", "a dog", "it is raining today", "yes"]
    references = ["the cat sat on a mat", "a dog", "it rains today", "no"]
    scores = bucket_scores(sources, hypotheses, references, "subword")
    assert list(scores) == ["1-10", "11-20", "21-30"]
    short = [1, 3]
    assert scores["1-10"]["pairs"] == 2
    assert scores["1-10"]["bleu"] == pytest.approx(sacrebleu.corpus_bleu(
        [hypotheses[i] for i in short], [[references[i] for i in short]]).score)
    assert scores["21-30"]["chrf"] == pytest.approx(sacrebleu.corpus_chrf(
        [hypotheses[0]], [[references[0]]]).score)


def test_a_fixed_split_is_used_as_the_corpus_gives_it():
    from kerasseq.data import TranslationPairs
    from kerasseq.jobs.seq2seq import fixed_split

    pairs = TranslationPairs([("a", "b")] * 5,
                             split=["train", "test", "train", "validation", "test"])
    parts = fixed_split(pairs)
    assert {name: index.tolist() for name, index in parts.items()} == {
        "train": [0, 2], "validation": [3], "test": [1, 4]}
    assert fixed_split(TranslationPairs([("a", "b")])) is None


def test_an_empty_part_after_the_length_cut_names_max_length(tmp_path):
    write_digit_pairs(tmp_path / "digits.tsv", count=100)
    config = digits_config(tmp_path, max_length=1)
    with pytest.raises(ValueError, match="--max-length 1"):
        get_job("seq2seq").prepare(config)
