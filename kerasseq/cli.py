"""The `kerasseq` command line: parses arguments into configs, calls the library."""

import argparse
import dataclasses
import sys

import kerasseq
from kerasseq.training.config import TrainConfig
from kerasseq.training.demo import DemoConfig
from kerasseq.training.demo import run_demo


def _cells(text):
    return tuple(name.strip() for name in text.split(",") if name.strip())


def build_parser():
    parser = argparse.ArgumentParser(
        prog="kerasseq",
        description="Recurrent sequence modelling on Keras 3 and TensorFlow.",
    )
    parser.add_argument(
        "--version", action="version", version=f"kerasseq {kerasseq.__version__}"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    defaults = DemoConfig()
    demo = commands.add_parser(
        "demo",
        help="train SimpleRNN, LSTM and GRU on the adding problem",
        description="Train one model per cell on a generated adding problem "
        "and print the loss of every epoch beside the baseline.",
    )
    demo.add_argument(
        "--cells",
        type=_cells,
        default=defaults.cells,
        help="comma-separated cell names (default: %(default)s)",
    )
    demo.add_argument("--length", type=int, default=defaults.length)
    demo.add_argument("--units", type=int, default=defaults.units)
    demo.add_argument("--train-samples", type=int, default=defaults.train_samples)
    demo.add_argument("--epochs", type=int, default=defaults.train.epochs)
    demo.add_argument("--batch-size", type=int, default=defaults.train.batch_size)
    demo.add_argument(
        "--learning-rate", type=float, default=defaults.train.learning_rate
    )
    demo.add_argument(
        "--clipnorm",
        type=float,
        default=defaults.train.global_clipnorm,
        help="rescale the gradient g to xi*g/||g|| when ||g|| > xi "
        "(global norm; default: %(default)s)",
    )
    demo.add_argument("--seed", type=int, default=defaults.train.seed)
    demo.add_argument(
        "--plot",
        default=defaults.plot,
        help="PNG file for the loss curves; '' to skip (default: %(default)s)",
    )
    return parser


def demo_config_from_args(args):
    train = TrainConfig(
        learning_rate=args.learning_rate,
        global_clipnorm=args.clipnorm,
        epochs=args.epochs,
        batch_size=args.batch_size,
        seed=args.seed,
    )
    return dataclasses.replace(
        DemoConfig(),
        cells=args.cells,
        length=args.length,
        units=args.units,
        train_samples=args.train_samples,
        plot=args.plot or None,
        train=train,
    )


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        if args.command == "demo":
            run_demo(demo_config_from_args(args))
    except ValueError as error:
        print(f"kerasseq {args.command}: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
