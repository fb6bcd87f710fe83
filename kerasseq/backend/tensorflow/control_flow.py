"""TensorFlow control flow for branches that are rarely taken."""

import tensorflow as tf
from tensorflow.core.framework import attr_value_pb2

#: The attribute by which TensorFlow decides whether an `If` op becomes
#: `Switch`/`Merge` ops when a graph runs (`control_flow_util_v2`).
_LOWER = "_lower_using_switch_merge"


def rare_cond(pred, true_fn, false_fn):
    """`tf.cond(pred, true_fn, false_fn)`, kept an `If` op in graphs.

    TensorFlow lowers an `If` inside a `tf.function` to `Switch`/`Merge`
    ops, and then every op of the branch not taken still runs, as a dead
    tensor passing through. For a large branch taken rarely (a cache
    recomputed every few hundred steps of a decoding loop) that costs more
    than the branch's function call; this keeps the `If`, so the untaken
    branch costs nothing. Eagerly and under XLA it is `tf.cond`.
    """
    if tf.executing_eagerly():
        return tf.cond(pred, true_fn, false_fn)
    graph = tf.compat.v1.get_default_graph()
    before = len(graph.get_operations())
    outputs = tf.cond(pred, true_fn, false_fn)
    for op in graph.get_operations()[before:]:
        if op.type in ("If", "StatelessIf"):
            op._set_attr(_LOWER, attr_value_pb2.AttrValue(b=False))  # noqa: SLF001
    return outputs
