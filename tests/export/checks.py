"""Independent checks of exported files, shared by the export tests."""

import contextlib
import io

import tensorflow as tf


def analyzer_report(path):
    """`tf.lite.experimental.Analyzer`'s text for a .tflite file."""
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        tf.lite.experimental.Analyzer.analyze(model_path=str(path))
    return text.getvalue()


def assert_builtin_only_no_loop(path):
    """No Flex (SELECT_TF_OPS) or custom op and no WHILE in any subgraph."""
    report = analyzer_report(path)
    assert "Op#0" in report  # the analyzer did list the operators
    assert "Flex" not in report and "Custom" not in report, report[:2000]
    assert " WHILE(" not in report, report[:2000]
    assert "has '1' subgraph" in report
