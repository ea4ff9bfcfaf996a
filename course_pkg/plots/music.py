"""Piano rolls of tunes in ABC notation: real ones, and those a model wrote.

A piano roll draws every note as a bar: time (in quarter notes) to the right, pitch upwards, one
row per semitone. music21 reads the ABC text (``course_pkg.data.music.abc_notes``); a sample it
cannot read gets an empty panel that says so, and the figure's title counts how many parsed.

Example:
    >>> fig = plot_piano_rolls([{"abc": "M:2/4\\nL:1/8\\nK:F\\n|A2GG|F2z", "label": "real"}])
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .style import SERIES, course_style, new_figure

__all__ = ["plot_piano_rolls"]

_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


def _pitch_name(midi: float) -> str:
    midi = int(round(midi))
    return f"{_NAMES[midi % 12]}{midi // 12 - 1}"


def _label(sample: Mapping[str, Any], index: int) -> str:
    if "label" in sample:
        return str(sample["label"])
    if "temperature" in sample:
        return f"temperature {sample['temperature']:g}"
    return f"tune {index + 1}"


def plot_piano_rolls(
    samples: Sequence[Mapping[str, Any] | str],
    *,
    ncols: int = 2,
    max_beats: float | None = 32.0,
    title: str | None = None,
    width: float = 7.2,
    row_height: float = 1.9,
) -> Figure:
    """One piano-roll panel per tune, with the count of tunes music21 could read.

    Args:
        samples: ABC texts, or dicts with ``"abc"`` and optionally ``"label"`` or
            ``"temperature"`` (the panel's title), e.g. the samples of the music recipe.
        ncols: panels per row.
        max_beats: draw only the first ``max_beats`` quarter notes of each tune (None: all).
        title: the figure's title (``"n of m tunes parsed"`` is added to it).
        width: figure width in inches (at most the book's column).
        row_height: height of one row of panels in inches.

    Returns:
        A figure with ``ceil(len(samples) / ncols) * ncols`` axes (unused ones hidden).
    """
    from course_pkg.data.music import abc_notes

    if not samples:
        raise ValueError("plot_piano_rolls: samples is empty")
    if isinstance(ncols, bool) or not isinstance(ncols, int) or ncols < 1:
        raise ValueError(f"plot_piano_rolls: argument ncols expected a positive integer, "
                         f"got {ncols!r}")
    items = [{"abc": s} if isinstance(s, str) else dict(s) for s in samples]
    ncols = min(ncols, len(items))
    nrows = -(-len(items) // ncols)
    fig, axes = new_figure(ncols=ncols, nrows=nrows, width=width, height=row_height * nrows + 0.4)
    parsed = 0
    with course_style():
        for index, (ax, item) in enumerate(zip(axes, items)):
            notes = abc_notes(item["abc"])
            ax.set_title(_label(item, index), fontsize=9)
            if not notes:
                ax.text(0.5, 0.5, "music21 could not\nread this sample", ha="center",
                        va="center", transform=ax.transAxes, fontsize=9, color="#555555")
                ax.set_xticks([])
                ax.set_yticks([])
                ax.grid(False)
                continue
            parsed += 1
            onset, duration, pitch = (np.array(v, dtype=float) for v in zip(*notes))
            if max_beats is not None:
                keep = onset < max_beats
                onset, duration, pitch = onset[keep], duration[keep], pitch[keep]
                duration = np.minimum(duration, max_beats - onset)
            ax.barh(pitch, duration, left=onset, height=0.8, color=SERIES[index % len(SERIES)],
                    edgecolor="white", linewidth=0.4)
            low, high = pitch.min(), pitch.max()
            ax.set_ylim(low - 1.5, high + 1.5)
            ticks = [p for p in range(int(low), int(high) + 1) if p % 12 in (0, 7)] or [int(low)]
            ax.set_yticks(ticks)
            ax.set_yticklabels([_pitch_name(p) for p in ticks], fontsize=8)
            ax.tick_params(axis="x", labelsize=8)
            ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
            ax.set_xlim(0, max_beats if max_beats is not None else onset.max() + duration[-1])
            if index // ncols == nrows - 1 or index + ncols >= len(items):
                ax.set_xlabel("time (quarter notes)", fontsize=9)
        for ax in axes[len(items):]:
            ax.set_visible(False)
        head = f"{parsed} of {len(items)} tunes parsed by music21"
        fig.suptitle(f"{title}: {head}" if title else head, fontsize=10)
    return fig
