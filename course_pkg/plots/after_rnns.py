"""Figures of the "After RNNs" chapter: cost against sequence length, streaming, learning curves.

- ``plot_cost_vs_length(timing)``: time of one training step and its peak memory against T, on
  log-log axes, one line per model, with dashed guides of slope 1 (cost proportional to T) and 2
  (proportional to T^2).
- ``plot_streaming_cost(streaming)``: time to take one more token after t tokens, log-log.
- ``plot_accuracy_curves(curves, chance)``: test accuracy after every epoch, one line per model.

The records are those of ``course_pkg.recipes.after_rnns`` (``time_training_steps``,
``streaming_costs``, ``train_models``).
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from .style import COLORS, SERIES, new_figure

__all__ = ["MODEL_LABELS", "plot_accuracy_curves", "plot_cost_vs_length", "plot_streaming_cost"]

#: How each model is named in the figures, and its colour and marker.
MODEL_LABELS: dict[str, tuple[str, str, str]] = {
    "lstm": ("LSTM", SERIES[0], "o"),
    "transformer": ("Transformer encoder", SERIES[1], "s"),
    "min_gru": ("minGRU (parallel scan)", SERIES[2], "^"),
    "attention_cached": ("attention step, cached K, V", SERIES[3], "D"),
    "transformer_recompute": ("Transformer, recompute prefix", SERIES[1], "s"),
}


def _by_kind(records: Sequence[Mapping], x: str, y: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    series: dict[str, list[tuple[float, float]]] = {}
    for record in records:
        if record.get(y) is not None:
            series.setdefault(record["kind"], []).append((record[x], record[y]))
    return {kind: tuple(np.array(v, dtype=float).T) for kind, v in
            ((k, sorted(points)) for k, points in series.items())}


def _guides(ax, xs: np.ndarray, anchor: float, slopes=(1, 2)) -> None:
    """Dashed grey lines of the given log-log slopes through (xs[0], anchor)."""
    for slope in slopes:
        ax.plot(xs, anchor * (xs / xs[0]) ** slope, ls="--", lw=0.9, color=COLORS["feedback"],
                zorder=0)
        ax.annotate(f"∝ T{'²' if slope == 2 else ''}", (xs[-1], anchor * (xs[-1] / xs[0]) ** slope),
                    xytext=(3, 0), textcoords="offset points", va="center", fontsize=9,
                    color=COLORS["feedback"])


def _log_axes(ax, xs: np.ndarray, xlabel: str, ylabel: str) -> None:
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xticks(xs)
    ax.set_xticklabels([str(int(v)) for v in xs])
    ax.minorticks_off()
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)


def plot_cost_vs_length(timing: Sequence[Mapping], width: float = 7.2,
                        height: float = 3.4) -> Figure:
    """Step time (ms) and peak memory (MiB) against T for each model, log-log, side by side.

    Args:
        timing: records with ``kind``, ``T``, ``step_s`` and ``peak_bytes`` (None: not drawn).

    Returns:
        The figure (one panel when no record has a memory figure).
    """
    if not timing:
        raise ValueError("plot_cost_vs_length: argument timing expected records, got none")
    with_memory = any(r.get("peak_bytes") for r in timing)
    fig, axes = new_figure(ncols=2 if with_memory else 1, width=width, height=height)
    panels = [("step_ms", "time of one training step (ms)")]
    rows = [{**r, "step_ms": None if r.get("step_s") is None else r["step_s"] * 1e3,
             "peak_mib": None if not r.get("peak_bytes") else r["peak_bytes"] / 2 ** 20}
            for r in timing]
    if with_memory:
        panels.append(("peak_mib", "peak memory of the step (MiB)"))
    for ax, (key, label) in zip(axes, panels):
        series = _by_kind(rows, "T", key)
        xs = np.array(sorted({r["T"] for r in rows}), dtype=float)
        for kind, (t, v) in series.items():
            name, color, marker = MODEL_LABELS.get(kind, (kind, COLORS["text"], "o"))
            ax.plot(t, v, marker=marker, color=color, label=name, ms=5)
        lowest = min(v.min() for _, v in series.values())
        _guides(ax, xs, lowest)
        _log_axes(ax, xs, "sequence length T", label)
    axes[0].legend(loc="upper left")
    return fig


def plot_streaming_cost(streaming: Sequence[Mapping], width: float = 6.4,
                        height: float = 3.4) -> Figure:
    """Time to take one more token after a prefix of t tokens (µs), log-log, one line per way."""
    if not streaming:
        raise ValueError("plot_streaming_cost: argument streaming expected records, got none")
    fig, (ax,) = new_figure(width=width, height=height)
    rows = [{**r, "step_us": None if r.get("step_s") is None else r["step_s"] * 1e6}
            for r in streaming]
    series = _by_kind(rows, "t", "step_us")
    for kind, (t, v) in series.items():
        name, color, marker = MODEL_LABELS.get(kind, (kind, COLORS["text"], "o"))
        name = {"lstm": "LSTM step", "min_gru": "minGRU step"}.get(kind, name)
        ls = ":" if kind == "transformer_recompute" else "-"
        ax.plot(t, v, marker=marker, color=color, ls=ls, label=name, ms=5)
    xs = np.array(sorted({r["t"] for r in rows}), dtype=float)
    _log_axes(ax, xs, "tokens already read, t", "time for one more token (µs)")
    ax.legend(loc="upper left")
    return fig


def plot_accuracy_curves(curves: Mapping[str, Sequence[float]], chance: float | None = None,
                         width: float = 6.4, height: float = 3.2) -> Figure:
    """Test accuracy after every epoch for each model: ``curves[kind]`` one value per epoch."""
    if not curves:
        raise ValueError("plot_accuracy_curves: argument curves expected models, got none")
    fig, (ax,) = new_figure(width=width, height=height)
    for kind, values in curves.items():
        name, color, marker = MODEL_LABELS.get(kind, (kind, COLORS["text"], "o"))
        ax.plot(np.arange(1, len(values) + 1), values, marker=marker, color=color, label=name,
                ms=5)
    if chance is not None:
        ax.axhline(chance, ls="--", lw=0.9, color=COLORS["feedback"])
        ax.annotate("chance", (1, chance), xytext=(2, 3), textcoords="offset points",
                    fontsize=9, color=COLORS["feedback"])
    epochs = max(len(v) for v in curves.values())
    ax.set_xticks(np.arange(1, epochs + 1))
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("epoch")
    ax.set_ylabel("test accuracy")
    ax.legend(loc="lower right")
    return fig
