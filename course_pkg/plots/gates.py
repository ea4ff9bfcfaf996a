"""Gate values over time: what the gates of a trained LSTM or GRU do on a real sequence.

``plot_gate_traces`` draws one panel per gate (or state) with one line per chosen unit;
``plot_gate_heatmap`` shows every unit of each gate as a row of colours. Both put the input
characters under the time axis when they are given, so that a reader can see *where* a gate opens.
A long sequence wraps onto several rows of panels, so that the characters stay readable at the
width of the book's column.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from .style import MAX_WIDTH, SERIES, course_style, new_figure

__all__ = ["plot_gate_traces", "plot_gate_heatmap"]

#: Axis labels for the usual names; any other name is used as it is.
GATE_LABELS: dict[str, str] = {
    "i": "input gate $i_t$",
    "f": "forget gate $f_t$",
    "o": "output gate $o_t$",
    "g": r"candidate $g_t$",
    "c": "cell state $c_t$",
    "h": "hidden state $h_t$",
    "z": "update gate $z_t$",
    "r": "reset gate $r_t$",
    "hh": r"candidate $\tilde h_t$",
}


def _check_traces(func: str, traces: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    if not traces:
        raise ValueError(f"{func}: traces must map at least one name to an array (T, H), got none")
    checked: dict[str, np.ndarray] = {}
    T = None
    for name, values in traces.items():
        array = np.asarray(values, dtype=np.float64)
        if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] == 0:
            raise ValueError(f"{func}: traces[{name!r}] must have shape (T, H), got {array.shape}")
        if T is not None and array.shape[0] != T:
            raise ValueError(f"{func}: every trace must have the same T = {T}, "
                             f"traces[{name!r}] has shape {array.shape}")
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{func}: traces[{name!r}] holds non-finite values")
        T = array.shape[0]
        checked[name] = array
    return checked


def _check_labels(func: str, labels: Sequence[str] | None, T: int) -> list[str] | None:
    if labels is None:
        return None
    labels = list(labels)
    if len(labels) != T:
        raise ValueError(f"{func}: labels must have one entry per time step (T = {T}), got {len(labels)}")
    return [{"\n": "⏎", " ": "␣"}.get(label, label) for label in labels]


#: Most time steps on one row: at 7.5 inches, 50 characters get about 13 CSS px each.
MAX_STEPS_PER_ROW: int = 50


def _rows(func: str, T: int, per_row: int | None) -> list[np.ndarray]:
    """The time steps of each row: ``T`` split into rows of equal length, at most ``per_row`` each."""
    if per_row is None:
        per_row = MAX_STEPS_PER_ROW
    if isinstance(per_row, bool) or not isinstance(per_row, (int, np.integer)) or per_row < 1:
        raise ValueError(f"{func}: per_row must be a positive integer, got {per_row!r}")
    count = -(-T // per_row)
    length = -(-T // count)
    return [np.arange(start, min(start + length, T)) for start in range(0, T, length)]


def _time_axis(ax, labels: list[str] | None, steps: np.ndarray, length: int) -> None:
    """Characters (or step numbers) under ``steps``; every row spans ``length`` steps."""
    ax.set_xlim(steps[0] - 0.5, steps[0] + length - 0.5)
    if labels is None:
        ax.set_xlabel("time step $t$")
        return
    ax.set_xticks(steps)
    ax.set_xticklabels([labels[t] for t in steps], fontsize=10, family="monospace")
    ax.tick_params(axis="x", length=0)
    ax.grid(False, axis="x")         # a line at every character would hide the traces


def _width(length: int) -> float:
    return min(MAX_WIDTH, max(6.4, 0.15 * length + 1.6))


def plot_gate_traces(
    traces: Mapping[str, np.ndarray],
    *,
    units: Sequence[int] = (0, 1, 2),
    labels: Sequence[str] | None = None,
    per_row: int | None = None,
    title: str | None = None,
) -> Figure:
    """One panel per gate or state, one line per unit, against time; long sequences on several rows.

    A sequence longer than ``per_row`` steps is cut into rows of equal length, like a line of text
    that wraps: each row has one panel per trace, with the characters under its last panel, so
    that every character is written at a readable size.

    Args:
        traces: ``name -> values`` with values of shape (T, H) for one sequence (e.g.
            ``{"i": i, "f": f, "o": o, "c": c}``); every trace has the same T. Names in
            ``GATE_LABELS`` get a descriptive axis label; gates with values in [0, 1] get that range,
            other traces the same range on every row.
        units: which of the H units to draw (indices into the last axis).
        labels: optional characters or tokens, one per step, written under the time axis.
        per_row: most time steps on one row (default ``MAX_STEPS_PER_ROW``, 50).
        title: optional title above the first panel.

    Returns:
        A figure with ``rows * len(traces)`` axes, row by row (the traces of the first row, then
        of the second...), each with ``len(units)`` lines.

    Example:
        >>> t = np.linspace(0, 1, 20)[:, None] * np.ones((1, 4))
        >>> fig = plot_gate_traces({"f": t, "c": 3 * t}, units=[0, 3])
        >>> len(fig.axes), len(fig.axes[0].lines)
        (2, 2)
    """
    func = "plot_gate_traces"
    traces = _check_traces(func, traces)
    T, H = next(iter(traces.values())).shape[0], min(a.shape[1] for a in traces.values())
    units = list(units)
    if not units or any(isinstance(u, bool) or not isinstance(u, (int, np.integer)) or not 0 <= u < H
                        for u in units):
        raise ValueError(f"{func}: units must be a non-empty list of indices in [0, {H}), got {units}")
    labels = _check_labels(func, labels, T)
    rows = _rows(func, T, per_row)
    length = rows[0].size
    n = len(traces)
    fig, axes = new_figure(nrows=len(rows) * n, width=_width(length),
                           height=len(rows) * (1.3 * n + 0.35) + 0.4)
    with course_style():
        for r, steps in enumerate(rows):
            for k, (name, values) in enumerate(traces.items()):
                ax = axes[r * n + k]
                for j, unit in enumerate(units):
                    ax.plot(steps, values[steps, unit], color=SERIES[j % len(SERIES)], linewidth=1.4,
                            marker="o", markersize=2.5, label=f"unit {unit}")
                if values.min() >= 0.0 and values.max() <= 1.0:
                    ax.set_ylim(-0.05, 1.05)
                else:
                    low, high = values[:, units].min(), values[:, units].max()
                    pad = 0.05 * (high - low or 1.0)
                    ax.set_ylim(low - pad, high + pad)
                ax.set_ylabel(GATE_LABELS.get(name, name))
                _time_axis(ax, labels, steps, length)
                if k < n - 1:
                    ax.tick_params(labelbottom=False)
                    ax.set_xlabel("")
        axes[0].legend(ncols=len(units), loc="lower left", bbox_to_anchor=(0.0, 1.0))
        if title:
            fig.suptitle(title)
    return fig


#: Short axis labels for the heat map, whose panels are too low for the long ones.
GATE_SYMBOLS: dict[str, str] = {"i": "$i_t$", "f": "$f_t$", "o": "$o_t$", "g": "$g_t$", "c": "$c_t$",
                                "h": "$h_t$", "z": "$z_t$", "r": "$r_t$", "hh": r"$\tilde h_t$"}


def plot_gate_heatmap(
    traces: Mapping[str, np.ndarray],
    *,
    labels: Sequence[str] | None = None,
    per_row: int | None = None,
    title: str | None = None,
) -> Figure:
    """Every unit of every gate as a row of colours over time (units on the y axis).

    Long sequences wrap onto several rows of panels, as in ``plot_gate_traces``.

    Args:
        traces: ``name -> values`` of shape (T, H), as for ``plot_gate_traces``. Traces with values
            in [0, 1] use the colour range [0, 1]; others use [-m, m] with m their largest |value|.
        labels: optional characters or tokens, one per step, under the last panel of each row.
        per_row: most time steps on one row (default ``MAX_STEPS_PER_ROW``, 50).
        title: optional title.

    Returns:
        A figure with ``rows * len(traces)`` image axes, row by row, plus one colour bar per trace
        beside the first row.
    """
    func = "plot_gate_heatmap"
    traces = _check_traces(func, traces)
    T = next(iter(traces.values())).shape[0]
    labels = _check_labels(func, labels, T)
    rows = _rows(func, T, per_row)
    length = rows[0].size
    n = len(traces)
    fig, axes = new_figure(nrows=len(rows) * n, width=_width(length),
                           height=len(rows) * (0.62 * n + 0.35) + 0.4)
    with course_style():
        for r, steps in enumerate(rows):
            for k, (name, values) in enumerate(traces.items()):
                ax = axes[r * n + k]
                if values.min() >= 0.0 and values.max() <= 1.0:
                    cmap, vmin, vmax = "viridis", 0.0, 1.0
                else:
                    m = float(np.abs(values).max()) or 1.0
                    cmap, vmin, vmax = "RdBu_r", -m, m
                image = ax.imshow(values[steps].T, aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax,
                                  interpolation="nearest", extent=(steps[0] - 0.5, steps[-1] + 0.5,
                                                                   values.shape[1] - 0.5, -0.5))
                ax.grid(False)
                ax.set_ylabel(GATE_SYMBOLS.get(name, name), rotation=0, ha="right", va="center",
                              fontsize=11)
                ax.set_yticks([])
                if r == 0:
                    fig.colorbar(image, ax=ax, pad=0.01, fraction=0.03)
                _time_axis(ax, labels, steps, length)
                if k < n - 1:
                    ax.set_xticks([])
                    ax.set_xlabel("")
        if title:
            fig.suptitle(title)
    return fig
