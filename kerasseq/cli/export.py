"""`kerasseq export`: SavedModel and TFLite files of a trained model."""

from kerasseq.errors import UserError
from kerasseq.errors import checking_user_input


def add_parser(commands):
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
    export.set_defaults(run=run)


def run(args):
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
