"""Figures of the lectures' claims, measured (the chapter "The lectures' claims, measured").

- ``plot_explosion``: a run without gradient clipping and the same run with it, step by step:
  the gradient's global norm and the largest weight, with the step where the weights became NaN.
- ``plot_dilations``: which earlier step feeds each step of each layer of a dilated RNN.
- ``plot_teddy``: the probability of ``PER`` a tagger gives "teddy" before a surname and before
  "bear(s)", for each tagger.

Learning curves over seeds and final scores use ``course_pkg.plots.experiments``.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from .style import COLORS, SERIES, course_style, new_figure

__all__ = ["plot_dilations", "plot_explosion", "plot_teddy"]


def plot_explosion(runs: Mapping[str, Mapping[str, Sequence]], steps: int | None = None) -> Figure:
    """Gradient norm (before clipping) and largest |weight| per training step, log scales.

    Args:
        runs: label -> record of ``course_pkg.experiments.numpy_training.train_reference_rnn``
            (``grad_norm``, ``max_weight``, ``nan_step``).
        steps: how many steps to draw (default: all).

    Returns:
        A figure with two axes side by side; a NaN step is a dashed vertical line, labelled.
    """
    if not runs:
        raise ValueError("plot_explosion: runs is empty")
    fig, axes = new_figure(ncols=2, width=7.2, height=3.0)
    with course_style():
        for j, (label, record) in enumerate(runs.items()):
            colour = SERIES[j % len(SERIES)]
            for ax, key in zip(axes, ("grad_norm", "max_weight")):
                values = np.asarray(record[key], dtype=np.float64)[:steps]
                x = np.arange(1, values.size + 1)
                ax.plot(x, np.where(np.isfinite(values), values, np.nan), color=colour,
                        linewidth=1.5, marker="o" if values.size <= 12 else None, markersize=3,
                        label=label)
                if record.get("nan_step") is not None:
                    ax.axvline(record["nan_step"], color=colour, linestyle="--", linewidth=1.0)
                    ax.annotate(f"NaN from step {record['nan_step']}", (record["nan_step"], 1.0),
                                xycoords=("data", "axes fraction"), xytext=(4, -12),
                                textcoords="offset points", fontsize=9, color=colour)
        for ax, title in zip(axes, ("gradient norm (before clipping)", "largest |weight|")):
            ax.set_yscale("log")
            ax.set_xlabel("training step")
            ax.set_title(title)
        axes[1].legend(loc="center right")
    return fig


def plot_dilations(dilations: Sequence[int], T: int = 16) -> Figure:
    """The connections of a dilated RNN over T steps: one row of nodes per layer (bottom: the
    input), an arc from step t - d to step t inside a layer of dilation d, and the path that brings
    step 0 to step T - 1 drawn thick."""
    if not dilations or any(int(d) < 1 for d in dilations):
        raise ValueError(f"plot_dilations: dilations must be positive integers, got {dilations!r}")
    L = len(dilations)
    fig, (ax,) = new_figure(width=7.2, height=0.9 + 0.75 * (L + 1))
    with course_style():
        # A shortest route from step 0 to the top layer's step T - 1, found from the top: in each
        # layer take jumps of its dilation back as far as they go, then drop to the layer below.
        path, t = set(), T - 1
        for k in range(L - 1, -1, -1):
            while t - dilations[k] >= 0:
                path.add((k, t - dilations[k], t))
                t -= dilations[k]
        for k, d in enumerate(dilations):
            y = k + 1
            for t in range(T):
                if t - d >= 0:
                    thick = (k, t - d, t) in path
                    colour = COLORS["text"] if thick else SERIES[k % len(SERIES)]
                    ax.annotate("", (t, y), (t - d, y), arrowprops={
                        "arrowstyle": "-|>", "color": colour,
                        "linewidth": 2.0 if thick else 0.8, "alpha": 1.0 if thick else 0.6,
                        "connectionstyle": f"arc3,rad={-0.35 if d > 1 else 0.0}",
                        "shrinkA": 4, "shrinkB": 4})
            ax.scatter(range(T), [y] * T, s=28, color=SERIES[k % len(SERIES)], zorder=3)
            ax.text(-1.0, y, f"layer {k + 1}, d = {d}", ha="right", va="center", fontsize=9)
        ax.scatter(range(T), [0] * T, s=28, color=COLORS.get("input", "#888888"), zorder=3)
        ax.text(-1.0, 0, "input $x_t$", ha="right", va="center", fontsize=10)
        ax.set_xlim(-5.5, T - 0.5)
        ax.set_ylim(-0.6, L + 0.8)
        ax.set_xticks(range(0, T, 2))
        ax.set_yticks([])
        ax.set_xlabel("step t")
        ax.grid(False)
        for side in ("left", "bottom"):
            ax.spines[side].set_visible(side == "bottom")
    return fig


def plot_teddy(results: Mapping[str, Mapping[str, Mapping[str, float]]]) -> Figure:
    """Bars: mean probability of ``PER`` for "teddy" before a surname and before "bear(s)", per
    tagger (``course_pkg.experiments.bidirectional.teddy_taggers``' ``results``)."""
    if not results:
        raise ValueError("plot_teddy: results is empty")
    kinds = list(results)
    contexts = list(next(iter(results.values()))["teddy_person_prob"])
    fig, (ax,) = new_figure(width=6.0, height=2.8)
    with course_style():
        width = 0.8 / len(contexts)
        for c, context in enumerate(contexts):
            values = [results[k]["teddy_person_prob"][context] for k in kinds]
            x = np.arange(len(kinds)) - 0.4 + width * (c + 0.5)
            bars = ax.bar(x, values, width=width * 0.9, color=SERIES[c % len(SERIES)],
                          label=f'"teddy" {context}')
            ax.bar_label(bars, fmt="%.2f", fontsize=9, padding=2)
        ax.axhline(0.5, color="black", linestyle="--", linewidth=1.0)
        ax.set_xticks(range(len(kinds)), [f"{k} tagger" for k in kinds])
        ax.set_ylim(0, 1.4)
        ax.set_yticks(np.linspace(0.0, 1.0, 5))
        ax.set_ylabel('P(PER) for "teddy"')
        ax.legend(loc="upper left", ncols=2)
    return fig
