import pytest

from kerasseq.export import vocabulary

AWKWARD = ["", "[UNK]", "\n", "\r", "\t", "\\", "\\n", "a b", "\x00", "\x85",
           "\u2028", "\u2029", "é", "日本", "🙂", "\ufffd", "\x1b[0m", "\\u0041"]


def test_escape_puts_every_token_on_one_line_and_round_trips():
    for token in AWKWARD:
        line = vocabulary.escape(token)
        assert len(line.splitlines()) <= 1 and "\n" not in line
        assert vocabulary.unescape(line) == token


def test_written_file_reads_back_by_line_number(tmp_path):
    path = tmp_path / "vocabulary.txt"
    vocabulary.write_text(path, AWKWARD)
    lines = path.read_bytes().decode("utf-8").split("\n")
    assert lines[0] == "" and lines[1] == "[UNK]" and lines[-1] == ""
    assert len(lines) == len(AWKWARD) + 1  # the last line ends with \n too
    assert vocabulary.read_text(path) == AWKWARD


def test_unknown_escape_is_refused():
    with pytest.raises(ValueError, match="Unknown escape"):
        vocabulary.unescape("\\q")
