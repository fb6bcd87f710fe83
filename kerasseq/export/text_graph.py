"""Text in and out of an exported graph, with the tokenizer's own ops.

Encoding calls `Tokenizer.encode` (its `tf.strings` split and its
`StringLookup`) inside the traced graph, so an exported model tokenizes
exactly as training did. Invalid UTF-8 becomes U+FFFD and so `[UNK]`, as in
the tokenizer.

Every SavedModel signature that reads text takes it the same way
(`TEXT_SPEC`, `text_vector`): `text` is a string vector `(batch,)`; a
scalar string is a batch of one (the outputs then have batch 1); a tensor
of rank 2 or more is refused with an `InvalidArgumentError` that says so.
"""

import tensorflow as tf

from kerasseq.layers import validation
from kerasseq.text.tokenizer import OOV_ID
from kerasseq.text.tokenizer import PAD_ID

#: The input `text` of every exported text signature. Its rank is left
#: undeclared: a loaded signature (and TF Serving) runs on whatever rank a
#: caller feeds, and with a declared `[None]` TensorFlow's graph optimizer
#: takes the rank as 1, folds the check of `text_vector` away and removes
#: the reshape of a scalar. The check is what enforces the shape.
TEXT_SPEC = tf.TensorSpec(None, tf.string, name="text")
TEXT_RANK_MESSAGE = (
    "`text` must be a string vector of shape (batch,) or a scalar; "
    "received rank {}"
)


def text_vector(text):
    """The `text` input of a signature as a vector `(batch,)`.

    A scalar becomes a batch of one. Rank 2 or more raises
    `tf.errors.InvalidArgumentError` when the graph runs (the message names
    the expected shape and the rank received): the check is in the graph,
    since the rank is known only then (`TEXT_SPEC`).
    """
    rank = tf.rank(text)
    check = tf.debugging.Assert(
        rank <= 1, [tf.strings.format(TEXT_RANK_MESSAGE, rank)]
    )
    with tf.control_dependencies([check]):
        return tf.reshape(text, [-1])  # (batch,)


def encode_texts(tokenizer, texts, max_length=None, min_length=1, keep="first"):
    """Ids of a batch of strings, right-padded with `PAD_ID`.

    Args:
        tokenizer: A `kerasseq.text.Tokenizer`.
        texts: `tf.string` `(batch,)`.
        max_length: Keep at most `max_length` tokens of each text.
        min_length: Pad to at least this many columns.
        keep: Which tokens a text longer than `max_length` keeps: the
            `"first"` ones (an input to classify or translate) or the
            `"last"` ones (a prompt, continued from its end).

    Returns:
        `(ids, lengths)`: int32 `(batch, max(min_length, longest kept))` and
        int32 `(batch,)`, the token count of each text before cutting.
    """
    validation.check_choice("keep", keep, ("first", "last"))
    ids = tokenizer.encode(texts)  # ragged (batch, None)
    lengths = tf.cast(ids.row_lengths(), tf.int32)
    if max_length is not None:
        ids = ids[:, :max_length] if keep == "first" else ids[:, -max_length:]
    ids = ids.to_tensor(default_value=PAD_ID)  # (batch, longest)
    missing = tf.maximum(min_length - tf.shape(ids)[1], 0)
    return tf.pad(ids, [[0, 0], [0, missing]]), lengths


def read_empty_as_oov(ids):
    """Rows of padding only get `OOV_ID` first: a text without a known or
    unknown token is read as one unknown token. `ids` `(batch, time)`."""
    empty = tf.reduce_max(ids, axis=1, keepdims=True) == PAD_ID  # (batch, 1)
    first = tf.range(tf.shape(ids)[1]) == 0  # (time,)
    return tf.where(tf.logical_and(empty, first), OOV_ID, ids)


def id_counts(ids):
    """int32 `(batch,)`: the ids other than `PAD_ID` in each row of `ids`
    `(batch, time)` (the length of a right-padded row)."""
    return tf.reduce_sum(tf.cast(ids != PAD_ID, tf.int32), axis=1)


def clean_ids(ids, max_length, vocabulary_size, min_length=1):
    """Ids from an app, as an exported graph reads them.

    Keeps the first `max_length` columns (all if `None`), reads ids outside
    `[0, vocabulary_size)` as `OOV_ID`, pads to at least `min_length`
    columns, and reads a row of padding only as one `OOV_ID`
    (`read_empty_as_oov`). `ids` int32 `(batch, time)`, any `time >= 0`.
    """
    if max_length is not None:
        ids = ids[:, :max_length]
    outside = tf.logical_or(ids < PAD_ID, ids >= vocabulary_size)
    ids = tf.where(outside, OOV_ID, ids)
    missing = tf.maximum(min_length - tf.shape(ids)[1], 0)
    return read_empty_as_oov(tf.pad(ids, [[0, 0], [0, missing]]))


def last_ids(ids, max_length):
    """The last `max_length` ids of each right-padded row.

    Args:
        ids: int32 `(batch, time)`, each row's ids then `PAD_ID`s.
        max_length: The most ids kept per row.

    Returns:
        `(ids, lengths, truncated)`: int32 `(batch, min(time, max_length))`,
        each row's last ids left-aligned and right-padded; int32 `(batch,)`,
        the ids kept; bool `(batch,)`, whether a row had more.
    """
    counts = id_counts(ids)  # (batch,)
    width = tf.minimum(tf.shape(ids)[1], max_length)
    start = tf.maximum(counts - max_length, 0)  # (batch,)
    positions = start[:, None] + tf.range(width)[None, :]  # (batch, width)
    kept = tf.gather(ids, tf.minimum(positions, tf.shape(ids)[1] - 1), batch_dims=1)
    kept = tf.where(positions < counts[:, None], kept, PAD_ID)
    return kept, tf.minimum(counts, max_length), counts > max_length
