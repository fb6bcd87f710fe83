"""Checks of exported TFLite files: operators, and agreement with Keras.

`TFLiteModel` runs a `.tflite` file with the LiteRT interpreter
(`ai_edge_litert`, the runtime of apps) and lists the operators of every
subgraph from the flatbuffer itself, so a Flex (`SELECT_TF_OPS`) or other
custom operator, or a WHILE loop, is found even where the interpreter would
only fail later, at `allocate_tensors`.
"""

import numpy as np


class ExportCheckError(ValueError):
    """An exported file fails a check (operators, or agreement with Keras)."""


def _builtin_names():
    from ai_edge_litert import schema_py_generated as schema

    return {
        code: name
        for name, code in vars(schema.BuiltinOperator).items()
        if not name.startswith("_")
    }


def operator_names(flatbuffer):
    """The operator of each node in every subgraph, e.g. `["GATHER", ...]`;
    custom operators by their custom code (Flex ones start with `Flex`)."""
    from ai_edge_litert import schema_py_generated as schema

    model = schema.Model.GetRootAs(flatbuffer, 0)
    builtin = _builtin_names()
    codes = []
    for index in range(model.OperatorCodesLength()):
        code = model.OperatorCodes(index)
        number = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
        if number == schema.BuiltinOperator.CUSTOM:
            codes.append(code.CustomCode().decode("utf-8"))
        else:
            codes.append(builtin.get(number, f"BUILTIN_{number}"))
    names = []
    for s in range(model.SubgraphsLength()):
        subgraph = model.Subgraphs(s)
        for o in range(subgraph.OperatorsLength()):
            names.append(codes[subgraph.Operators(o).OpcodeIndex()])
    return names


def non_builtin_operators(flatbuffer):
    """Sorted names of the operators that are not TFLite built-ins."""
    builtin = set(_builtin_names().values()) - {"CUSTOM", "DELEGATE"}
    return sorted({name for name in operator_names(flatbuffer) if name not in builtin})


class TFLiteModel:
    """A `.tflite` file and its LiteRT interpreter.

    Args:
        path: The file.

    Example:

    >>> model = TFLiteModel("tflite/model.tflite")
    >>> model.check_builtin_only()
    >>> model.run(tokens=ids)["probabilities"].shape  # (batch, classes)
    """

    def __init__(self, path):
        from ai_edge_litert.interpreter import Interpreter

        self.path = path
        with open(path, "rb") as handle:
            self.flatbuffer = handle.read()
        self.interpreter = Interpreter(model_content=self.flatbuffer)
        self._runner = None

    def op_names(self):
        return operator_names(self.flatbuffer)

    def check_builtin_only(self):
        """Raises `ExportCheckError` naming any non-built-in operator."""
        others = non_builtin_operators(self.flatbuffer)
        if others:
            raise ExportCheckError(
                f"{self.path} needs operators the LiteRT built-in runtime "
                f"lacks: {', '.join(others)}."
            )

    def runner(self):
        if self._runner is None:
            self._runner = self.interpreter.get_signature_runner()
        return self._runner

    def input_shapes(self):
        """`{input name: shape}` (-1 for a dimension of any size)."""
        return {
            name: tuple(int(d) for d in details["shape_signature"])
            for name, details in self.runner().get_input_details().items()
        }

    def zero_inputs(self, exclude=()):
        """`{input name: zeros}` of each input's shape and dtype (states)."""
        return {
            name: np.zeros(details["shape"], details["dtype"])
            for name, details in self.runner().get_input_details().items()
            if name not in exclude
        }

    def run(self, **inputs):
        """Runs the signature on NumPy inputs; returns its outputs by name."""
        return self.runner()(**inputs)


def softmax(logits):
    logits = np.asarray(logits, np.float64)
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def max_abs_difference(a, b):
    """Largest |a - b| (inf when any value is not finite in one only)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape:
        raise ExportCheckError(f"shapes differ: {a.shape} and {b.shape}")
    return float(np.max(np.abs(a - b), initial=0.0))


def argmax_agreement(a, b):
    """Fraction of rows whose most probable class agrees."""
    a, b = np.asarray(a), np.asarray(b)
    return float(np.mean(a.argmax(axis=-1) == b.argmax(axis=-1)))
