"""Figures of repeated experiments: learning curves with their spread over seeds, final scores.

- ``plot_learning_curves``: the mean test loss of each setting against training steps, with a
  band of one standard deviation over the seeds (or their range, on a log scale) and each seed's
  curve drawn faintly.
- ``plot_final_scores``: the final test loss of every run as a dot, grouped by a setting
  (e.g. the sequence length) and coloured by model, with the mean as a bar; log scale.

Both draw the trivial baseline (the best constant prediction) and the threshold below which a
run counts as solved, so that a reader sees at once which runs learned anything.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from .style import SERIES, course_style, new_figure

__all__ = ["plot_learning_curves", "plot_final_scores"]


def _reference_lines(ax, baseline: float | None, solved: float | None) -> None:
    if baseline is not None:
        ax.axhline(baseline, color="black", linestyle="--", linewidth=1.0,
                   label=f"constant prediction ({baseline:.3f})")
    if solved is not None:
        ax.axhline(solved, color="grey", linestyle=":", linewidth=1.0, label=f"solved ({solved:g})")


def plot_learning_curves(
    curves: Mapping[str, Sequence[Sequence[float]]],
    steps_per_epoch: int,
    *,
    baseline: float | None = None,
    solved: float | None = None,
    ylabel: str = "test MSE",
    title: str | None = None,
    yscale: str = "linear",
) -> Figure:
    """Mean ± one standard deviation of the test loss over seeds, per setting.

    Args:
        curves: ``label -> [curve of seed 1, curve of seed 2, ...]``, each curve the test loss after
            every epoch, shape (E_k,). Curves of one label may differ in length (a run stopped
            early); the mean and std at an epoch are taken over the runs still going.
        steps_per_epoch: training steps per epoch (the x axis is in steps).
        baseline: the loss of the best constant prediction (dashed line), or None.
        solved: the threshold of a solved run (dotted line), or None.
        ylabel, title: labels.
        yscale: "linear" (default: the band is mean ± std, cut at 0) or "log" (the band is then
            the range from the lowest to the highest run, since mean - std can be negative).

    Returns:
        A figure with 1 axes: per label one faint line per seed, a mean line and a band.
    """
    if not curves:
        raise ValueError("plot_learning_curves: curves is empty")
    if isinstance(steps_per_epoch, bool) or not isinstance(steps_per_epoch, int) or steps_per_epoch < 1:
        raise ValueError(f"plot_learning_curves: steps_per_epoch expected a positive integer, "
                         f"got {steps_per_epoch!r}")
    if yscale not in ("linear", "log"):
        raise ValueError(f"plot_learning_curves: yscale expected 'linear' or 'log', got {yscale!r}")
    fig, (ax,) = new_figure(width=6.4, height=3.6)
    with course_style():
        for j, (label, runs) in enumerate(curves.items()):
            runs = [np.asarray(c, dtype=np.float64) for c in runs]
            if not runs or any(c.ndim != 1 or c.size == 0 for c in runs):
                raise ValueError(f"plot_learning_curves: curves[{label!r}] must be a non-empty list of "
                                 f"non-empty 1-D curves, got shapes {[c.shape for c in runs]}")
            E = max(c.size for c in runs)
            table = np.full((len(runs), E), np.nan)
            for k, c in enumerate(runs):
                table[k, : c.size] = c
            steps = np.arange(1, E + 1) * steps_per_epoch
            colour = SERIES[j % len(SERIES)]
            for c in runs:
                ax.plot(steps[: c.size], c, color=colour, alpha=0.3, linewidth=0.8)
            mean = np.nanmean(table, axis=0)
            if yscale == "log":
                low, high = np.nanmin(table, axis=0), np.nanmax(table, axis=0)
                band = "range"
            else:
                std = np.nanstd(table, axis=0)
                low, high = np.maximum(mean - std, 0.0), mean + std
                band = "± std"
            ax.plot(steps, mean, color=colour, linewidth=2.0,
                    label=f"{label}: mean {band} of {len(runs)} runs")
            ax.fill_between(steps, low, high, color=colour, alpha=0.15, linewidth=0)
        _reference_lines(ax, baseline, solved)
        ax.set_yscale(yscale)
        if yscale == "linear":
            ax.set_ylim(bottom=0)
        ax.set_xlabel("training step")
        ax.set_ylabel(ylabel)
        if title:
            ax.set_title(title)
        ax.legend()
    return fig


def plot_final_scores(
    scores: Mapping[str, Mapping[str, Sequence[float]]],
    *,
    baseline: float | None = None,
    solved: float | None = None,
    ylabel: str = "final test MSE",
    title: str | None = None,
) -> Figure:
    """Final loss of every run, grouped (x axis) and coloured by series, on a log scale.

    Args:
        scores: ``group -> series -> [final loss of each seed]``, e.g.
            ``{"T = 50": {"lstm": [0.001, 0.002], "gru": [...]}, "T = 100": {...}}``. Every group
            should hold the same series, in the same order (the colours follow the first group).
        baseline, solved: the reference lines, as in ``plot_learning_curves``.
        ylabel, title: labels.

    Returns:
        A figure with 1 axes: one dot per run and one short bar per mean.
    """
    if not scores:
        raise ValueError("plot_final_scores: scores is empty")
    series = list(next(iter(scores.values())))
    if not series:
        raise ValueError("plot_final_scores: the first group has no series")
    width = 0.8 / len(series)
    fig, (ax,) = new_figure(width=6.4, height=3.6)
    with course_style():
        for g, (group, by_series) in enumerate(scores.items()):
            for s, name in enumerate(series):
                values = np.asarray(by_series.get(name, []), dtype=np.float64)
                if values.size == 0:
                    continue
                x = g - 0.4 + width * (s + 0.5)
                colour = SERIES[s % len(SERIES)]
                jitter = np.linspace(-0.25, 0.25, values.size) * width if values.size > 1 else [0.0]
                ax.scatter(x + np.asarray(jitter), values, color=colour, s=18, zorder=3,
                           label=name if g == 0 else None)
                ax.hlines(values.mean(), x - 0.4 * width, x + 0.4 * width, color=colour,
                          linewidth=2.5, zorder=2)
        _reference_lines(ax, baseline, solved)
        ax.set_xticks(range(len(scores)), list(scores))
        ax.set_yscale("log")
        ax.set_ylabel(ylabel)
        if title:
            ax.set_title(title)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig
