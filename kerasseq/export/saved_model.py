"""Writes a SavedModel that needs TensorFlow only (no Keras, no kerasseq).

The endpoints are traced inside `frozen_recurrence`, so the graph holds the
recurrent matrices as constants, the other weights as variables, and the
lookup tables of the tokenizer. `keras.export.ExportArchive` does the
writing: it saves the variables the endpoints read and the lookup tables of
the tracked layers, and makes each endpoint a signature, the one named
`serving_default` being what TensorFlow Serving calls when a request names
none.
"""

import keras

from kerasseq.export.step_models import frozen_recurrence


def write(path, endpoints, model, track=(), unroll=False):
    """Traces `endpoints` and writes the SavedModel to `path`.

    Args:
        path: A new or empty directory.
        endpoints: `{signature name: (function, input_signature)}`; each
            function returns a dict of named tensors.
        model: The Keras model the functions call.
        track: Further resources to save (e.g. a `StringLookup` layer).
        unroll: Unroll the recurrent loops (fixed-length inputs only).
    """
    archive = keras.export.ExportArchive()
    for resource in track:
        archive.track(resource)
    with frozen_recurrence(model, unroll=unroll):
        # Saving traces the endpoints (again for the signature wrappers):
        # all of it happens in the frozen scope.
        for name, (function, signature) in endpoints.items():
            archive.add_endpoint(name, function, input_signature=signature)
        archive.write_out(path, verbose=False)
