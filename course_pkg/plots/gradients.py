"""Figures about gradients in time: norms against distance (vanishing/exploding) and clipping."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from .style import MAX_WIDTH, SERIES, course_style, new_figure

__all__ = ["plot_gradient_norms", "plot_clipping"]


def _as_curve(func: str, label: str, values: Sequence[float]) -> np.ndarray:
    curve = np.asarray(values, dtype=np.float64)
    if curve.ndim != 1 or curve.size == 0:
        raise ValueError(f"{func}: curve {label!r} must be a non-empty 1-D sequence, got shape {curve.shape}")
    if np.any(~np.isfinite(curve)) or np.any(curve <= 0):
        raise ValueError(f"{func}: curve {label!r} must hold finite positive norms for a log scale")
    return curve


def plot_gradient_norms(
    *panels: Mapping[str, Sequence[float]],
    titles: Sequence[str] | None = None,
    xlabel: str = "distance in time  $T - t$",
    ylabel: str = r"$\| \partial L / \partial h_t \|$",
) -> Figure:
    """Gradient norm against distance in time, one line per curve, on a log scale.

    Args:
        *panels: one or more mappings ``label -> norms``; ``norms[k]`` is the norm measured
            ``k`` steps before the loss (k = 0, 1, ...). Norms must be finite and positive.
        titles: one title per panel.
        xlabel, ylabel: axis labels.

    Returns:
        A figure with ``len(panels)`` axes (log-scale y) and one line per curve.

    Example:
        >>> fig = plot_gradient_norms({"rho = 0.9": 0.9 ** np.arange(20), "rho = 1.1": 1.1 ** np.arange(20)})
        >>> len(fig.axes), len(fig.axes[0].lines)
        (1, 2)
    """
    func = "plot_gradient_norms"
    if not panels:
        raise ValueError(f"{func}: give at least one panel (a mapping label -> norms)")
    if titles is not None and len(titles) != len(panels):
        raise ValueError(f"{func}: titles must have one entry per panel ({len(panels)}), got {len(titles)}")
    fig, axes = new_figure(ncols=len(panels), width=min(MAX_WIDTH, 4.6 * len(panels) + 0.6), height=3.6)
    with course_style():
        for i, (ax, curves) in enumerate(zip(axes, panels)):
            if not curves:
                raise ValueError(f"{func}: panel {i} has no curves")
            for j, (label, values) in enumerate(curves.items()):
                curve = _as_curve(func, label, values)
                ax.plot(np.arange(curve.size), curve, color=SERIES[j % len(SERIES)], linewidth=1.8,
                        label=label)
            ax.set_yscale("log")
            ax.set_xlabel(xlabel)
            if i == 0:
                ax.set_ylabel(ylabel)
            if titles is not None:
                ax.set_title(titles[i])
            ax.legend(loc="best")
    return fig


def plot_clipping(
    raw_norms: Sequence[float],
    clipped_norms: Mapping[str, Sequence[float]],
    max_norm: float,
    *,
    cosines: Mapping[str, Sequence[float]] | None = None,
) -> Figure:
    """Gradient norms before and after clipping during training, and (optionally) directions.

    Args:
        raw_norms: global norm of the raw gradient at each training step, shape (S,).
        clipped_norms: ``method -> global norm after clipping`` at each step, each shape (S,)
            (e.g. ``{"global norm": ..., "by value": ...}``).
        max_norm: the clipping threshold, drawn as a dashed horizontal line.
        cosines: optional ``method -> cosine`` between the clipped and the raw gradient at each
            step, shape (S,); adds a second panel (1 means the direction is kept).

    Returns:
        A figure with 1 axes (2 with ``cosines``): the first has one line for the raw norms,
        one per clipping method and the threshold line.
    """
    func = "plot_clipping"
    raw = _as_curve(func, "raw", raw_norms)
    if not max_norm > 0:
        raise ValueError(f"{func}: max_norm must be positive, got {max_norm!r}")
    curves = {label: _as_curve(func, label, v) for label, v in clipped_norms.items()}
    for label, curve in curves.items():
        if curve.shape != raw.shape:
            raise ValueError(f"{func}: clipped_norms[{label!r}] must have shape {raw.shape} like raw_norms, "
                             f"got {curve.shape}")
    ncols = 1 if cosines is None else 2
    fig, axes = new_figure(ncols=ncols, width=min(MAX_WIDTH, 5.2 * ncols + 0.4), height=3.6)
    steps = np.arange(1, raw.size + 1)
    with course_style():
        ax = axes[0]
        ax.plot(steps, raw, color="#999999", linewidth=1.2, label="raw gradient")
        for j, (label, curve) in enumerate(curves.items()):
            ax.plot(steps, curve, color=SERIES[j % len(SERIES)], linewidth=1.6, label=f"clipped: {label}")
        ax.axhline(max_norm, color="black", linestyle="--", linewidth=1.0, label=f"max_norm = {max_norm:g}")
        ax.set_yscale("log")
        ax.set_xlabel("training step")
        ax.set_ylabel("global gradient norm")
        ax.set_title("gradient norm during training")
        ax.legend()
        if cosines is not None:
            ax2 = axes[1]
            for j, (label, values) in enumerate(cosines.items()):
                cos = np.asarray(values, dtype=np.float64)
                if cos.shape != raw.shape:
                    raise ValueError(f"{func}: cosines[{label!r}] must have shape {raw.shape}, got {cos.shape}")
                ax2.plot(steps, cos, color=SERIES[j % len(SERIES)], linewidth=1.6, label=label)
            ax2.set_ylim(min(0.0, ax2.get_ylim()[0]), 1.05)
            ax2.set_xlabel("training step")
            ax2.set_ylabel("cosine(clipped, raw)")
            ax2.set_title("direction kept?")
            ax2.legend()
    return fig
