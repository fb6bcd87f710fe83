"""Vanishing and exploding gradients, measured (the lecture's "What's wrong
with the gradient?"; Pascanu, Mikolov and Bengio, ICML 2013).

For a recurrent cell run over a sequence, with state `s_t` (for the LSTM the
concatenation of `h_t` and `c_t`) and a loss `L` that reads only the last
state, `gradient_flow` measures

* `||dL/ds_t||` for every `t`: how much the end still depends on step `t`;
* `||ds_t/ds_{t-1}||` (spectral norm, mean over the batch): the factors
  whose product carries that dependence, `diag(tanh') W_h` for an Elman
  cell.

Autodiff needs the backend: this module uses TensorFlow's `GradientTape`,
like the data pipeline and export modules, while the cells stay in
`keras.ops`.
"""

import dataclasses

import keras
import numpy as np

from kerasseq.layers import RecurrentCell
from kerasseq.layers import get_recurrent_layer


@dataclasses.dataclass
class GradientFlow:
    """Result of `gradient_flow`.

    Attributes:
        gradient_norms: `(T,)`, `||dL/ds_t||` for t = 1..T (mean over batch).
        jacobian_norms: `(T - 1,)`, spectral norm of `ds_t/ds_{t-1}` for
            t = 2..T (mean over the batch).
    """

    gradient_norms: np.ndarray
    jacobian_norms: np.ndarray

    @property
    def decay_per_step(self):
        """Geometric mean ratio `||dL/ds_{t}|| / ||dL/ds_{t+1}||`."""
        norms = np.maximum(self.gradient_norms, np.finfo(np.float64).tiny)
        return float(np.exp(np.mean(np.diff(np.log(norms[::-1])))))


def _cell_of(layer):
    """The `RecurrentCell` inside a cell, sequence layer or Bidirectional."""
    if isinstance(layer, RecurrentCell):
        return layer
    for attribute in ("forward_layer", "cell"):
        inner = getattr(layer, attribute, None)
        if inner is not None:
            return _cell_of(inner)
    raise ValueError(
        "gradient_flow needs a kerasseq recurrent cell or layer. "
        f"Received: {type(layer).__name__}"
    )


def gradient_flow(layer, inputs, loss_direction=None, seed=0):
    """Measures gradient norms through time for `layer` on `inputs`.

    Args:
        layer: A built kerasseq cell, sequence layer or `Bidirectional`
            wrapper of one (its forward direction is measured).
        inputs: `(batch, T, features)` array.
        loss_direction: Optional `(state_width,)` vector `v`; the loss is
            `L = sum_batch <v, s_T>`. Default: a random unit vector.
        seed: Seed of the default direction.

    Returns:
        A `GradientFlow`.

    Example:

    >>> rnn = SimpleRNN(16); rnn.build((None, None, 4))
    >>> flow = gradient_flow(rnn, np.random.randn(2, 50, 4))
    >>> flow.gradient_norms.shape
    (50,)
    """
    import tensorflow as tf

    cell = _cell_of(layer)
    inputs = tf.convert_to_tensor(inputs, dtype=cell.compute_dtype)
    if len(inputs.shape) != 3:
        raise ValueError(
            "Argument `inputs` must have shape (batch, time, features). "
            f"Received: shape={tuple(inputs.shape)}"
        )
    batch, steps = inputs.shape[0], inputs.shape[1]
    initial = cell.get_initial_state(batch_size=batch)
    sizes = [int(s.shape[-1]) for s in initial]
    width = sum(sizes)
    if loss_direction is None:
        rng = np.random.default_rng(seed)
        loss_direction = rng.standard_normal(width)
        loss_direction /= np.linalg.norm(loss_direction)
    direction = np.asarray(loss_direction, np.float64)
    if direction.shape != (width,):
        raise ValueError(
            f"Argument `loss_direction` must have shape ({width},). "
            f"Received: shape={direction.shape}"
        )

    def split(state):
        return list(tf.split(state, sizes, axis=-1))

    recurrent_kernel = cell.recurrent_matrix()

    @tf.function
    def step_and_jacobian(projected_t, state):
        with tf.GradientTape() as tape:
            tape.watch(state)
            _, new_states = cell.step(projected_t, split(state), recurrent_kernel)
            new_state = tf.concat(list(keras.tree.flatten(new_states)), axis=-1)
        return new_state, tape.batch_jacobian(new_state, state)  # (b, w, w)

    projected = cell.project_inputs(inputs)  # (batch, T, gates * units)
    state = tf.concat(initial, axis=-1)
    jacobians = []
    for t in range(steps):
        state, jacobian = step_and_jacobian(projected[:, t], state)
        jacobians.append(jacobian.numpy().astype(np.float64))

    # Backpropagate L = <v, s_T> by hand: dL/ds_{t-1} = dL/ds_t @ J_t, in
    # float64 so that vanishing gradients are measured, not underflowed.
    gradient = np.tile(np.asarray(direction, np.float64), (batch, 1))
    norms = [np.mean(np.linalg.norm(gradient, axis=-1))]
    for jacobian in reversed(jacobians[1:]):
        gradient = np.einsum("bi,bij->bj", gradient, jacobian)
        norms.append(np.mean(np.linalg.norm(gradient, axis=-1)))
    jacobian_norms = [
        np.mean(np.linalg.norm(j, ord=2, axis=(1, 2))) for j in jacobians[1:]
    ]
    return GradientFlow(np.array(norms[::-1]), np.array(jacobian_norms))


def gradient_flow_for_cells(cells, T=200, units=64, features=8, batch=8, seed=0):
    """`{cell name: GradientFlow}` for freshly initialized layers.

    Each layer is built with its default initializers and run on the same
    standard-normal input sequence of length `T`.
    """
    rng = np.random.default_rng(seed)
    inputs = rng.standard_normal((batch, T, features)).astype("float32")
    flows = {}
    for name in cells:
        keras.utils.set_random_seed(seed)
        layer = get_recurrent_layer(name)(units)
        layer.build((None, None, features))
        flows[name] = gradient_flow(layer, inputs, seed=seed)
    return flows


def gradient_flow_for_model(path, batch=8):
    """`GradientFlow` of the first recurrent layer of a trained model.

    The layer sees what it saw in training: a validation batch of the
    model's job, passed through the layers before it (e.g. the embedding).
    """
    from kerasseq.layers import DeepRNN
    from kerasseq.jobs.trained import load_trained

    job, config, model = load_trained(path)
    for layer in model.layers:
        if isinstance(layer, DeepRNN):
            recurrent = layer.recurrent_layers[0]
            break
        try:
            _cell_of(layer)
        except ValueError:
            continue
        recurrent = layer
        break
    else:
        raise ValueError(f"The model in {path} has no kerasseq recurrent layer.")
    features = keras.Model(model.inputs, layer.input)
    x, _ = next(iter(job.prepare(config).validation))
    return gradient_flow(recurrent, features(x[:batch]))


def plot_gradient_flow(flows, path, title="Gradient flow through time"):
    """Plots `||dL/ds_t||` against `t` for each flow, log scale, to a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    from kerasseq.training.model_dir import atomic_path

    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    try:
        for name, flow in flows.items():
            steps = np.arange(1, len(flow.gradient_norms) + 1)
            left.plot(steps, flow.gradient_norms, label=name)
            right.plot(steps[1:], flow.jacobian_norms, label=name)
        left.set_yscale("log")
        left.set_xlabel("time step t")
        left.set_ylabel("||dL/ds_t||  (L reads the last state)")
        left.set_title(title)
        right.set_yscale("log")
        right.set_xlabel("time step t")
        right.set_ylabel("||ds_t / ds_{t-1}||  (spectral norm)")
        right.set_title("Per-step Jacobian norms")
        for axes in (left, right):
            axes.legend()
        figure.tight_layout()
        with atomic_path(path) as temporary:
            figure.savefig(temporary, dpi=100, format="png")
    finally:
        plt.close(figure)
