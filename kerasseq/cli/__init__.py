"""The `kerasseq` command line: parses arguments into configs, calls the library.

Each subcommand is a module here with `add_parser(commands)` (which sets the
parser's `run`) and `run(args)`. Every failure a user can cause (bad option
value, unknown name, missing or broken model directory) raises
`kerasseq.errors.UserError`, which prints one line `kerasseq COMMAND: error:
...` and exits with status 2; anything else is a bug and shows its traceback.
"""

import argparse
import sys

import kerasseq
from kerasseq.cli import classify
from kerasseq.cli import data
from kerasseq.cli import demo
from kerasseq.cli import diagnose
from kerasseq.cli import evaluate
from kerasseq.cli import export
from kerasseq.cli import generate
from kerasseq.cli import neighbors
from kerasseq.cli import train
from kerasseq.cli import translate
from kerasseq.cli.common import key_value
from kerasseq.cli.train import job_config_from_args
from kerasseq.errors import UserError

#: The subcommands, in the order `kerasseq --help` lists them.
COMMANDS = (demo, train, diagnose, generate, classify, translate, neighbors,
            data, export, evaluate)

__all__ = ["COMMANDS", "build_parser", "job_config_from_args", "key_value", "main"]


def build_parser():
    parser = argparse.ArgumentParser(
        prog="kerasseq",
        description="Recurrent sequence modelling on Keras 3 and TensorFlow.",
    )
    parser.add_argument(
        "--version", action="version", version=f"kerasseq {kerasseq.__version__}"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(commands)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        args.run(args)
    except UserError as error:  # a bad argument, file or corpus; not a bug
        message = " ".join(str(error).split())
        print(f"kerasseq {args.command}: error: {message}", file=sys.stderr)
        return 2
    return 0
