"""Argument checks shared by the kerasseq layers.

Each check raises `ValueError` naming the argument, what it accepts and the
value received, so a bad argument is reported where it was written.
"""

import numbers

import keras


def check_positive_int(name, value):
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or value <= 0
    ):
        raise ValueError(
            f"Argument `{name}` must be a positive integer. "
            f"Received: {name}={value!r}"
        )


def check_positive_float(name, value):
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not value > 0
    ):
        raise ValueError(
            f"Argument `{name}` must be a positive number. "
            f"Received: {name}={value!r}"
        )


def check_rate(name, value):
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not 0.0 <= value < 1.0
    ):
        raise ValueError(
            f"Argument `{name}` must be a float in [0, 1). "
            f"Received: {name}={value!r}"
        )


def check_seed(name, value):
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, numbers.Integral)
    ):
        raise ValueError(
            f"Argument `{name}` must be an integer or None. "
            f"Received: {name}={value!r}"
        )


def check_choice(name, value, choices):
    if value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise ValueError(
            f"Argument `{name}` must be one of {allowed}. "
            f"Received: {name}={value!r}"
        )


def check_sequence_shape(layer, input_shape):
    """`input_shape` must be `(batch, time, features)` with known features."""
    if len(input_shape) != 3 or input_shape[-1] is None:
        raise ValueError(
            f"{type(layer).__name__} expects `(batch, time, features)` with "
            f"known features. Received: input_shape={tuple(input_shape)}"
        )


def _resolve(getter, kind, name, value):
    try:
        return getter(value)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"Argument `{name}` is not a known {kind}: {error} "
            f"Received: {name}={value!r}"
        ) from None


def get_activation(name, value):
    return _resolve(keras.activations.get, "activation", name, value)


def get_initializer(name, value):
    return _resolve(keras.initializers.get, "initializer", name, value)


def get_regularizer(name, value):
    if isinstance(value, str):
        # `keras.regularizers.get` knows only the built-in names; a registered
        # name such as "kerasseq>SoftOrthogonality" resolves to its class.
        value = keras.saving.get_registered_object(value) or value
    return _resolve(keras.regularizers.get, "regularizer", name, value)


def get_constraint(name, value):
    return _resolve(keras.constraints.get, "constraint", name, value)
