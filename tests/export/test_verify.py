"""The operator checks find what LiteRT's built-in runtime cannot run."""

import numpy as np
import pytest
import tensorflow as tf

from kerasseq.export import ExportCheckError
from kerasseq.export import TFLiteModel
from kerasseq.export.verify import argmax_agreement
from kerasseq.export.verify import max_abs_difference
from kerasseq.export.verify import non_builtin_operators
from kerasseq.export.verify import operator_names


def convert(function, spec, select_tf_ops=False):
    concrete = tf.function(function).get_concrete_function(spec)
    converter = tf.lite.TFLiteConverter.from_concrete_functions([concrete])
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS] + (
        [tf.lite.OpsSet.SELECT_TF_OPS] if select_tf_ops else [])
    return converter.convert()


def test_flex_operators_are_found_and_refused(tmp_path):
    blob = convert(lambda text: tf.strings.length(text),
                   tf.TensorSpec([None], tf.string), select_tf_ops=True)
    assert non_builtin_operators(blob) == ["FlexStringLength"]
    path = tmp_path / "flex.tflite"
    path.write_bytes(blob)
    with pytest.raises(ExportCheckError, match="FlexStringLength"):
        TFLiteModel(str(path)).check_builtin_only()


def test_while_loops_are_listed_with_their_subgraphs():
    def count_up(x):
        return tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * 2.0),
                             (tf.constant(0), x))[1]

    names = operator_names(convert(count_up, tf.TensorSpec([2], tf.float32)))
    assert "WHILE" in names and "MUL" in names  # MUL is in the loop's body
    assert non_builtin_operators(convert(count_up, tf.TensorSpec([2], tf.float32))) == []


def test_differences():
    a = np.array([[0.2, 0.8], [0.6, 0.4]])
    b = np.array([[0.25, 0.75], [0.3, 0.7]])
    assert max_abs_difference(a, b) == pytest.approx(0.3)
    assert argmax_agreement(a, b) == 0.5
    with pytest.raises(ExportCheckError, match="shapes differ"):
        max_abs_difference(a, b[:1])
