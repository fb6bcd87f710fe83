"""Runtime tuning of the recurrent layers: how a recurrence runs, never what
it computes.

The settings steer the TensorFlow fast path (`kerasseq.backend.tensorflow`)
and are ignored elsewhere. They are chosen for the machine that runs the
model, so they are not part of a saved layer config: a `.keras` file trained
on a 2-core CPU carries no CPU tuning to a GPU. Precedence, highest first:
an argument of the layer (`LSTM(8, parallel_chains=1)`, kept on the object,
not saved), the innermost `kerasseq.backend.tuning(...)` block, the process
default set by `set_tuning(...)`, the environment variables
`KERASSEQ_FUSED_GRADIENT`, `KERASSEQ_JIT_COMPILE_LOOPS`,
`KERASSEQ_PARALLEL_CHAINS`, and the built-in defaults.

Settings:
    fused_gradient: Whether a training call uses the fused gradient where
        the cell supports it (`kerasseq.layers.fused_gradient`). Default
        `True`; both paths give the same gradients (tested to 1e-5).
    jit_compile_loops: Whether the fused path's forward and backward loops
        run as XLA computations when the layer is traced into a graph
        (eager calls never compile). `"auto"` (default): when the sequence
        length is known at tracing, so XLA compiles once per batch size;
        `True` whenever traced; `False` never. Where XLA compiles, it must:
        there is no silent fallback.
    parallel_chains: Into how many independent recurrences the fused path
        splits the batch (rows divided as evenly as possible; a batch under
        8 rows per chain stays whole). Graph mode runs them side by side, one
        per core. `"auto"` (default): 2 inside a graph on machines without a
        GPU, unless the whole graph is compiled with XLA or TensorFlow runs
        one op at a time; 1 otherwise. The results equal one chain's.

Example:

>>> with kerasseq.backend.tuning(parallel_chains=1):
...     model.fit(dataset)
"""

import contextlib
import contextvars
import dataclasses
import os

from kerasseq.layers import validation

ENVIRONMENT = {
    "fused_gradient": "KERASSEQ_FUSED_GRADIENT",
    "jit_compile_loops": "KERASSEQ_JIT_COMPILE_LOOPS",
    "parallel_chains": "KERASSEQ_PARALLEL_CHAINS",
}
NAMES = tuple(ENVIRONMENT)


@dataclasses.dataclass(frozen=True)
class Tuning:
    """One complete set of tuning values (see the module docstring)."""

    fused_gradient: bool = True
    jit_compile_loops: object = "auto"
    parallel_chains: object = "auto"

    def __post_init__(self):
        check(**dataclasses.asdict(self))


def check(**settings):
    """Raises `ValueError` naming a setting that is unknown or out of range;
    `None` (no override) is accepted for every setting."""
    for name, value in settings.items():
        if name not in NAMES:
            raise ValueError(
                f"Unknown tuning setting {name!r}; the settings are "
                f"{', '.join(NAMES)}."
            )
        if value is None:
            continue
        if name == "fused_gradient":
            validation.check_choice(name, value, (True, False))
        elif name == "jit_compile_loops":
            validation.check_choice(name, value, ("auto", True, False))
        elif value != "auto" and (
            isinstance(value, bool) or not isinstance(value, int) or value < 1
        ):
            raise ValueError(
                "Argument `parallel_chains` must be 'auto' or a positive "
                f"integer. Received: parallel_chains={value!r}"
            )


def _from_environment():
    values = {}
    for name, variable in ENVIRONMENT.items():
        text = os.environ.get(variable)
        if text is None or text.strip() == "":
            continue
        word = text.strip().lower()
        if word in ("1", "true"):
            value = True
        elif word in ("0", "false"):
            value = False
        elif word == "auto":
            value = "auto"
        elif word.isdigit():
            value = int(word)
        else:
            value = text
        if name == "parallel_chains" and isinstance(value, bool):
            value = int(value)
        try:
            check(**{name: value})
        except ValueError as error:
            raise ValueError(
                f"Environment variable {variable}={text!r} is not valid: {error}"
            ) from None
        values[name] = value
    return values


_process_default = {}
_overrides = contextvars.ContextVar("kerasseq_tuning", default={})


def get_tuning(**layer_arguments):
    """The `Tuning` in effect, with `layer_arguments` that are not `None`
    taking precedence (how a layer resolves its own arguments)."""
    values = {**_from_environment(), **_process_default, **_overrides.get()}
    values.update({k: v for k, v in layer_arguments.items() if v is not None})
    return Tuning(**values)


def set_tuning(**settings):
    """Sets process-wide defaults (`None` removes one). Returns the `Tuning`
    now in effect outside any `tuning()` block."""
    check(**settings)
    for name, value in settings.items():
        if value is None:
            _process_default.pop(name, None)
        else:
            _process_default[name] = value
    return get_tuning()


@contextlib.contextmanager
def tuning(**settings):
    """Overrides settings inside a `with` block (tracing happens inside it:
    a `model.fit` or `tf.function` traced in the block keeps what it saw).
    Yields the `Tuning` in effect."""
    check(**settings)
    token = _overrides.set(
        {**_overrides.get(), **{k: v for k, v in settings.items() if v is not None}}
    )
    try:
        yield get_tuning()
    finally:
        _overrides.reset(token)
