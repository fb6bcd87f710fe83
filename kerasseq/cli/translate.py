"""`kerasseq translate`: translations from a trained seq2seq model."""

import sys

from kerasseq.cli.common import read_texts
from kerasseq.errors import UserError


def add_parser(commands):
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
    translate.set_defaults(run=run)


def run(args):
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
