"""`vocabulary.txt`: the vocabulary as plain lines an app can read.

Line `i` (counting from 0) is the token of id `i`: line 0 is empty
(padding), line 1 is `[UNK]`. Tokens are written with backslash escapes so
that each fits on one line: `\\\\` is a backslash, `\\n`, `\\r` and `\\t`
are newline, carriage return and tab, and `\\uXXXX` (four hex digits) is
any other control, line-separator, paragraph-separator or surrogate code
point. Every other character is itself, in UTF-8. Lines end with `\\n`.
"""

import unicodedata

TEXT_FILE = "vocabulary.txt"
TEXT_FORMAT = (
    "UTF-8, one token per line, line i = id i (line 0 empty: padding); "
    "escapes: \\\\ backslash, \\n newline, \\r carriage return, \\t tab, "
    "\\uXXXX other control/separator code points"
)
_SHORT = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_UNSHORT = {"\\": "\\", "n": "\n", "r": "\r", "t": "\t"}


def escape(token):
    """`token` as one line of `vocabulary.txt`."""
    pieces = []
    for char in token:
        if char in _SHORT:
            pieces.append(_SHORT[char])
        elif unicodedata.category(char) in ("Cc", "Zl", "Zp", "Cs"):
            pieces.append(f"\\u{ord(char):04x}")
        else:
            pieces.append(char)
    return "".join(pieces)


def unescape(line):
    """The token of one line of `vocabulary.txt` (the inverse of `escape`)."""
    pieces, index = [], 0
    while index < len(line):
        char = line[index]
        if char != "\\":
            pieces.append(char)
            index += 1
            continue
        code = line[index + 1 : index + 2]
        if code == "u":
            pieces.append(chr(int(line[index + 2 : index + 6], 16)))
            index += 6
        elif code in _UNSHORT:
            pieces.append(_UNSHORT[code])
            index += 2
        else:
            raise ValueError(f"Unknown escape {line[index:index + 2]!r} in {line!r}.")
    return "".join(pieces)


def write_text(path, tokens):
    """Writes `tokens` (all ids, padding first) as `vocabulary.txt`."""
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        for token in tokens:
            handle.write(escape(token) + "\n")


def read_text(path):
    """The tokens of a `vocabulary.txt`, by id."""
    with open(path, encoding="utf-8", newline="\n") as handle:
        return [unescape(line[:-1]) for line in handle]
