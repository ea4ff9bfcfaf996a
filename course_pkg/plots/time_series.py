"""Figures of the time-series chapter: the series, forecasts against the truth, the error at each
horizon step, and directional accuracy with its interval against a coin flip.

Example:
    >>> fig = plot_error_by_horizon({"GRU": [1.0, 2.0, 2.5], "persistence": [1.2, 2.4, 3.1]})
"""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.dates as mdates
import numpy as np
from matplotlib.figure import Figure

from .style import SERIES, course_style, new_figure

__all__ = ["plot_direction_accuracy", "plot_error_by_horizon", "plot_forecasts",
           "plot_multi_step_examples", "plot_series_overview"]


def plot_series_overview(series: Sequence, *, splits: Mapping[str, Sequence[int]] | None = None
                         ) -> Figure:
    """Each series against its dates, one panel per series, in a grid of two columns.

    Args:
        series: ``course_pkg.data.time_series.Series`` objects (name, dates (T,), values (T,),
            unit).
        splits: optional ``{series name: [train_end, val_end]}``: shades the validation and test
            stretches of that series.

    Returns:
        A figure with one axes per series.
    """
    if not series:
        raise ValueError("plot_series_overview: series is empty")
    rows = (len(series) + 1) // 2
    fig, axes = new_figure(ncols=2, nrows=rows, width=7.2, height=2.1 * rows + 0.2)
    with course_style():
        for index, (ax, s) in enumerate(zip(axes, series)):
            ax.plot(s.dates, s.values, color=SERIES[index % len(SERIES)], linewidth=0.7)
            ax.set_title(f"{s.name} ({len(s):,} steps)", fontsize=10)
            ax.set_ylabel(s.unit, fontsize=9)
            ax.tick_params(labelsize=9)
            locator = mdates.AutoDateLocator(minticks=3, maxticks=7)
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
            cut = (splits or {}).get(s.name)
            if cut is not None:
                for (first, end), label, shade in (((cut[0], cut[1]), "val", 0.12),
                                                   ((cut[1], len(s)), "test", 0.24)):
                    ax.axvspan(s.dates[first], s.dates[end - 1], color="0.3", alpha=shade,
                               linewidth=0)
                    ax.text(s.dates[(first + end) // 2], 0.97, label, ha="center", va="top",
                            fontsize=8, transform=ax.get_xaxis_transform())
        for ax in axes[len(series):]:
            ax.set_visible(False)
    return fig


def plot_forecasts(dates: Sequence, truth: Sequence[float], forecasts: Mapping[str, Sequence[float]],
                   *, unit: str = "", title: str | None = None) -> Figure:
    """One-step forecasts against the truth over a stretch of time, and their errors below.

    Args:
        dates: (N,) the date of each predicted step.
        truth: (N,) what happened.
        forecasts: name -> (N,) forecasts of the same steps (at most five).
        unit: the y-axis label.

    Returns:
        A figure with two axes: the series, and forecast minus truth.
    """
    truth = np.asarray(truth, dtype=float)
    for name, values in forecasts.items():
        if np.shape(values) != truth.shape:
            raise ValueError(f"plot_forecasts: forecast {name!r} has shape {np.shape(values)}, "
                             f"the truth {truth.shape}")
    dates = np.asarray(dates)
    fig, (top, bottom) = new_figure(nrows=2, width=7.2, height=4.4)
    with course_style():
        top.plot(dates, truth, color="black", linewidth=1.6, label="truth")
        for index, (name, values) in enumerate(forecasts.items()):
            colour = SERIES[index % len(SERIES)]
            top.plot(dates, values, color=colour, linewidth=1.1, label=name)
            bottom.plot(dates, np.asarray(values) - truth, color=colour, linewidth=0.9,
                        label=name)
        bottom.axhline(0, color="black", linewidth=0.8)
        top.set_ylabel(unit)
        bottom.set_ylabel("forecast - truth")
        top.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9)
        if title:
            top.set_title(title)
    return fig


def plot_multi_step_examples(history: Sequence[Sequence[float]], truth: Sequence[Sequence[float]],
                             forecasts: Mapping[str, Sequence[Sequence[float]]],
                             labels: Sequence[str], *, unit: str = "") -> Figure:
    """A few multi-step forecasts, one panel each: the last observed steps, then H steps ahead.

    Args:
        history: (K, W) the values each forecast saw (its window).
        truth: (K, H) what came next.
        forecasts: name -> (K, H) each method's forecasts.
        labels: (K,) a title per panel (e.g. the forecast origin's date).
        unit: the y-axis label.

    Returns:
        A figure with K axes side by side.
    """
    history, truth = np.asarray(history, dtype=float), np.asarray(truth, dtype=float)
    if history.ndim != 2 or truth.ndim != 2 or len(history) != len(truth) != len(labels):
        raise ValueError(f"plot_multi_step_examples: history (K, W) and truth (K, H) with K "
                         f"labels expected, got {history.shape}, {truth.shape}, {len(labels)}")
    k, w = history.shape
    h = truth.shape[1]
    fig, axes = new_figure(ncols=k, width=7.2, height=2.8)
    with course_style():
        for i, ax in enumerate(axes):
            ax.plot(np.arange(-w + 1, 1), history[i], color="0.45", linewidth=1.0,
                    label="observed")
            ax.plot(np.arange(1, h + 1), truth[i], color="black", linewidth=1.6, label="truth")
            for index, (name, values) in enumerate(forecasts.items()):
                ax.plot(np.arange(1, h + 1), np.asarray(values)[i], linewidth=1.2,
                        color=SERIES[index % len(SERIES)], label=name)
            ax.axvline(0.5, color="black", linewidth=0.6, linestyle=":")
            ax.set_title(labels[i], fontsize=10)
            ax.set_xlabel("steps from origin", fontsize=9)
            ax.tick_params(labelsize=9)
            if i == 0:
                ax.set_ylabel(unit)
        axes[0].legend(loc="upper left", fontsize=8)
    return fig


def plot_error_by_horizon(mae_by_step: Mapping[str, Sequence[float]], *, unit: str = "") -> Figure:
    """MAE of each method at each step ahead h = 1 ... H (one line per method).

    Args:
        mae_by_step: name -> (H,) the test MAE of the forecasts h steps ahead.
        unit: what the MAE is measured in.
    """
    if not mae_by_step:
        raise ValueError("plot_error_by_horizon: mae_by_step is empty")
    fig, (ax,) = new_figure(width=6.4, height=3.0)
    with course_style():
        for index, (name, values) in enumerate(mae_by_step.items()):
            steps = np.arange(1, len(values) + 1)
            ax.plot(steps, values, marker="o", markersize=3.5, linewidth=1.4,
                    color=SERIES[index % len(SERIES)], label=name)
        ax.set_xlabel("steps ahead h")
        ax.set_ylabel(f"test MAE ({unit})" if unit else "test MAE")
        ax.set_ylim(bottom=0)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def plot_direction_accuracy(records: Mapping[str, Mapping[str, float]]) -> Figure:
    """Directional accuracy of each method with its confidence interval, against 50 %.

    Args:
        records: name -> ``{"accuracy", "ci_low", "ci_high", "n"}``
            (``course_pkg.models.time_series.directional_accuracy``).
    """
    if not records:
        raise ValueError("plot_direction_accuracy: records is empty")
    names = list(records)
    fig, (ax,) = new_figure(width=6.4, height=0.45 * len(names) + 1.2)
    with course_style():
        for row, name in enumerate(names):
            r = records[name]
            ax.errorbar(100 * r["accuracy"], row,
                        xerr=[[100 * (r["accuracy"] - r["ci_low"])],
                              [100 * (r["ci_high"] - r["accuracy"])]],
                        fmt="o", color=SERIES[row % len(SERIES)], capsize=4, linewidth=1.4)
        ax.axvline(50, color="black", linestyle="--", linewidth=1.0)
        ax.set_yticks(range(len(names)))
        ax.set_yticklabels(names)
        ax.set_ylim(-0.6, len(names) - 0.4)
        ax.invert_yaxis()
        n = records[names[0]]["n"]
        ax.set_xlabel(f"direction right (%), 95 % Wilson interval, {n:,} test days")
        ax.grid(axis="y", visible=False)
    return fig
