"""The fused (cuDNN-style) gradient equals autodiff through the time loop.

For every cell that supports it, a layer with `fused_gradient=True` and its
twin with `fused_gradient=False` (same weights) give the same gradients with
respect to the inputs, every weight and the initial state, with masks (left
and right padding, both `zero_output_for_mask`), `go_backwards`,
`return_sequences` and `return_state`.
"""

import numpy as np
import pytest
import tensorflow as tf

import keras
from kerasseq import layers
import kerasseq.backend
from kerasseq.backend.tensorflow import rnn as tensorflow_rnn
from kerasseq.layers.fused_gradient import activation_derivative
from tests.helpers.masks import right_padded_mask

UNITS, FEATURES, BATCH, STEPS = 5, 3, 4, 6

FUSED_LAYERS = {
    "simple_rnn": lambda **kw: layers.SimpleRNN(UNITS, **kw),
    "simple_rnn_relu": lambda **kw: layers.SimpleRNN(UNITS, activation="relu", **kw),
    "lstm": lambda **kw: layers.LSTM(UNITS, **kw),
    "gru": lambda **kw: layers.GRU(UNITS, **kw),
    "gru_no_bias": lambda **kw: layers.GRU(UNITS, use_bias=False, **kw),
    "orthogonal_tanh": lambda **kw: layers.OrthogonalRNN(UNITS, **kw),
    "orthogonal_modrelu": lambda **kw: layers.OrthogonalRNN(
        UNITS, activation="modrelu", parametrization="cayley", **kw
    ),
    "unitary": lambda **kw: layers.UnitaryRNN(UNITS, **kw),
    "unitary_linear": lambda **kw: layers.UnitaryRNN(UNITS, activation="linear", **kw),
}


def layer_pair(name, rng, first, second, **shared):
    """Two `FUSED_LAYERS[name]` built with options `first` and `second`
    (plus `shared`), with the same random weights."""
    pair = (FUSED_LAYERS[name](**first, **shared), FUSED_LAYERS[name](**second, **shared))
    for layer in pair:
        layer.build((None, STEPS, FEATURES))
    weights = [
        0.6 * rng.standard_normal(w.shape) if w.dtype.kind == "f" else w
        for w in pair[0].get_weights()
    ]  # (UnitaryRNN's integer permutation is kept)
    for layer in pair:
        layer.set_weights(weights)
    return pair


def twin_layers(name, rng, dtype="float64", **kwargs):
    """The layer with and without the fused gradient, equal random weights."""
    return layer_pair(name, rng, {"fused_gradient": True}, {"fused_gradient": False},
                      dtype=dtype, **kwargs)


def padding_mask(rng, kind):
    if kind == "none":
        return None
    mask, _ = right_padded_mask(rng, BATCH, STEPS)
    return mask if kind == "right" else mask[:, ::-1].copy()


def gradients(layer, x, initial_state, mask, probes, training=True):
    """Gradients of `sum(outputs * probes)`: inputs, weights, initial state."""
    x = tf.Variable(x)
    initial_state = [tf.Variable(s) for s in initial_state]
    with tf.GradientTape() as tape:
        outputs = layer(
            x, initial_state=list(initial_state), mask=mask, training=training
        )
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        loss = sum(tf.reduce_sum(o * p) for o, p in zip(outputs, probes))
    sources = [x, *initial_state, *layer.trainable_weights]
    return [np.asarray(g) for g in tape.gradient(loss, sources)], outputs


def initial_states(layer, rng):
    sizes = layer.cell.state_size
    sizes = sizes if isinstance(sizes, (list, tuple)) else [sizes]
    return [rng.standard_normal((BATCH, size)) for size in sizes]


@pytest.mark.parametrize("name", sorted(FUSED_LAYERS))
@pytest.mark.parametrize("masking", ["none", "right", "left"])
@pytest.mark.parametrize("go_backwards", [False, True], ids=["forward", "backwards"])
@pytest.mark.parametrize("return_sequences", [False, True], ids=["last", "sequences"])
def test_fused_gradient_equals_autodiff(name, masking, go_backwards, return_sequences):
    rng = np.random.default_rng(len(name) + 7 * go_backwards + 3 * return_sequences)
    options = dict(
        return_sequences=return_sequences,
        return_state=True,
        go_backwards=go_backwards,
        zero_output_for_mask=masking == "left",
    )
    fused, plain = twin_layers(name, rng, **options)
    x = rng.standard_normal((BATCH, STEPS, FEATURES))
    init = initial_states(fused, rng)
    mask = padding_mask(rng, masking)
    _, outputs = gradients(fused, x, init, mask, [0.0] * 3)
    probes = [rng.standard_normal(o.shape) for o in outputs]
    got, got_outputs = gradients(fused, x, init, mask, probes)
    want, want_outputs = gradients(plain, x, init, mask, probes)
    for g, w in zip(got_outputs, want_outputs):
        np.testing.assert_allclose(g, w, atol=1e-12)
    names = ["inputs", "initial state"] + [v.path for v in fused.trainable_weights]
    names[2:2] = [f"initial state {i}" for i in range(1, len(init))]
    for label, g, w in zip(names, got, want):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12, err_msg=label)


@pytest.mark.parametrize("name", ["simple_rnn", "lstm", "gru"])
@pytest.mark.parametrize("jit_compile", [False, True], ids=["graph", "xla"])
def test_fused_gradient_equals_autodiff_in_a_compiled_float32_step(name, jit_compile):
    """The `model.fit` setting: float32, inside `tf.function` (with XLA: it
    must compile, `jit_compile=True` does not fall back), to 1e-5."""
    rng = np.random.default_rng(3)
    fused, plain = twin_layers(name, rng, dtype="float32", return_sequences=True)
    x = tf.constant(rng.standard_normal((BATCH, STEPS, FEATURES)), tf.float32)
    mask = tf.constant(padding_mask(rng, "right"))
    probe = tf.constant(rng.standard_normal((BATCH, STEPS, UNITS)), tf.float32)

    def compiled_gradients(layer):
        @tf.function(jit_compile=jit_compile)
        def run():
            with tf.GradientTape() as tape:
                tape.watch(x)
                outputs = layer(x, mask=mask, training=True)
                loss = tf.reduce_sum(outputs * probe)
            return tape.gradient(loss, [x, *layer.trainable_weights])

        return [g.numpy() for g in run()]

    for g, w in zip(compiled_gradients(fused), compiled_gradients(plain)):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)


def count_backward_steps(monkeypatch, cell_class):
    calls = []
    original = cell_class.backward_step

    def counting(self, *args):
        calls.append(1)
        return original(self, *args)

    monkeypatch.setattr(cell_class, "backward_step", counting)
    return calls


def loss_gradient(layer, x, training=False):
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x, training=training))
    return tape.gradient(loss, layer.trainable_weights)


def test_the_layers_use_the_fused_gradient_by_default(monkeypatch):
    calls = count_backward_steps(monkeypatch, layers.LSTMCell)
    layer = layers.LSTM(UNITS)
    assert layer.fused_gradient is None  # no override: the runtime setting
    assert layer.tuning().fused_gradient is True
    loss_gradient(layer, np.ones((2, STEPS, FEATURES), "float32"), training=True)
    assert calls  # the backward loop ran the cell's backward step


@pytest.mark.parametrize(
    "make_layer",
    [
        lambda: layers.LSTM(UNITS, fused_gradient=False),
        lambda: layers.LSTM(UNITS, recurrent_dropout=0.3, seed=1),
        lambda: layers.LSTM(UNITS, unroll=True),
        lambda: keras.layers.RNN(layers.LSTMCell(UNITS)),
    ],
    ids=["switched_off", "recurrent_dropout", "unroll", "plain_keras_rnn"],
)
def test_autodiff_where_the_fused_gradient_does_not_apply(monkeypatch, make_layer):
    calls = count_backward_steps(monkeypatch, layers.LSTMCell)
    grads = loss_gradient(make_layer(), np.ones((2, STEPS, FEATURES), "float32"), True)
    assert not calls
    assert all(g is not None for g in grads)


def test_inference_runs_the_plain_loop(monkeypatch):
    calls = []
    original = tensorflow_rnn.fused_recurrence
    monkeypatch.setattr(
        tensorflow_rnn, "fused_recurrence",
        lambda *args: calls.append(1) or original(*args),
    )
    layer = layers.LSTM(UNITS)
    layer(np.ones((2, STEPS, FEATURES), "float32"), training=False)
    assert not calls
    layer(np.ones((2, STEPS, FEATURES), "float32"), training=True)
    assert calls


def test_model_fit_trains_with_the_fused_gradient(monkeypatch):
    calls = count_backward_steps(monkeypatch, layers.GRUCell)
    inputs = keras.Input((STEPS, FEATURES))
    model = keras.Model(inputs, layers.GRU(UNITS)(inputs))
    model.compile("sgd", "mse")
    model.fit(np.ones((4, STEPS, FEATURES)), np.ones((4, UNITS)), verbose=0)
    assert calls


def test_input_dropout_keeps_the_fused_gradient(monkeypatch):
    calls = count_backward_steps(monkeypatch, layers.GRUCell)
    layer = layers.GRU(UNITS, dropout=0.3, seed=1)
    loss_gradient(layer, np.ones((2, STEPS, FEATURES), "float32"), training=True)
    assert calls


@pytest.mark.parametrize(
    "layer",
    [
        layers.GRU(UNITS, reset_after=False),
        layers.SimpleRNN(UNITS, activation="selu"),
        layers.LSTM(UNITS, recurrent_activation="hard_sigmoid"),
    ],
    ids=["gru_reset_before", "selu", "hard_sigmoid"],
)
def test_cells_without_a_fused_gradient_say_so(layer):
    assert not layer.cell.supports_fused_gradient()


def test_activation_derivatives_match_autodiff():
    z = tf.constant(np.linspace(-3, 3, 13))
    for activation in ("tanh", "sigmoid", "relu", "linear"):
        function = keras.activations.get(activation)
        with tf.GradientTape() as tape:
            tape.watch(z)
            y = function(z)
        want = tape.gradient(y, z)
        got = activation_derivative(function)(y)
        np.testing.assert_allclose(got, want, atol=1e-12, err_msg=activation)
    assert activation_derivative(keras.activations.get("selu")) is None


def test_tuning_is_not_saved_and_old_configs_load():
    layer = layers.GRU(UNITS, fused_gradient=False, jit_compile_loops=False,
                       parallel_chains=3)
    assert layer.tuning() == kerasseq.backend.Tuning(False, False, 3)
    config = layer.get_config()
    assert not set(config) & {"fused_gradient", "jit_compile_loops", "parallel_chains"}
    assert layers.GRU.from_config(config).tuning() == kerasseq.backend.Tuning()
    # A config written before tuning became a runtime setting.
    old = {**config, "fused_gradient": False, "jit_compile_loops": True,
           "parallel_chains": 4}
    restored = layers.GRU.from_config(old)
    assert restored.tuning() == kerasseq.backend.Tuning()
    # ... and through a whole `.keras`-style model config.
    inputs = keras.Input((STEPS, FEATURES))
    model = keras.Model(inputs, layers.LSTM(UNITS, parallel_chains=2)(inputs))
    clone = keras.Model.from_config(model.get_config())
    assert clone.layers[-1].tuning().parallel_chains == "auto"


def test_keras_loads_a_kerasseq_lstm_config():
    config = layers.LSTM(UNITS, return_sequences=True).get_config()
    keras_layer = keras.layers.LSTM.from_config(config)
    assert keras_layer.units == UNITS and keras_layer.return_sequences


def test_tuning_precedence(monkeypatch):
    layer = layers.LSTM(UNITS)
    monkeypatch.setenv("KERASSEQ_PARALLEL_CHAINS", "3")
    monkeypatch.setenv("KERASSEQ_FUSED_GRADIENT", "0")
    assert layer.tuning() == kerasseq.backend.Tuning(False, "auto", 3)
    kerasseq.backend.set_tuning(parallel_chains=2)
    try:
        assert layer.tuning().parallel_chains == 2
        with kerasseq.backend.tuning(parallel_chains=5, jit_compile_loops=False):
            assert layer.tuning() == kerasseq.backend.Tuning(False, False, 5)
            with kerasseq.backend.tuning(parallel_chains=6):
                assert layer.tuning().parallel_chains == 6
            assert layers.LSTM(UNITS, parallel_chains=1).tuning().parallel_chains == 1
        assert layer.tuning().parallel_chains == 2
    finally:
        kerasseq.backend.set_tuning(parallel_chains=None)
    assert layer.tuning().parallel_chains == 3


def test_tuning_refuses_nonsense(monkeypatch):
    with pytest.raises(ValueError, match="fused_gradient"):
        layers.LSTM(UNITS, fused_gradient="yes")
    with pytest.raises(ValueError, match="jit_compile_loops.*'auto', True, False"):
        layers.LSTM(UNITS, jit_compile_loops="xla")
    for bad in (0, 1.5, True, "two"):
        with pytest.raises(ValueError, match="parallel_chains.*'auto' or a positive"):
            layers.LSTM(UNITS, parallel_chains=bad)
    with pytest.raises(ValueError, match="Unknown tuning setting 'chains'"):
        with kerasseq.backend.tuning(chains=2):
            pass
    monkeypatch.setenv("KERASSEQ_JIT_COMPILE_LOOPS", "xla")
    with pytest.raises(ValueError, match="KERASSEQ_JIT_COMPILE_LOOPS='xla'"):
        layers.LSTM(UNITS).tuning()


def xla_calls(graph):
    """The function calls in `graph` that XLA must compile."""
    return [
        op
        for op in graph.get_operations()
        if op.type.endswith("PartitionedCall")
        and "_XlaMustCompile" in op.node_def.attr
        and op.get_attr("_XlaMustCompile")
    ]


def traced_training_step(layer):
    """A `tf.function` of the gradients of `sum(outputs * sin(outputs))`
    with respect to `x` and the weights."""

    @tf.function
    def step(x, mask=None):
        with tf.GradientTape() as tape:
            tape.watch(x)
            outputs = layer(x, mask=mask, training=True)
            loss = tf.reduce_sum(outputs * tf.sin(outputs))
        return tape.gradient(loss, [x, *layer.trainable_weights])

    return step


@pytest.mark.parametrize(
    "setting, steps, compiled",
    [("auto", STEPS, 2), ("auto", None, 0), (True, None, 2), (False, STEPS, 0)],
    ids=["auto_known_length", "auto_unknown_length", "on", "off"],
)
def test_which_traced_graphs_compile_the_fused_loops(setting, steps, compiled):
    """`jit_compile_loops`: the forward and the backward loop are each one
    must-compile XLA call in the traced training step, or neither is."""
    layer = layers.LSTM(
        UNITS, return_sequences=True, jit_compile_loops=setting, parallel_chains=1
    )
    step = traced_training_step(layer)
    graph = step.get_concrete_function(
        tf.TensorSpec((None, steps, FEATURES), tf.float32)
    ).graph
    assert len(xla_calls(graph)) == compiled
    # Inference runs the plain loop, which never compiles.
    inference_graph = tf.function(lambda x: layer(x, training=False)).get_concrete_function(
        tf.TensorSpec((None, STEPS, FEATURES), tf.float32)
    ).graph
    assert not xla_calls(inference_graph)


@pytest.mark.parametrize("name", sorted(FUSED_LAYERS))
def test_compiled_fused_loops_equal_autodiff(name):
    """The loops compiled with XLA give autodiff's gradients (float64, with
    a left-padding mask, in reverse and from a random initial state)."""
    rng = np.random.default_rng(len(name))
    options = dict(return_sequences=True, go_backwards=len(name) % 2 == 0)
    fused, plain = layer_pair(name, rng, {"jit_compile_loops": True},
                              {"fused_gradient": False}, dtype="float64", **options)
    x = tf.constant(rng.standard_normal((BATCH, STEPS, FEATURES)))
    mask = tf.constant(padding_mask(rng, "left"))
    step = traced_training_step(fused)
    assert len(xla_calls(step.get_concrete_function(x, mask).graph)) == 2
    got = step(x, mask)
    want = traced_training_step(plain)(x, mask)
    labels = ["inputs"] + [v.path for v in fused.trainable_weights]
    for label, g, w in zip(labels, got, want):
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-11, err_msg=label)


def test_bidirectional_fused_gradient_equals_autodiff():
    rng = np.random.default_rng(8)
    x = tf.constant(rng.standard_normal((BATCH, STEPS, FEATURES)))
    mask = tf.constant(padding_mask(rng, "left"))
    weights, results = None, []
    for fused in (True, False):
        # Bidirectional rebuilds its backward layer from the config, which
        # carries no tuning: the runtime setting reaches both directions.
        with kerasseq.backend.tuning(fused_gradient=fused):
            layer = keras.layers.Bidirectional(
                layers.LSTM(UNITS, return_sequences=True, dtype="float64"),
                dtype="float64",
            )
            layer.build((None, STEPS, FEATURES))
            weights = weights or [rng.standard_normal(w.shape)
                                  for w in layer.get_weights()]
            layer.set_weights(weights)
            with tf.GradientTape() as tape:
                tape.watch(x)
                outputs = layer(x, mask=mask, training=True)
                loss = tf.reduce_sum(outputs * tf.sin(outputs))
            results.append(tape.gradient(loss, [x, *layer.trainable_weights]))
    for got, want in zip(*results):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("jit_compile", [False, True], ids=["graph", "xla"])
def test_fit_with_unknown_sequence_length_and_masks(monkeypatch, jit_compile):
    calls = count_backward_steps(monkeypatch, layers.LSTMCell)
    rng = np.random.default_rng(9)
    inputs = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(9, FEATURES, mask_zero=True)(inputs)
    x = layers.LSTM(UNITS, return_sequences=True, dropout=0.1, seed=1)(x)
    model = keras.Model(inputs, keras.layers.Dense(1)(x))
    model.compile("adam", "mse", jit_compile=jit_compile)
    for steps in (6, 9):  # two lengths, one model
        history = model.fit(rng.integers(0, 9, size=(8, steps)),
                            rng.standard_normal((8, steps, 1)), verbose=0)
        assert np.all(np.isfinite(history.history["loss"]))
    assert model.jit_compile is jit_compile
    assert calls


@pytest.mark.parametrize("name", ["simple_rnn", "lstm", "gru", "orthogonal_modrelu", "unitary"])
def test_parallel_chains_give_the_results_of_one_chain(name):
    """The batch split into 3 independent recurrences (26 rows: 9 + 9 + 8),
    in a graph with compiled loops: outputs, final states and the gradients
    of inputs, initial states and weights equal one chain's (float64), with a
    right-padding mask and return_state."""
    rng = np.random.default_rng(len(name) + 1)
    batch = 26
    options = dict(return_sequences=True, return_state=True, dtype="float64")
    split, whole = layer_pair(name, rng, {"parallel_chains": 3},
                              {"parallel_chains": 1}, **options)
    x = tf.constant(rng.standard_normal((batch, STEPS, FEATURES)))
    mask, _ = right_padded_mask(rng, batch, STEPS)
    mask = tf.constant(mask)
    sizes = split.cell.state_size
    sizes = sizes if isinstance(sizes, (list, tuple)) else [sizes]
    init = [tf.constant(rng.standard_normal((batch, size))) for size in sizes]

    def run(layer):
        @tf.function
        def step():
            with tf.GradientTape() as tape:
                tape.watch([x, *init])
                outputs = layer(x, initial_state=list(init), mask=mask, training=True)
                loss = sum(tf.reduce_sum(o * tf.sin(o)) for o in outputs)
            return outputs, tape.gradient(loss, [x, *init, *layer.trainable_weights])

        graph = step.get_concrete_function().graph
        return step(), len(xla_calls(graph))

    (got_outputs, got), split_calls = run(split)
    (want_outputs, want), whole_calls = run(whole)
    assert (split_calls, whole_calls) == (6, 2)  # forward + backward per chain
    for g, w in zip(got_outputs, want_outputs):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-11)


def test_auto_chains_split_graphs_on_cpus_only_outside_xla():
    """`parallel_chains="auto"`: two chains in a graph on this CPU machine,
    one in a graph XLA compiles as a whole, one for a batch under 16 rows."""
    if tf.config.list_physical_devices("GPU"):
        pytest.skip("a GPU is visible")
    layer = layers.GRU(UNITS, return_sequences=True)
    x = tf.constant(np.ones((32, STEPS, FEATURES), "float32"))
    for jit_compile, rows, chains in ((False, 32, 2), (True, 32, 1), (False, 15, 1)):
        @tf.function(jit_compile=jit_compile)
        def step(x):
            with tf.GradientTape() as tape:
                tape.watch(x)
                loss = tf.reduce_sum(layer(x, training=True))
            return tape.gradient(loss, x)

        graph = step.get_concrete_function(x[:rows]).graph
        assert len(xla_calls(graph)) == 2 * chains, (jit_compile, rows)
        assert np.all(np.isfinite(step(x[:rows])))


@pytest.mark.parametrize("batch", [1, 3])
def test_parallel_chains_with_a_batch_unknown_when_traced(batch):
    """A graph traced for any batch size splits at run time; one row leaves
    the second chain empty, three rows split 2 + 1. Results equal one
    chain's (float64)."""
    rng = np.random.default_rng(batch)
    layers_ = [
        layers.LSTM(UNITS, return_sequences=True, return_state=True,
                    parallel_chains=chains, dtype="float64")
        for chains in (2, 1)
    ]
    for layer in layers_:
        layer.build((None, STEPS, FEATURES))
    layers_[1].set_weights(layers_[0].get_weights())
    x = tf.constant(rng.standard_normal((batch, STEPS, FEATURES)))
    results = []
    for layer in layers_:
        @tf.function(input_signature=[tf.TensorSpec((None, STEPS, FEATURES), tf.float64)])
        def step(x):
            with tf.GradientTape() as tape:
                tape.watch(x)
                outputs = layer(x, training=True)
                loss = sum(tf.reduce_sum(o * tf.sin(o)) for o in outputs)
            return outputs, tape.gradient(loss, [x, *layer.trainable_weights])

        graph = step.get_concrete_function().graph
        results.append((step(x), len(xla_calls(graph))))
    ((got_outputs, got), split_calls), ((want_outputs, want), whole_calls) = results
    assert (split_calls, whole_calls) == (4, 2)
    for g, w in zip([*got_outputs, *got], [*want_outputs, *want]):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


def test_chains_share_one_recurrent_matrix(monkeypatch):
    """The orthogonal parametrization (a matrix exponential) is computed
    once per batch, not once per chain."""
    calls = []
    original = layers.OrthogonalRNNCell.recurrent_matrix
    monkeypatch.setattr(
        layers.OrthogonalRNNCell, "recurrent_matrix",
        lambda self: calls.append(1) or original(self),
    )
    counts = {}
    for chains in (1, 2):
        calls.clear()
        layer = layers.OrthogonalRNN(UNITS, return_sequences=True, parallel_chains=chains)
        graph = traced_training_step(layer).get_concrete_function(
            tf.TensorSpec((32, STEPS, FEATURES), tf.float32)
        ).graph
        assert len(xla_calls(graph)) == 2 * chains
        counts[chains] = len(calls)
    assert counts[2] == counts[1]


def test_auto_chains_need_more_than_one_inter_op_thread(monkeypatch):
    if tf.config.list_physical_devices("GPU"):
        pytest.skip("a GPU is visible")
    monkeypatch.setattr(
        tf.config.threading, "get_inter_op_parallelism_threads", lambda: 1
    )
    layer = layers.LSTM(UNITS, return_sequences=True)
    graph = traced_training_step(layer).get_concrete_function(
        tf.TensorSpec((32, STEPS, FEATURES), tf.float32)
    ).graph
    assert len(xla_calls(graph)) == 2  # one chain


def test_chains_share_one_compiled_forward_and_backward():
    """Two chains of one batch call the same two XLA functions (one trace,
    one compilation each), not a copy per chain."""
    layer = layers.GRU(UNITS, return_sequences=True, parallel_chains=2)
    graph = traced_training_step(layer).get_concrete_function(
        tf.TensorSpec((32, STEPS, FEATURES), tf.float32)
    ).graph
    calls = xla_calls(graph)
    assert len(calls) == 4
    assert len({op.get_attr("f").name for op in calls}) == 2
