"""Dependencies between words of a sentence: which earlier word decides a later one, and how far back.

    >>> fig = draw_dependencies(["Bob", "likes", "apples", ".", "He"], [(0, 4, "who?")])
    >>> edge_gids(fig)
    ['edge:dep:0->4']
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath

from .style import COLORS, MAX_WIDTH, SERIES, clean_axes, course_style, new_figure
from .unrolled import edge_gids

__all__ = ["draw_dependencies", "edge_gids"]

#: Font sizes in points of the tokens and of the arc labels.
TOKEN_SIZE: float = 10.0
LABEL_SIZE: float = 10.0


def _text_width(text: str, size: float, bold: bool) -> float:
    """Width in inches of ``text`` in the course's font at ``size`` points."""
    with course_style():
        props = FontProperties(size=size, weight="bold" if bold else "normal")
    width, _, _ = TextToPath().get_text_width_height_descent(text, props, ismath=False)
    return width / 72.0


def draw_dependencies(
    tokens: Sequence[str],
    arcs: Sequence[tuple[int, int, str]],
    *,
    title: str | None = None,
) -> Figure:
    """Draw a sentence as a row of tokens, with an arc from each deciding word to the word it decides.

    The sentence is drawn at its natural width, which must fit the book's column (about 75
    characters); a longer one is refused rather than shrunk to an unreadable size.

    Args:
        tokens: the words (or characters), in order; at least one.
        arcs: ``(source, target, label)`` with token indices ``0 <= source < target < len(tokens)``;
            the arc is labelled with ``label`` and with its distance in tokens, ``target - source``
            (punctuation tokens count).
        title: optional title.

    Returns:
        A figure with one axes; each arc is a ``FancyArrowPatch`` with gid
        ``"edge:dep:<source>-><target>"``, and the tokens it joins are drawn in bold.
    """
    func = "draw_dependencies"
    tokens = [str(t) for t in tokens]
    if not tokens:
        raise ValueError(f"{func}: tokens must hold at least one token, got none")
    n = len(tokens)
    for k, arc in enumerate(arcs):
        if len(arc) != 3:
            raise ValueError(f"{func}: arcs[{k}] must be (source, target, label), got {arc!r}")
        source, target, _ = arc
        if not (isinstance(source, (int, np.integer)) and isinstance(target, (int, np.integer))
                and 0 <= source < target < n):
            raise ValueError(f"{func}: arcs[{k}] must have 0 <= source < target < {n}, got "
                             f"({source!r}, {target!r})")
    # Lay the sentence out in inches, each token as wide as its text, so that it fits the column.
    bold = {i for s, t, _ in arcs for i in (s, t)}
    widths = np.array([_text_width(token, TOKEN_SIZE, i in bold) + 0.14 for i, token in enumerate(tokens)])
    if widths.sum() > MAX_WIDTH - 0.2:
        raise ValueError(f"{func}: the {n} tokens need {widths.sum():.1f} inches at {TOKEN_SIZE:g} points, "
                         f"more than the column's {MAX_WIDTH - 0.2:.1f}; give a shorter sentence")
    centres = np.cumsum(widths) - widths / 2
    rise = [0.25 + 0.5 * (centres[t] - centres[s]) / MAX_WIDTH for s, t, _ in arcs]   # arc heights
    top = 0.17 + max(rise, default=0.0) + 0.25 * len(arcs) + 0.1
    fig, (ax,) = new_figure(width=min(MAX_WIDTH, widths.sum() + 0.2), height=top + 0.4)
    with course_style():
        clean_axes(ax)
        ax.set_aspect("auto")
        for i, (token, x) in enumerate(zip(tokens, centres)):
            ax.text(x, 0.0, token, ha="center", va="center", fontsize=TOKEN_SIZE,
                    fontweight="bold" if i in bold else "normal", color=COLORS["text"])
        for k, (source, target, label) in enumerate(arcs):
            colour = SERIES[k % len(SERIES)]
            xa, xb = centres[source], centres[target]
            # arc3 puts the control point rad * chord from the middle; the curve rises half as high
            arrow = FancyArrowPatch((xa, 0.17), (xb, 0.17), connectionstyle=f"arc3,rad={-2 * rise[k] / (xb - xa)}",
                                    arrowstyle="-|>", mutation_scale=12, linewidth=1.5, color=colour)
            arrow.set_gid(f"edge:dep:{source}->{target}")
            ax.add_patch(arrow)
            ax.text((xa + xb) / 2, 0.17 + max(rise) + 0.05 + 0.25 * k,
                    f"{label} ({target - source} tokens back)",
                    ha="center", va="bottom", fontsize=LABEL_SIZE, color=colour)
        ax.set_xlim(0.0, widths.sum())
        ax.set_ylim(-0.2, top)
        if title:
            ax.set_title(title)
    return fig
