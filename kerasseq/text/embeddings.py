"""Pretrained word vectors (word2vec / GloVe text format) and neighbours.

The lecture's "word embedding": a word-level model can start from vectors
trained elsewhere (Mikolov et al. 2013; Pennington et al. 2014), frozen or
fine-tuned, and a trained embedding can be inspected by nearest neighbours.
"""

import numpy as np

from kerasseq.errors import UserError


def load_vectors(path, vocabulary, seed=0):
    """An embedding matrix for `vocabulary` from a word-vector text file.

    Reads the word2vec text format (a first line `COUNT DIM`, then
    `word v1 ... vDIM`) or GloVe's (no header). Words of the vocabulary the
    file lacks get small random vectors; the padding row is zero.

    Args:
        path: The vector file.
        vocabulary: List of tokens by id (`Tokenizer.vocabulary`).
        seed: Seed of the random rows.

    Returns:
        `(matrix (len(vocabulary), DIM) float32, coverage)` where coverage is
        the fraction of real tokens (ids >= 2) found in the file.
    """
    index = {token: i for i, token in enumerate(vocabulary)}
    found = {}
    dim = None
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line_number, line in enumerate(handle, 1):
            parts = line.rstrip().split(" ")
            if line_number == 1 and len(parts) == 2 and all(p.isdigit() for p in parts):
                dim = int(parts[1])
                continue
            if len(parts) < 2:
                continue
            if dim is None:
                dim = len(parts) - 1
            if len(parts) - 1 != dim:
                raise UserError(
                    f"{path}, line {line_number}: {len(parts) - 1} values, "
                    f"expected {dim} (word2vec or GloVe text format)."
                )
            word = parts[0]
            row = index.get(word)
            if row is None:
                row = index.get(word.lower())
            if row is not None and row >= 2 and row not in found:
                found[row] = np.asarray(parts[1:], dtype=np.float32)
    if dim is None:
        raise UserError(f"{path} holds no word vectors.")
    rng = np.random.default_rng(seed)
    scale = np.std(np.stack(list(found.values()))) if found else 0.1
    matrix = rng.normal(0.0, scale, size=(len(vocabulary), dim)).astype(np.float32)
    matrix[0] = 0.0
    for row, vector in found.items():
        matrix[row] = vector
    real = max(1, len(vocabulary) - 2)
    return matrix, len(found) / real


def nearest_neighbors(matrix, vocabulary, word, count=10):
    """The `count` tokens closest to `word` by cosine similarity.

    Returns:
        List of `(token, similarity)`, most similar first, `word` excluded.

    Raises:
        ValueError: `word` is not in the vocabulary.
    """
    index = {token: i for i, token in enumerate(vocabulary)}
    row = index.get(word, index.get(word.lower()) if isinstance(word, str) else None)
    if row is None or row < 2:
        raise UserError(
            f"{word!r} is not in the model's vocabulary of {len(vocabulary) - 2} "
            "tokens."
        )
    norms = np.linalg.norm(matrix, axis=1)
    norms[norms == 0] = 1.0
    similarities = (matrix @ matrix[row]) / (norms * norms[row])
    similarities[[0, 1, row]] = -np.inf  # padding, OOV, the word itself
    best = np.argsort(-similarities)[:count]
    return [(vocabulary[i], float(similarities[i])) for i in best]
