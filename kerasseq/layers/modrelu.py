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


def add_modrelu_bias(cell):
    """Adds `modrelu_bias` `(units,)` to `cell`, from its bias settings."""
    return cell.add_weight(
        shape=(cell.units,),
        name="modrelu_bias",
        initializer=cell.bias_initializer,
        regularizer=cell.bias_regularizer,
        constraint=cell.bias_constraint,
    )
