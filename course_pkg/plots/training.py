"""Training curves."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from .style import SERIES, course_style, new_figure

__all__ = ["smooth", "plot_loss_curve", "plot_history"]


def smooth(values: Sequence[float], window: int) -> np.ndarray:
    """Trailing moving average: ``out[i]`` is the mean of ``values[max(0, i - window + 1) : i + 1]``.

    Args:
        values: shape (S,).
        window: a positive integer (1 returns a copy).

    Returns:
        Shape (S,), float64.
    """
    if isinstance(window, bool) or not isinstance(window, int) or window < 1:
        raise ValueError(f"smooth: window must be a positive integer, got {window!r}")
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"smooth: values must be 1-D, got shape {x.shape}")
    csum = np.concatenate([[0.0], np.cumsum(x)])
    idx = np.arange(1, x.size + 1)
    lo = np.maximum(0, idx - window)
    return (csum[idx] - csum[lo]) / (idx - lo)


def plot_loss_curve(
    history: Sequence[float] | Mapping[str, Sequence[float]],
    *,
    window: int = 50,
    baseline: float | None = None,
    baseline_label: str = "uniform guess",
    xlabel: str = "training step",
    ylabel: str = "loss (nats per character)",
    title: str | None = None,
) -> Figure:
    """Loss against training step: the raw curve (faint) and its moving average.

    Args:
        history: the loss at every step, shape (S,), or a mapping ``label -> history`` to
            compare runs.
        window: moving-average window in steps.
        baseline: if given, a dashed horizontal line (e.g. ``log(K)``, the loss of a uniform
            guess over K characters).
        baseline_label, xlabel, ylabel, title: labels.

    Returns:
        A figure with 1 axes and two lines per run (raw, smoothed) plus one for the baseline.
    """
    runs = dict(history) if isinstance(history, Mapping) else {"loss": history}
    if not runs:
        raise ValueError("plot_loss_curve: history is empty")
    fig, (ax,) = new_figure(width=6.4, height=3.6)
    with course_style():
        for j, (label, values) in enumerate(runs.items()):
            curve = np.asarray(values, dtype=np.float64)
            if curve.ndim != 1 or curve.size == 0:
                raise ValueError(f"plot_loss_curve: history {label!r} must be a non-empty 1-D sequence, "
                                 f"got shape {curve.shape}")
            steps = np.arange(1, curve.size + 1)
            colour = SERIES[j % len(SERIES)]
            ax.plot(steps, curve, color=colour, alpha=0.25, linewidth=0.8)
            ax.plot(steps, smooth(curve, min(window, curve.size)), color=colour, linewidth=1.8,
                    label=f"{label} (mean of {min(window, curve.size)} steps)")
        if baseline is not None:
            ax.axhline(baseline, color="black", linestyle="--", linewidth=1.0,
                       label=f"{baseline_label} = {baseline:.2f}")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if title:
            ax.set_title(title)
        ax.legend()
    return fig


def plot_history(
    history: Mapping[str, Sequence[float]],
    metric: str | None = None,
    *,
    baseline: float | None = None,
    baseline_label: str = "baseline",
    loss_label: str = "loss",
    metric_label: str | None = None,
    title: str | None = None,
) -> Figure:
    """Learning curves of a Keras run, per epoch: the loss on the left, one metric on the right,
    training (solid) and validation (dashed) each, as ``course_pkg.recipes.training.fit`` records
    them.

    Args:
        history: ``{"loss": [...], "val_loss": [...], "accuracy": [...], ...}``, one value per
            epoch (E,).
        metric: the key of the right panel (e.g. ``"accuracy"``); None draws the loss alone.
        baseline: a dashed horizontal line on the metric's panel (on the loss's without a metric),
            e.g. the simple baseline's accuracy.
        baseline_label, loss_label, metric_label, title: labels.

    Returns:
        A figure with 1 or 2 axes.
    """
    if "loss" not in history or not len(history["loss"]):
        raise ValueError(f"plot_history: history needs a non-empty 'loss', got keys {sorted(history)}")
    if metric is not None and metric not in history:
        raise ValueError(f"plot_history: metric {metric!r} is not in the history {sorted(history)}")
    panels = [("loss", loss_label)] + ([(metric, metric_label or metric)] if metric else [])
    fig, axes = new_figure(ncols=len(panels), width=6.8 if metric else 4.8, height=3.0)
    with course_style():
        for ax, (key, label) in zip(axes, panels):
            for j, (name, style) in enumerate(((key, "-"), (f"val_{key}", "--"))):
                if name in history:
                    values = np.asarray(history[name], dtype=np.float64)
                    epochs = np.arange(1, values.size + 1)
                    ax.plot(epochs, values, style, marker="o", markersize=3, color=SERIES[j],
                            label="validation" if name.startswith("val_") else "training")
            if baseline is not None and (key == metric or metric is None):
                ax.axhline(baseline, color="black", linestyle=":", linewidth=1.0,
                           label=f"{baseline_label} {baseline:.3g}")
            ax.set_xlabel("epoch")
            ax.set_ylabel(label)
            ax.xaxis.get_major_locator().set_params(integer=True)
            ax.legend(frameon=False)
        if title:
            fig.suptitle(title)
    return fig
