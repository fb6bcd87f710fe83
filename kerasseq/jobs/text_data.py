"""Options and helpers shared by the jobs that read text."""

import os

from kerasseq.text.tokenizer import LEVELS
from kerasseq.text.tokenizer import VOCABULARY_FILE
from kerasseq.text.tokenizer import fit_tokenizer
from kerasseq.text.tokenizer import load_tokenizer


def add_data_arguments(parser, default_data, default_level, levels=LEVELS):
    """`--data`, `--level` (one of `levels`), vocabulary, embeddings and
    cache options."""
    group = parser.add_argument_group("data")
    group.add_argument(
        "--data", default=default_data,
        help="corpus name (see `kerasseq data list`), tfds name or file path "
        "(default: %(default)s)",
    )
    group.add_argument(
        "--level", choices=levels, default=default_level,
        help="tokenize characters, words"
        + (" or SentencePiece subwords" if "subword" in levels else "")
        + " (default: %(default)s)",
    )
    group.add_argument(
        "--max-tokens", "--vocab-size", dest="max_tokens", type=int, default=20000,
        help="largest vocabulary for word level"
        + ("; size of a subword vocabulary" if "subword" in levels else "")
        + " (default: %(default)s)",
    )
    group.add_argument(
        "--embeddings",
        help="word2vec/GloVe text file of pretrained vectors (word level)",
    )
    group.add_argument(
        "--freeze-embeddings", action="store_true",
        help="keep the pretrained vectors fixed",
    )
    group.add_argument("--cache-dir", help="corpus archive cache directory")
    group.add_argument("--data-dir", help="tfds data directory")


def text_options(args):
    """The shared text options of `args`, as keyword arguments."""
    return {
        "data": args.data,
        "level": args.level,
        "max_tokens": args.max_tokens,
        "embeddings": args.embeddings,
        "freeze_embeddings": args.freeze_embeddings,
        "cache_dir": args.cache_dir,
        "data_dir": args.data_dir,
    }


def tokenizer_for(config, fit_texts, resume_ok=True, filename=VOCABULARY_FILE):
    """The run's tokenizer: the saved one if `config.out` has `filename` of
    the configured level and size (resume, evaluate), else one fitted on
    `fit_texts()` (a new run into a directory that held another model)."""
    path = os.path.join(config.out, filename)
    options = config.options
    if resume_ok and os.path.isfile(path):
        saved = load_tokenizer(path)
        # Word vocabularies hold up to max_tokens plus padding and OOV
        # (plus [START] and [END] on a translation target).
        if saved.level == options.level and (
            options.level == "char" or saved.vocabulary_size <= options.max_tokens + 4
        ):
            return saved
    return fit_tokenizer(fit_texts(), options.level, options.max_tokens)


def pretrained_embeddings(config, tokenizer, info):
    """The embedding matrix from `--embeddings`, or `None`; notes coverage."""
    from kerasseq.text.embeddings import load_vectors

    path = config.options.embeddings
    if not path:
        return None
    if config.options.level != "word":
        raise ValueError("--embeddings needs --level word.")
    matrix, coverage = load_vectors(path, tokenizer.vocabulary, config.train.seed)
    if matrix.shape[1] != config.model.embedding_dim:
        raise ValueError(
            f"{path} holds {matrix.shape[1]}-dimensional vectors but "
            f"--embedding-dim is {config.model.embedding_dim}; make them equal."
        )
    info["embedding_coverage"] = coverage
    return matrix


def coverage_note(info):
    """The sentence on pretrained-vector coverage, or '' without vectors."""
    if "embedding_coverage" not in info:
        return ""
    return (
        f" Pretrained vectors cover {info['embedding_coverage']:.1%} of the "
        "vocabulary."
    )
