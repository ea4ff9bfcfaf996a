"""The shared look of every figure in the course: colours, fonts and a figure factory.

One palette runs through the book: inputs x are warm red, hidden states h green, outputs y blue;
the weight matrices W (input), U (recurrent) and V (output) have their own colours so the
shared-weights view can colour every copy of a matrix alike.

Figures are created with ``matplotlib.pyplot`` so that a notebook's inline backend shows them
at the end of the cell; a script calls ``plt.show()`` or ``fig.savefig(...)``.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import matplotlib as mpl
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["COLORS", "NODE_COLORS", "WEIGHT_COLORS", "SERIES", "RC", "course_style", "new_figure", "clean_axes"]

#: Fill colours of graph nodes by kind: x (input), h (hidden), y (output), c (cell/context).
NODE_COLORS: dict[str, str] = {
    "x": "#f4a6a0",
    "h": "#a8d5a2",
    "y": "#9ec5e8",
    "c": "#f6d48f",
}

#: Edge colours by weight matrix: W input-to-hidden, U hidden-to-hidden, V hidden-to-output.
WEIGHT_COLORS: dict[str, str] = {
    "W": "#c0392b",
    "U": "#1e8449",
    "V": "#2471a3",
    "feedback": "#7f8c8d",
    "grad": "#8e44ad",
}

#: Colours for data series (lines), in order.
SERIES: tuple[str, ...] = ("#2471a3", "#c0392b", "#1e8449", "#8e44ad", "#d68910", "#17a589", "#5d6d7e")

#: Everything in one mapping, for pages that want a colour by name.
COLORS: dict[str, str] = {**NODE_COLORS, **WEIGHT_COLORS, "text": "#222222", "grid": "#dddddd"}

#: The rcParams every course figure uses.
RC: dict[str, object] = {
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": COLORS["grid"],
    "grid.linewidth": 0.6,
    "axes.prop_cycle": mpl.cycler(color=list(SERIES)),
    "legend.frameon": False,
    "mathtext.fontset": "dejavusans",
}


@contextmanager
def course_style() -> Iterator[None]:
    """Context manager applying the course's rcParams (restored on exit)."""
    with mpl.rc_context(RC):
        yield


def new_figure(
    ncols: int = 1,
    nrows: int = 1,
    width: float = 6.4,
    height: float = 3.6,
    width_ratios: list[float] | None = None,
    **subplot_kw,
) -> tuple[Figure, list[Axes]]:
    """Create a figure in the course style with ``nrows * ncols`` axes.

    Args:
        ncols, nrows: grid of axes (positive integers).
        width, height: figure size in inches.
        width_ratios: relative widths of the ``ncols`` columns (default: equal).
        **subplot_kw: passed to ``add_subplot`` (e.g. ``projection``).

    Returns:
        The figure and a flat list of its axes (length ``nrows * ncols``).
    """
    for name, value in (("ncols", ncols), ("nrows", nrows)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"new_figure: {name} must be a positive integer, got {value!r}")
    if width_ratios is not None and len(width_ratios) != ncols:
        raise ValueError(f"new_figure: width_ratios must have ncols = {ncols} entries, got {len(width_ratios)}")
    # Create the figure outside the rc_context: the first pyplot figure of a notebook loads the
    # inline backend, which switches interactive mode on; restoring rcParams on leaving the context
    # would switch it off again and no later figure would be shown.
    fig = plt.figure(figsize=(width, height), layout="constrained")
    with course_style():
        grid = fig.add_gridspec(nrows, ncols, width_ratios=width_ratios)
        axes = [fig.add_subplot(grid[i // ncols, i % ncols], **subplot_kw) for i in range(nrows * ncols)]
    return fig, axes


def clean_axes(ax: Axes) -> Axes:
    """Turn an axes into a blank canvas for diagrams: no ticks, spines or grid, equal aspect."""
    ax.set_axis_off()
    ax.set_aspect("equal")
    return ax
