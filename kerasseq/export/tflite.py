"""Converts a traced export graph to TFLite / LiteRT with built-in ops only.

The graph is traced with frozen recurrent matrices and unrolled loops
(`step_models.frozen_recurrence(unroll=True)`), written as a temporary
SavedModel (whose conversion freezes the variables into constants) and
converted with `TFLITE_BUILTINS` only: a graph that needed a Flex
(`SELECT_TF_OPS`) kernel fails to convert instead of producing a file the
LiteRT runtime of an app cannot run.

The graph is traced inside `kerasseq.backend.running_on("tflite")`, so the
cached attention step takes the ops that are fast in the interpreter.

`quantize="dynamic"` is dynamic-range quantization: weights stored as int8,
activations float; the runtime dequantizes or uses hybrid kernels.
"""

import tempfile

import tensorflow as tf

from kerasseq import backend
from kerasseq.export import saved_model

#: The signature of every exported TFLite model.
SIGNATURE_KEY = "serving_default"
VARIANTS = ("float32", "dynamic_range_int8")


def convert(model, function, input_signature, variants=("float32",)):
    """`{variant: flatbuffer bytes}` of `function`, traced on `model`.

    Args:
        model: The Keras model `function` calls.
        function: Returns a dict of named outputs.
        input_signature: Named `tf.TensorSpec`s with fixed time dimensions.
        variants: Any of `"float32"` and `"dynamic_range_int8"`.
    """
    for variant in variants:
        if variant not in VARIANTS:
            raise ValueError(
                f"Argument `variants` holds {variant!r}; allowed: {VARIANTS}."
            )
    with tempfile.TemporaryDirectory(prefix="kerasseq-tflite-") as directory:
        # Traced for the LiteRT interpreter, whose fastest ops differ from
        # TensorFlow's (`kerasseq.backend.attention_step_ops`).
        with backend.running_on("tflite"):
            saved_model.write(
                directory, {SIGNATURE_KEY: (function, input_signature)}, model,
                unroll=True,
            )
        blobs = {}
        for variant in variants:
            converter = tf.lite.TFLiteConverter.from_saved_model(
                directory, signature_keys=[SIGNATURE_KEY]
            )
            converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
            if variant == "dynamic_range_int8":
                converter.optimizations = [tf.lite.Optimize.DEFAULT]
            blobs[variant] = converter.convert()
    return blobs
