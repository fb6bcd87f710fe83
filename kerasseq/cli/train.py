"""`kerasseq train JOB`: one subcommand per registered job, with the
options every job shares (model, optimizer, loop) at the job's defaults."""

import argparse
import dataclasses

from kerasseq import jobs
from kerasseq.cli.common import key_value
from kerasseq.errors import UserError
from kerasseq.errors import checking_user_input
from kerasseq.layers import recurrent_layer_names
from kerasseq.models.self_attention_stack import SELF_ATTENTION
from kerasseq.training import trainer
from kerasseq.training.config import ARCHITECTURES
from kerasseq.training.config import JIT_COMPILE_CHOICES
from kerasseq.training.config import LEARNING_RATE_DECAYS
from kerasseq.training.config import RECURRENT
from kerasseq.training.config import ModelConfig
from kerasseq.training.config import TrainConfig
from kerasseq.training.distribution import STRATEGIES


def add_parser(commands):
    train = commands.add_parser(
        "train", help="train a model and write its directory",
        description="Train a model; writes config.json, model.keras, "
        "history.csv, metrics.json, training.png and TensorBoard logs.",
    )
    train_jobs = train.add_subparsers(dest="job", metavar="JOB", required=True)
    for name in jobs.job_names():
        job = jobs.get_job(name)
        job_parser = train_jobs.add_parser(name, help=job.description)
        job.add_arguments(job_parser)
        add_train_options(job_parser, job)
    train.set_defaults(run=run)


#: The `ModelConfig`/`TrainConfig` fields, each set by the flag of the same
#: name, that an architecture may give its own default
#: (`Job.architecture_defaults`).
_MODEL_FLAGS = ("units", "layers", "embedding_dim", "dropout")
_TRAIN_FLAGS = ("learning_rate", "learning_rate_decay", "epochs", "batch_size")


def _architecture_specific(job):
    """`(model fields, train fields)` whose default depends on the
    architecture: read from the job's `architecture_defaults` once
    `--architecture` is known, so their flags default to `None`."""
    model, train = set(), set()
    for own in job.architecture_defaults.values():
        model |= set(own.get("model", {})) & set(_MODEL_FLAGS)
        train |= set(own.get("train", {})) & set(_TRAIN_FLAGS)
    return model, train


def _default_help(job, section, field, recurrent_value):
    """' (default: V; W with --architecture A)' for an architecture-specific
    default, '' for any other."""
    others = [
        f"{own[section][field]} with --architecture {name}"
        for name, own in job.architecture_defaults.items()
        if field in own.get(section, {})
    ]
    if not others:
        return ""
    return f"default: {recurrent_value}; " + "; ".join(others)


def add_train_options(parser, job):
    """The options every `train` subcommand shares, with the job's defaults
    (those of the recurrent architecture; a flag whose default differs with
    `--architecture self_attention` says so and is resolved by
    `job_config_from_args`)."""
    model = dataclasses.replace(ModelConfig(), **job.model_defaults)
    train = dataclasses.replace(TrainConfig(), **job.train_defaults)
    model_specific, train_specific = _architecture_specific(job)

    def default(section, field):
        """`(argparse default, help)` of a model or train field."""
        value = getattr(model if section == "model" else train, field)
        specific = model_specific if section == "model" else train_specific
        if field not in specific:
            return value, None
        return None, _default_help(job, section, field, value)

    group = parser.add_argument_group("model")
    group.add_argument(
        "--architecture", choices=ARCHITECTURES,
        help=f"{RECURRENT}: stacked recurrent layers of --cell (default); "
        f"{SELF_ATTENTION} (lm, sentiment): --layers self-attention blocks "
        "of width --embedding-dim with --units wide feed-forward layers",
    )
    group.add_argument(
        "--cell",
        help=f"the recurrent layer, one of {', '.join(recurrent_layer_names())} "
        f"(default: {model.cell}); --cell {SELF_ATTENTION} is the same as "
        f"--architecture {SELF_ATTENTION}",
    )
    for flag in ("units", "layers"):
        value, text = default("model", flag)
        group.add_argument(f"--{flag}", type=int, default=value, help=text)
    group.add_argument(
        "--bidirectional", action=argparse.BooleanOptionalAction,
        help=f"read both directions (default: {model.bidirectional}; "
        f"never with {SELF_ATTENTION})",
    )
    value, text = default("model", "embedding_dim")
    group.add_argument("--embedding-dim", type=int, default=value, help=text)
    value, text = default("model", "dropout")
    group.add_argument("--dropout", type=float, default=value, help=text)
    group.add_argument(
        "--cell-option", action="append", type=key_value, default=[],
        metavar="KEY=VALUE",
        help="further argument of the recurrent layer (or self-attention "
        "block), repeatable, e.g. --cell-option activation=modrelu "
        "--cell-option parametrization=cayley" + "".join(
            f" (default with --architecture {name}: "
            + " ".join(f"{key}={value}" for key, value in own["cell_options"].items())
            + ")"
            for name, own in job.architecture_defaults.items()
            if own.get("cell_options")
        ),
    )
    group = parser.add_argument_group("training")
    value, text = default("train", "batch_size")
    group.add_argument("--batch-size", type=int, default=value, help=text)
    value, text = default("train", "epochs")
    group.add_argument("--epochs", type=int, default=value, help=text)
    group.add_argument("--steps-per-epoch", type=int, default=train.steps_per_epoch)
    group.add_argument("--validation-steps", type=int, default=train.validation_steps)
    value, text = default("train", "learning_rate")
    group.add_argument("--learning-rate", type=float, default=value, help=text)
    group.add_argument(
        "--manifold-learning-rate", type=float, default=train.manifold_learning_rate,
        help="learning rate of the orthogonal and unitary cells' manifold "
        "parameters (default: --learning-rate / 10, as in the expRNN and "
        "scoRNN papers)",
    )
    value, text = default("train", "learning_rate_decay")
    group.add_argument(
        "--learning-rate-decay", choices=LEARNING_RATE_DECAYS, default=value,
        help="cosine: from --learning-rate to 0 over the whole run "
        f"({text or 'default: %(default)s'})",
    )
    group.add_argument(
        "--optimizer", default=train.optimizer,
        help="adam, adamw, rmsprop or sgd (default: %(default)s)",
    )
    group.add_argument(
        "--optimizer-option", action="append", type=key_value, default=[],
        metavar="KEY=VALUE",
        help="further argument of the Keras optimizer, repeatable, e.g. "
        "--optimizer-option rho=0.99"
        + (f" (default: {train.optimizer_options})" if train.optimizer_options else ""),
    )
    group.add_argument(
        "--clipnorm", type=float, default=train.global_clipnorm,
        help="gradient clipping: g <- xi*g/||g|| when the global norm "
        "||g|| > xi (default: none)",
    )
    group.add_argument("--seed", type=int, default=train.seed)
    group.add_argument(
        "--jit-compile", choices=JIT_COMPILE_CHOICES, default=train.jit_compile,
        help="XLA: auto = on GPUs and on the JAX backend, and on CPUs for "
        "self-attention models with batches of one shape (default: %(default)s)",
    )
    group.add_argument(
        "--strategy", choices=STRATEGIES, default=train.strategy,
        help="tf.distribute strategy; --batch-size is the global batch "
        "(default: %(default)s)",
    )
    group.add_argument(
        "--out", default=f"saved_models/{job.name}",
        help="model directory (default: %(default)s)",
    )
    group.add_argument(
        "--resume", action="store_true",
        help="continue the interrupted run in --out",
    )


def resolve_architecture(job, args):
    """Sets `args.architecture` and `args.cell` from `--architecture` and
    `--cell` (`--cell self_attention`, the spelling before `--architecture`,
    means `--architecture self_attention`), the job's default cell where
    none is given."""
    if args.cell == SELF_ATTENTION:
        if args.architecture == RECURRENT:
            raise UserError(
                f"--cell {SELF_ATTENTION} contradicts --architecture {RECURRENT}; "
                f"give one of them"
            )
        args.architecture, args.cell = SELF_ATTENTION, None
    args.architecture = args.architecture or RECURRENT
    if args.architecture == SELF_ATTENTION and args.cell is not None:
        raise UserError(
            f"--cell {args.cell} names a recurrent layer, and --architecture "
            f"{SELF_ATTENTION} has none: drop --cell (the blocks are set with "
            "--layers, --units, --embedding-dim and --cell-option)"
        )
    if args.architecture == RECURRENT and args.cell is None:
        args.cell = job.model_defaults.get("cell", ModelConfig.cell)


def resolve_defaults(job, args):
    """Fills the flags left at `None` whose default depends on the
    architecture (`add_train_options`) with `args.architecture`'s."""
    model_specific, train_specific = _architecture_specific(job)
    model = dataclasses.replace(
        ModelConfig(), **job.model_defaults_for(args.architecture))
    train = dataclasses.replace(
        TrainConfig(), **job.train_defaults_for(args.architecture))
    for field in model_specific:
        if getattr(args, field) is None:
            setattr(args, field, getattr(model, field))
    for field in train_specific:
        if getattr(args, field) is None:
            setattr(args, field, getattr(train, field))


def job_config_from_args(job, args):
    resolve_architecture(job, args)
    resolve_defaults(job, args)
    bidirectional = args.bidirectional
    if bidirectional is None:  # the job's default; self-attention has none
        bidirectional = args.architecture != SELF_ATTENTION and job.model_defaults.get(
            "bidirectional", ModelConfig.bidirectional
        )
    return jobs.JobConfig(
        job=job.name,
        out=args.out,
        model=job.with_cell_defaults(ModelConfig(
            architecture=args.architecture,
            cell=args.cell,
            units=args.units,
            layers=args.layers,
            bidirectional=bidirectional,
            embedding_dim=args.embedding_dim,
            dropout=args.dropout,
            cell_options=dict(args.cell_option),
        )),
        train=TrainConfig(
            optimizer=args.optimizer,
            learning_rate=args.learning_rate,
            manifold_learning_rate=args.manifold_learning_rate,
            learning_rate_decay=args.learning_rate_decay,
            optimizer_options={
                **job.train_defaults.get("optimizer_options", {}),
                **dict(args.optimizer_option),
            },
            global_clipnorm=args.clipnorm,
            epochs=args.epochs,
            batch_size=args.batch_size,
            steps_per_epoch=args.steps_per_epoch,
            validation_steps=args.validation_steps,
            seed=args.seed,
            jit_compile=args.jit_compile,
            strategy=args.strategy,
        ),
        options=job.options_from_args(args),
    )


def run(args):
    job = jobs.get_job(args.job)
    with checking_user_input():
        config = job_config_from_args(job, args)
    trainer.train(job, config, resume=args.resume)
