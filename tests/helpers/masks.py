"""Random padding masks shared by the recurrent-layer tests."""

import numpy as np


def right_padded_mask(rng, batch, steps):
    """A `(batch, steps)` mask of random lengths >= 1 (row 0 full); lengths."""
    lengths = rng.integers(1, steps + 1, size=batch)
    lengths[0] = steps  # one full-length row
    return np.arange(steps)[None, :] < lengths[:, None], lengths
