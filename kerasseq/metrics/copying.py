"""The metric of the copying memory task (Arjovsky, Shah and Bengio,
"Unitary evolution recurrent neural networks", ICML 2016): how many of the
symbols to remember a model writes back (`kerasseq.tasks.copying`)."""

import keras

#: Symbols to remember: the last steps of a target.
COPY_SYMBOLS = 10


@keras.saving.register_keras_serializable(package="kerasseq")
def copied_symbol_accuracy(y_true, y_pred):
    """Accuracy on the last 10 steps: the symbols the model must copy.

    Args:
        y_true: int `(batch, T + 20)` target ids.
        y_pred: `(batch, T + 20, classes)` logits or probabilities.

    Returns:
        The share of the last `COPY_SYMBOLS` positions whose argmax is the
        target, a scalar.
    """
    y_true = keras.ops.cast(y_true[:, -COPY_SYMBOLS:], "int32")
    predicted = keras.ops.cast(
        keras.ops.argmax(y_pred[:, -COPY_SYMBOLS:], axis=-1), "int32"
    )
    return keras.ops.mean(keras.ops.cast(predicted == y_true, "float32"))
