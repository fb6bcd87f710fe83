"""modReLU, the nonlinearity of unitary and orthogonal recurrent networks.

Reference: Arjovsky, Shah and Bengio, "Unitary evolution recurrent neural
networks", ICML 2016.

`modrelu(z) = z / |z| * relu(|z| + b)`: it keeps the phase (for a real `z`,
the sign) and shrinks or zeroes the modulus with a learned bias `b`, one per
unit. It is not a plain activation because of that weight, so the cells that
use it hold `modrelu_bias` and call these functions in `step`.
"""

from keras import ops


def modrelu(z, bias):
    """Real modReLU: `sign(z) * relu(|z| + bias)`.

    Args:
        z: `(batch, units)` pre-activation.
        bias: `(units,)` modReLU bias.

    Returns:
        `(batch, units)`.
    """
    return ops.sign(z) * ops.relu(ops.abs(z) + bias)


def complex_modrelu(z, bias):
    """Complex modReLU `z / |z| * relu(|z| + bias)` on a stacked `[Re, Im]`.

    `z = 0` maps to 0. The modulus is taken where it is positive only, so the
    gradient stays finite at `z = 0`.

    Args:
        z: `(batch, 2 * units)`, real parts then imaginary parts.
        bias: `(units,)` modReLU bias.

    Returns:
        `(batch, 2 * units)`, stacked like `z`.
    """
    units = bias.shape[-1]
    parts = ops.reshape(z, (-1, 2, units))  # (batch, [re, im], units)
    squared = ops.sum(ops.square(parts), axis=1)  # (batch, units), |z|^2
    nonzero = squared > 0
    modulus = ops.sqrt(ops.where(nonzero, squared, ops.ones_like(squared)))
    scale = ops.where(
        nonzero, ops.relu(modulus + bias) / modulus, ops.zeros_like(modulus)
    )
    return ops.reshape(parts * ops.expand_dims(scale, 1), (-1, 2 * units))


def complex_modrelu_gradient(d_output, z, bias):
    """The gradient of `complex_modrelu(z, bias)` with respect to `z`.

    With `m = |z|` per unit and the unit active (`m > 0`, `m + bias > 0`),
    the output is `z (m + bias) / m`, so
    `dz = d_output (m + bias) / m - z bias (d_output . z) / m^3`; inactive
    units pass nothing back (as autodiff of `complex_modrelu` gives).
    The bias gradient per unit is `(dz . z) / m` (`modrelu_bias_gradient`).

    Args:
        d_output: `(batch, 2 * units)`, the gradient of the output.
        z: `(batch, 2 * units)`, the pre-activation.
        bias: `(units,)`.

    Returns:
        `(batch, 2 * units)`.
    """
    units = bias.shape[-1]
    parts = ops.reshape(z, (-1, 2, units))  # (batch, [re, im], units)
    d_parts = ops.reshape(d_output, (-1, 2, units))
    modulus, active = _modulus(parts, bias)
    scale = ops.where(active, (modulus + bias) / modulus, 0.0)
    dot = ops.sum(d_parts * parts, axis=1)  # (batch, units), d_output . z
    pull = ops.where(active, -bias * dot / (modulus * modulus * modulus), 0.0)
    d_z = d_parts * ops.expand_dims(scale, 1) + parts * ops.expand_dims(pull, 1)
    return ops.reshape(d_z, (-1, 2 * units))


def modrelu_bias_gradient(d_z, z, bias):
    """`d loss / d bias` per unit, summed over leading axes, from `dz` and `z`.

    Args:
        d_z: `(..., 2 * units)`, from `complex_modrelu_gradient`.
        z: `(..., 2 * units)`, the pre-activations.
        bias: `(units,)`.
    """
    units = bias.shape[-1]
    parts = ops.reshape(z, (-1, 2, units))
    modulus, active = _modulus(parts, bias)
    dot = ops.sum(ops.reshape(d_z, (-1, 2, units)) * parts, axis=1)
    return ops.sum(ops.where(active, dot / modulus, 0.0), axis=0)


def _modulus(parts, bias):
    """`|z|` per unit (1 where z = 0) and where modReLU is active."""
    squared = ops.sum(ops.square(parts), axis=1)  # (batch, units)
    nonzero = squared > 0
    modulus = ops.sqrt(ops.where(nonzero, squared, ops.ones_like(squared)))
    return modulus, ops.logical_and(nonzero, modulus + bias > 0)


def add_modrelu_bias(cell):
    """Adds `modrelu_bias` `(units,)` to `cell`, from its bias settings."""
    return cell.add_weight(
        shape=(cell.units,),
        name="modrelu_bias",
        initializer=cell.bias_initializer,
        regularizer=cell.bias_regularizer,
        constraint=cell.bias_constraint,
    )
