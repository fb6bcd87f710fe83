"""Independent float64 NumPy implementations of the recurrent cells.

Written from the equations (Elman; Hochreiter and Schmidhuber; Cho et al.),
not from kerasseq's code. Weights use the Keras layout: `kernel`
`(features, k * units)`, `recurrent_kernel` `(units, k * units)`, gate
columns in the order i, f, g, o (LSTM) and u, r, g (GRU).
"""

import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def simple_rnn_step(x, states, weights):
    kernel, recurrent, bias = weights
    h = np.tanh(x @ kernel + states[0] @ recurrent + bias)
    return h, [h]


def lstm_step(x, states, weights):
    kernel, recurrent, bias = weights
    h_prev, c_prev = states
    units = h_prev.shape[-1]
    z = x @ kernel + h_prev @ recurrent + bias
    i = sigmoid(z[:, :units])
    f = sigmoid(z[:, units : 2 * units])
    g = np.tanh(z[:, 2 * units : 3 * units])
    o = sigmoid(z[:, 3 * units :])
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    return h, [h, c]


def gru_step(x, states, weights, reset_after):
    kernel, recurrent, bias = weights
    h_prev = states[0]
    u_ = h_prev.shape[-1]
    cols = [slice(0, u_), slice(u_, 2 * u_), slice(2 * u_, 3 * u_)]
    if reset_after:
        x_part = x @ kernel + bias[0]
        h_part = h_prev @ recurrent + bias[1]
        u = sigmoid(x_part[:, cols[0]] + h_part[:, cols[0]])
        r = sigmoid(x_part[:, cols[1]] + h_part[:, cols[1]])
        g = np.tanh(x_part[:, cols[2]] + r * h_part[:, cols[2]])
    else:
        x_part = x @ kernel + bias
        u = sigmoid(x_part[:, cols[0]] + h_prev @ recurrent[:, cols[0]])
        r = sigmoid(x_part[:, cols[1]] + h_prev @ recurrent[:, cols[1]])
        g = np.tanh(x_part[:, cols[2]] + (r * h_prev) @ recurrent[:, cols[2]])
    h = u * h_prev + (1.0 - u) * g
    return h, [h]


def run(step, inputs, weights, initial_states, mask=None, go_backwards=False):
    """Runs `step` over `(batch, time, features)`; returns (outputs, states).

    A masked step keeps the states and repeats the previous output. Outputs
    are in processing order (reversed time when `go_backwards`).
    """
    inputs = np.asarray(inputs, np.float64)
    batch, steps = inputs.shape[:2]
    states = [np.asarray(s, np.float64) for s in initial_states]
    previous = np.zeros_like(states[0])
    outputs = []
    order = range(steps - 1, -1, -1) if go_backwards else range(steps)
    for t in order:
        output, new_states = step(inputs[:, t], states, weights)
        if mask is not None:
            keep = np.asarray(mask[:, t], bool)[:, None]
            new_states = [np.where(keep, n, s) for n, s in zip(new_states, states)]
            output = np.where(keep, output, previous)
        states, previous = new_states, output
        outputs.append(output)
    return np.stack(outputs, axis=1), states
