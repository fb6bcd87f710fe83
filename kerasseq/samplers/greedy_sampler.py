"""Greedy decoding: the most probable token at every step."""

import keras

from kerasseq.samplers.sampler import Sampler
from kerasseq.samplers.sampler import first_argmax
from kerasseq.samplers.sampler import register_sampler


@keras.saving.register_keras_serializable(package="kerasseq")
class GreedySampler(Sampler):
    """Greedy decoding: `argmax` of the next-token distribution.

    Deterministic; `temperature` changes the reported `scores` only.

    Args:
        temperature, seed: as in `Sampler`.

    Call arguments, Returns: as in `Sampler`.

    Example:

    >>> def next_fn(tokens, state):  # (batch,) -> (batch, vocab)
    ...     return keras.ops.one_hot((tokens + 1) % 5, 5) * 9.0, state
    >>> out = GreedySampler()(next_fn, np.array([0, 3]), None, max_length=3)
    >>> np.asarray(out["tokens"])  # (batch, max_length)
    array([[1, 2, 3],
           [4, 0, 1]], dtype=int32)
    """

    draws_random = False

    def get_next_token(self, probabilities):
        return first_argmax(probabilities)


register_sampler("greedy", GreedySampler)
