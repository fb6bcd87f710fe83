"""`kerasseq classify`: labels of texts from a trained classifier."""

import sys

from kerasseq.cli.common import read_texts
from kerasseq.errors import UserError


def add_parser(commands):
    classify = commands.add_parser(
        "classify", help="classify texts (arguments, or lines of stdin)"
    )
    classify.add_argument("model_dir")
    classify.add_argument("texts", nargs="*", help="texts; none or '-' reads stdin")
    classify.set_defaults(run=run)


def run(args):
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
