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

from .style import COLORS, SERIES, clean_axes, course_style, new_figure
from .unrolled import edge_gids

__all__ = ["draw_dependencies", "edge_gids"]


def draw_dependencies(
    tokens: Sequence[str],
    arcs: Sequence[tuple[int, int, str]],
    *,
    title: str | None = None,
) -> Figure:
    """Draw a sentence as a row of tokens, with an arc from each deciding word to the word it decides.

    Args:
        tokens: the words (or characters), in order; at least one.
        arcs: ``(source, target, label)`` with token indices ``0 <= source < target < len(tokens)``;
            the arc is labelled with ``label`` and with its distance ``target - source``.
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
    # place tokens by their length so that long words do not overlap
    widths = np.array([0.16 * max(len(t), 1) + 0.35 for t in tokens])
    centres = np.cumsum(widths) - widths / 2
    bold = {i for s, t, _ in arcs for i in (s, t)}
    fig, (ax,) = new_figure(width=min(12.0, 0.75 * centres[-1] + 1.5), height=2.6)
    with course_style():
        clean_axes(ax)
        ax.set_aspect("auto")
        for i, (token, x) in enumerate(zip(tokens, centres)):
            ax.text(x, 0.0, token, ha="center", va="center", fontsize=11,
                    fontweight="bold" if i in bold else "normal", color=COLORS["text"])
        for k, (source, target, label) in enumerate(arcs):
            colour = SERIES[k % len(SERIES)]
            xa, xb = centres[source], centres[target]
            height = 0.35 + 0.08 * (target - source)
            rad = -min(0.6, height / max(xb - xa, 1e-6) * 2.0)
            arrow = FancyArrowPatch((xa, 0.22), (xb, 0.22), connectionstyle=f"arc3,rad={rad}",
                                    arrowstyle="-|>", mutation_scale=12, linewidth=1.5, color=colour)
            arrow.set_gid(f"edge:dep:{source}->{target}")
            ax.add_patch(arrow)
            peak = 0.22 + abs(rad) * (xb - xa) / 2
            ax.text((xa + xb) / 2, peak + 0.1 + 0.2 * k, f"{label} ({target - source} words back)",
                    ha="center", va="bottom", fontsize=8, color=colour)
        top = max([0.22 + min(0.6, (0.35 + 0.08 * (t - s)) / max(centres[t] - centres[s], 1e-6) * 2.0)
                   * (centres[t] - centres[s]) / 2 for s, t, _ in arcs] or [0.5])
        ax.set_xlim(0.0, centres[-1] + widths[-1] / 2)
        ax.set_ylim(-0.4, top + 0.5 + 0.2 * len(arcs))
        if title:
            ax.set_title(title)
    return fig
