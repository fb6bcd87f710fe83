"""The decoding loop every kerasseq sampler shares, and samplers by name.

A model hands a sampler a step function `next_fn(tokens, state)` and the
sampler runs it one token at a time, carrying the model's state from step to
step, so the prefix is never read twice and the samplers can be tested with
toy step functions and no model at all (as keras-hub's samplers are).

The loop is written with `keras.ops` only (`while_loop`, no Python control
flow on tensors, no backend branches), so it traces once inside
`tf.function`, also with `jit_compile=True`, and is meant to run on JAX as
well. Randomness comes from the sampler's `keras.random.SeedGenerator`,
whose state travels through the loop as a tensor (a `keras.StatelessScope`)
and is written back once after it, so the loop body has no side effects.

To compile generation once, create the sampler outside and wrap the call,
with `max_length` a Python int:

    sampler = BeamSampler(num_beams=4)
    generate = tf.function(
        lambda start, state: sampler(next_fn, start, state, 50, end_token_id=2),
        jit_compile=True,
    )
"""

import numbers

import keras
import numpy as np
from keras import ops

from kerasseq.layers.attention import mask_value
from kerasseq.layers.validation import check_choice
from kerasseq.layers.validation import check_positive_int
from kerasseq.layers.validation import check_seed

_SAMPLERS = {}


def register_sampler(name, sampler_class):
    """Makes `sampler_class` available to `get_sampler(name)`."""
    if name in _SAMPLERS and _SAMPLERS[name] is not sampler_class:
        raise ValueError(
            f"A sampler is already registered as {name!r}: "
            f"{_SAMPLERS[name].__name__}."
        )
    _SAMPLERS[name] = sampler_class
    return sampler_class


def sampler_names():
    """The registered names, in registration order."""
    return tuple(_SAMPLERS)


def get_sampler(identifier, **kwargs):
    """A sampler from a name, a serialized config or an instance.

    Args:
        identifier: a registered name (`"greedy"`, `"random"`, `"top_k"`,
            `"top_p"`, `"beam"`), a dict from
            `keras.saving.serialize_keras_object(sampler)`, or a `Sampler`,
            which is returned as it is.
        **kwargs: constructor arguments, with a name only
            (`get_sampler("top_k", k=5)`).

    Raises:
        ValueError: the name is not registered (the message lists the names),
            or `kwargs` come with something other than a name.
    """
    if isinstance(identifier, str):
        check_choice("sampler", identifier, sampler_names())
        return _SAMPLERS[identifier](**kwargs)
    if kwargs:
        raise ValueError(
            "Sampler arguments go with a sampler name only. "
            f"Received: sampler={identifier!r} and {kwargs!r}"
        )
    if isinstance(identifier, Sampler):
        return identifier
    if isinstance(identifier, dict):
        sampler = keras.saving.deserialize_keras_object(identifier)
        if isinstance(sampler, Sampler):
            return sampler
    allowed = ", ".join(repr(n) for n in sampler_names())
    raise ValueError(
        f"Argument `sampler` must be one of {allowed}, a serialized sampler "
        f"or a Sampler instance. Received: sampler={identifier!r}"
    )


def sampler_from_options(sampler=None, temperature=1.0, top_k=None, top_p=None,
                         seed=None):
    """The sampler that command-line options describe (`kerasseq generate`,
    `kerasseq export`), built in this one place.

    Args:
        sampler: `"greedy"`, `"random"`, `"top_k"` or `"top_p"`; `None`
            picks `"top_k"` when `top_k` is given, `"top_p"` when `top_p`
            is, else `"random"`.
        temperature: Of the random samplers (greedy has none).
        top_k: `k` of `"top_k"` (and of `"top_p"`, which then keeps at
            most `k` tokens).
        top_p: `p` of `"top_p"`.
        seed: Seed of the random samplers.

    Options that do not belong to the chosen sampler are not passed to it
    (`--top-p` with `--sampler top_k`, a temperature or `--top-k` with
    greedy or random).
    """
    if sampler is None:
        sampler = "top_k" if top_k else "top_p" if top_p else "random"
    check_choice("sampler", sampler, ("greedy", "random", "top_k", "top_p"))
    if sampler == "greedy":
        return get_sampler("greedy")
    kwargs = {"temperature": temperature, "seed": seed}
    if sampler in ("top_k", "top_p") and top_k is not None:
        kwargs["k"] = top_k  # top-p draws from the top k too, when given
    if sampler == "top_p" and top_p is not None:
        kwargs["p"] = top_p
    return get_sampler(sampler, **kwargs)


def check_number(name, value, condition, description, kind=numbers.Real):
    """Raises `ValueError` unless `value` is a `kind` (not a bool) for which
    `condition(value)` holds; `description` completes "must be ..."."""
    if (
        isinstance(value, bool)
        or not isinstance(value, kind)
        or not condition(value)
    ):
        raise ValueError(
            f"Argument `{name}` must be {description}. "
            f"Received: {name}={value!r}"
        )


def check_token_id(name, value):
    check_number(
        name, value, lambda v: v >= 0, "a non-negative integer token id",
        kind=numbers.Integral,
    )


def never_emit(next_fn, token_ids):
    """`next_fn` whose logits never let a sampler pick one of `token_ids`.

    The logits of `token_ids` become the lowest finite value of their dtype
    (`mask_value`), so their probability is 0 under any temperature: greedy,
    random, top-k, top-p and beam search all skip them, as long as one other
    token remains. Language models use it for padding and `[UNK]`, Seq2Seq
    decoding for padding and `[START]`.

    Args:
        next_fn: A step function `next_fn(tokens, state)` (see `Sampler`).
        token_ids: Ids that must never be emitted.

    Returns:
        A step function with the same outputs but the masked logits.

    Example:

    >>> def next_fn(tokens, state):  # always favours token 0
    ...     return keras.ops.one_hot(keras.ops.zeros_like(tokens), 4) * 9.0, state
    >>> out = GreedySampler()(never_emit(next_fn, [0, 1]), np.zeros(2), None, 3)
    >>> np.asarray(out["tokens"])  # (batch, max_length): 2, the best allowed
    array([[2, 2, 2],
           [2, 2, 2]], dtype=int32)
    """
    token_ids = sorted(set(int(i) for i in token_ids))

    def masked_next_fn(tokens, state):
        logits, *rest = next_fn(tokens, state)
        banned = np.zeros((logits.shape[-1],), bool)  # (vocab,)
        banned[token_ids] = True
        fill = ops.convert_to_tensor(mask_value(logits.dtype), logits.dtype)
        return (ops.where(banned, fill, logits), *rest)

    return masked_next_fn


def first_argmax(x):
    """Index of the largest value along the last axis (the first of equal
    ones), as `ops.argmax`. Computed with `top_k`: Keras's TensorFlow
    `argmax` of floats adds a sign-bit test (`Bitcast`, `BitwiseAnd`) that
    the TensorFlow.js converter cannot run, and an exported decoding loop
    takes one per step."""
    return ops.top_k(x, 1)[1][..., 0]


def length_penalty_factor(lengths, alpha):
    """GNMT length penalty `((5 + length) / 6) ** alpha` (Wu et al., 2016).

    `alpha = 0` gives 1: scores are plain log-probabilities.
    """
    return ops.power((5.0 + ops.cast(lengths, "float32")) / 6.0, alpha)


class Sampler:
    """Base sampler: runs `next_fn` step by step and picks each next token.

    Subclasses override `get_next_token(probabilities)`. The loop keeps
    `num_beams` hypotheses (rows) per sequence: one here; `BeamSampler`
    keeps several and overrides `select_next`, the step that chooses which
    rows continue with which token.

    Padding: once a sequence has emitted `end_token_id`, every later
    position holds `pad_token_id` and its `aux` is zero. The end token
    itself is kept and counted in `lengths`.

    Args:
        temperature: positive float; logits are divided by it before the
            softmax. Default 1.0.
        seed: integer or None, seeds the `keras.random.SeedGenerator` of the
            random strategies. Part of the config.

    Call arguments:
        next_fn: `next_fn(tokens, state)` with `tokens` int32 `(batch,)`, the
            previous token of each sequence, returning `(logits, state)` or
            `(logits, state, aux)`: `logits` `(batch, vocab)`, `state` the
            same nest as it received, `aux` a tensor `(batch, ...)` collected
            over the steps (e.g. attention weights). With beam search it
            sees `batch * num_beams` rows. Rows whose sequence has ended are
            still fed (an in-vocabulary token); what they return is ignored.
        start_tokens: int `(batch,)`, the token fed at the first step.
        state: a nest of tensors with leading dimension `batch` (None is
            passed on as `()`).
        max_length: positive Python int, the number of steps at most.
        end_token_id: int or None. When given, a sequence ends with it and
            the loop stops once every sequence has ended.
        pad_token_id: int, written after the end token. Default 0.
        num_steps: optional int scalar (a tensor, e.g. an input of an
            exported signature) in `[0, max_length]`: the steps to run,
            with `max_length` the size of the buffers. Positions from
            `num_steps` on hold `pad_token_id`. Default `max_length`.
        temperature: optional positive float scalar (a tensor allowed)
            that replaces the sampler's own `temperature` for this call.

    Returns:
        A dict with `tokens` int32 `(batch, max_length)`, `lengths` int32
        `(batch,)` (generated tokens, the end token included), `scores`
        float32 `(batch,)`, the log-probability of the tokens under
        `softmax(logits / temperature)` (the full distribution, also for
        top-k and top-p; for beam search divided by the length penalty),
        and `aux` `(batch, max_length, ...)` when `next_fn` returns one.
        `BeamSampler(return_all_beams=True)` adds a beam axis after the batch
        axis, best beam first.

    Example:

    >>> def next_fn(tokens, state):  # always predicts token + 1
    ...     return keras.ops.one_hot((tokens + 1) % 5, 5) * 9.0, state
    >>> out = GreedySampler()(next_fn, np.array([0, 2]), None, max_length=4,
    ...                       end_token_id=4)
    >>> np.asarray(out["tokens"])  # (batch, max_length)
    array([[1, 2, 3, 4],
           [3, 4, 0, 0]], dtype=int32)
    >>> np.asarray(out["lengths"])
    array([4, 2], dtype=int32)
    """

    # Hypotheses kept per sequence and how they are ranked; BeamSampler
    # overrides these.
    num_beams = 1
    length_penalty = 0.0
    return_all_beams = False
    #: Whether `select_next` draws random numbers (with `seed_generator`).
    #: A deterministic strategy sets it to False: its loop then carries no
    #: seed state and assigns no variable (which keeps an exported decoding
    #: graph free of `AssignVariableOp`, which the TensorFlow.js converter
    #: cannot freeze).
    draws_random = True

    def __init__(self, temperature=1.0, seed=None):
        check_number(
            "temperature", temperature, lambda v: v > 0, "a positive number"
        )
        check_seed("seed", seed)
        self.temperature = temperature
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def get_next_token(self, probabilities):
        """The next token of each row.

        Args:
            probabilities: float32 `(rows, vocab)`, the softmax of the
                logits divided by the temperature.

        Returns:
            int `(rows,)`. Random strategies draw with
            `seed=self.seed_generator`.
        """
        raise NotImplementedError

    def select_next(self, log_probs, sequence_log_probs, finished, lengths):
        """Chooses the next token of each row and the row it extends.

        Args:
            log_probs: float32 `(rows, vocab)`, this step's log-probabilities.
            sequence_log_probs: float32 `(rows,)`, each row's sum so far.
            finished: bool `(rows,)`, rows that have emitted the end token.
            lengths: int32 `(rows,)`, tokens generated by each row so far.

        Returns:
            `(next_tokens, parents, sequence_log_probs)`: int `(rows,)`, the
            tokens, ids in the vocabulary (the loop records the pad token
            where the parent has finished); int `(rows,)`, the row each row
            continues, or None when every row continues itself; float32
            `(rows,)`, the new sums (unchanged for a finished parent).
        """
        next_tokens = ops.cast(self.get_next_token(ops.exp(log_probs)), "int32")
        chosen = ops.take_along_axis(log_probs, next_tokens[:, None], axis=1)
        sequence_log_probs += ops.where(finished, 0.0, chosen[:, 0])
        return next_tokens, None, sequence_log_probs

    def __call__(
        self,
        next_fn,
        start_tokens,
        state,
        max_length,
        end_token_id=None,
        pad_token_id=0,
        num_steps=None,
        temperature=None,
    ):
        check_positive_int("max_length", max_length)
        if end_token_id is not None:
            check_token_id("end_token_id", end_token_id)
        check_token_id("pad_token_id", pad_token_id)
        if isinstance(num_steps, numbers.Number):
            check_number(
                "num_steps", num_steps, lambda v: 0 <= v <= max_length,
                f"an integer in [0, max_length={max_length}]",
                kind=numbers.Integral,
            )
        if temperature is None:
            temperature = self.temperature
        elif isinstance(temperature, numbers.Number):
            check_number(
                "temperature", temperature, lambda v: v > 0, "a positive number"
            )
        width = self.num_beams

        start_tokens = ops.cast(start_tokens, "int32")  # (batch,)
        state = () if state is None else state
        if width > 1:
            # Each sequence gets `width` rows: (batch * width, ...).
            start_tokens, state = keras.tree.map_structure(
                lambda x: ops.repeat(x, width, axis=0), (start_tokens, state)
            )
        rows = ops.shape(start_tokens)[0]

        def advance(carry, outputs):
            """Applies one `next_fn` result: choose, reorder rows, record."""
            logits, new_state, step_aux = _unpack(outputs)
            log_probs = ops.log_softmax(
                ops.cast(logits, "float32") / temperature, axis=-1
            )  # (rows, vocab)
            choice = (
                log_probs,
                carry["sequence_log_probs"],
                carry["finished"],
                carry["lengths"],
            )
            if self.draws_random:
                seed_state = self.seed_generator.state
                with keras.StatelessScope(
                    state_mapping=[(seed_state, carry["seed"])]
                ) as scope:
                    next_tokens, parents, sequence_log_probs = self.select_next(
                        *choice
                    )
                seed = {"seed": scope.get_current_value(seed_state)}
            else:
                next_tokens, parents, sequence_log_probs = self.select_next(*choice)
                seed = {}
            rows_state = {
                "state": new_state,
                "tokens": carry["tokens"],
                "aux": carry["aux"],
                "finished": carry["finished"],
                "lengths": carry["lengths"],
            }
            if step_aux is not None:
                rows_state["step_aux"] = step_aux
            if parents is not None:
                rows_state = keras.tree.map_structure(
                    lambda x: ops.take(x, parents, axis=0), rows_state
                )
            finished = rows_state["finished"]  # (rows,) before this step
            next_tokens = ops.cast(next_tokens, "int32")
            # Finished rows record the pad token but are fed the in-vocabulary
            # token chosen for them; what they compute is ignored.
            written = ops.where(finished, pad_token_id, next_tokens)
            aux = rows_state["aux"]
            if step_aux is not None:
                step_aux = rows_state["step_aux"]
                live = ops.reshape(
                    ops.logical_not(finished),
                    (-1,) + (1,) * (len(step_aux.shape) - 1),
                )
                step_aux = ops.where(live, step_aux, ops.zeros_like(step_aux))
                aux = _write_step(aux, carry["index"], step_aux)
            ended = finished
            if end_token_id is not None:
                ended = ops.logical_or(finished, written == end_token_id)
            return {
                "index": carry["index"] + 1,
                "last_tokens": next_tokens,
                "state": rows_state["state"],
                "tokens": _write_step(
                    rows_state["tokens"], carry["index"], written
                ),
                "aux": aux,
                "finished": ended,
                "lengths": rows_state["lengths"]
                + ops.cast(ops.logical_not(finished), "int32"),
                "sequence_log_probs": sequence_log_probs,
                **seed,
            }

        # The first step runs before the loop: its `aux` gives the shape of
        # the aux buffer, and its state the loop's state structure.
        outputs = next_fn(start_tokens, state)
        step_aux = _unpack(outputs)[2]
        aux = ()
        if step_aux is not None:
            aux_shape = tuple(ops.shape(step_aux)[1:])
            aux = ops.zeros((rows, max_length) + aux_shape, step_aux.dtype)
        carry = {
            "index": ops.convert_to_tensor(0, "int32"),
            "tokens": ops.full((rows, max_length), pad_token_id, "int32"),
            "aux": aux,
            "finished": ops.zeros((rows,), "bool"),
            "lengths": ops.zeros((rows,), "int32"),
            # Only the first row of each sequence is live at the start; its
            # copies must not be extended too.
            "sequence_log_probs": ops.where(
                ops.arange(rows) % width == 0, 0.0, float("-inf")
            ),
        }
        if self.draws_random:
            carry["seed"] = ops.convert_to_tensor(self.seed_generator.state)
        carry = advance(carry, outputs)

        steps = max_length if num_steps is None else ops.cast(num_steps, "int32")

        def cond(carry):
            running = carry["index"] < steps
            if end_token_id is None:
                return running
            # A row of probability zero (a beam that never had a hypothesis)
            # needs no more steps either.
            done = ops.logical_or(
                carry["finished"],
                carry["sequence_log_probs"] == float("-inf"),
            )
            return ops.logical_and(running, ops.logical_not(ops.all(done)))

        def body(carry):
            return (
                advance(carry, next_fn(carry["last_tokens"], carry["state"])),
            )

        (carry,) = ops.while_loop(cond, body, (carry,))
        if self.draws_random:
            self.seed_generator.state.assign(carry["seed"])
        if num_steps is not None:
            carry = _keep_steps(carry, steps, pad_token_id)
        return self._collect(carry, has_aux=step_aux is not None)

    def _collect(self, carry, has_aux):
        """Ranks each sequence's rows by score; keeps the best or all."""
        width = self.num_beams
        scores = carry["sequence_log_probs"] / length_penalty_factor(
            carry["lengths"], self.length_penalty
        )
        results = {
            "tokens": carry["tokens"],
            "lengths": carry["lengths"],
            "scores": scores,
        }
        if has_aux:
            results["aux"] = carry["aux"]
        scores = ops.reshape(scores, (-1, width))  # (batch, width)
        if self.return_all_beams:
            order = ops.argsort(-scores, axis=1)  # (batch, width)
        else:
            order = first_argmax(scores)[:, None]  # (batch, 1)
        order = ops.cast(order, "int32")
        batch = ops.shape(scores)[0]
        chosen = ops.arange(batch, dtype="int32")[:, None] * width + order
        results = {k: ops.take(v, chosen, axis=0) for k, v in results.items()}
        if not self.return_all_beams:
            results = {k: v[:, 0] for k, v in results.items()}
        return results

    def get_config(self):
        return {"temperature": self.temperature, "seed": self.seed}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _keep_steps(carry, steps, pad_token_id):
    """The loop's results as if it had run `steps` (a tensor) steps: the
    first step runs before the loop, so with `steps == 0` its token,
    length and score are taken back; later positions were never written."""
    positions = ops.arange(ops.shape(carry["tokens"])[1], dtype="int32")
    kept = positions[None, :] < steps  # (1, max_length)
    carry = dict(carry)
    carry["tokens"] = ops.where(kept, carry["tokens"], pad_token_id)
    carry["lengths"] = ops.minimum(carry["lengths"], steps)
    carry["sequence_log_probs"] = ops.where(
        steps > 0, carry["sequence_log_probs"],
        ops.zeros_like(carry["sequence_log_probs"]),
    )
    if not isinstance(carry["aux"], tuple):
        aux = carry["aux"]
        kept = ops.reshape(kept, (1, -1) + (1,) * (len(aux.shape) - 2))
        carry["aux"] = ops.where(kept, aux, ops.zeros_like(aux))
    return carry


def _unpack(outputs):
    """`(logits, state, aux or None)` from what `next_fn` returned."""
    if not isinstance(outputs, (tuple, list)) or len(outputs) not in (2, 3):
        raise ValueError(
            "`next_fn` must return `(logits, state)` or "
            f"`(logits, state, aux)`. Received: {outputs!r}"
        )
    logits, state = outputs[0], outputs[1]
    aux = outputs[2] if len(outputs) == 3 else None
    state = () if state is None else state
    return logits, state, aux


def _write_step(buffer, index, values):
    """`buffer[:, index] = values` for a `(rows, max_length, ...)` buffer.

    A scatter, not `ops.slice_update`: on TensorFlow that becomes
    `XlaDynamicUpdateSlice`, which TensorFlow Serving runs only with XLA JIT
    enabled, and the exported Seq2Seq graphs run this loop.
    """
    rows = ops.shape(values)[0]
    positions = ops.stack(
        [ops.arange(rows, dtype="int32"), ops.full((rows,), index, "int32")],
        axis=1,
    )  # (rows, 2): (row, index)
    return ops.scatter_update(buffer, positions, values)
