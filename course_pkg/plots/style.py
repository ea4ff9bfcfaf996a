"""The shared look of every figure in the course: colours, fonts and a figure factory.

One palette runs through the book: inputs x are warm red, hidden states h green, outputs y blue;
the weight matrices W (input), U (recurrent) and V (output) have their own colours so the
shared-weights view can colour every copy of a matrix alike.

Figures are created with ``matplotlib.pyplot`` so that a notebook's inline backend shows them
at the end of the cell; a script calls ``plt.show()`` or ``fig.savefig(...)``.

Every figure is drawn for the book's column: at most ``MAX_WIDTH`` inches wide (720 CSS px at the
browser's 96 px per inch, inside the 757 px output column of the site at a 1366 px wide window),
so that it is shown at its own size and not shrunk, and no glyph, subscripts included, is smaller
than ``MIN_FONT_SIZE`` points (9.3 CSS px at that size; the site's tests require at least 9 px). In a notebook,
``new_figure`` makes IPython show figures as SVG whose text stays text (``svg.fonttype: none``):
sharp at every zoom, and the site's tests can read each label's size.
"""

from __future__ import annotations

import io
import re
from xml.etree import ElementTree
from contextlib import contextmanager
from typing import Iterator

import matplotlib as mpl
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = [
    "COLORS", "NODE_COLORS", "WEIGHT_COLORS", "SERIES", "RC", "MAX_WIDTH", "MIN_FONT_SIZE",
    "course_style", "new_figure", "clean_axes", "figure_svg", "text_sizes", "svg_text_sizes",
]

#: Widest figure in inches: 720 CSS px, inside the site's 757 px output column at 1366 px.
MAX_WIDTH: float = 7.5

#: Smallest font size in points of any glyph in a figure, sub- and superscripts included (9.3 CSS
#: px when shown at its own size). Labels use at least 9 points and formulas at least 10, so that
#: their subscripts (70 %) stay at 7.
MIN_FONT_SIZE: float = 7.0

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
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 9,
    "figure.titlesize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": COLORS["grid"],
    "grid.linewidth": 0.6,
    "axes.prop_cycle": mpl.cycler(color=list(SERIES)),
    "legend.frameon": False,
    "mathtext.fontset": "dejavusans",
    # matplotlib's own DejaVu fonts first (they set the layout), then what a reader's system has
    "font.sans-serif": ["DejaVu Sans", "Verdana", "Arial", "Helvetica"],
    "font.monospace": ["DejaVu Sans Mono", "Menlo", "Consolas", "Courier New"],
    # SVG output keeps text as <text> elements (the reader's browser draws DejaVu Sans or the
    # fallbacks matplotlib lists), and ids do not change from one run to the next.
    "svg.fonttype": "none",
    "svg.hashsalt": "course_pkg.plots",
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
        width, height: figure size in inches; ``width`` at most ``MAX_WIDTH`` (the book's column).
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
    if not 0 < width <= MAX_WIDTH + 1e-9:
        raise ValueError(f"new_figure: width must be in (0, {MAX_WIDTH}] inches (the book's column), "
                         f"got {width!r}; split the figure or lay it out for the column")
    # Create the figure outside the rc_context: the first pyplot figure of a notebook loads the
    # inline backend, which switches interactive mode on; restoring rcParams on leaving the context
    # would switch it off again and no later figure would be shown.
    fig = plt.figure(figsize=(width, height), layout="constrained")
    with course_style():
        grid = fig.add_gridspec(nrows, ncols, width_ratios=width_ratios)
        axes = [fig.add_subplot(grid[i // ncols, i % ncols], **subplot_kw) for i in range(nrows * ncols)]
    _show_as_svg_in_ipython()
    return fig, axes


def figure_svg(fig: Figure) -> str:
    """The figure as an SVG document, as the book shows it: text kept as text, tight bounding box.

    No date is written, so the same figure gives the same file on every run.
    """
    buffer = io.StringIO()
    with course_style():
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return buffer.getvalue()


def _show_as_svg_in_ipython() -> None:
    """In IPython, display matplotlib figures through ``figure_svg`` instead of as PNG.

    Called by ``new_figure`` after the figure exists, because the inline backend, loaded with the
    first pyplot figure, registers its PNG formatter then. Outside IPython it does nothing.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with every notebook
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return
    formatters = shell.display_formatter.formatters
    formatters["image/png"].pop(Figure, None)
    formatters["image/svg+xml"].for_type(Figure, _svg_or_nothing)


def _svg_or_nothing(fig: Figure) -> str | None:
    # an empty figure shows nothing, as with the inline backend
    return figure_svg(fig) if fig.axes or fig.lines or fig.texts else None


def text_sizes(fig: Figure) -> list[tuple[float, str]]:
    """``(font size in points, text)`` of every text drawn in the figure's SVG, smallest first.

    Read from ``figure_svg``, so it holds exactly what a reader sees: tick labels, axis labels,
    titles, legends and annotations (a formula counts once per size it uses). Sizes are in the
    SVG's user units, points; at a figure's own size a point is 4/3 CSS px.
    """
    return svg_text_sizes(figure_svg(fig))


_SVG = "{http://www.w3.org/2000/svg}"
_FONT_SIZE = re.compile(r"font-size:\s*([0-9.]+)px")


def svg_text_sizes(svg: str) -> list[tuple[float, str]]:
    """``(font size, text)`` of every ``<text>`` (or its ``<tspan>`` pieces) in an SVG document.

    Sizes are in the SVG's user units (matplotlib writes ``font-size: 10px`` for 10 points).
    """
    root = ElementTree.fromstring(svg.encode())
    found = []
    for text in root.iter(f"{_SVG}text"):
        sizes = [float(m.group(1)) for node in text.iter()
                 for m in [_FONT_SIZE.search(node.get("style", ""))] if m]
        content = "".join(piece.strip() for piece in text.itertext())
        if sizes and content:
            found.append((min(sizes), content))
    return sorted(found)


def clean_axes(ax: Axes) -> Axes:
    """Turn an axes into a blank canvas for diagrams: no ticks, spines or grid, equal aspect."""
    ax.set_axis_off()
    ax.set_aspect("equal")
    return ax
