"""Character- and word-level tokenization on Keras lookup layers.

Ids are fixed by convention: 0 is padding (the empty string, masked by
`Embedding(mask_zero=True)`), 1 is the out-of-vocabulary token `[UNK]`, and
real tokens start at 2, most frequent first. The vocabulary is saved beside a
model as `vocabulary.json`, a plain file an app can read.
"""

import collections
import json

import keras
import tensorflow as tf

from kerasseq.errors import UserError
from kerasseq.layers import validation

from kerasseq.special_tokens import END_TOKEN  # noqa: F401 (re-exported)
from kerasseq.special_tokens import OOV_ID
from kerasseq.special_tokens import OOV_TOKEN
from kerasseq.special_tokens import PAD_ID
from kerasseq.special_tokens import PAD_TOKEN
from kerasseq.special_tokens import START_TOKEN  # noqa: F401 (re-exported)

LEVELS = ("char", "word")
#: Every level a job may ask for: `LEVELS` and SentencePiece `"subword"`
#: (`kerasseq.text.subword.SubwordTokenizer`).
ALL_LEVELS = LEVELS + ("subword",)
VOCABULARY_FILE = "vocabulary.json"
#: What word level deletes after lower-casing (an RE2 / Python `re` class).
PUNCTUATION_PATTERN = r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']'


class Tokenizer:
    """Maps text to ids and back at character or word level.

    Words are lower-cased and stripped of punctuation
    (`TextVectorization`'s `"lower_and_strip_punctuation"`) and split on
    whitespace; characters are Unicode code points, with invalid UTF-8
    replaced by U+FFFD (and so mapped to `[UNK]`).

    Args:
        tokens: The vocabulary without the padding and OOV entries.
        level: `"char"` or `"word"`.

    Example:

    >>> tokenizer = Tokenizer.fit(["to be or not"], level="char")
    >>> tokenizer.encode(["to be"]).to_list()
    [[4, 3, 2, 5, 6]]
    """

    def __init__(self, tokens, level="char"):
        validation.check_choice("level", level, LEVELS)
        tokens = list(tokens)
        if PAD_TOKEN in tokens or OOV_TOKEN in tokens:
            raise ValueError(
                "Argument `tokens` must not contain the padding ('') or OOV "
                f"({OOV_TOKEN!r}) entries; they take ids 0 and 1."
            )
        if len(set(tokens)) != len(tokens):
            raise ValueError("Argument `tokens` holds duplicate entries.")
        self.level = level
        self.tokens = tokens
        self._lookup = None
        self._index = None

    @classmethod
    def fit(cls, texts, level="char", max_tokens=None, min_count=1):
        """Builds the vocabulary of `texts`, most frequent tokens first.

        Args:
            texts: Iterable of strings.
            level: `"char"` or `"word"`.
            max_tokens: Keep at most this many tokens (plus pad and OOV).
            min_count: Drop tokens seen fewer times.
        """
        validation.check_choice("level", level, LEVELS)
        if max_tokens is not None:
            validation.check_positive_int("max_tokens", max_tokens)
        counts = collections.Counter()
        if level == "char":
            for text in texts:
                counts.update(text)
        else:
            splitter = cls([], level="word")
            for batch in _batches(texts, 4096):
                words = splitter.split(tf.constant(batch)).flat_values.numpy()
                counts.update(w.decode("utf-8", "replace") for w in words)
        counts.pop(PAD_TOKEN, None)
        counts.pop(OOV_TOKEN, None)
        ranked = sorted(
            (item for item in counts.items() if item[1] >= min_count),
            key=lambda item: (-item[1], item[0]),
        )
        tokens = [token for token, _ in ranked[:max_tokens]]
        return cls(tokens, level=level)

    @property
    def vocabulary(self):
        """All entries by id: `['', '[UNK]', token_2, ...]`."""
        return [PAD_TOKEN, OOV_TOKEN] + self.tokens

    @property
    def vocabulary_size(self):
        return len(self.tokens) + 2

    def split(self, texts):
        """`tf.string` `(batch,)` -> ragged `(batch, None)` string tokens."""
        texts = tf.convert_to_tensor(texts, dtype=tf.string)
        if self.level == "char":
            return tf.strings.unicode_split(texts, "UTF-8", errors="replace")
        lowered = tf.strings.lower(texts, encoding="utf-8")
        stripped = tf.strings.regex_replace(lowered, PUNCTUATION_PATTERN, "")
        return tf.strings.split(stripped)

    def lookup_layer(self):
        """A `keras.layers.StringLookup` from tokens to ids (0 pad, 1 OOV)."""
        if self._lookup is None:
            self._lookup = keras.layers.StringLookup(
                vocabulary=self.tokens or None,
                mask_token=PAD_TOKEN,
                oov_token=OOV_TOKEN,
                num_oov_indices=1,
            )
        return self._lookup

    def encode(self, texts):
        """Ids of `texts` as a `tf.RaggedTensor` `(batch, None)` of int32."""
        tokens = self.split(texts)
        ids = tf.ragged.map_flat_values(self.lookup_layer(), tokens)
        return tf.cast(ids, tf.int32)

    def encode_one(self, text):
        """Ids of one string, as a Python list."""
        return self.encode([text])[0].numpy().tolist()

    def decode(self, ids):
        """The text of a sequence of ids; padding is skipped."""
        vocabulary = self.vocabulary
        pieces = [vocabulary[i] for i in ids if i != PAD_ID and 0 <= i < len(vocabulary)]
        return ("" if self.level == "char" else " ").join(pieces)

    def decode_tensor(self, ids):
        """`decode` inside a graph: int `(batch, time)` -> `tf.string`
        `(batch,)`; padding and ids outside the vocabulary are skipped,
        words joined by spaces, characters by nothing."""
        vocabulary = tf.constant(self.vocabulary)
        keep = tf.logical_and(ids != PAD_ID, ids < len(self.vocabulary))
        keep = tf.logical_and(keep, ids >= 0)
        pieces = tf.gather(vocabulary, tf.ragged.boolean_mask(ids, keep))
        separator = "" if self.level == "char" else " "
        return tf.strings.reduce_join(pieces, axis=-1, separator=separator)

    def index(self):
        """`{token: id}`."""
        if self._index is None:
            self._index = {token: i for i, token in enumerate(self.vocabulary)}
        return self._index

    def get_config(self):
        return {"level": self.level, "tokens": self.tokens,
                "pad_id": PAD_ID, "oov_id": OOV_ID, "oov_token": OOV_TOKEN}

    def save(self, path):
        """Writes the vocabulary as JSON (atomically) to `path`."""
        from kerasseq.training.model_dir import atomic_path

        with atomic_path(path) as temporary:
            with open(temporary, "w", encoding="utf-8") as handle:
                json.dump(self.get_config(), handle, ensure_ascii=False, indent=0)

    @classmethod
    def load(cls, path):
        with open(path, encoding="utf-8") as handle:
            config = json.load(handle)
        return cls(config["tokens"], level=config["level"])


def fit_tokenizer(texts, level, max_tokens=None):
    """A tokenizer of `level` (`"char"`, `"word"` or `"subword"`) fitted on
    `texts`; `max_tokens` caps a word vocabulary and sets the size of a
    subword one (default 8000)."""
    validation.check_choice("level", level, ALL_LEVELS)
    if level == "subword":
        from kerasseq.text.subword import SubwordTokenizer

        if max_tokens is None:
            return SubwordTokenizer.fit(texts)
        return SubwordTokenizer.fit(texts, vocabulary_size=max_tokens)
    return Tokenizer.fit(
        texts, level=level, max_tokens=max_tokens if level == "word" else None
    )


def load_tokenizer(path):
    """The tokenizer saved at `path` (a `vocabulary.json`): a `Tokenizer`,
    or a `SubwordTokenizer` for level `"subword"`.

    Raises:
        ValueError: the file is not a vocabulary, or its SentencePiece model
            is missing or corrupt.
    """
    try:
        with open(path, encoding="utf-8") as handle:
            config = json.load(handle)
        level = config["level"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise UserError(f"{path} is not a kerasseq vocabulary ({error}).") from None
    if level == "subword":
        from kerasseq.text.subword import SubwordTokenizer

        return SubwordTokenizer.load(path)
    return Tokenizer.load(path)


def _batches(items, size):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
