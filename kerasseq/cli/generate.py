"""`kerasseq generate`: continue a prompt with a trained language model."""


def add_parser(commands):
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
    generate.add_argument(
        "--jit-compile", action="store_true",
        help="compile the decoding loop with XLA: about a second to compile, "
        "then several times more tokens per second (BENCHMARKS.md); worth it "
        "for thousands of tokens",
    )
    generate.set_defaults(run=run)


def run(args):
    from kerasseq import inference

    from kerasseq.errors import checking_user_input
    from kerasseq.samplers import sampler_from_options

    with checking_user_input():
        sampler = sampler_from_options(
            args.sampler, temperature=args.temperature, top_k=args.top_k,
            top_p=args.top_p, seed=args.seed,
        )
    text = inference.generate(args.model_dir, args.prompt, args.max_tokens,
                              sampler=sampler, jit_compile=args.jit_compile)
    print(args.prompt + text)
