"""`kerasseq evaluate`: the held-out metrics of a trained model."""

import json


def add_parser(commands):
    evaluate = commands.add_parser(
        "evaluate", help="print the held-out metrics of a trained model"
    )
    evaluate.add_argument("model_dir")
    evaluate.add_argument(
        "--json", action="store_true", help="print one JSON object"
    )
    evaluate.set_defaults(run=run)


def run(args):
    from kerasseq.jobs import evaluate_model_dir
    from kerasseq.training.trainer import format_metrics

    metrics = evaluate_model_dir(args.model_dir)
    if args.json:
        print(json.dumps(metrics, sort_keys=True))
    else:
        print(format_metrics(metrics))
