"""Figures of the image-captioning chapter: scenes with their captions, attention maps over the
image one word at a time, and the image-at-start versus every-step comparison over seeds.

The attention maps follow Xu et al. (2015, Show, Attend and Tell, figures 2 and 3): the weights
over the H' x W' grid are stretched to the image's size and drawn over it, bright where the
decoder looked when it wrote the word above the panel. :func:`course_pkg.plots.attention.
plot_attention` draws the same weights as a word x grid-cell heat map.
"""

from __future__ import annotations

import textwrap
from typing import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from .style import COLORS, MAX_WIDTH, SERIES, new_figure

__all__ = ["plot_scenes", "plot_caption_attention", "plot_injection_runs"]


def _bare(ax) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)


def plot_scenes(images: np.ndarray, captions: Sequence[str], *, ncols: int = 5,
                subtitles: Sequence[str] | None = None, width: float = MAX_WIDTH,
                wrap: int = 24) -> Figure:
    """A grid of images with their captions below.

    Args:
        images: (N, H, W, 3) in [0, 1].
        captions: N strings (wrapped at ``wrap`` characters; a newline in one is kept).
        ncols: images per row.
        subtitles: optional N short lines drawn above the images (e.g. "held-out pair").
        width: figure width in inches.
        wrap: characters per caption line.

    Returns:
        The figure.
    """
    images = np.asarray(images)
    if len(images) != len(captions) or not len(images):
        raise ValueError(f"plot_scenes: expected as many captions as images (at least one), got "
                         f"{len(captions)} captions for {len(images)} images")
    n = len(images)
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    lines = max(sum(len(textwrap.wrap(part, wrap)) or 1 for part in c.split("\n"))
                for c in captions)
    panel = width / ncols
    fig, axes = new_figure(ncols=ncols, nrows=nrows, width=width,
                           height=nrows * (panel * 0.8 + 0.16 * lines + (0.2 if subtitles else 0)))
    for i, ax in enumerate(axes):
        _bare(ax)
        if i >= n:
            ax.set_visible(False)
            continue
        ax.imshow(np.clip(images[i], 0, 1), interpolation="nearest")
        text = "\n".join(line for part in captions[i].split("\n")
                         for line in (textwrap.wrap(part, wrap) or [""]))
        ax.set_xlabel(text, fontsize=8, color=COLORS["text"])
        if subtitles is not None:
            ax.set_title(subtitles[i], fontsize=8, color=COLORS["text"])
    return fig


def _upsample(weights: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Nearest-neighbour stretch of an (h, w) map to ``size`` (H, W)."""
    h, w = weights.shape
    rows = (np.arange(size[0]) * h) // size[0]
    cols = (np.arange(size[1]) * w) // size[1]
    return weights[rows][:, cols]


def plot_caption_attention(image: np.ndarray, words: Sequence[str], weights: np.ndarray, *,
                           title: str | None = None, ncols: int = 6) -> Figure:
    """Where the decoder looked for each word: the image, then one panel per word with the
    attention map over the grid stretched to the image and drawn over a dimmed copy of it.

    Args:
        image: (H, W, 3) in [0, 1].
        words: the T emitted words (``</s>`` included if wanted).
        weights: (T, H', W') attention weights, each map summing to one.
        title: drawn above the figure.
        ncols: panels per row (the image counts as one).

    Returns:
        The figure; every map uses its own scale from 0 to its maximum (printed in the panel).
    """
    weights = np.asarray(weights, dtype=float)
    if weights.ndim != 3 or len(weights) != len(words):
        raise ValueError(f"plot_caption_attention: weights must have shape (len(words), H', W') "
                         f"= ({len(words)}, H', W'), got {weights.shape}")
    image = np.clip(np.asarray(image, dtype=float), 0, 1)
    n = len(words) + 1
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    panel = MAX_WIDTH / ncols
    fig, axes = new_figure(ncols=ncols, nrows=nrows, width=MAX_WIDTH,
                           height=nrows * (panel + 0.3) + (0.25 if title else 0))
    grey = image.mean(axis=-1)
    for i, ax in enumerate(axes):
        _bare(ax)
        if i >= n:
            ax.set_visible(False)
        elif i == 0:
            ax.imshow(image, interpolation="nearest")
            ax.set_title("image", fontsize=9)
        else:
            heat = _upsample(weights[i - 1], image.shape[:2])
            ax.imshow(grey, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            ax.imshow(heat, cmap="magma", alpha=0.65, vmin=0, vmax=max(heat.max(), 1e-6),
                      interpolation="nearest")
            ax.set_title(words[i - 1], fontsize=9)
            ax.set_xlabel(f"max α {weights[i - 1].max():.2f}", fontsize=8)
    if title:
        fig.suptitle(title, fontsize=9, x=0.01, ha="left")
    return fig


def plot_injection_runs(runs: Sequence[Mapping], keys: Sequence[tuple[str, str]] = (
        ("exact_seen", "exact match, seen pairs"), ("bleu_seen", "BLEU-4, seen pairs"),
        ("val_loss", "validation loss"))) -> Figure:
    """One panel per metric: each seed's value as a dot, per variant, and the mean as a bar.

    Args:
        runs: the ``runs`` of a ``caption_injection`` result (``model``, ``label``, ``seed`` and
            the metric keys).
        keys: (metric key, panel title) pairs.

    Returns:
        The figure.
    """
    models = list(dict.fromkeys(r["model"] for r in runs))
    if not models:
        raise ValueError("plot_injection_runs: runs must not be empty")
    labels = {r["model"]: r.get("label", r["model"]) for r in runs}
    fig, axes = new_figure(ncols=len(keys), width=MAX_WIDTH, height=2.6)
    colours = SERIES
    for ax, (key, title) in zip(axes, keys):
        for j, model in enumerate(models):
            values = np.array([r[key] for r in runs if r["model"] == model], dtype=float)
            colour = colours[j % len(colours)]
            ax.bar(j, values.mean(), width=0.6, color=colour, alpha=0.35)
            ax.plot(np.full(len(values), j) + np.linspace(-0.12, 0.12, len(values)), values,
                    "o", color=colour, markersize=5)
        ax.set_xticks(range(len(models)),
                      ["\n".join(textwrap.wrap(labels[m], 14)) for m in models], fontsize=8)
        ax.set_title(title, fontsize=9)
    return fig
