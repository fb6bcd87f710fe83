"""Ancestral sampling: draw each token from the model's distribution."""

import keras
from keras import ops

from kerasseq.samplers.sampler import Sampler
from kerasseq.samplers.sampler import register_sampler


def sample(probabilities, seed_generator, token_ids=None):
    """One draw per row, with the given (unnormalised) weights.

    Args:
        probabilities: float `(rows, n)`, non-negative; zero is never drawn.
        seed_generator: a `keras.random.SeedGenerator`.
        token_ids: optional int `(rows, n)`, the token each column stands for.

    Returns:
        int32 `(rows,)`: the column drawn, or its token id.
    """
    draws = keras.random.categorical(
        ops.log(probabilities), 1, dtype="int32", seed=seed_generator
    )  # (rows, 1)
    if token_ids is not None:
        draws = ops.take_along_axis(token_ids, draws, axis=1)
    return draws[:, 0]


@keras.saving.register_keras_serializable(package="kerasseq")
class RandomSampler(Sampler):
    """Random sampling from `softmax(logits / temperature)`.

    Temperatures below 1 sharpen the distribution, above 1 flatten it.

    Args:
        temperature, seed: as in `Sampler`.

    Call arguments, Returns: as in `Sampler`.

    Example:

    >>> def next_fn(tokens, state):  # uniform over 5 tokens
    ...     return keras.ops.zeros((keras.ops.shape(tokens)[0], 5)), state
    >>> sampler = RandomSampler(temperature=0.7, seed=1)
    >>> out = sampler(next_fn, np.zeros(2, "int32"), None, max_length=6)
    >>> tuple(out["tokens"].shape)  # (batch, max_length)
    (2, 6)
    """

    def get_next_token(self, probabilities):
        return sample(probabilities, self.seed_generator)


register_sampler("random", RandomSampler)
