"""The change of base point of expRNN's dynamic trivialization, as a callback.

Reference: Lezcano-Casado, "Trivializations for gradient-based optimization
on manifolds", NeurIPS 2019.
"""

import keras


def rebasing_cells(model):
    """The cells of `model`, at any depth, built with `rebase_every`."""
    return [
        layer for layer in model._flatten_layers(include_self=False)
        if getattr(layer, "rebase_every", None) and hasattr(layer, "rebase")
    ]


class DynamicTrivialization(keras.callbacks.Callback):
    """Calls `rebase()` of every cell with `rebase_every=K` every K steps.

    Steps are counted by the optimizer's `iterations`, so the schedule
    carries on across epochs, `fit` calls and a resumed run. With
    `steps_per_execution > 1` a change of base that falls inside an
    execution happens at its end. A model without such cells is left alone.

    Example:

    >>> layer = kerasseq.layers.OrthogonalRNN(190, rebase_every=100)
    >>> model.fit(data, callbacks=[DynamicTrivialization()])
    """

    def on_train_begin(self, logs=None):
        self._cells = rebasing_cells(self.model)
        step = self._step()
        self._periods = [step // cell.rebase_every for cell in self._cells]

    def _step(self):
        return int(keras.ops.convert_to_numpy(self.model.optimizer.iterations))

    def on_train_batch_end(self, batch, logs=None):
        if not self._cells:
            return
        step = self._step()
        for index, cell in enumerate(self._cells):
            period = step // cell.rebase_every
            if period > self._periods[index]:
                cell.rebase()
                self._periods[index] = period
