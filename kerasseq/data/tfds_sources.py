"""TensorFlow Datasets as corpus sources.

A name with the prefix `tfds:` names any tfds dataset, with its config after a
slash (`tfds:ted_hrlr_translate/pt_to_en`). The names in `TFDS_CORPORA`
(`tiny_shakespeare`, `imdb_reviews`, `ted_hrlr_translate/pt_to_en`) are also
recognised without the prefix. tfds downloads a dataset the first time it is
loaded, so these need internet once; `data_dir` says where tfds keeps them.
"""

from kerasseq.data.errors import CorpusError

TFDS_PREFIX = "tfds:"

#: tfds datasets known without the `tfds:` prefix, and their kind.
TFDS_CORPORA = {
    "tiny_shakespeare": "language_model",
    "imdb_reviews": "classification",
    "ted_hrlr_translate/pt_to_en": "translation",
}


def tfds_name(name):
    """The tfds dataset name that `name` refers to, or None."""
    if not isinstance(name, str):
        return None
    if name.startswith(TFDS_PREFIX):
        return name[len(TFDS_PREFIX):]
    return name if name in TFDS_CORPORA else None


def load_tfds_text(name, split="train", data_dir=None, text_column="text"):
    """The `text_column` feature of every example of `split`, concatenated.

    Example:

    >>> text = load_tfds_text("tiny_shakespeare")  # doctest: +SKIP
    """
    examples = _load(name, split, data_dir)
    return "".join(_decode(_feature(example, text_column, name)) for example in examples)


def load_tfds_labelled(name, split="train", data_dir=None, text_column=None, label_column=None):
    """`(texts, labels)` from a tfds classification dataset.

    Uses the dataset's supervised keys (e.g. `("text", "label")` for
    `imdb_reviews`) unless `text_column` / `label_column` name features.
    """
    text_column, label_column = _columns(name, data_dir, text_column, label_column)
    texts, labels = [], []
    for example in _load(name, split, data_dir):
        texts.append(_decode(_feature(example, text_column, name)))
        labels.append(_scalar(_feature(example, label_column, name)))
    return texts, labels


def load_tfds_pairs(name, split="train", data_dir=None):
    """`[(source, target), ...]` from a tfds translation dataset.

    The pair is the dataset's supervised keys, e.g. `("pt", "en")` for
    `ted_hrlr_translate/pt_to_en`.
    """
    source, target = _columns(name, data_dir, None, None)
    return [
        (_decode(_feature(example, source, name)), _decode(_feature(example, target, name)))
        for example in _load(name, split, data_dir)
    ]


def _tfds():
    import tensorflow_datasets as tfds

    return tfds


def _columns(name, data_dir, first, second):
    if first is not None and second is not None:
        return first, second
    try:
        keys = _tfds().builder(name, data_dir=data_dir).info.supervised_keys
    except Exception as error:  # tfds raises many types for unknown names
        raise CorpusError(f"Could not open tfds dataset {name!r}: {error}") from error
    if not keys or len(keys) != 2 or not all(isinstance(key, str) for key in keys):
        raise CorpusError(
            f"tfds dataset {name!r} has no (input, target) supervised keys; "
            "name the features with `text_column=` and `label_column=`."
        )
    return first or keys[0], second or keys[1]


def _load(name, split, data_dir):
    tfds = _tfds()
    try:
        dataset = tfds.load(name, split=split, data_dir=data_dir)
    except Exception as error:  # download, network and name errors alike
        raise CorpusError(
            f"tfds.load({name!r}, split={split!r}) failed: {error}. tfds "
            "downloads each dataset once and needs internet for it; without "
            "internet use a registry corpus (kerasseq.data.list_corpora())."
        ) from error
    return tfds.as_numpy(dataset)


def _feature(example, key, name):
    if key not in example:
        raise CorpusError(
            f"tfds dataset {name!r} has no feature {key!r}; features: "
            f"{', '.join(sorted(example))}."
        )
    return example[key]


def _decode(value):
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _scalar(value):
    return value.item() if hasattr(value, "item") else value
