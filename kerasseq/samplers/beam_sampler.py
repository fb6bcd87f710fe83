"""Beam search with the GNMT length penalty.

Reference: Wu et al., "Google's Neural Machine Translation System: Bridging
the Gap between Human and Machine Translation", 2016 (length penalty
`((5 + length) / 6) ** alpha`, section 7).
"""

import keras
from keras import ops

from kerasseq.layers.validation import check_positive_int
from kerasseq.samplers.sampler import Sampler
from kerasseq.samplers.sampler import check_number
from kerasseq.samplers.sampler import length_penalty_factor
from kerasseq.samplers.sampler import register_sampler


@keras.saving.register_keras_serializable(package="kerasseq")
class BeamSampler(Sampler):
    """Beam search: keep the `num_beams` best hypotheses of every sequence.

    Each sequence of the batch is searched on its own. Its hypotheses are
    rows `batch * num_beams` of the loop: `start_tokens` and every tensor of
    `state` (encoder outputs included, which are repeated, not recomputed)
    are repeated `num_beams` times, and at every step the rows of the state
    and of the collected `aux` are gathered by the index of the hypothesis
    they extend.

    At each step the `num_beams * vocab` candidates of a sequence are ranked
    by `log p(tokens) / lp(length)`, `lp(length) = ((5 + length) / 6) **
    length_penalty`, `length` counting the end token. A hypothesis that has
    emitted `end_token_id` stays finished: it competes with one candidate,
    itself, with its score unchanged. The loop stops when every hypothesis has
    finished, and the best hypothesis by that score is returned.

    Args:
        num_beams: positive int, hypotheses kept per sequence. Default 5.
            With `num_beams=1` this is greedy decoding.
        length_penalty: float >= 0, the GNMT `alpha`; 0 ranks by
            log-probability alone, larger values favour longer outputs.
            Default 0.0.
        return_all_beams: bool. When True every output has a beam axis after
            the batch axis (`tokens` `(batch, num_beams, max_length)`), best
            first. If a sequence has fewer than `num_beams` possible
            hypotheses, the extra beams score `-inf`. Default False.
        temperature, seed: as in `Sampler` (the search uses no randomness).

    Call arguments: as in `Sampler`.

    Returns:
        As in `Sampler`, `scores` being the length-penalised log-probability
        of the hypothesis returned.

    Example:

    >>> def next_fn(tokens, state):  # (batch * beams,) -> (batch * beams, 6)
    ...     return keras.ops.one_hot((tokens + 1) % 6, 6) * 3.0, state
    >>> sampler = BeamSampler(num_beams=3, return_all_beams=True)
    >>> out = sampler(next_fn, np.array([0, 2]), None, max_length=4)
    >>> tuple(out["tokens"].shape)  # (batch, num_beams, max_length)
    (2, 3, 4)
    >>> tuple(out["scores"].shape)  # (batch, num_beams), best first
    (2, 3)
    """

    draws_random = False

    def __init__(
        self,
        num_beams=5,
        length_penalty=0.0,
        return_all_beams=False,
        temperature=1.0,
        seed=None,
    ):
        check_positive_int("num_beams", num_beams)
        check_number(
            "length_penalty", length_penalty, lambda v: v >= 0, "a number >= 0"
        )
        if not isinstance(return_all_beams, bool):
            raise ValueError(
                "Argument `return_all_beams` must be True or False. "
                f"Received: return_all_beams={return_all_beams!r}"
            )
        super().__init__(temperature=temperature, seed=seed)
        self.num_beams = num_beams
        self.length_penalty = length_penalty
        self.return_all_beams = return_all_beams

    def select_next(self, log_probs, sequence_log_probs, finished, lengths):
        width = self.num_beams
        vocab = ops.shape(log_probs)[-1]
        # A finished hypothesis has a single candidate, in column 0 (the loop
        # writes the pad token there), that keeps its log-probability.
        stay = ops.where(ops.arange(vocab) == 0, 0.0, float("-inf"))
        step = ops.where(finished[:, None], stay[None, :], log_probs)
        candidates = sequence_log_probs[:, None] + step  # (rows, vocab)
        new_lengths = lengths + ops.cast(ops.logical_not(finished), "int32")
        ranked = candidates / length_penalty_factor(
            new_lengths, self.length_penalty
        )[:, None]
        ranked = ops.reshape(ranked, (-1, width * vocab))  # (batch, w * v)
        _, best = ops.top_k(ranked, width)  # (batch, width)
        # Index into the flattened (rows * vocab) candidates.
        batch = ops.shape(best)[0]
        best = best + ops.arange(batch, dtype=best.dtype)[:, None] * (
            width * vocab
        )
        best = ops.reshape(best, (-1,))  # (rows,)
        # The candidates' own sums: a `-inf` candidate taken to fill the
        # beams (fewer hypotheses than beams) must stay `-inf`, even from a
        # finished parent.
        totals = ops.take(ops.reshape(candidates, (-1,)), best)
        return best % vocab, best // vocab, totals

    def get_config(self):
        return {
            **super().get_config(),
            "num_beams": self.num_beams,
            "length_penalty": self.length_penalty,
            "return_all_beams": self.return_all_beams,
        }


register_sampler("beam", BeamSampler)
