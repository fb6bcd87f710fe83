import pytest

from kerasseq.data import files
from kerasseq.data.errors import CorpusError


def test_read_text_file_drops_a_bom(tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes("\ufeffline one\nline two\n".encode("utf-8"))
    assert files.read_text_file(path) == "line one\nline two\n"
    path.write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(CorpusError, match="not valid utf-8-sig text.*encoding="):
        files.read_text_file(path)
    assert files.read_text_file(path, encoding="latin-1") == "caf\xe9"


def test_missing_file(tmp_path):
    with pytest.raises(CorpusError, match="No such file"):
        files.read_text_file(tmp_path / "nope.txt")


def test_csv_with_quotes_and_int_labels(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_text('id,text,label\n1,"Good, really.",1\n2,"Two\nlines",0\n\n3,Bad,0\n')
    assert files.read_labelled_file(path) == (["Good, really.", "Two\nlines", "Bad"], [1, 0, 0])


def test_tsv_by_extension_with_named_columns(tmp_path):
    path = tmp_path / "data.tsv"
    path.write_text("sentence\tscore\nA, b, c\t0.5\nD\t-1\n")
    assert files.read_labelled_file(path, "sentence", "score") == (["A, b, c", "D"], [0.5, -1.0])


def test_sniffed_delimiter_and_string_labels(tmp_path):
    path = tmp_path / "data.txt"
    path.write_text("text;label\nnice one;pos\nawful;neg\nmeh;neu\n")
    assert files.read_labelled_file(path) == (["nice one", "awful", "meh"], ["pos", "neg", "neu"])


def test_explicit_delimiter_wins(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("text|label\na,b|1\n")
    assert files.read_labelled_file(path, delimiter="|") == (["a,b"], [1])


def test_missing_column_lists_the_columns_present(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_text("review,stars\nfine,5\n")
    with pytest.raises(CorpusError, match=r"no text column 'text'; columns present: 'review', 'stars'"):
        files.read_labelled_file(path)
    with pytest.raises(CorpusError, match=r"no label column 'label'; columns present: 'review', 'stars'"):
        files.read_labelled_file(path, text_column="review")
    assert files.read_labelled_file(path, "review", "stars") == (["fine"], [5])


def test_short_row_and_empty_file(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("text,label\nonly text\n")
    with pytest.raises(CorpusError, match="row 2: has 1 fields, the header has 2"):
        files.read_labelled_file(path)
    path.write_text("")
    with pytest.raises(CorpusError, match="is empty"):
        files.read_labelled_file(path)


def test_nmt_pairs_with_and_without_attribution(tmp_path):
    path = tmp_path / "spa.txt"
    path.write_text(
        "Go.\tVe.\tCC-BY 2.0 (France) Attribution: tatoeba.org #2877272\n"
        "\n"
        "Hi.\tHola.\n"
    )
    assert files.read_pairs_file(path) == [("Go.", "Ve."), ("Hi.", "Hola.")]
    assert files.read_pairs_file(path, reverse=True) == [("Ve.", "Go."), ("Hola.", "Hi.")]


def test_nmt_line_without_tab(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text("a\tb\nno tab here\n")
    with pytest.raises(CorpusError, match="line 2: expected 'source<TAB>target.*no tab here"):
        files.read_pairs_file(path)
