"""Models saved before kerasseq's model classes existed, adopted by them."""


def copy_weights(source, target):
    """Sets `target`'s weights to `source`'s, after checking that the two
    models have the same weights in the same order (count and shapes)."""
    theirs, ours = source.get_weights(), target.weights
    if len(theirs) != len(ours) or any(
        tuple(a.shape) != tuple(b.shape) for a, b in zip(theirs, ours)
    ):
        raise ValueError(
            f"Model {source.name!r} is not the model its config describes: "
            f"weights {[tuple(w.shape) for w in theirs]} against "
            f"{[tuple(w.shape) for w in ours]}."
        )
    target.set_weights(theirs)
