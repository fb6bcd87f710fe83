"""Training curves and attention maps as PNG files (matplotlib, headless)."""

import re

from kerasseq.training.model_dir import atomic_path


def wrapped(label, width=32):
    """`label` on lines of about `width` characters, broken after a `:` or
    `,` (a cell spec such as `orthogonal:parametrization=cayley:...`), so a
    long legend entry does not squeeze the axes."""
    lines, line = [], ""
    for piece in re.split(r"(?<=[:,])", str(label)):
        if line and len(line) + len(piece) > width:
            lines.append(line)
            line = ""
        line += piece
    return "\n".join(lines + [line])


def plot_curves(curves, path, title, ylabel, baseline=None, log_scale=True,
                xlabel="epoch", x_scale=1, x_values=None, log_x=False):
    """Writes one line per curve (`{label: [value per epoch]}`) to `path`.

    Args:
        curves: Dict from label to a list of per-epoch values.
        path: PNG file, written atomically.
        title, ylabel: Text of the plot.
        baseline: Optional value drawn as a dashed line labelled "baseline".
        log_scale: Whether the y axis is logarithmic.
        xlabel: Label of the x axis.
        x_scale: Point `i` (from 1) is drawn at `i * x_scale`.
        x_values: Optional x of every point (e.g. sequence lengths), the
            same for each curve, or a dict from label to the x of that
            curve's points; overrides `x_scale`.
        log_x: Whether the x axis is logarithmic.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 4))
    try:
        for label, values in curves.items():
            if isinstance(x_values, dict):
                steps = list(x_values[label])
            elif x_values is not None:
                steps = list(x_values)
            else:
                steps = [x_scale * (i + 1) for i in range(len(values))]
            axes.plot(steps, values, marker="o" if len(values) < 30 else None,
                      label=wrapped(label))
        if baseline is not None:
            axes.axhline(baseline, color="gray", linestyle="--", label="baseline")
        if log_scale:
            axes.set_yscale("log")
        if log_x:
            axes.set_xscale("log")
        if (x_values is not None and not isinstance(x_values, dict)
                and len(x_values) <= 12):  # label the points
            axes.set_xticks(list(x_values), [f"{x:g}" for x in x_values])
            axes.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        axes.set_xlabel(xlabel)
        axes.set_ylabel(ylabel)
        axes.set_title(title)
        # Outside the axes, so no curve hides behind it.
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
        figure.tight_layout()
        with atomic_path(path) as temporary:
            figure.savefig(temporary, dpi=100, format="png")
    finally:
        plt.close(figure)


def plot_attention(weights, source_tokens, target_tokens, path, title=None):
    """Writes an attention map: target tokens down, source tokens across.

    Cell `(i, j)` is the weight target token `i` gives source token `j`
    (each row of a scored attention sums to one over the source).

    Args:
        weights: `(len(target_tokens), len(source_tokens))` array.
        source_tokens, target_tokens: Axis labels.
        path: PNG file, written atomically.
        title: Optional title (e.g. the source sentence).
    """
    import matplotlib
    import numpy as np

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    weights = np.asarray(weights, dtype=np.float64)
    expected = (len(target_tokens), len(source_tokens))
    if weights.shape != expected:
        raise ValueError(
            f"Argument `weights` must have shape (target tokens, source "
            f"tokens) = {expected}. Received: shape={weights.shape}"
        )
    width = 1.5 + 0.45 * max(1, len(source_tokens))
    height = 1.2 + 0.35 * max(1, len(target_tokens))
    figure, axes = plt.subplots(figsize=(min(width, 20), min(height, 20)))
    try:
        image = axes.imshow(weights, cmap="viridis", vmin=0.0, vmax=1.0,
                            aspect="auto")
        axes.set_xticks(range(len(source_tokens)))
        axes.set_xticklabels(source_tokens, rotation=60, ha="right")
        axes.set_yticks(range(len(target_tokens)))
        axes.set_yticklabels(target_tokens)
        axes.set_xlabel("source")
        axes.set_ylabel("target")
        if title:
            axes.set_title(title, fontsize=9)
        figure.colorbar(image, ax=axes, fraction=0.046, pad=0.04)
        figure.tight_layout()
        with atomic_path(path) as temporary:
            figure.savefig(temporary, dpi=100, format="png")
    finally:
        plt.close(figure)
