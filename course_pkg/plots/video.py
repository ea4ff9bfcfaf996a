"""Figures of the video chapter: clips as frame strips, confusion matrices, frame labels over time.

Example:
    >>> from course_pkg.data.video import load_moving_digits
    >>> clips = load_moving_digits(8, 4, 4).train
    >>> fig = plot_frame_strips(clips.x[:4], [f"class {c}" for c in clips.y[:4]])
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from matplotlib.figure import Figure

from .style import COLORS, SERIES, course_style, new_figure

__all__ = ["plot_confusion", "plot_frame_labels", "plot_frame_strips", "plot_sensor_series"]


def plot_frame_strips(clips: np.ndarray, titles: Sequence[str], *,
                      frame_labels: np.ndarray | None = None,
                      label_names: Sequence[str] = ("still", "moving"),
                      width: float = 7.2) -> Figure:
    """Each clip as a row of its frames, left to right in time.

    Args:
        clips: (R, T, S, S) or (R, T, S, S, 1) frames in [0, 1].
        titles: R row titles (drawn left of each row).
        frame_labels: (R, T) label indices written under the frames (None: frame numbers).
        label_names: the names of the frame labels.
        width: figure width in inches.
    """
    clips = np.asarray(clips)
    if clips.ndim == 5:
        clips = clips[..., 0]
    if clips.ndim != 4 or len(titles) != len(clips):
        raise ValueError(f"plot_frame_strips: expected clips (R, T, S, S) and R titles, got "
                         f"{clips.shape} and {len(titles)} titles")
    rows, frames = clips.shape[:2]
    cell = (width - 1.3) / frames
    fig, axes = new_figure(ncols=frames, nrows=rows, width=width,
                           height=rows * (cell + 0.25) + 0.1)
    with course_style():
        for r in range(rows):
            for t in range(frames):
                ax = axes[r * frames + t]
                ax.imshow(clips[r, t], cmap="gray_r", vmin=0.0, vmax=1.0,
                          interpolation="nearest")
                ax.set_xticks([])
                ax.set_yticks([])
                ax.grid(False)
                for spine in ax.spines.values():
                    spine.set_visible(True)
                    spine.set_color(COLORS["grid"])
                under = (f"t={t}" if frame_labels is None
                         else label_names[int(frame_labels[r][t])])
                moving = frame_labels is not None and int(frame_labels[r][t]) == 1
                ax.set_xlabel(under, fontsize=8, labelpad=1,
                              color=COLORS["text"] if moving or frame_labels is None else SERIES[1])
                if t == 0:
                    ax.set_ylabel(titles[r], rotation=0, ha="right", va="center", fontsize=9)
    return fig


def plot_confusion(matrices: Sequence[np.ndarray], labels: Sequence[str],
                   titles: Sequence[str], *, width: float = 7.2) -> Figure:
    """Confusion matrices side by side: row = true class, column = predicted, counts written in.

    Args:
        matrices: K x K counts (scikit-learn's ``confusion_matrix``), one per panel.
        labels: the K class names. titles: one per panel.
    """
    n = len(matrices)
    if n == 0 or len(titles) != n:
        raise ValueError(f"plot_confusion: expected one title per matrix, got {n} matrices and "
                         f"{len(titles)} titles")
    fig, axes = new_figure(ncols=n, width=width, height=min(3.2, width / n + 0.6))
    with course_style():
        for ax, matrix, title in zip(axes, matrices, titles):
            m = np.asarray(matrix, dtype=float)
            share = m / np.maximum(m.sum(axis=1, keepdims=True), 1)
            ax.imshow(share, cmap="Blues", vmin=0.0, vmax=1.0, interpolation="nearest")
            for i in range(m.shape[0]):
                for j in range(m.shape[1]):
                    ax.text(j, i, f"{int(m[i, j])}", ha="center", va="center", fontsize=8,
                            color="white" if share[i, j] > 0.6 else COLORS["text"])
            ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=8)
            ax.set_yticks(range(len(labels)), labels, fontsize=8)
            ax.set_xlabel("predicted", fontsize=9)
            ax.set_ylabel("true", fontsize=9)
            ax.set_title(title, fontsize=10)
            ax.grid(False)
    return fig


def plot_frame_labels(truth: Sequence[Sequence[int]], p_moving: Sequence[Sequence[float]],
                      titles: Sequence[str], *, width: float = 7.2) -> Figure:
    """P(moving) per frame from the tagger against the true frame labels, one panel per clip.

    Args:
        truth: (R, T) true labels (1 = moving). p_moving: (R, T) the tagger's probabilities.
        titles: R panel titles.
    """
    truth, p = np.asarray(truth), np.asarray(p_moving)
    rows = len(truth)
    cols = min(rows, 4)
    grid_rows = int(np.ceil(rows / cols))
    fig, axes = new_figure(ncols=cols, nrows=grid_rows, width=width, height=1.9 * grid_rows + 0.3)
    with course_style():
        for k, ax in enumerate(axes):
            if k >= rows:
                ax.set_visible(False)
                continue
            t = np.arange(truth.shape[1])
            ax.bar(t, truth[k], color=COLORS["y"], width=0.8, label="moving (truth)")
            ax.plot(t, p[k], "o-", color=SERIES[1], markersize=3, label="P(moving)")
            ax.set_ylim(-0.05, 1.1)
            ax.set_title(titles[k], fontsize=9)
            ax.set_xlabel("frame", fontsize=9)
            ax.xaxis.get_major_locator().set_params(integer=True)
            if k % cols == 0:
                ax.set_ylabel("moving", fontsize=9)
        axes[0].legend(loc="lower left", fontsize=8)
    return fig


def plot_sensor_series(x: np.ndarray, y: np.ndarray, class_names: Sequence[str], *,
                       channels: Sequence[str] = ("acc x", "acc y", "acc z", "gyro x", "gyro y",
                                                  "gyro z"),
                       width: float = 7.2) -> Figure:
    """One series of each class: its channels over time (one panel per class).

    Args:
        x: (N, T, C) series. y: (N,) labels. class_names: the name of each label.
    """
    k = len(class_names)
    fig, axes = new_figure(ncols=k, width=width, height=2.4)
    with course_style():
        for c, ax in enumerate(axes):
            i = int(np.flatnonzero(np.asarray(y) == c)[0])
            for j in range(x.shape[2]):
                ax.plot(x[i, :, j], color=SERIES[j % len(SERIES)], linewidth=0.9,
                        label=channels[j] if j < len(channels) else f"ch {j}")
            ax.set_title(class_names[c], fontsize=10)
            ax.set_xlabel("step (0.1 s)", fontsize=9)
        axes[0].set_ylabel("value", fontsize=9)
        fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center",
                   ncols=x.shape[2], fontsize=8)
    return fig
