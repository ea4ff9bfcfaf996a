"""Figures of the slot-filling chapter: learning curves of several taggers, the tags each tagger
gives the words of a sentence, and the accuracy of each on the targeted sets.

Example:
    >>> fig = plot_tag_grid("i want to arrive oulu on monday".split(),
    ...     {"feed-forward": ["O", "O", "O", "O", "B-from_city", "O", "B-depart_date"]},
    ...     truth=["O", "O", "O", "O", "B-to_city", "O", "B-arrive_date"])
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .style import COLORS, MAX_WIDTH, SERIES, course_style, new_figure

__all__ = ["SLOT_COLORS", "plot_tag_grid", "plot_tag_grids", "plot_tagger_curves",
           "plot_targeted_accuracy"]

#: Fill colour of each slot type in the tag grids (words outside any slot stay white).
SLOT_COLORS: dict[str, str] = {
    "from_city": "#f4a6a0", "to_city": "#9ec5e8", "depart_date": "#f6d48f",
    "arrive_date": "#a8d5a2", "airline": "#d7bde2", "class": "#d5dbdb",
}


def plot_tagger_curves(histories: Mapping[str, Mapping[str, Sequence[float]]],
                       key: str = "tags_loss", labels: Mapping[str, str] | None = None,
                       title: str | None = None) -> Figure:
    """The tag loss of several models per epoch: training on the left, validation (sentences
    from templates never seen in training) on the right.

    Args:
        histories: model name -> the history ``fit`` recorded (``key`` and ``"val_" + key``).
        key: the loss to draw.
        labels: legend label per model name (default: the names).
        title: a title over both panels.
    """
    if not histories:
        raise ValueError("plot_tagger_curves: argument histories is empty")
    labels = dict(labels or {})
    fig, axes = new_figure(ncols=2, width=7.2, height=3.0)
    with course_style():
        for ax, name, heading in ((axes[0], key, "training"), (axes[1], f"val_{key}",
                                                                "validation (unseen templates)")):
            for i, (model, history) in enumerate(histories.items()):
                if name not in history:
                    raise ValueError(f"plot_tagger_curves: {model!r} has no {name!r} in its "
                                     f"history {sorted(history)}")
                values = np.asarray(history[name], dtype=np.float64)
                ax.plot(np.arange(1, values.size + 1), values, marker="o", markersize=3,
                        color=SERIES[i % len(SERIES)], label=labels.get(model, model))
            ax.set_xlabel("epoch")
            ax.set_ylabel("tag loss (nats per word)")
            ax.set_title(heading)
            ax.xaxis.get_major_locator().set_params(integer=True)
        axes[1].legend(frameon=False, fontsize=9)
        if title:
            fig.suptitle(title)
    return fig


def _short(tag: str) -> str:
    if tag == "O":
        return "O"
    slot = tag[2:].replace("_city", "").replace("_date", "")
    return f"{tag[0]}-{slot}"


def _draw_grid(ax, tokens: Sequence[str], rows: Mapping[str, Sequence[str]],
               truth: Sequence[str] | None, n_cols: int, fontsize: float) -> None:
    ax.set_xlim(0, n_cols)
    ax.set_ylim(len(rows) + 1, 0)
    ax.axis("off")
    for j, word in enumerate(tokens):
        ax.text(j + 0.5, 0.5, word, ha="center", va="center", fontsize=10, fontweight="bold",
                color=COLORS["text"])
    for i, (label, tags) in enumerate(rows.items(), start=1):
        ax.text(-0.08, i + 0.5, label, ha="right", va="center", fontsize=9)
        for j, tag in enumerate(tags):
            wrong = truth is not None and label != "correct" and tag != truth[j]
            fill = SLOT_COLORS.get(tag[2:], "white") if tag != "O" else "white"
            ax.add_patch(Rectangle((j + 0.04, i + 0.06), 0.92, 0.88, facecolor=fill,
                                   edgecolor="#c0392b" if wrong else "#bbbbbb",
                                   linewidth=2.0 if wrong else 0.6))
            ax.text(j + 0.5, i + 0.5, _short(tag), ha="center", va="center",
                    fontsize=fontsize, fontweight="bold" if wrong else "normal")


def plot_tag_grid(tokens: Sequence[str], rows: Mapping[str, Sequence[str]],
                  truth: Sequence[str] | None = None, title: str | None = None) -> Figure:
    """The tag each model gives each word of one sentence, as a grid.

    One column per word, one row per model (and a first row "correct" when ``truth`` is given).
    A cell shows the tag in short (``B-to`` for ``B-to_city``, ``I-depart`` for
    ``I-depart_date``), coloured by slot; a cell that differs from the truth is framed in red
    with its text in bold.

    Args:
        tokens: the words (T).
        rows: row label -> T tags.
        truth: the correct T tags, or None.
        title: a title over the grid.
    """
    return plot_tag_grids([(tokens, rows, truth)], titles=None if title is None else [title])


def plot_tag_grids(sentences: Sequence[tuple[Sequence[str], Mapping[str, Sequence[str]],
                                             Sequence[str] | None]],
                   titles: Sequence[str] | None = None) -> Figure:
    """Several sentences' tag grids (see :func:`plot_tag_grid`) stacked in one figure.

    Args:
        sentences: ``(tokens, rows, truth)`` per sentence; ``truth`` may be None.
        titles: a title per sentence, or None.
    """
    if not sentences:
        raise ValueError("plot_tag_grids: argument sentences is empty")
    prepared = []
    for tokens, rows, truth in sentences:
        rows = dict(rows)
        for label, tags in rows.items():
            if len(tags) != len(tokens):
                raise ValueError(f"plot_tag_grid: row {label!r} has {len(tags)} tags for "
                                 f"{len(tokens)} words")
        if truth is not None:
            if len(truth) != len(tokens):
                raise ValueError(f"plot_tag_grid: truth has {len(truth)} tags for "
                                 f"{len(tokens)} words")
            rows = {"correct": list(truth), **rows}
        prepared.append((list(tokens), rows, truth))
    n_cols = max(len(tokens) for tokens, _, _ in prepared)
    label_width = 1.35
    width = min(MAX_WIDTH, label_width + 0.72 * n_cols)
    cell_w = (width - label_width - 0.1) / n_cols
    heights = [len(rows) + 1 for _, rows, _ in prepared]
    fig, axes = new_figure(nrows=len(prepared), width=width,
                           height=0.3 + 0.36 * sum(heights) + 0.25 * (len(prepared) - 1))
    fig.get_layout_engine().set(hspace=0.02)
    with course_style():
        for k, (ax, (tokens, rows, truth)) in enumerate(zip(axes, prepared)):
            _draw_grid(ax, tokens, rows, truth, n_cols, 9 if cell_w >= 0.6 else 8)
            if titles:
                ax.set_title(titles[k], fontsize=10)
    return fig


def plot_targeted_accuracy(scores: Mapping[str, Mapping[str, float]],
                           labels: Mapping[str, str] | None = None,
                           sets: Sequence[tuple[str, str]] = (
                               ("verb_before", "verb before the city"),
                               ("verb_after", "verb after the city")),
                           chance: float | None = 0.5, title: str | None = None) -> Figure:
    """Accuracy of the city's role (to or from) per model on each targeted set, as bars.

    Args:
        scores: model name -> {set name -> accuracy in [0, 1]}.
        labels: x-axis label per model name (default: the names).
        sets: (set name, legend label) pairs, one bar colour each.
        chance: a dotted line at this accuracy (a tagger that cannot tell guesses one role for
            both sentences of a pair: half right); None for no line.
        title: a title.
    """
    if not scores:
        raise ValueError("plot_targeted_accuracy: argument scores is empty")
    labels = dict(labels or {})
    names = list(scores)
    fig, (ax,) = new_figure(width=min(MAX_WIDTH, 1.6 + 1.3 * len(names)), height=3.0)
    with course_style():
        width = 0.8 / len(sets)
        x = np.arange(len(names))
        for k, (key, legend) in enumerate(sets):
            values = [float(scores[n][key]) for n in names]
            bars = ax.bar(x - 0.4 + width * (k + 0.5), values, width, color=SERIES[k],
                          label=legend)
            for bar, value in zip(bars, values):
                ax.text(bar.get_x() + bar.get_width() / 2, value + 0.02, f"{value:.2f}",
                        ha="center", va="bottom", fontsize=9)
        if chance is not None:
            ax.axhline(chance, color="black", linestyle=":", linewidth=1.0,
                       label=f"one guess per pair ({chance:.1f})")
        ax.set_xticks(x, [labels.get(n, n) for n in names])
        ax.set_ylim(0, 1.34)
        ax.set_yticks(np.linspace(0, 1, 6))
        ax.set_ylabel("city role accuracy")
        ax.grid(axis="x", visible=False)
        ax.legend(frameon=False, fontsize=9, loc="upper left", ncols=3)
        if title:
            ax.set_title(title)
    return fig
