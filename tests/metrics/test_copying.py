import numpy as np
import pytest

from kerasseq.metrics import copied_symbol_accuracy


def test_copied_symbol_accuracy_scores_only_the_last_ten_steps():
    y_true = np.zeros((1, 15), "int32")
    y_true[0, -10:] = np.arange(1, 11) % 8 + 1
    logits = np.full((1, 15, 10), -5.0, "float32")
    logits[0, np.arange(15), 3] = 5.0  # predicts 3 everywhere
    expected = np.mean(y_true[0, -10:] == 3)
    assert float(copied_symbol_accuracy(y_true, logits)) == pytest.approx(expected)
