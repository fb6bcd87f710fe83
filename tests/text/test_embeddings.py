import numpy as np
import pytest

from kerasseq.text.embeddings import load_vectors
from kerasseq.text.embeddings import nearest_neighbors

VOCABULARY = ["", "[UNK]", "king", "queen", "apple", "zebra"]


@pytest.mark.parametrize("header", [True, False], ids=["word2vec", "glove"])
def test_loads_known_words_and_reports_coverage(tmp_path, header):
    lines = ["king 1 0 0", "Queen 0.9 0.1 0", "apple 0 0 1", "other 5 5 5"]
    if header:
        lines.insert(0, "4 3")
    path = tmp_path / "vectors.txt"
    path.write_text("\n".join(lines) + "\n")
    matrix, coverage = load_vectors(path, VOCABULARY)
    assert matrix.shape == (6, 3)
    np.testing.assert_array_equal(matrix[0], 0)
    np.testing.assert_allclose(matrix[2], [1, 0, 0])
    np.testing.assert_allclose(matrix[3], [0.9, 0.1, 0])  # case-folded match
    assert coverage == pytest.approx(3 / 4)


def test_inconsistent_dimensions_are_reported(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("king 1 0 0\nqueen 1 0\n")
    with pytest.raises(ValueError, match="line 2"):
        load_vectors(path, VOCABULARY)


def test_nearest_neighbors_by_cosine():
    matrix = np.array([[0, 0], [1, 1], [1, 0], [0.9, 0.2], [0, 1], [-1, 0]], float)
    result = nearest_neighbors(matrix, VOCABULARY, "king", count=3)
    assert [word for word, _ in result] == ["queen", "apple", "zebra"]
    assert result[0][1] == pytest.approx(0.9 / np.hypot(0.9, 0.2))
    with pytest.raises(ValueError, match="'prince' is not in"):
        nearest_neighbors(matrix, VOCABULARY, "prince")
