"""Toy step functions for the samplers, and NumPy references for them.

Nothing here calls kerasseq: the references follow or enumerate sequences in
float64 NumPy, written from the definitions of the strategies.
"""

import numpy as np
from keras import ops


def log_softmax(logits):
    logits = logits - logits.max(axis=-1, keepdims=True)
    return logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))


def softmax(logits):
    return np.exp(log_softmax(logits))


def gnmt_penalty(length, alpha):
    return ((5.0 + length) / 6.0) ** alpha


def markov_next_fn(table):
    """`next_fn` of a first-order Markov chain: row `a` of `table` holds the
    logits of the token after `a`. The state is passed through untouched."""
    table = np.asarray(table, "float32")

    def next_fn(tokens, state):
        return ops.take(table, tokens, axis=0), state

    return next_fn


class HistoryModel:
    """A toy decoder whose next-token logits depend on the whole prefix.

    The state carries `code`, an integer naming the source and every token
    fed so far (`source + 1`, then one base-`(vocab + 1)` digit `token + 1`
    per token), and `source`, a `(batch, 3)` "encoder output" that never
    changes. The logits are row `code` of a random table, so a sampler that
    drops, mixes up or misorders the state sees other logits. `aux` is
    `[code, source[:, 0]]`: along a sequence it names each prefix.
    """

    def __init__(self, vocab, max_length, seed, scale=2.0):
        self.vocab = vocab
        rng = np.random.default_rng(seed)
        self.table = scale * rng.standard_normal(
            (3 * (vocab + 1) ** (max_length + 1), vocab)
        )
        self.calls = 0

    def initial_state(self, sources):
        sources = np.asarray(sources)
        encoded = np.stack([sources + 10.0, -sources, sources * 0.5], axis=1)
        return {
            "code": (sources + 1).astype("int32"),
            "source": encoded.astype("float32"),
        }

    def encoder_value(self, source):
        return source + 10.0

    def next_code(self, code, token):
        return code * (self.vocab + 1) + token + 1

    def next_fn(self, tokens, state):
        self.calls += 1
        code = self.next_code(state["code"], ops.cast(tokens, "int32"))
        table = ops.convert_to_tensor(self.table, "float32")
        aux = ops.stack(
            [ops.cast(code, "float32"), state["source"][:, 0]], axis=1
        )
        return ops.take(table, code, axis=0), {**state, "code": code}, aux

    # NumPy side.

    def step(self, code, token, temperature=1.0):
        """The code after feeding `token`, and the next log-probabilities."""
        code = self.next_code(code, token)
        return code, log_softmax(self.table[code] / temperature)

    def greedy(self, source, start, max_length, end=None, pad=0):
        """The argmax path: tokens (padded), length, log-probability, aux."""
        tokens = np.full(max_length, pad)
        aux = np.zeros((max_length, 2))
        code, token, total = source + 1, start, 0.0
        for t in range(max_length):
            code, log_probs = self.step(code, token)
            token = int(np.argmax(log_probs))
            tokens[t], aux[t] = token, (code, self.encoder_value(source))
            total += log_probs[token]
            if token == end:
                return tokens, t + 1, total, aux
        return tokens, max_length, total, aux

    def hypotheses(self, source, start, max_length, end=None, alpha=0.0,
                   temperature=1.0):
        """Every complete sequence, best first, as `(score, tokens, aux)`.

        A sequence is complete when it ends with `end` or reaches
        `max_length`; its score is its log-probability divided by the GNMT
        penalty of its length (the end token counted).
        """
        found = []

        def extend(code, token, prefix, aux, total):
            code, log_probs = self.step(code, token, temperature)
            aux = aux + [(code, self.encoder_value(source))]
            for candidate in range(self.vocab):
                tokens = prefix + [candidate]
                score = total + log_probs[candidate]
                if candidate == end or len(tokens) == max_length:
                    found.append(
                        (score / gnmt_penalty(len(tokens), alpha), tokens, aux)
                    )
                else:
                    extend(code, candidate, tokens, aux, score)

        extend(source + 1, start, [], [], 0.0)
        return sorted(found, key=lambda h: -h[0])

    def beam_search(self, source, start, max_length, num_beams, end=None,
                    alpha=0.0):
        """Beam search over Python lists, from its definition: every step
        extends each unfinished hypothesis by every token, keeps finished
        ones as they are, and keeps the `num_beams` best by length-penalised
        score. Returns the final beams, best first, as `(score, tokens)`."""

        def score(hypothesis):
            total, tokens = hypothesis[:2]
            return total / gnmt_penalty(len(tokens), alpha)

        # (log-probability, tokens, code, last token, finished)
        beams = [(0.0, [], source + 1, start, False)]
        for _ in range(max_length):
            candidates = []
            for total, tokens, code, last, done in beams:
                if done:
                    candidates.append((total, tokens, code, last, True))
                    continue
                new_code, log_probs = self.step(code, last)
                for token in range(self.vocab):
                    candidates.append((
                        total + log_probs[token], tokens + [token], new_code,
                        token, token == end,
                    ))
            beams = sorted(candidates, key=score, reverse=True)[:num_beams]
            if all(beam[4] for beam in beams):
                break
        return [(score(beam), beam[1]) for beam in beams]


def padded(tokens, max_length, pad=0):
    return np.array(list(tokens) + [pad] * (max_length - len(tokens)))


def nucleus(probabilities, p):
    """The smallest set of most probable tokens holding at least `p`."""
    kept, mass = set(), 0.0
    for token in np.argsort(-probabilities):
        kept.add(int(token))
        mass += probabilities[token]
        if mass >= p:
            return kept
    return kept
