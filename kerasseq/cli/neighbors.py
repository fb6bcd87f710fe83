"""`kerasseq neighbors`: nearest words in a trained embedding."""


def add_parser(commands):
    neighbors = commands.add_parser(
        "neighbors", help="nearest words in a trained embedding"
    )
    neighbors.add_argument("model_dir")
    neighbors.add_argument("word")
    neighbors.add_argument("--count", type=int, default=10)
    neighbors.set_defaults(run=run)


def run(args):
    from kerasseq import inference

    for word, similarity in inference.neighbors(args.model_dir, args.word, args.count):
        print(f"{similarity:.3f}\t{word}")
