"""Frozen recurrent matrices: any cell's `recurrent_matrix()` exports as a
constant, so a parametrized `W_h` ships without its inverse or exponential."""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from kerasseq.export import ExportOptions
from kerasseq.export import LanguageModelStep
from kerasseq.export import TrainedModel
from kerasseq.export import export_trained
from kerasseq.export import frozen_recurrence
from kerasseq.export.verify import operator_names
from kerasseq.jobs import JobConfig
from kerasseq.jobs.language_model import LanguageModelOptions
from kerasseq.layers import RecurrentLayer
from kerasseq.layers import SimpleRNNCell
from kerasseq.models.classifier import build_classifier
from kerasseq.models.language_model import build_language_model
from kerasseq.text.tokenizer import Tokenizer
from kerasseq.training.config import ModelConfig
from tests.helpers import export_builders as builders
from tests.export.test_saved_model import graph_op_types

MATRIX_FUNCTIONS = {"MatrixSolve", "MatrixInverse", "MatrixExponential",
                    "MatrixSolveLs", "Qr", "Svd"}


@keras.saving.register_keras_serializable(package="kerasseq_tests")
class CayleyRNNCell(SimpleRNNCell):
    """Elman cell with orthogonal `W_h = (I + A)^-1 (I - A)`, `A` skew
    (a stand-in for the orthogonal cells: `W_h` needs a linear solve)."""

    def build_recurrent(self):
        self.skew = self.add_weight(shape=(self.units, self.units), name="skew",
                                    initializer="glorot_uniform")

    def recurrent_matrix(self):
        a = self.skew - ops.transpose(self.skew)
        eye = ops.eye(self.units)
        return ops.solve(eye + a, eye - a)


@keras.saving.register_keras_serializable(package="kerasseq_tests")
class CayleyRNN(RecurrentLayer):
    cell_class = CayleyRNNCell


def traced_op_types(function, *specs):
    graph = tf.function(function).get_concrete_function(*specs).graph
    return {op.type for op in graph.get_operations()}


def test_frozen_recurrence_replaces_the_matrix_and_restores_the_cell():
    config = ModelConfig(cell=CayleyRNN, units=4, layers=2, bidirectional=True,
                         embedding_dim=3)
    model = build_classifier(12, 3, config, pooling="mean")
    ids = np.array([[3, 4, 5, 0, 0, 0], [6, 7, 8, 9, 10, 11]], np.int32)
    spec = tf.TensorSpec([None, 6], tf.int32)
    assert "MatrixSolve" in traced_op_types(model, spec)  # the cell solves
    expected = np.asarray(model(ids))
    with frozen_recurrence(model, unroll=True):
        types = traced_op_types(model, spec)
        np.testing.assert_allclose(np.asarray(model(ids)), expected, atol=1e-6)
    assert not types & MATRIX_FUNCTIONS and "While" not in types
    cells = [layer.cell for bidirectional in model.get_layer("recurrent").recurrent_layers
             for layer in (bidirectional.forward_layer, bidirectional.backward_layer)]
    assert len(cells) == 4
    assert all("recurrent_matrix" not in vars(cell) for cell in cells)
    assert not any(layer.unroll for bidirectional
                   in model.get_layer("recurrent").recurrent_layers
                   for layer in (bidirectional.forward_layer, bidirectional.backward_layer))


def test_a_parametrized_cell_exports_without_its_matrix_function(tmp_path):
    tokenizer = Tokenizer.fit([builders.TEXT], level="char")
    config = ModelConfig(cell=CayleyRNN, units=6, layers=1, embedding_dim=4)
    model = build_language_model(tokenizer.vocabulary_size, config)
    builders.spread_weights(model)
    source = TrainedModel("lm", JobConfig(job="lm", out="", model=config,
                                          options=LanguageModelOptions()),
                          model, tokenizer)
    report = export_trained(source, str(tmp_path), options=ExportOptions(
        max_new_tokens=4, samples=8), print_fn=lambda line: None)
    assert report["tflite"]["float32"]["max_abs_difference_vs_keras"] < 1e-4
    tflite_ops = set(operator_names((tmp_path / "tflite" / "model.tflite").read_bytes()))
    assert "FULLY_CONNECTED" in tflite_ops and not tflite_ops & {"CUSTOM", "WHILE"}
    assert not graph_op_types(tmp_path / "saved_model") & MATRIX_FUNCTIONS
    step = LanguageModelStep(model)
    assert step.state_sizes == {"state_0_0": 6}
