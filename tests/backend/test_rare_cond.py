"""`kerasseq.backend.rare_cond` and `rarely`: `keras.ops.cond`'s result on
every path."""

import keras
import numpy as np
import pytest
from keras import ops

from kerasseq.backend import compiled
from kerasseq.backend import rare_cond
from kerasseq.backend import rarely
from kerasseq.backend import running_on


def branches(x):
    # Tuple outputs, one branch far larger than the other.
    def heavy():
        y = x
        for _ in range(5):
            y = ops.tanh(ops.matmul(y, ops.transpose(y)) @ y * 0.1)
        return y, ops.sum(y)

    def light():
        return x, ops.sum(x) * 0.0

    return heavy, light


@pytest.mark.parametrize("mode", ["eager", "graph", "xla"])
def test_rare_cond_gives_the_taken_branch(mode):
    x = np.random.default_rng(0).standard_normal((3, 3)).astype("float32")

    def both(x, flag):
        heavy, light = branches(x)
        return rare_cond(flag, heavy, light), ops.cond(flag, heavy, light)

    run = both if mode == "eager" else compiled(both, jit_compile=mode == "xla")
    for flag in (True, False):
        (got, got_sum), (want, want_sum) = run(x, ops.convert_to_tensor(flag))
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6)
        np.testing.assert_allclose(float(got_sum), float(want_sum), rtol=1e-6)


@pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                    reason="TensorFlow's If op")
def test_in_a_graph_the_branch_stays_one_if_op():
    import tensorflow as tf

    @tf.function
    def function(x, flag):
        heavy, light = branches(x)
        return rare_cond(flag, heavy, light)

    graph = function.get_concrete_function(
        tf.TensorSpec((2, 2)), tf.TensorSpec((), tf.bool)).graph
    ifs = [op for op in graph.get_operations() if op.type in ("If", "StatelessIf")]
    assert len(ifs) == 1
    assert ifs[0].get_attr("_lower_using_switch_merge") is False


@pytest.mark.parametrize("mode", ["eager", "graph", "xla", "tflite"])
def test_rarely_updates_the_state_only_where_asked(mode):
    """`rarely(pred, update, state)` is `update(state)` or `state`, by the
    runtime's way (a one-trip loop under XLA and on JAX, an `If` in
    TensorFlow graphs and for TFLite), with a nested state."""
    x = np.random.default_rng(1).standard_normal((3, 3)).astype("float32")

    def update(state):
        heavy, _ = branches(state["x"])
        y, total = heavy()
        return {"x": y, "pair": (state["pair"][0] + 1, total)}

    def call(x, flag):
        state = {"x": ops.convert_to_tensor(x),
                 "pair": (ops.convert_to_tensor(0, "int32"), ops.sum(x))}
        return rarely(flag, update, state)

    run = call if mode in ("eager", "tflite") else compiled(
        call, jit_compile=mode == "xla")
    heavy, _ = branches(x)
    want_x, want_total = heavy()
    for flag in (True, False):
        if mode == "tflite":  # the TFLite export's runtime, run eagerly
            with running_on("tflite"):
                got = run(x, ops.convert_to_tensor(flag))
        else:
            got = run(x, ops.convert_to_tensor(flag))
        np.testing.assert_allclose(
            np.asarray(got["x"]), np.asarray(want_x) if flag else x, rtol=1e-6)
        assert int(got["pair"][0]) == int(flag)
        np.testing.assert_allclose(
            float(got["pair"][1]), float(want_total) if flag else x.sum(), rtol=1e-6)
