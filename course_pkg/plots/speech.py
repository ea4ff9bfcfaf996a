"""Figures of the speech-recognition (CTC) chapter: alignments, spectrograms with posteriors, strips.

Example:
    >>> probs = np.full((4, 3), 1 / 3)
    >>> fig = plot_alignments(["HHI-", "H-II"], probs, "-HI")
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from .style import SERIES, course_style, new_figure

__all__ = ["plot_alignments", "plot_ctc_posteriors", "plot_digit_strips"]

_BLANK_COLOUR = "#bbbbbb"


def plot_alignments(alignments: Sequence[str], probs: np.ndarray, symbols: str,
                    blank: str = "-") -> Figure:
    """Every alignment of a label as a row of frames, with its probability as a bar beside it.

    Args:
        alignments: the alignments (strings of T symbols), e.g. from ``ctc_alignments``.
        probs: the per-frame distributions (T, V) whose products the bars show.
        symbols: the symbol of each column of ``probs`` (``"-HI"``).
        blank: the blank symbol (drawn grey).

    Returns:
        A figure with the alignments (left) and their probabilities (right).
    """
    from course_pkg.models.ctc import alignment_probability

    probs = np.asarray(probs)
    if not alignments:
        raise ValueError("plot_alignments: alignments is empty")
    T = len(alignments[0])
    if probs.shape != (T, len(symbols)):
        raise ValueError(f"plot_alignments: probs must have shape (T, V) = ({T}, {len(symbols)}), "
                         f"got {probs.shape}")
    p = np.array([alignment_probability(a, probs, symbols) for a in alignments])
    n = len(alignments)
    fig, (left, right) = new_figure(ncols=2, width=7.2, height=0.28 * n + 1.0,
                                    width_ratios=[1.0, 1.6])
    colours = {s: SERIES[i % len(SERIES)] for i, s in enumerate(symbols.replace(blank, ""))}
    with course_style():
        for row, path in enumerate(alignments):
            for t, s in enumerate(path):
                colour = _BLANK_COLOUR if s == blank else colours[s]
                left.add_patch(_cell(t, row, colour))
                left.text(t + 0.5, row + 0.5, s, ha="center", va="center", fontsize=9,
                          color="white" if s != blank else "black")
        left.set_xlim(0, T)
        left.set_ylim(n, 0)
        left.set_xticks(np.arange(T) + 0.5, [str(t + 1) for t in range(T)])
        left.set_yticks([])
        left.set_xlabel("frame t")
        left.grid(False)
        for side in ("left", "bottom"):
            left.spines[side].set_visible(False)
        right.barh(np.arange(n) + 0.5, p, height=0.7, color=SERIES[0])
        right.set_ylim(n, 0)
        right.set_yticks([])
        right.set_xlabel("probability of the alignment")
        right.set_title(f"sum = {p.sum():.4f}", loc="left", fontsize=10)
    return fig


def _cell(t: int, row: int, colour: str):
    from matplotlib.patches import Rectangle

    return Rectangle((t + 0.05, row + 0.08), 0.9, 0.84, color=colour, linewidth=0)


def plot_ctc_posteriors(examples: Sequence[Mapping], alphabet: str = "0123456789",
                        hop_seconds: float = 0.02, stride: int = 2) -> Figure:
    """Each example's log-mel spectrogram above its per-frame CTC posteriors.

    Args:
        examples: mappings with ``features`` (T, n_mels), ``probs`` (T', V + 1) with class 0 the
            blank, ``text`` (the reference) and ``decoded`` (the greedy output).
        alphabet: class i >= 1 is ``alphabet[i - 1]``.
        hop_seconds: seconds between feature frames.
        stride: feature frames per output frame (the front end's stride).

    Returns:
        A figure with two rows of axes per example.
    """
    if not examples:
        raise ValueError("plot_ctc_posteriors: examples is empty")
    fig, axes = new_figure(nrows=2 * len(examples), width=7.2, height=2.5 * len(examples) + 0.4)
    with course_style():
        for k, example in enumerate(examples):
            spec_ax, prob_ax = axes[2 * k], axes[2 * k + 1]
            features = np.asarray(example["features"])
            probs = np.asarray(example["probs"])
            # show the utterance, not the silence it was padded with (the padding's features are
            # the dataset's minimum in every band)
            sounding = np.flatnonzero(features.max(axis=1) > features.min() + 1e-3)
            end = min(len(features), (sounding[-1] + 6) if len(sounding) else len(features))
            features = features[:end]
            seconds = end * hop_seconds
            spec_ax.imshow(features.T, origin="lower", aspect="auto", cmap="magma",
                           extent=(0, seconds, 0, features.shape[1]))
            spec_ax.grid(False)
            spec_ax.set_ylabel("mel band")
            spec_ax.set_xticklabels([])
            verdict = "right" if example["text"] == example["decoded"] else "wrong"
            voice = f", voice {example['voice']}" if example.get("voice") else ""
            spec_ax.set_title(f"said {example['text']}, decoded {example['decoded'] or '(nothing)'}"
                              f" ({verdict}{voice})", loc="left", fontsize=10)
            times = (np.arange(len(probs)) + 0.5) * hop_seconds * stride
            prob_ax.plot(times, probs[:, 0], color=_BLANK_COLOUR, linewidth=1.2, label="blank")
            best = probs.argmax(axis=1)
            for c in range(1, probs.shape[1]):
                if probs[:, c].max() < 0.2:
                    continue
                line, = prob_ax.plot(times, probs[:, c], linewidth=1.3)
                peak = int(np.argmax(np.where(best == c, probs[:, c], -1)))
                if best[peak] == c:
                    prob_ax.text(times[peak], min(probs[peak, c] + 0.05, 1.08), alphabet[c - 1],
                                 ha="center", va="bottom", fontsize=10, color=line.get_color())
            prob_ax.set_xlim(0, seconds)
            prob_ax.set_ylim(0, 1.25)
            prob_ax.set_ylabel("P(class)")
            if k == len(examples) - 1:
                prob_ax.set_xlabel("time (s)")
            prob_ax.legend(loc="upper right", fontsize=9)
    return fig


def plot_digit_strips(examples: Sequence[Mapping], columns: int = 2) -> Figure:
    """Strips of handwritten digits with what the CTC network read in each.

    Args:
        examples: mappings with ``image`` (8, W), ``text`` and ``decoded``.
        columns: strips per row.

    Returns:
        A figure with one axes per strip.
    """
    if not examples:
        raise ValueError("plot_digit_strips: examples is empty")
    rows = -(-len(examples) // columns)
    fig, axes = new_figure(ncols=columns, nrows=rows, width=7.2, height=1.05 * rows + 0.2)
    with course_style():
        for ax, example in zip(axes, examples):
            ax.imshow(np.asarray(example["image"]), cmap="gray_r", aspect="equal", vmin=0, vmax=1)
            ax.grid(False)
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
            mark = "" if example["text"] == example["decoded"] else "  (wrong)"
            ax.set_title(f"{example['text']} read as {example['decoded'] or '(nothing)'}{mark}",
                         loc="left", fontsize=10)
        for ax in axes[len(examples):]:
            ax.set_visible(False)
    return fig
