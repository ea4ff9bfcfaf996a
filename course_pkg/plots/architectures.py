"""Architectures built from recurrent layers: deep (stacked) and bidirectional RNNs, clockwork schedules.

The graph diagrams use the gid scheme of ``unrolled`` (``"node:<kind>:<name>"`` for boxes,
``"edge:<kind>:<src>-><dst>"`` for arrows), read back with ``node_gids`` / ``edge_gids``:

    >>> fig = draw_deep_rnn(layers=2, steps=3)
    >>> len(node_gids(fig)), len(edge_gids(fig))
    (12, 13)
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from .style import COLORS, MAX_WIDTH, NODE_COLORS, SERIES, WEIGHT_COLORS, clean_axes, course_style, new_figure
from .unrolled import edge_gids, node_gids

__all__ = ["draw_deep_rnn", "draw_bidirectional", "plot_clockwork_schedule", "node_gids", "edge_gids"]

_SIDE = 0.6


def _positive(func: str, name: str, value: int, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{func}: {name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _node(ax: Axes, gid: str, xy: tuple[float, float], label: str, fill: str) -> None:
    x, y = xy
    patch = FancyBboxPatch((x - _SIDE / 2, y - _SIDE / 2), _SIDE, _SIDE,
                           boxstyle="round,pad=0.02,rounding_size=0.1",
                           facecolor=fill, edgecolor=COLORS["text"], linewidth=1.0, zorder=3)
    patch.set_gid(gid)
    ax.add_patch(patch)
    ax.text(x, y, label, ha="center", va="center", fontsize=10, zorder=4)


def _link(ax: Axes, gid: str, a: tuple[float, float], b: tuple[float, float], colour: str,
          rad: float = 0.0) -> None:
    """An arrow between two node centres that stops at the node boxes."""
    (xa, ya), (xb, yb) = a, b
    d = np.hypot(xb - xa, yb - ya)
    ux, uy = (xb - xa) / d, (yb - ya) / d
    # leave each square box along the direction of travel (half side over the larger component)
    off = (_SIDE / 2 + 0.04) / max(abs(ux), abs(uy))
    patch = FancyArrowPatch((xa + off * ux, ya + off * uy), (xb - off * ux, yb - off * uy),
                            arrowstyle="-|>", mutation_scale=11, linewidth=1.3, color=colour,
                            connectionstyle=f"arc3,rad={rad}", shrinkA=0, shrinkB=0, zorder=2)
    patch.set_gid(gid)
    ax.add_patch(patch)


def draw_deep_rnn(layers: int = 3, steps: int = 4, *, title: str | None = None) -> Figure:
    """A stacked RNN unrolled in time: layer l reads the hidden states of layer l - 1.

    Args:
        layers: number of recurrent layers L (>= 1).
        steps: number of time steps T (>= 1).
        title: optional title.

    Returns:
        A figure with one axes: T inputs (``node:x:*``), L*T hidden states (``node:h:*``) and T
        outputs (``node:y:*``); arrows ``edge:W:*`` between layers (L*T of them, from the inputs
        up), ``edge:U:*`` in time (L*(T-1)) and ``edge:V:*`` to the outputs (T).
    """
    func = "draw_deep_rnn"
    L, T = _positive(func, "layers", layers), _positive(func, "steps", steps)
    fig, (ax,) = new_figure(width=min(MAX_WIDTH, 1.2 * T + 1.6), height=1.0 * L + 2.2)
    with course_style():
        clean_axes(ax)
        for t in range(T):
            _node(ax, f"node:x:x{t + 1}", (t, 0.0), f"$x_{{{t + 1}}}$", NODE_COLORS["x"])
            for l in range(1, L + 1):
                _node(ax, f"node:h:h{l}_{t + 1}", (t, float(l)), f"$h^{{({l})}}_{{{t + 1}}}$", NODE_COLORS["h"])
            _node(ax, f"node:y:y{t + 1}", (t, L + 1.0), f"$y_{{{t + 1}}}$", NODE_COLORS["y"])
        for t in range(T):
            below = f"x{t + 1}"
            for l in range(1, L + 1):
                here = f"h{l}_{t + 1}"
                _link(ax, f"edge:W:{below}->{here}", (t, l - 1.0), (t, float(l)), WEIGHT_COLORS["W"])
                if t > 0:
                    _link(ax, f"edge:U:h{l}_{t}->{here}", (t - 1.0, float(l)), (t, float(l)), WEIGHT_COLORS["U"])
                below = here
            _link(ax, f"edge:V:{below}->y{t + 1}", (t, float(L)), (t, L + 1.0), WEIGHT_COLORS["V"])
        for l in range(1, L + 1):
            ax.text(-0.75, l, f"layer {l}", ha="right", va="center", fontsize=9, color="#566573")
        ax.set_xlim(-1.6, T - 0.4)
        ax.set_ylim(-0.6, L + 1.6)
        if title:
            ax.set_title(title)
    return fig


def draw_bidirectional(steps: int = 4, *, title: str | None = None) -> Figure:
    """A bidirectional RNN: a forward chain left to right, a backward chain right to left.

    Each output y_t reads both h->_t (which has seen x_1..x_t) and h<-_t (which has seen x_t..x_T).

    Args:
        steps: number of time steps T (>= 1).
        title: optional title.

    Returns:
        A figure with one axes: T inputs, T forward states (``node:h:f*``), T backward states
        (``node:h:b*``), T outputs; arrows ``edge:W:*`` (2T), ``edge:U:*`` (2(T-1), half of them
        pointing back in time) and ``edge:V:*`` (2T).
    """
    func = "draw_bidirectional"
    T = _positive(func, "steps", steps)
    fig, (ax,) = new_figure(width=min(MAX_WIDTH, 1.3 * T + 1.8), height=4.2)
    rows = {"x": 0.0, "b": 1.1, "f": 2.2, "y": 3.3}
    with course_style():
        clean_axes(ax)
        for t in range(T):
            n = t + 1
            _node(ax, f"node:x:x{n}", (t, rows["x"]), f"$x_{{{n}}}$", NODE_COLORS["x"])
            _node(ax, f"node:h:f{n}", (t, rows["f"]), rf"$\overrightarrow{{h}}_{{{n}}}$", NODE_COLORS["h"])
            _node(ax, f"node:h:b{n}", (t, rows["b"]), rf"$\overleftarrow{{h}}_{{{n}}}$", "#d5f5e3")
            _node(ax, f"node:y:y{n}", (t, rows["y"]), f"$y_{{{n}}}$", NODE_COLORS["y"])
        for t in range(T):
            n = t + 1
            _link(ax, f"edge:W:x{n}->b{n}", (t, rows["x"]), (t, rows["b"]), WEIGHT_COLORS["W"])
            _link(ax, f"edge:W:x{n}->f{n}", (t, rows["x"]), (t, rows["f"]), WEIGHT_COLORS["W"], rad=0.45)
            _link(ax, f"edge:V:f{n}->y{n}", (t, rows["f"]), (t, rows["y"]), WEIGHT_COLORS["V"])
            _link(ax, f"edge:V:b{n}->y{n}", (t, rows["b"]), (t, rows["y"]), WEIGHT_COLORS["V"], rad=-0.45)
            if t > 0:
                _link(ax, f"edge:U:f{n - 1}->f{n}", (t - 1.0, rows["f"]), (t, rows["f"]), WEIGHT_COLORS["U"])
                _link(ax, f"edge:U:b{n}->b{n - 1}", (t, rows["b"]), (t - 1.0, rows["b"]), SERIES[4])
        ax.text(-0.6, rows["f"], "forward", ha="right", va="center", fontsize=9, color="#566573")
        ax.text(-0.6, rows["b"], "backward", ha="right", va="center", fontsize=9, color="#566573")
        ax.set_xlim(-1.7, T - 0.4)
        ax.set_ylim(-0.6, rows["y"] + 0.6)
        if title:
            ax.set_title(title)
    return fig


def plot_clockwork_schedule(periods: Sequence[int], steps: int = 32, *, title: str | None = None) -> Figure:
    """Which modules of a clockwork RNN update at each step: module k runs when t mod T_k == 0.

    Args:
        periods: the clock period T_k of each module (positive integers), e.g. (1, 2, 4, 8).
        steps: number of time steps to show (>= 1); steps are numbered from 0.
        title: optional title.

    Returns:
        A figure with one axes holding an image (modules x steps): 1 where a module updates,
        0 where it keeps its state.
    """
    func = "plot_clockwork_schedule"
    periods = [_positive(func, f"periods[{k}]", p) for k, p in enumerate(periods)]
    if not periods:
        raise ValueError(f"{func}: periods must hold at least one period, got none")
    T = _positive(func, "steps", steps)
    active = (np.arange(T)[None, :] % np.array(periods)[:, None] == 0).astype(np.float64)
    fig, (ax,) = new_figure(width=min(MAX_WIDTH, max(5.0, 0.2 * T + 1.8)), height=0.45 * len(periods) + 1.3)
    with course_style():
        ax.imshow(active, aspect="auto", cmap="Greens", vmin=0.0, vmax=1.2, interpolation="nearest")
        ax.grid(False)
        ax.set_yticks(range(len(periods)))
        ax.set_yticklabels([f"module {k + 1}, $T_{k + 1}$ = {p}" for k, p in enumerate(periods)])
        ax.set_xlabel("time step $t$")
        ax.set_title(title or "clockwork RNN: dark = module updates, light = keeps its state")
    return fig
