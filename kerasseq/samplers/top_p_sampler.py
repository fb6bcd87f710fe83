"""Nucleus (top-p) sampling (Holtzman et al., "The Curious Case of Neural
Text Degeneration", ICLR 2020)."""

import keras
from keras import ops

from kerasseq.layers.validation import check_positive_int
from kerasseq.samplers.random_sampler import sample
from kerasseq.samplers.sampler import Sampler
from kerasseq.samplers.sampler import check_number
from kerasseq.samplers.sampler import register_sampler
from kerasseq.samplers.top_k_sampler import top_k


@keras.saving.register_keras_serializable(package="kerasseq")
class TopPSampler(Sampler):
    """Nucleus sampling: draw among the most probable tokens that cover `p`.

    The nucleus is the smallest set of most probable tokens whose
    probabilities sum to at least `p`; they are renormalised. With `k`, only
    the `k` most probable tokens are considered first (which also bounds the
    sort to `k` entries).

    Args:
        p: float in (0, 1], the probability mass kept. Default 0.9.
        k: positive int or None. Default None (the whole vocabulary).
        temperature, seed: as in `Sampler`.

    Call arguments, Returns: as in `Sampler`.

    Example:

    >>> logits = np.log([[0.5, 0.3, 0.15, 0.05]], dtype="float32")
    >>> def next_fn(tokens, state):  # the same distribution at every step
    ...     batch = keras.ops.shape(tokens)[0]
    ...     return keras.ops.tile(logits, (batch, 1)), state
    >>> out = TopPSampler(p=0.7, seed=0)(next_fn, np.zeros(3), None, 5)
    >>> tuple(out["tokens"].shape)  # (batch, max_length)
    (3, 5)
    >>> int(np.max(out["tokens"])) < 2  # the nucleus is {0, 1}
    True
    """

    def __init__(self, p=0.9, k=None, temperature=1.0, seed=None):
        check_number("p", p, lambda v: 0.0 < v <= 1.0, "a float in (0, 1]")
        if k is not None:
            check_positive_int("k", k)
        super().__init__(temperature=temperature, seed=seed)
        self.p = p
        self.k = k

    def get_next_token(self, probabilities):
        vocab = ops.shape(probabilities)[-1]
        probabilities, token_ids = top_k(
            probabilities, vocab if self.k is None else self.k
        )  # (rows, k), most probable first
        # A token is in the nucleus when the tokens before it hold less than p.
        mass_before = ops.cumsum(probabilities, axis=-1) - probabilities
        in_nucleus = mass_before < self.p
        probabilities = ops.where(
            in_nucleus, probabilities, ops.zeros_like(probabilities)
        )
        return sample(probabilities, self.seed_generator, token_ids)

    def get_config(self):
        return {**super().get_config(), "p": self.p, "k": self.k}


register_sampler("top_p", TopPSampler)
