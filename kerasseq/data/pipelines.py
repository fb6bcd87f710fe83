"""`tf.data` pipelines: language-model windows, padded classification batches
and teacher-forced sentence pairs.

Splits are deterministic functions of a seed: the same seed gives the same
train, validation and test sets on any machine.
"""

import numpy as np
import tensorflow as tf

from kerasseq.layers import validation
from kerasseq.text.tokenizer import PAD_ID

SPLITS = ("train", "validation", "test")


def split_indices(count, seed, validation_fraction=0.05, test_fraction=0.05):
    """A seeded partition of `range(count)` into train, validation, test.

    Returns:
        `{"train": idx, "validation": idx, "test": idx}`, each sorted.
    """
    for name, value in (("validation_fraction", validation_fraction),
                        ("test_fraction", test_fraction)):
        validation.check_rate(name, value)
    order = np.random.default_rng(seed).permutation(count)
    n_validation = int(round(count * validation_fraction))
    n_test = int(round(count * test_fraction))
    if count - n_validation - n_test < 1:
        raise ValueError(
            f"Too little data to split: {count} examples leave none for "
            "training."
        )
    return {
        "validation": np.sort(order[:n_validation]),
        "test": np.sort(order[n_validation : n_validation + n_test]),
        "train": np.sort(order[n_validation + n_test :]),
    }


def language_model_windows(ids, seq_len):
    """Cuts a token stream into non-overlapping windows of `seq_len + 1`.

    Window `k` holds `ids[k*seq_len : k*seq_len + seq_len + 1]`: its first
    `seq_len` tokens are the input and its last `seq_len` the targets, so
    consecutive windows share one token and every token is a target once.

    Returns:
        int32 array `(num_windows, seq_len + 1)`.
    """
    validation.check_positive_int("seq_len", seq_len)
    ids = np.asarray(ids, dtype=np.int32)
    count = (len(ids) - 1) // seq_len
    if count < 1:
        raise ValueError(
            f"The text has {len(ids)} tokens, fewer than seq_len + 1 = "
            f"{seq_len + 1}: too short for one training window."
        )
    starts = np.arange(count)[:, None] * seq_len
    return ids[starts + np.arange(seq_len + 1)[None, :]]


def language_model_datasets(ids, seq_len, batch_size, seed,
                            validation_fraction=0.05, test_fraction=0.05):
    """Train/validation/test `tf.data` streams of `(inputs, next tokens)`.

    Windows are assigned to splits by a seeded permutation; the training
    stream is shuffled with the seed (reshuffled every epoch), batched,
    cached and prefetched.
    """
    windows = language_model_windows(ids, seq_len)
    parts = split_indices(len(windows), seed, validation_fraction, test_fraction)
    datasets = {}
    for name, index in parts.items():
        data = tf.data.Dataset.from_tensor_slices(windows[index])
        data = data.map(lambda w: (w[:-1], w[1:]))  # input, next-token target
        data = data.cache()
        if name == "train":
            data = data.shuffle(len(index), seed=seed, reshuffle_each_iteration=True)
        datasets[name] = data.batch(batch_size).prefetch(tf.data.AUTOTUNE)
    return datasets


def classification_datasets(ids, labels, batch_size, seed, max_length=None,
                            validation_fraction=0.1, test_fraction=0.1):
    """Train/validation/test streams of padded `(ids, label)` batches.

    Sequences longer than `max_length` are truncated; each batch is padded
    with `PAD_ID` (0) to its longest sequence, so `Embedding(mask_zero=True)`
    masks the padding. Training batches are drawn from length buckets
    (`bucket_by_sequence_length`) so little padding is computed.

    Args:
        ids: List of int sequences.
        labels: Array of labels, one per sequence.
    """
    if len(ids) != len(labels):
        raise ValueError(
            f"{len(ids)} texts but {len(labels)} labels: they must pair up."
        )
    if max_length is not None:
        validation.check_positive_int("max_length", max_length)
        ids = [sequence[:max_length] for sequence in ids]
    labels = np.asarray(labels)
    parts = split_indices(len(ids), seed, validation_fraction, test_fraction)
    datasets = {}
    for name, index in parts.items():
        padded, lengths = _pad([ids[i] for i in index])
        data = tf.data.Dataset.from_tensor_slices((padded, lengths, labels[index]))
        data = data.map(lambda x, n, y: (x[:n], y))  # variable-length rows
        if name == "train":
            data = data.cache().shuffle(
                len(index), seed=seed, reshuffle_each_iteration=True
            )
            lengths = sorted({len(ids[i]) for i in index})
            boundaries = [int(q) for q in np.unique(
                np.quantile(lengths, [0.25, 0.5, 0.75])) if q > 1]
            data = data.bucket_by_sequence_length(
                lambda x, _: tf.shape(x)[0],
                bucket_boundaries=boundaries,
                bucket_batch_sizes=[batch_size] * (len(boundaries) + 1),
                padding_values=(PAD_ID, None),
                pad_to_bucket_boundary=False,
            )
        else:
            data = data.padded_batch(
                batch_size, padding_values=(PAD_ID, None)
            ).cache()
        datasets[name] = data.prefetch(tf.data.AUTOTUNE)
    return datasets


def _pad(sequences):
    lengths = np.array([len(s) for s in sequences], dtype=np.int32)
    padded = np.full((len(sequences), max(1, lengths.max(initial=1))), PAD_ID, np.int32)
    for row, sequence in enumerate(sequences):
        padded[row, : len(sequence)] = sequence
    return padded, lengths


def teacher_forcing(target_ids, start_id, end_id):
    """Decoder inputs and outputs of target sequences.

    Args:
        target_ids: Iterable of int sequences (no start or end token).
        start_id, end_id: The target vocabulary's `[START]` and `[END]` ids.

    Returns:
        `(inputs, outputs)`: lists of lists, `[start] + target` and
        `target + [end]`, each one token longer than its target.

    Example:

    >>> teacher_forcing([[7, 8]], start_id=2, end_id=3)
    ([[2, 7, 8]], [[7, 8, 3]])
    """
    inputs = [[start_id] + list(ids) for ids in target_ids]
    outputs = [list(ids) + [end_id] for ids in target_ids]
    return inputs, outputs


def translation_datasets(source_ids, target_ids, parts, batch_size, seed,
                         start_id, end_id):
    """Streams of `((source, target_in), target_out)` batches for Seq2Seq.

    `target_in` is `[start_id] + target` and `target_out` is `target +
    [end_id]` (teacher forcing); every batch is right-padded with `PAD_ID`
    (0) to its longest sequence, so `Embedding(mask_zero=True)` masks the
    padding and the loss can ignore it. Training batches are shuffled with
    `seed` (again every epoch) and drawn from length buckets.

    Args:
        source_ids, target_ids: Lists of int sequences, paired by index.
        parts: `{"train": idx, "validation": idx, "test": idx}`, e.g. from
            `split_indices`.
        batch_size: Positive int.
        seed: Shuffling seed.
        start_id, end_id: The target vocabulary's `[START]` and `[END]` ids.

    Returns:
        `{"train": ds, "validation": ds, "test": ds}`; validation and test
        keep the order of `parts`.
    """
    if len(source_ids) != len(target_ids):
        raise ValueError(
            f"{len(source_ids)} sources but {len(target_ids)} targets: they "
            "must pair up."
        )
    validation.check_positive_int("batch_size", batch_size)
    datasets = {}
    for name, index in parts.items():
        if len(index) == 0:
            raise ValueError(f"The {name} split is empty: too few sentence pairs.")
        sources, source_lengths = _pad([source_ids[i] for i in index])
        target_in, target_out = teacher_forcing(
            [target_ids[i] for i in index], start_id, end_id
        )
        target_in, target_lengths = _pad(target_in)
        target_out, _ = _pad(target_out)
        data = tf.data.Dataset.from_tensor_slices(
            (sources, source_lengths, target_in, target_out, target_lengths)
        )
        data = data.map(  # variable-length rows
            lambda s, n, t_in, t_out, m: ((s[:n], t_in[:m]), t_out[:m])
        )
        padding = ((PAD_ID, PAD_ID), PAD_ID)
        if name == "train":
            data = data.cache().shuffle(
                len(index), seed=seed, reshuffle_each_iteration=True
            )
            lengths = np.maximum(source_lengths, target_lengths)
            boundaries = [int(q) for q in np.unique(
                np.quantile(lengths, [0.25, 0.5, 0.75])) if q > 1]
            data = data.bucket_by_sequence_length(
                lambda inputs, _: tf.maximum(
                    tf.shape(inputs[0])[0], tf.shape(inputs[1])[0]
                ),
                bucket_boundaries=boundaries,
                bucket_batch_sizes=[batch_size] * (len(boundaries) + 1),
                padding_values=padding,
                pad_to_bucket_boundary=False,
            )
        else:
            data = data.padded_batch(batch_size, padding_values=padding).cache()
        datasets[name] = data.prefetch(tf.data.AUTOTUNE)
    return datasets
