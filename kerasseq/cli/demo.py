"""`kerasseq demo`: SimpleRNN, LSTM and GRU on a small adding problem."""

import dataclasses

from kerasseq.cli.common import cell_list
from kerasseq.errors import checking_user_input
from kerasseq.training.config import TrainConfig
from kerasseq.training.demo import DemoConfig
from kerasseq.training.demo import run_demo


def add_parser(commands):
    defaults = DemoConfig()
    demo = commands.add_parser(
        "demo",
        help="train SimpleRNN, LSTM and GRU on the adding problem",
        description="Train one model per cell on a generated adding problem "
        "and print the loss of every epoch beside the baseline.",
    )
    demo.add_argument(
        "--cells",
        type=cell_list,
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
    demo.set_defaults(run=run)


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


def run(args):
    with checking_user_input():
        config = demo_config_from_args(args)
    run_demo(config)
