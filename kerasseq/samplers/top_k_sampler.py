"""Top-k sampling (Fan et al., "Hierarchical Neural Story Generation", 2018)."""

import keras
from keras import ops

from kerasseq.layers.validation import check_positive_int
from kerasseq.samplers.random_sampler import sample
from kerasseq.samplers.sampler import Sampler
from kerasseq.samplers.sampler import register_sampler


def top_k(probabilities, k):
    """The `k` largest probabilities of each row and their token ids.

    `k` is capped at the vocabulary size when that is known statically.
    """
    vocab = probabilities.shape[-1]
    if vocab is not None:
        k = min(k, vocab)
    return ops.top_k(probabilities, k, sorted=True)  # (rows, k) each


@keras.saving.register_keras_serializable(package="kerasseq")
class TopKSampler(Sampler):
    """Top-k sampling: draw among the `k` most probable tokens only.

    The `k` probabilities are renormalised; `k=1` is greedy decoding.

    Args:
        k: positive int, the number of tokens kept. Default 5.
        temperature, seed: as in `Sampler`.

    Call arguments, Returns: as in `Sampler`.

    Example:

    >>> logits = -np.arange(8, dtype="float32")[None]  # 0 the most probable
    >>> def next_fn(tokens, state):  # (batch,) -> (batch, 8)
    ...     batch = keras.ops.shape(tokens)[0]
    ...     return keras.ops.tile(logits, (batch, 1)), state
    >>> out = TopKSampler(k=3, seed=0)(next_fn, np.zeros(2), None, max_length=4)
    >>> tuple(out["tokens"].shape)  # (batch, max_length)
    (2, 4)
    >>> int(np.max(out["tokens"])) < 3  # only tokens 0, 1 and 2
    True
    """

    def __init__(self, k=5, temperature=1.0, seed=None):
        check_positive_int("k", k)
        super().__init__(temperature=temperature, seed=seed)
        self.k = k

    def get_next_token(self, probabilities):
        probabilities, token_ids = top_k(probabilities, self.k)
        return sample(probabilities, self.seed_generator, token_ids)

    def get_config(self):
        return {**super().get_config(), "k": self.k}


register_sampler("top_k", TopKSampler)
