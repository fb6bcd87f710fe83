"""Independent checks of exported files, shared by the export tests."""

import contextlib
import io

import tensorflow as tf
from tensorflow.core.protobuf import saved_model_pb2


def analyzer_report(path):
    """`tf.lite.experimental.Analyzer`'s text for a .tflite file."""
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        tf.lite.experimental.Analyzer.analyze(model_path=str(path))
    return text.getvalue()


def assert_builtin_only(path, while_loops=0, conditionals=0):
    """No Flex (SELECT_TF_OPS) or custom op, exactly `while_loops` WHILE
    operators (each with its condition and body subgraphs) and
    `conditionals` IF operators (each with its two branches)."""
    report = analyzer_report(path)
    assert "Op#0" in report  # the analyzer did list the operators
    assert "Flex" not in report and "Custom" not in report, report[:2000]
    assert report.count(" WHILE(") == while_loops, report[:2000]
    assert report.count(" IF(") == conditionals, report[:2000]
    subgraphs = 1 + 2 * while_loops + 2 * conditionals
    assert f"has '{subgraphs}' subgraph" in report


def assert_builtin_only_no_loop(path):
    """No Flex or custom op and no WHILE in any subgraph."""
    assert_builtin_only(path, while_loops=0)


def graph_op_types(saved_model_dir):
    """Every op type in the SavedModel's graph and function library."""
    proto = saved_model_pb2.SavedModel()
    proto.ParseFromString((saved_model_dir / "saved_model.pb").read_bytes())
    types = set()
    for meta_graph in proto.meta_graphs:
        types.update(node.op for node in meta_graph.graph_def.node)
        for function in meta_graph.graph_def.library.function:
            types.update(node.op for node in function.node_def)
    return types
