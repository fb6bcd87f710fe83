"""How exported graphs read their inputs. Text: one rule for the `text`
input of every SavedModel signature (a vector `(batch,)`, a scalar as a
batch of one, rank 2 or more refused clearly). Ids: what an app gives a
TFLite graph."""

import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from kerasseq.export import ExportOptions
from kerasseq.export import export_trained
from kerasseq.export.text_graph import clean_ids
from kerasseq.export.text_graph import last_ids
from tests.helpers import export_builders as builders

SAVED_MODEL_CLI = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
MESSAGE = (r"`text` must be a string vector of shape \(batch,\) or a scalar; "
           r"received rank {}")
#: (export, signature, its inputs besides `text`)
SIGNATURES = [
    ("lm", "serving_default", {}),
    ("lm", "generate", {"max_new_tokens": tf.constant(4),
                        "temperature": tf.constant(1.0)}),
    ("classifier", "serving_default", {}),
    ("seq2seq", "serving_default", {}),
]


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """SavedModels of the three kinds of text model, untrained."""
    root = tmp_path_factory.mktemp("text_rank")
    sources = {
        "lm": builders.language_model("gru", units=6, layers=1),
        "classifier": builders.classifier("gru", units=4, layers=1),
        "seq2seq": builders.seq2seq("gru", "additive", units=6),
    }
    for name, source in sources.items():
        export_trained(source, str(root / name), ["saved_model"],
                       options=ExportOptions(max_new_tokens=6),
                       print_fn=lambda line: None)
    return root


def signature(exports, kind, name):
    return tf.saved_model.load(str(exports / kind / "saved_model")).signatures[name]


@pytest.mark.parametrize("kind, name, extra", SIGNATURES)
def test_a_scalar_is_a_batch_of_one(exports, kind, name, extra):
    run = signature(exports, kind, name)
    scalar = run(text=tf.constant("To be or not"), **extra)
    vector = run(text=tf.constant(["To be or not"]), **extra)
    assert set(scalar) == set(vector)
    for key in vector:
        assert scalar[key].shape[0] == 1
        np.testing.assert_array_equal(scalar[key].numpy(), vector[key].numpy())


@pytest.mark.parametrize("kind, name, extra", SIGNATURES)
@pytest.mark.parametrize("shape", [(1, 2), (2, 1, 1)])
def test_rank_two_or_more_is_refused_with_the_expected_shape(exports, kind, name,
                                                              extra, shape):
    run = signature(exports, kind, name)
    text = tf.fill(shape, "To be")
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=MESSAGE.format(len(shape))):
        run(text=text, **extra)


def test_tf1_session_loader_feeds_any_rank(exports):
    """The TF1 loader (what TF Serving's C++ session does): the input is
    declared without a rank, so a scalar and a matrix reach the graph."""
    with tf.Graph().as_default() as graph, tf.compat.v1.Session() as session:
        meta_graph = tf.compat.v1.saved_model.load(
            session, ["serve"], str(exports / "classifier" / "saved_model"))
        definition = meta_graph.signature_def["serving_default"]
        text = graph.get_tensor_by_name(definition.inputs["text"].name)
        labels = graph.get_tensor_by_name(definition.outputs["labels"].name)
        assert session.run(labels, {text: "To be"}).shape == (1,)
        assert session.run(labels, {text: ["To be", "or not"]}).shape == (2,)
        with pytest.raises(tf.errors.InvalidArgumentError, match=MESSAGE.format(2)):
            session.run(labels, {text: [["To be", "or not"]]})


def saved_model_cli_run(directory, expression, tmp_path):
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    environment.pop("PYTHONPATH", None)
    return subprocess.run(
        [SAVED_MODEL_CLI, "run", "--dir", str(directory), "--tag_set", "serve",
         "--signature_def", "serving_default", "--input_exprs", expression],
        capture_output=True, text=True, cwd=tmp_path, env=environment, timeout=120,
    )


def test_saved_model_cli_run_reads_a_scalar_and_refuses_a_matrix(exports, tmp_path):
    directory = exports / "seq2seq" / "saved_model"
    scalar = saved_model_cli_run(directory, 'text="Sein oder nicht sein"', tmp_path)
    assert scalar.returncode == 0, scalar.stderr[-2000:]
    assert "Result for output key translation:" in scalar.stdout
    assert "Result for output key truncated:\n[False]" in scalar.stdout
    matrix = saved_model_cli_run(directory, 'text=[["Sein", "oder"]]', tmp_path)
    assert matrix.returncode != 0
    assert "InvalidArgumentError" in matrix.stderr
    assert "`text` must be a string vector of shape (batch,) or a scalar; " \
           "received rank 2" in matrix.stderr


def test_clean_ids_cuts_reads_outside_ids_as_oov_and_never_returns_no_token():
    ids = tf.constant([[5, -3, 9, 10, 4], [0, 0, 0, 0, 0]], tf.int32)
    # vocabulary of 10 ids: 9 is the last one, 10 and -3 are outside.
    got = clean_ids(ids, max_length=4, vocabulary_size=10).numpy()
    np.testing.assert_array_equal(got, [[5, 1, 9, 1], [1, 0, 0, 0]])
    # No column at all: one [UNK] per row; no row at all: still none.
    np.testing.assert_array_equal(
        clean_ids(tf.zeros([2, 0], tf.int32), 4, 10).numpy(), [[1], [1]])
    assert clean_ids(tf.zeros([0, 3], tf.int32), 4, 10).shape == (0, 3)


def test_last_ids_keeps_the_end_of_each_right_padded_row():
    ids = tf.constant([[4, 5, 6, 7, 8], [9, 3, 0, 0, 0], [0, 0, 0, 0, 0]], tf.int32)
    kept, lengths, truncated = last_ids(ids, 3)
    np.testing.assert_array_equal(kept.numpy(), [[6, 7, 8], [9, 3, 0], [0, 0, 0]])
    np.testing.assert_array_equal(lengths.numpy(), [3, 2, 0])
    np.testing.assert_array_equal(truncated.numpy(), [True, False, False])
    kept, _, truncated = last_ids(ids, 9)  # a cap wider than the batch
    np.testing.assert_array_equal(kept.numpy(), ids.numpy())
    assert not truncated.numpy().any()
