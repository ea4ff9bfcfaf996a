"""Attention heat maps: which source positions each output token looked at.

One panel per example: output tokens down the side, source tokens (characters or words) along the
bottom, the weight alpha_ts of output t on source position s as the shade of cell (t, s).
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from .style import MAX_WIDTH, new_figure

__all__ = ["plot_attention", "plot_attention_examples"]

_SHOWN = {" ": "␣", "</s>": "</s>", "<s>": "<s>"}


def _labels(tokens: Sequence[str]) -> list[str]:
    return [_SHOWN.get(t, t) for t in tokens]


def plot_attention(weights: np.ndarray, source_tokens: Sequence[str],
                   output_tokens: Sequence[str], *, ax=None, title: str | None = None,
                   colorbar: bool = True):
    """One attention heat map.

    Args:
        weights: (T, S) attention weights, row t over the source positions (rows sum to one).
        source_tokens: the S source tokens (a space is drawn as ␣).
        output_tokens: the T output tokens.
        ax: an axes to draw into (default: a new figure).
        title: drawn above the panel.
        colorbar: add a colour bar (new figure only).

    Returns:
        The figure.
    """
    weights = np.asarray(weights, dtype=float)
    if weights.ndim != 2 or weights.shape != (len(output_tokens), len(source_tokens)):
        raise ValueError(f"plot_attention: weights must have shape (len(output_tokens), "
                         f"len(source_tokens)) = ({len(output_tokens)}, {len(source_tokens)}), "
                         f"got {weights.shape}")
    fig = None
    if ax is None:
        width = min(MAX_WIDTH, 1.2 + 0.17 * len(source_tokens))
        fig, (ax,) = new_figure(width=width, height=0.8 + 0.2 * len(output_tokens))
    image = ax.imshow(weights, cmap="Greys", vmin=0.0, vmax=1.0, aspect="auto",
                      interpolation="nearest")
    ax.set_xticks(range(len(source_tokens)), _labels(source_tokens), fontsize=9,
                  rotation=90 if max(map(len, source_tokens), default=1) > 1 else 0)
    ax.set_yticks(range(len(output_tokens)), _labels(output_tokens), fontsize=9)
    ax.tick_params(length=0)
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title:
        ax.set_title(title, fontsize=10, loc="left")
    if fig is not None and colorbar:
        fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02, label="α")
    return ax.figure


def plot_attention_examples(examples: Sequence[Mapping], *, max_examples: int = 4) -> Figure:
    """Heat maps of several examples, one per row, as the translation recipe records them.

    Args:
        examples: dicts with ``weights`` (T, S), ``source_tokens``, ``output_tokens`` and
            optionally ``style`` and ``prediction`` (the result's ``attention_examples``).
        max_examples: draw the first this many.

    Returns:
        A figure one column wide with a shared colour scale (0 to 1).
    """
    examples = list(examples)[:max_examples]
    if not examples:
        raise ValueError("plot_attention_examples: examples must not be empty")
    heights = [len(e["output_tokens"]) for e in examples]
    fig, axes = new_figure(nrows=len(examples), width=MAX_WIDTH,
                           height=0.55 * len(examples) + 0.16 * sum(heights))
    for ax, example in zip(axes, examples):
        title = example.get("style", "")
        if "prediction" in example:
            title = f"{title}:  {example.get('source', '')}  →  {example['prediction']}".lstrip(": ")
        plot_attention(example["weights"], example["source_tokens"], example["output_tokens"],
                       ax=ax, title=title)
    fig.colorbar(axes[0].images[0], ax=axes, fraction=0.025, pad=0.01, label="α")
    return fig
