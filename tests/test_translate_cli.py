"""`kerasseq train seq2seq`, `translate` and `evaluate` from the command line."""

import io
import json
import sys

import keras
import pytest

from kerasseq import cli
from kerasseq.training import model_dir
from tests.jobs.test_seq2seq import write_digit_pairs


@pytest.fixture(scope="module")
def seq2seq_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli_seq2seq")
    write_digit_pairs(root / "digits.tsv", count=300)
    out = root / "model"
    code = cli.main([
        "train", "seq2seq", "--data", str(root / "digits.tsv"),
        "--cell", "gru", "--units", "16", "--embedding-dim", "8",
        "--bidirectional", "--attention", "multiplicative", "--epochs", "2",
        "--batch-size", "32", "--max-length", "8", "--beam", "2",
        "--level", "word", "--out", str(out),
    ])
    assert code == 0
    return out


@pytest.fixture
def lm_dir(tmp_path):
    """A directory that holds a (tiny, fake) language model."""
    inputs = keras.Input((None,), dtype="int32")
    model = keras.Model(inputs, keras.layers.Embedding(5, 2)(inputs))
    model.save(tmp_path / model_dir.MODEL_FILE)
    model_dir.write_json(
        tmp_path / model_dir.CONFIG_FILE,
        {"job": "lm", "out": str(tmp_path), "model": {}, "train": {}, "options": {}},
    )
    return tmp_path


def run(argv, capsys, monkeypatch, stdin=b""):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_translate_arguments_and_plot_the_attention(seq2seq_dir, tmp_path,
                                                    capsys, monkeypatch):
    plot = tmp_path / "attention.png"
    code, out, err = run(
        ["translate", seq2seq_dir, "eins zwei drei", "vier fünf",
         "--beam", "3", "--plot-attention", plot],
        capsys, monkeypatch,
    )
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 2
    vocabulary = set("zero one two three four five six seven eight nine [UNK]".split())
    assert all(set(line.split()) <= vocabulary for line in lines), lines
    for index in (1, 2):
        path = tmp_path / f"attention-{index}.png"
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert str(path) in err
    assert not list(tmp_path.glob(".*tmp*"))  # written atomically


def test_translate_reads_lines_of_stdin(seq2seq_dir, tmp_path, capsys, monkeypatch):
    code, out, err = run(
        ["translate", seq2seq_dir, "--beam", "1", "--plot-attention",
         tmp_path / "one.png"],
        capsys, monkeypatch, stdin="eins zwei\n\n".encode(),
    )
    assert code == 0, err
    assert len(out.splitlines()) == 1
    assert (tmp_path / "one.png").is_file()


def test_evaluate_json_reports_bleu(seq2seq_dir, capsys, monkeypatch):
    code, out, _ = run(["evaluate", seq2seq_dir, "--json"], capsys, monkeypatch)
    assert code == 0
    metrics = json.loads(out)
    for key in ("bleu", "bleu_greedy", "bleu_long", "token_accuracy"):
        assert 0 <= metrics[key] <= (100 if key.startswith("bleu") else 1), key
    assert metrics["beam"] == 2


@pytest.mark.parametrize(
    "argv, stdin, expected",
    [
        (["translate", "{dir}"], b"", "no text to translate"),
        (["translate", "{dir}"], b"\n  \n", "no text to translate"),
        (["translate", "{dir}"], b"eins \xff", "not valid UTF-8"),
        (["translate", "{dir}", "eins", "--beam", "0"], b"", "`beam`"),
        (["translate", "{dir}", "?!"], b"", "holds no token"),
        (["translate", "{lm}", "eins"], b"",
         "needs one made by `kerasseq train seq2seq`"),
        (["generate", "{dir}"], b"", "needs one made by `kerasseq train lm`"),
        # lm_dir's model is not the language model its config describes.
        (["generate", "{lm}"], b"", "model.keras does not fit config.json"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(seq2seq_dir, lm_dir, capsys,
                                          monkeypatch, argv, stdin, expected):
    argv = [a.format(dir=seq2seq_dir, lm=lm_dir) for a in argv]
    code, out, err = run(argv, capsys, monkeypatch, stdin=stdin)
    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 1 and expected in err, err
    assert err.startswith(f"kerasseq {argv[0]}: error: ")


def test_plotting_a_model_without_attention_is_refused():
    import numpy as np

    from kerasseq.translation import Translation
    from kerasseq.translation import plot_translation

    result = Translation("eins", "one", ["eins"], ["one", "[END]"], None)
    with pytest.raises(ValueError, match="no attention"):
        plot_translation(result, "unused.png")
    result.attention = np.ones((3, 1))
    with pytest.raises(ValueError, match="`weights`"):
        plot_translation(result, "unused.png")
