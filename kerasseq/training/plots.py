"""Training curves as PNG files (matplotlib, headless)."""

from kerasseq.training.model_dir import atomic_path


def plot_curves(curves, path, title, ylabel, baseline=None, log_scale=True,
                xlabel="epoch", x_scale=1):
    """Writes one line per curve (`{label: [value per epoch]}`) to `path`.

    Args:
        curves: Dict from label to a list of per-epoch values.
        path: PNG file, written atomically.
        title, ylabel: Text of the plot.
        baseline: Optional value drawn as a dashed line labelled "baseline".
        log_scale: Whether the y axis is logarithmic.
        xlabel: Label of the x axis.
        x_scale: Point `i` (from 1) is drawn at `i * x_scale`.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 4))
    try:
        for label, values in curves.items():
            steps = [x_scale * (i + 1) for i in range(len(values))]
            axes.plot(steps, values, marker="o" if len(values) < 30 else None,
                      label=label)
        if baseline is not None:
            axes.axhline(baseline, color="gray", linestyle="--", label="baseline")
        if log_scale:
            axes.set_yscale("log")
        axes.set_xlabel(xlabel)
        axes.set_ylabel(ylabel)
        axes.set_title(title)
        axes.legend()
        figure.tight_layout()
        with atomic_path(path) as temporary:
            figure.savefig(temporary, dpi=100, format="png")
    finally:
        plt.close(figure)
