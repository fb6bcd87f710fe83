"""Text in and out of an exported graph, with the tokenizer's own ops.

Encoding calls `Tokenizer.encode` (its `tf.strings` split and its
`StringLookup`) inside the traced graph, so an exported model tokenizes
exactly as training did. Invalid UTF-8 becomes U+FFFD and so `[UNK]`, as in
the tokenizer.
"""

import tensorflow as tf

from kerasseq.text.tokenizer import OOV_ID
from kerasseq.text.tokenizer import PAD_ID


def encode_texts(tokenizer, texts, max_length=None, min_length=1):
    """Ids of a batch of strings, right-padded with `PAD_ID`.

    Args:
        tokenizer: A `kerasseq.text.Tokenizer`.
        texts: `tf.string` `(batch,)`.
        max_length: Keep at most the first `max_length` tokens.
        min_length: Pad to at least this many columns.

    Returns:
        `(ids, lengths)`: int32 `(batch, max(min_length, longest kept))` and
        int32 `(batch,)`, the token count of each text before cutting.
    """
    ids = tokenizer.encode(texts)  # ragged (batch, None)
    lengths = tf.cast(ids.row_lengths(), tf.int32)
    if max_length is not None:
        ids = ids[:, :max_length]
    ids = ids.to_tensor(default_value=PAD_ID)  # (batch, longest)
    missing = tf.maximum(min_length - tf.shape(ids)[1], 0)
    return tf.pad(ids, [[0, 0], [0, missing]]), lengths


def read_empty_as_oov(ids):
    """Rows of padding only get `OOV_ID` first: a text without a known or
    unknown token is read as one unknown token. `ids` `(batch, time)`."""
    empty = tf.reduce_max(ids, axis=1, keepdims=True) == PAD_ID  # (batch, 1)
    first = tf.range(tf.shape(ids)[1]) == 0  # (time,)
    return tf.where(tf.logical_and(empty, first), OOV_ID, ids)


def clean_ids(ids, max_length, vocabulary_size):
    """Ids from an app, as an exported graph reads them.

    Keeps the first `max_length` columns, reads ids outside
    `[0, vocabulary_size)` as `OOV_ID`, adds a padding column when there is
    none, and reads a row of padding only as one `OOV_ID`
    (`read_empty_as_oov`). `ids` int32 `(batch, time)`, any `time >= 0`.
    """
    ids = ids[:, :max_length]
    outside = tf.logical_or(ids < PAD_ID, ids >= vocabulary_size)
    ids = tf.where(outside, OOV_ID, ids)
    missing = tf.maximum(1 - tf.shape(ids)[1], 0)  # no column at all
    return read_empty_as_oov(tf.pad(ids, [[0, 0], [0, missing]]))
