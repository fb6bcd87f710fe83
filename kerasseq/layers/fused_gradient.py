"""The fused (cuDNN-style) gradient of a recurrence, as a cell describes it.

Autodiff through a time loop differentiates every step on its own: each
backward step multiplies by the transposed recurrent kernel *and* adds one
small product `h_{t-1}^T dz_t` into the recurrent-kernel gradient. The fused
gradient keeps one product per backward step (`dz_t W_h^T`, all gates at
once) and computes the weight gradients after the loop as one large product
over all steps, `H_{0..T-1}^T dZ`, the way cuDNN's RNN kernels do. The
gradient of the input projection is `dZ` itself, so autodiff turns it into
the kernel and bias gradients with one batched product, again over all steps.

A cell takes part by returning `True` from `supports_fused_gradient()`
(when its activations have known derivatives, `activation_derivative`),
listing in `fused_parameters()` the weights its step uses besides `W_h`, and
implementing, in `keras.ops`:

* `forward_step(projected, states, recurrent_kernel, parameters)` ->
  `(new_states, saved)`: the step of `cell.step` without dropout, plus the
  tensors the backward step needs (gates, activations);
* `backward_step(d_states, saved, previous_states, parameters)` ->
  `(d_recurrent, d_projected, d_previous)`: from the gradients of the new
  states, the gradient of the recurrent product `h_{t-1} W_h` (its
  multiplication by `W_h^T` is left to the loop), of the projected input
  (`None` when it equals `d_recurrent`), and of the previous states along
  every path that is not the recurrent product (`None` entries for none);
* `parameter_gradients(d_recurrent, d_projected, saved, parameters)` -> the
  gradients of `parameters` (weights the step uses besides `W_h`, such as
  GRU's recurrent bias), from whole-sequence `(time, batch, ...)` tensors
  (`saved()` stacks what `forward_step` saved).

The time loop (`kerasseq.layers.time_loop`) owns masking, reversal and the
two loops; the equality with autodiff is tested in
`tests/layers/test_fused_gradient.py`.
"""

import dataclasses

import keras
from keras import ops


def _tanh_derivative(y):
    return 1.0 - y * y


def _sigmoid_derivative(y):
    return y * (1.0 - y)


def _relu_derivative(y):
    return ops.cast(y > 0, y.dtype)


def _linear_derivative(y):
    return ops.ones_like(y)


_DERIVATIVES = (
    (keras.activations.tanh, _tanh_derivative),
    (keras.activations.sigmoid, _sigmoid_derivative),
    (keras.activations.relu, _relu_derivative),
    (keras.activations.linear, _linear_derivative),
)


def column_sum(values):
    """Sum of `(time, batch, width)` over time and batch, as one product.

    `ones @ values` instead of `ops.sum(values, axis=(0, 1))`: TensorFlow's
    CPU reduction over leading axes runs about 8x slower than the product.
    """
    rows = ops.reshape(values, (-1, ops.shape(values)[-1]))  # (time * batch, width)
    ones = ops.ones((1, ops.shape(rows)[0]), dtype=rows.dtype)
    return ops.reshape(ops.matmul(ones, rows), (-1,))


def activation_derivative(activation):
    """`f'` as a function of `y = f(z)` for tanh, sigmoid, relu and linear.

    Returns `None` for any other activation: the layer then differentiates
    its time loop by autodiff.
    """
    for known, derivative in _DERIVATIVES:
        if activation is known:
            return derivative
    return None


@dataclasses.dataclass(frozen=True)
class FusedRecurrence:
    """What `run_recurrence` needs to run a cell with the fused gradient.

    Attributes:
        cell: A `RecurrentCell` implementing the three methods above.
        recurrent_kernel: `W_h`, `(units, gates * units)`, as a tensor.
        parameters: List of further tensors the step uses (may be empty).
        compile_loops: Whether, inside a graph, the forward and the backward
            loop each run as one XLA computation (`tf.function` with
            `jit_compile=True`).
    """

    cell: object
    recurrent_kernel: object
    parameters: tuple = ()
    compile_loops: bool = False
