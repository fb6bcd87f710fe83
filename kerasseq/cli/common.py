"""What several subcommands share: option parsers and reading texts."""

import argparse
import json
import sys

from kerasseq.errors import UserError


def cell_list(text):
    """`("lstm", "gru")` of `--cells lstm,gru`."""
    return tuple(name.strip() for name in text.split(",") if name.strip())


def key_value(text):
    """`(key, value)` of a `KEY=VALUE` option; the value as an int, float or
    bool where it reads as one, a JSON object where it starts with `{`
    (an initializer with arguments: `kernel_initializer={"class_name":
    "RandomUniform", "config": {"minval": -0.01, "maxval": 0.01}}`), else
    the string (`--cell-option`, `--optimizer-option`)."""
    key, separator, value = text.partition("=")
    if not separator or not key:
        raise argparse.ArgumentTypeError(
            f"expected KEY=VALUE, e.g. activation=modrelu; got {text!r}"
        )
    if value.lstrip().startswith("{"):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as error:
            raise argparse.ArgumentTypeError(
                f"the value of {key} starts with '{{' but is not a JSON "
                f"object ({error.msg} at character {error.pos}); got {value!r}"
            ) from None
        if isinstance(parsed, dict):
            return key, parsed
    for convert in (int, float):
        try:
            return key, convert(value)
        except ValueError:
            pass
    return key, {"true": True, "false": False}.get(value.lower(), value)


def read_texts(arguments):
    """Texts from the command line, or lines of standard input."""
    if arguments and arguments != ["-"]:
        return arguments
    raw = sys.stdin.buffer.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UserError(
            f"standard input is not valid UTF-8 (byte {raw[error.start]:#04x} "
            f"at offset {error.start})"
        ) from None
    return [line for line in text.splitlines() if line.strip()]
