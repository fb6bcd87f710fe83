"""Readers for the files users bring: plain text, CSV/TSV, NMT sentence pairs.

- plain text, for language models;
- CSV or TSV with a header row, for classification: a text column and a
  label column;
- the tab-separated sentence pairs of the TensorFlow NMT tutorial
  (`source<TAB>target[<TAB>attribution]`, one pair per line), for
  translation.
"""

import csv
import io
import pathlib

from kerasseq.data.errors import CorpusError

#: Delimiters chosen from the file name; others are sniffed.
DELIMITERS = {".csv": ",", ".tsv": "\t", ".tab": "\t"}
_SNIFFED = ",\t;|"


def read_text_file(path, encoding="utf-8"):
    """The contents of a plain-text file (a leading BOM is dropped)."""
    return _read(path, encoding)


def read_labelled_file(
    path, text_column="text", label_column="label", delimiter=None, encoding="utf-8"
):
    """Reads `(texts, labels)` from a CSV or TSV file with a header row.

    Args:
        path: The file.
        text_column: Header of the column holding the texts.
        label_column: Header of the column holding the labels.
        delimiter: Field delimiter; None picks it from the extension
            (`.csv`: comma, `.tsv`/`.tab`: tab) or sniffs it from the first
            lines (comma, tab, semicolon or `|`).
        encoding: Text encoding.

    Returns:
        `(texts, labels)`: lists. Labels are ints if every label is an
        integer, floats if every label is a number, else strings.

    Raises:
        CorpusError: a column is missing (the message lists the columns
            present) or a row is short.

    Example:

    >>> texts, labels = read_labelled_file("reviews.csv", "review", "stars")  # doctest: +SKIP
    """
    path = pathlib.Path(path)
    content = _read(path, encoding)
    if delimiter is None:
        delimiter = DELIMITERS.get(path.suffix.lower()) or _sniff(content, path)
    rows = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    header = next(rows, None)
    if header is None:
        raise CorpusError(f"{path} is empty; expected a header row.")
    header = [name.strip() for name in header]
    columns = [_column_index(header, name, role, path)
               for role, name in (("text", text_column), ("label", label_column))]
    texts, labels = [], []
    for number, row in enumerate(rows, start=2):
        if not row:
            continue
        if len(row) <= max(columns):
            raise CorpusError(
                f"{path}, row {number}: has {len(row)} fields, the header has "
                f"{len(header)}."
            )
        texts.append(row[columns[0]])
        labels.append(row[columns[1]].strip())
    return texts, _convert_labels(labels)


def read_pairs_file(path, reverse=False, encoding="utf-8"):
    """Reads sentence pairs in the TensorFlow NMT tutorial format.

    Each non-empty line is `source<TAB>target`, optionally followed by a tab
    and an attribution (as in the manythings.org Anki files), which is
    ignored.

    Args:
        path: The file.
        reverse: Return `(target, source)` instead. The Anki files put
            English first; the TensorFlow tutorial reads them reversed to
            translate into English.
        encoding: Text encoding.

    Returns:
        List of `(source, target)` string pairs.

    Raises:
        CorpusError: a line has no tab.

    Example:

    >>> read_pairs_file("spa.txt", reverse=True)[:1]  # doctest: +SKIP
    [('Ve.', 'Go.')]
    """
    content = _read(path, encoding)
    pairs = []
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < 2:
            raise CorpusError(
                f"{path}, line {number}: expected 'source<TAB>target"
                f"[<TAB>attribution]', found no tab in {line[:80]!r}."
            )
        source, target = fields[0].strip(), fields[1].strip()
        pairs.append((target, source) if reverse else (source, target))
    return pairs


def _read(path, encoding):
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
        encoding = "utf-8-sig"  # tolerate a byte-order mark
    try:
        return pathlib.Path(path).read_text(encoding=encoding)
    except FileNotFoundError:
        raise CorpusError(f"No such file: {path}") from None
    except UnicodeDecodeError as error:
        raise CorpusError(
            f"{path} is not valid {encoding} text ({error}); pass "
            "`encoding=` to read it."
        ) from None


def _sniff(content, path):
    try:
        return csv.Sniffer().sniff(content[:65536], delimiters=_SNIFFED).delimiter
    except csv.Error:
        raise CorpusError(
            f"Could not tell the delimiter of {path}: name it .csv or .tsv, "
            "or pass `delimiter=`."
        ) from None


def _column_index(header, name, role, path):
    if name not in header:
        present = ", ".join(repr(column) for column in header)
        raise CorpusError(
            f"{path} has no {role} column {name!r}; columns present: "
            f"{present}. Pass `{role}_column=` to choose one."
        )
    return header.index(name)


def _convert_labels(labels):
    for convert in (int, float):
        try:
            return [convert(label) for label in labels]
        except ValueError:
            continue
    return labels
