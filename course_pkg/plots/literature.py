"""Figures of the page *Applications in the literature*, drawn from the tables of
``course_pkg.literature``: a map of the applications by input/output pattern, and the figures the
lectures quote from the papers.

    >>> fig = draw_application_map()
    >>> len(application_gids(fig))
    11
"""

from __future__ import annotations

from typing import Sequence

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from ..literature import APPLICATIONS, PATTERN_LABELS, Application, CitedResult, results_for
from .style import COLORS, MAX_WIDTH, NODE_COLORS, SERIES, course_style, new_figure

__all__ = ["draw_application_map", "plot_cited_results", "plot_literature_results", "application_gids"]

#: Columns of the map, left to right: the order of the patterns on {doc}`why_sequences`.
_MAP_ORDER = ("one_to_many", "many_to_one", "many_to_many", "encoder_decoder")
#: Fill of the boxes by pattern: what the pattern has many of (inputs red, outputs blue, both green).
_MAP_FILL = {"one_to_many": NODE_COLORS["y"], "many_to_one": NODE_COLORS["x"],
             "many_to_many": NODE_COLORS["h"], "encoder_decoder": NODE_COLORS["c"]}


def draw_application_map(applications: Sequence[Application] = APPLICATIONS) -> Figure:
    """The applications in four columns, one per input/output pattern, each box naming the work,
    its paper and the chapter of the course that teaches its mechanism.

    Args:
        applications: the records to place (default: all of ``course_pkg.literature``).

    Returns:
        A figure with one axes; each box is a patch whose gid is ``"application:<key>"``.
    """
    unknown = sorted({a.pattern for a in applications} - set(_MAP_ORDER))
    if unknown:
        raise ValueError(f"draw_application_map: patterns must be among {', '.join(_MAP_ORDER)}, "
                         f"got {', '.join(unknown)}")
    columns = {p: [a for a in applications if a.pattern == p] for p in _MAP_ORDER}
    rows = max(1, max(len(c) for c in columns.values()))
    box_w, box_h, gap = 1.8, 0.62, 0.12          # inches: the axes are drawn 1:1 in inches
    width = MAX_WIDTH
    height = 0.55 + rows * (box_h + gap)
    fig, (ax,) = new_figure(width=width, height=height)
    with course_style():
        ax.set_axis_off()
        ax.set_xlim(0, width)
        ax.set_ylim(0, height)
        step = width / len(_MAP_ORDER)
        for i, pattern in enumerate(_MAP_ORDER):
            x = i * step + (step - box_w) / 2
            ax.text(x + box_w / 2, height - 0.2, PATTERN_LABELS[pattern], ha="center", va="center",
                    fontsize=10, fontweight="bold", color=COLORS["text"])
            for j, application in enumerate(columns[pattern]):
                y = height - 0.45 - (j + 1) * (box_h + gap) + gap
                box = FancyBboxPatch((x, y), box_w, box_h, boxstyle="round,pad=0,rounding_size=0.06",
                                     facecolor=_MAP_FILL[pattern], edgecolor=COLORS["text"], linewidth=0.8)
                box.set_gid(f"application:{application.key}")
                ax.add_patch(box)
                chapters = ", ".join(c.replace("_", " ") for c in application.chapters)
                ax.text(x + box_w / 2, y + box_h - 0.15, application.short, ha="center", va="center",
                        fontsize=9, fontweight="bold")
                ax.text(x + box_w / 2, y + box_h / 2, application.cited_as, ha="center", va="center",
                        fontsize=8, style="italic")
                ax.text(x + box_w / 2, y + 0.14, f"→ {chapters}", ha="center", va="center", fontsize=8,
                        color="#444444")
    return fig


def application_gids(fig: Figure) -> list[str]:
    """The gids ``"application:<key>"`` of the boxes of :func:`draw_application_map`, in drawing order."""
    return [p.get_gid() for ax in fig.axes for p in ax.patches
            if (p.get_gid() or "").startswith("application:")]


def plot_cited_results(ax: Axes, results: Sequence[CitedResult], *, labels: Sequence[str] | None = None,
                       highlight: Sequence[bool] | None = None, title: str = "") -> Axes:
    """Horizontal bars of cited figures (one metric), the value written at the end of each bar.

    Args:
        ax: the axes to draw on.
        results: the records, drawn top to bottom; they must share one metric.
        labels: bar labels (default: each record's ``system``).
        highlight: per bar, draw it in the first series colour (True) or grey (False); default
            all highlighted.
        title: axes title.

    Returns:
        ``ax``.
    """
    metrics = {r.metric for r in results}
    if len(metrics) != 1:
        raise ValueError(f"plot_cited_results: results must share one metric, got {sorted(metrics)}")
    labels = [r.system for r in results] if labels is None else list(labels)
    highlight = [True] * len(results) if highlight is None else list(highlight)
    if not len(labels) == len(highlight) == len(results):
        raise ValueError(f"plot_cited_results: {len(results)} results need as many labels and highlights, "
                         f"got {len(labels)} and {len(highlight)}")
    (metric,) = metrics
    values = [r.value for r in results]
    positions = range(len(results))[::-1]
    with course_style():
        colours = [SERIES[0] if h else "#aab7b8" for h in highlight]
        ax.barh(list(positions), values, color=colours, height=0.65)
        for y, value, text in zip(positions, values, [r.printed for r in results]):
            ax.text(value + 0.01 * max(values), y, text, va="center", ha="left", fontsize=9)
        ax.set_yticks(list(positions), labels, fontsize=9)
        ax.set_xlim(0, 1.15 * max(values))
        unit = "" if metric in ("BLEU", "METEOR") else " (%)"
        direction = "higher is better" if results[0].higher_is_better else "lower is better"
        ax.set_xlabel(f"{metric}{unit}, {direction}", fontsize=9)
        ax.tick_params(axis="x", labelsize=9)
        ax.grid(axis="y", visible=False)
        if title:
            ax.set_title(title, fontsize=10)
    return ax


def plot_literature_results() -> Figure:
    """Two of the lectures' tables as bars: Sutskever et al.'s BLEU scores on WMT'14 English to
    French, and LipNet's word error rates on GRID next to hearing-impaired lip readers'.

    Returns:
        A figure with two axes (top: BLEU, bottom: WER).
    """
    bleu = results_for("sutskever2014", metric="BLEU")
    wer = results_for("assael2016", metric="WER")
    fig, axes = new_figure(nrows=2, width=7.2, height=4.2)
    plot_cited_results(axes[0], bleu, highlight=["baseline" not in r.system for r in bleu],
                       title="WMT'14 English → French (Sutskever et al. 2014)")
    plot_cited_results(axes[1], wer, labels=[f"{r.system}, {r.setting}" for r in wer],
                       highlight=[r.system == "LipNet" for r in wer],
                       title="Lip reading, GRID corpus (Assael et al. 2016)")
    return fig
