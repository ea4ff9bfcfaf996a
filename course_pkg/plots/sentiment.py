"""Figures of the sentiment chapter: how long the snippets are, and how a prediction moves word by
word through a sentence.

Example:
    >>> entry = {"tokens": ["there", "is", "nothing"], "p_positive": [0.6, 0.6, 0.2]}
    >>> fig = plot_word_by_word([entry])
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from .style import SERIES, course_style, new_figure

__all__ = ["plot_snippet_lengths", "plot_word_by_word"]


def plot_snippet_lengths(lengths: Sequence[int], labels: Sequence[int], maxlen: int | None = None,
                         class_names: Sequence[str] = ("rotten", "fresh")) -> Figure:
    """Histogram of the number of tokens per text, one outline per class.

    Args:
        lengths: (N,) tokens in each text.
        labels: (N,) class of each text (0 or 1).
        maxlen: if given, a dashed line where the model cuts the texts.
        class_names: names of classes 0 and 1.

    Returns:
        A figure with one axes.
    """
    lengths = np.asarray(lengths)
    labels = np.asarray(labels)
    if lengths.shape != labels.shape or lengths.ndim != 1:
        raise ValueError(f"plot_snippet_lengths: lengths and labels must have the same shape (N,), "
                         f"got {lengths.shape} and {labels.shape}")
    fig, (ax,) = new_figure(width=7.2, height=2.8)
    bins = np.arange(0, lengths.max() + 3, 2)
    with course_style():
        for label, colour in ((0, SERIES[1]), (1, SERIES[0])):
            chosen = lengths[labels == label]
            ax.hist(chosen, bins=bins, histtype="step", linewidth=1.6, color=colour,
                    label=f"{class_names[label]} ({len(chosen):,} texts, median "
                          f"{np.median(chosen):.0f})")
        if maxlen is not None:
            kept = np.mean(lengths <= maxlen)
            ax.axvline(maxlen, color="black", linestyle="--", linewidth=1.0,
                       label=f"cut at T = {maxlen} ({kept:.1%} kept whole)")
        ax.set_xlabel("tokens per text")
        ax.set_ylabel("texts")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def plot_word_by_word(entries: Sequence[Mapping], *, baseline_label: str = "TF-IDF + LR",
                      model_label: str = "BiLSTM", positive: str = "fresh") -> Figure:
    """P(positive) after each word of a few sentences: one panel per sentence, the words along x.

    Args:
        entries: one mapping per sentence with ``tokens`` (T,), ``p_positive`` (T,), the model's
            probability after reading the first t tokens, and optionally
            ``baseline_p_positive`` (T,), the baseline's on the same prefixes.
        baseline_label, model_label: legend names of the two curves.
        positive: the name of the positive class (the y-axis says P(positive)).

    Returns:
        A figure with one axes per sentence, stacked.
    """
    if not entries:
        raise ValueError("plot_word_by_word: entries is empty")
    for entry in entries:
        if len(entry["tokens"]) != len(entry["p_positive"]) or not entry["tokens"]:
            raise ValueError(f"plot_word_by_word: tokens and p_positive must have the same "
                             f"non-zero length, got {len(entry['tokens'])} and "
                             f"{len(entry['p_positive'])}")
    fig, axes = new_figure(nrows=len(entries), width=7.2, height=1.9 * len(entries) + 0.3)
    with course_style():
        for index, (ax, entry) in enumerate(zip(axes, entries)):
            steps = np.arange(len(entry["tokens"]))
            ax.axhspan(0.5, 1.0, color=SERIES[0], alpha=0.06, linewidth=0)
            ax.axhline(0.5, color="black", linewidth=0.8)
            if entry.get("baseline_p_positive") is not None:
                ax.plot(steps, entry["baseline_p_positive"], color=SERIES[4], linestyle="--",
                        marker="s", markersize=3.5, linewidth=1.2, label=baseline_label)
            ax.plot(steps, entry["p_positive"], color=SERIES[0], marker="o", markersize=4,
                    linewidth=1.8, label=model_label)
            ax.set_xticks(steps)
            ax.set_xticklabels(entry["tokens"], rotation=35, ha="right", rotation_mode="anchor")
            ax.set_xlim(-0.5, len(steps) - 0.5)
            ax.set_ylim(0, 1)
            ax.set_yticks([0, 0.5, 1])
            ax.set_ylabel(f"P({positive})")
            ax.grid(axis="x", visible=False)
            if index == 0:
                ax.legend(loc="lower left", ncols=2)
    return fig
