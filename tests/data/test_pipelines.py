import numpy as np
import pytest

from kerasseq.data.pipelines import classification_datasets
from kerasseq.data.pipelines import language_model_datasets
from kerasseq.data.pipelines import language_model_windows
from kerasseq.data.pipelines import split_indices


def test_windows_pair_each_token_with_the_next():
    ids = np.arange(23)
    windows = language_model_windows(ids, 5)
    assert windows.shape == (4, 6)
    np.testing.assert_array_equal(windows[1], [5, 6, 7, 8, 9, 10])
    inputs, targets = windows[:, :-1], windows[:, 1:]
    np.testing.assert_array_equal(targets, inputs + 1)
    # Every token after the first is a target exactly once.
    np.testing.assert_array_equal(np.sort(targets.ravel()), np.arange(1, 21))


def test_too_short_text_is_reported():
    with pytest.raises(ValueError, match="too short"):
        language_model_windows(np.arange(5), 10)


def test_splits_are_deterministic_disjoint_and_complete():
    a = split_indices(1000, seed=7)
    b = split_indices(1000, seed=7)
    c = split_indices(1000, seed=8)
    for name in a:
        np.testing.assert_array_equal(a[name], b[name])
    assert not np.array_equal(a["test"], c["test"])
    union = np.concatenate(list(a.values()))
    assert len(union) == 1000 and len(set(union)) == 1000
    assert len(a["validation"]) == len(a["test"]) == 50


def test_language_model_batches_are_shifted_windows():
    datasets = language_model_datasets(np.arange(2000), 10, 8, seed=0)
    for name in ("train", "validation", "test"):
        for x, y in datasets[name]:
            np.testing.assert_array_equal(y.numpy()[:, :-1], x.numpy()[:, 1:])
            np.testing.assert_array_equal(y.numpy()[:, -1], x.numpy()[:, -1] + 1)
    test_x = np.concatenate([x.numpy() for x, _ in datasets["test"]])
    train_x = np.concatenate([x.numpy() for x, _ in datasets["train"]])
    train_rows = {tuple(row) for row in train_x}
    assert len(test_x) == 10  # 5% of 199 windows
    assert not any(tuple(row) in train_rows for row in test_x)


def test_classification_batches_pad_with_zero_and_keep_labels():
    rng = np.random.default_rng(0)
    ids = [list(rng.integers(2, 50, size=rng.integers(1, 30))) for _ in range(200)]
    labels = np.array([len(s) % 2 for s in ids])
    datasets = classification_datasets(ids, labels, 16, seed=1, max_length=20)
    seen = 0
    for name in ("train", "validation", "test"):
        for x, y in datasets[name]:
            x, y = x.numpy(), y.numpy()
            lengths = (x != 0).sum(axis=1)
            assert lengths.max() == x.shape[1] and lengths.max() <= 20
            for row, length, label in zip(x, lengths, y):
                assert np.all(row[:length] != 0) and np.all(row[length:] == 0)
                assert label == (length % 2 if length < 20 else label)
            seen += len(y)
    assert seen == 200


def test_mismatched_lengths_are_reported():
    with pytest.raises(ValueError, match="3 texts but 2 labels"):
        classification_datasets([[1], [2], [3]], [0, 1], 2, seed=0)
