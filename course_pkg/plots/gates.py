"""Gate values over time: what the gates of a trained LSTM or GRU do on a real sequence.

``plot_gate_traces`` draws one panel per gate (or state) with one line per chosen unit;
``plot_gate_heatmap`` shows every unit of each gate as a row of colours. Both put the input
characters under the time axis when they are given, so that a reader can see *where* a gate opens.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from .style import SERIES, course_style, new_figure

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


def _time_axis(ax, labels: list[str] | None, T: int) -> None:
    if labels is None:
        ax.set_xlabel("time step $t$")
        return
    ax.set_xticks(np.arange(T))
    ax.set_xticklabels(labels, fontsize=8 if T <= 60 else 6, family="monospace")
    ax.tick_params(axis="x", length=0)


def plot_gate_traces(
    traces: Mapping[str, np.ndarray],
    *,
    units: Sequence[int] = (0, 1, 2),
    labels: Sequence[str] | None = None,
    title: str | None = None,
) -> Figure:
    """One panel per gate or state, one line per unit, against time.

    Args:
        traces: ``name -> values`` with values of shape (T, H) for one sequence (e.g.
            ``{"i": i, "f": f, "o": o, "c": c}``); every trace has the same T. Names in
            ``GATE_LABELS`` get a descriptive axis label; gates with values in [0, 1] get that range.
        units: which of the H units to draw (indices into the last axis).
        labels: optional characters or tokens, one per step, written under the time axis.
        title: optional title above the first panel.

    Returns:
        A figure with ``len(traces)`` axes stacked vertically, each with ``len(units)`` lines.

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
    width = max(6.4, min(12.0, 0.16 * T + 2.0))
    fig, axes = new_figure(nrows=len(traces), width=width, height=1.55 * len(traces) + 0.6)
    steps = np.arange(T)
    with course_style():
        for k, (ax, (name, values)) in enumerate(zip(axes, traces.items())):
            for j, unit in enumerate(units):
                ax.plot(steps, values[:, unit], color=SERIES[j % len(SERIES)], linewidth=1.4,
                        marker="o", markersize=2.5, label=f"unit {unit}")
            if values.min() >= 0.0 and values.max() <= 1.0:
                ax.set_ylim(-0.05, 1.05)
            ax.set_ylabel(GATE_LABELS.get(name, name), fontsize=9)
            ax.set_xlim(-0.5, T - 0.5)
            if k == len(traces) - 1:
                _time_axis(ax, labels, T)
            else:
                ax.tick_params(labelbottom=False)
        axes[0].legend(fontsize=8, ncols=len(units), loc="lower left", bbox_to_anchor=(0.0, 1.0))
        if title:
            fig.suptitle(title)
    return fig


def plot_gate_heatmap(
    traces: Mapping[str, np.ndarray],
    *,
    labels: Sequence[str] | None = None,
    title: str | None = None,
) -> Figure:
    """Every unit of every gate as a row of colours over time (units on the y axis).

    Args:
        traces: ``name -> values`` of shape (T, H), as for ``plot_gate_traces``. Traces with values
            in [0, 1] use the colour range [0, 1]; others use [-m, m] with m their largest |value|.
        labels: optional characters or tokens, one per step, under the last panel.
        title: optional title.

    Returns:
        A figure with one image axes per trace plus one colour bar per trace.
    """
    func = "plot_gate_heatmap"
    traces = _check_traces(func, traces)
    T = next(iter(traces.values())).shape[0]
    labels = _check_labels(func, labels, T)
    width = max(6.4, min(12.0, 0.16 * T + 2.5))
    fig, axes = new_figure(nrows=len(traces), width=width, height=1.5 * len(traces) + 0.6)
    with course_style():
        for k, (ax, (name, values)) in enumerate(zip(axes, traces.items())):
            if values.min() >= 0.0 and values.max() <= 1.0:
                image = ax.imshow(values.T, aspect="auto", cmap="viridis", vmin=0.0, vmax=1.0,
                                  interpolation="nearest")
            else:
                m = float(np.abs(values).max()) or 1.0
                image = ax.imshow(values.T, aspect="auto", cmap="RdBu_r", vmin=-m, vmax=m,
                                  interpolation="nearest")
            ax.grid(False)
            ax.set_ylabel(GATE_LABELS.get(name, name), fontsize=9)
            ax.set_yticks([])
            fig.colorbar(image, ax=ax, pad=0.01, fraction=0.03)
            if k == len(traces) - 1:
                _time_axis(ax, labels, T)
            else:
                ax.set_xticks([])
        if title:
            fig.suptitle(title)
    return fig
