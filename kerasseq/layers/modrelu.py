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


def complex_modrelu(real, imag, bias):
    """Complex modReLU on `z = real + i imag`: `z / |z| * relu(|z| + bias)`.

    `z = 0` maps to 0. The modulus is taken where it is positive only, so the
    gradient stays finite at `z = 0`.

    Args:
        real, imag: `(batch, units)` parts of the pre-activation.
        bias: `(units,)` modReLU bias.

    Returns:
        `(real, imag)` of the result, each `(batch, units)`.
    """
    squared = real * real + imag * imag
    nonzero = squared > 0
    modulus = ops.sqrt(ops.where(nonzero, squared, ops.ones_like(squared)))
    scale = ops.where(
        nonzero, ops.relu(modulus + bias) / modulus, ops.zeros_like(modulus)
    )
    return real * scale, imag * scale


def add_modrelu_bias(cell):
    """Adds `modrelu_bias` `(units,)` to `cell`, from its bias settings."""
    return cell.add_weight(
        shape=(cell.units,),
        name="modrelu_bias",
        initializer=cell.bias_initializer,
        regularizer=cell.bias_regularizer,
        constraint=cell.bias_constraint,
    )
