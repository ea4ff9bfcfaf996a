"""Computational-graph diagrams of recurrent networks, drawn with matplotlib patches and arrows.

Every node is a rounded box whose ``gid`` is ``"node:<kind>:<name>"`` (kind ``x``, ``h`` or ``y``)
and every arrow a ``FancyArrowPatch`` whose ``gid`` is ``"edge:<weight>:<src>-><dst>"`` (weight
``W``, ``U``, ``V``, ``feedback`` or ``grad``), so a test or a reader can count what was drawn::

    >>> fig = draw_unrolled("many_to_one", steps=4)
    >>> len(node_gids(fig)), len(edge_gids(fig))
    (9, 8)

Layout: time runs left to right; inputs x_t at the bottom, hidden states h_t in the middle,
outputs y_t on top. The drawing follows the course's convention ``h_t = f(x_t W + h_{t-1} U + b)``,
``y_t = h_t V + c``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch
from matplotlib.path import Path

from .style import COLORS, MAX_WIDTH, NODE_COLORS, WEIGHT_COLORS, clean_axes, course_style, new_figure

__all__ = [
    "PATTERNS",
    "draw_unrolled",
    "draw_patterns",
    "draw_folded_and_unrolled",
    "draw_tbptt",
    "tbptt_windows",
    "node_gids",
    "edge_gids",
]

#: The input/output patterns ``draw_unrolled`` knows, with a one-line description.
PATTERNS: dict[str, str] = {
    "one_to_one": "one input, one output, no recurrence",
    "one_to_many": "one input, an output at every step",
    "many_to_one": "an input at every step, one output at the end",
    "many_to_many": "an input and an output at every step ($T_x = T_y$)",
    "encoder_decoder": "read $T_x$ inputs, then write $T_y$ outputs",
}

_BOX = 0.62          # side of a node box
_DX = 1.35           # horizontal distance between time steps
_ROW = {"x": 0.0, "h": 1.35, "y": 2.7}


@dataclass
class _Graph:
    """A diagram under construction on one axes."""

    ax: Axes
    fontsize: float = 11
    offset: float = 0.0      # added to every x coordinate
    yoffset: float = 0.0     # added to every y coordinate
    prefix: str = ""         # prepended to node names in gids
    boxes: dict[str, FancyBboxPatch] = field(default_factory=dict)
    centres: dict[str, tuple[float, float]] = field(default_factory=dict)

    def node(self, name: str, kind: str, x: float, y: float, label: str) -> None:
        x += self.offset
        y += self.yoffset
        box = FancyBboxPatch(
            (x - _BOX / 2, y - _BOX / 2), _BOX, _BOX,
            boxstyle="round,pad=0.02,rounding_size=0.12",
            facecolor=NODE_COLORS[kind], edgecolor=COLORS["text"], linewidth=1.0, zorder=3,
        )
        box.set_gid(f"node:{kind}:{self.prefix}{name}")
        self.ax.add_patch(box)
        self.ax.text(x, y, label, ha="center", va="center", fontsize=self.fontsize, zorder=4)
        self.boxes[name] = box
        self.centres[name] = (x, y)

    def edge(
        self,
        src: str,
        dst: str,
        weight: str,
        label: str | None = None,
        rad: float = 0.0,
        dashed: bool = False,
        label_offset: tuple[float, float] = (0.0, 0.0),
    ) -> None:
        colour = WEIGHT_COLORS[weight]
        arrow = FancyArrowPatch(
            posA=self.centres[src], posB=self.centres[dst],
            patchA=self.boxes[src], patchB=self.boxes[dst],
            arrowstyle="-|>", mutation_scale=12, linewidth=1.4, color=colour,
            linestyle="--" if dashed else "-",
            connectionstyle=f"arc3,rad={rad}", shrinkA=1, shrinkB=1, zorder=2,
        )
        arrow.set_gid(f"edge:{weight}:{self.prefix}{src}->{self.prefix}{dst}")
        self.ax.add_patch(arrow)
        if label:
            (xa, ya), (xb, yb) = self.centres[src], self.centres[dst]
            self.ax.text(
                (xa + xb) / 2 + label_offset[0], (ya + yb) / 2 + label_offset[1], label,
                ha="center", va="center", fontsize=self.fontsize - 2, color=colour, zorder=4,
                bbox=dict(boxstyle="round,pad=0.1", facecolor="white", edgecolor="none", alpha=0.85),
            )

    def fit(self, margin: float = 0.55) -> None:
        xs = [c[0] for c in self.centres.values()]
        ys = [c[1] for c in self.centres.values()]
        self.ax.set_xlim(min(xs) - margin, max(xs) + margin)
        self.ax.set_ylim(min(ys) - margin, max(ys) + margin)


def _check_steps(func: str, name: str, value: int, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{func}: {name} must be an integer >= {minimum}, got {value!r}")
    return value


def _draw_pattern(
    graph: _Graph,
    pattern: str,
    steps: int,
    out_steps: int,
    weights: bool,
    feedback: bool,
    backward: bool,
    subscripts: bool = True,
) -> None:
    """Add the nodes and arrows of ``pattern`` to ``graph``."""

    def sub(symbol: str, t: int) -> str:
        return f"${symbol}_{{{t}}}$" if subscripts else f"${symbol}$"

    if pattern == "one_to_one":
        graph.node("x1", "x", 0, _ROW["x"], sub("x", 1) if subscripts else "$x$")
        graph.node("h1", "h", 0, _ROW["h"], sub("h", 1) if subscripts else "$h$")
        graph.node("y1", "y", 0, _ROW["y"], sub("y", 1) if subscripts else "$y$")
        graph.edge("x1", "h1", "W", "W" if weights else None, label_offset=(0.25, 0))
        graph.edge("h1", "y1", "V", "V" if weights else None, label_offset=(0.25, 0))
        if backward:
            graph.edge("y1", "h1", "grad", rad=0.5)
        return

    if pattern == "encoder_decoder":
        total = steps + out_steps
        has_x = [t < steps for t in range(total)]
        has_y = [t >= steps for t in range(total)]
    else:
        total = steps
        has_x = [pattern != "one_to_many" or t == 0 for t in range(total)]
        has_y = [pattern != "many_to_one" or t == total - 1 for t in range(total)]

    for t in range(total):
        x = t * _DX
        graph.node(f"h{t + 1}", "h", x, _ROW["h"], sub("h", t + 1))
        if has_x[t]:
            graph.node(f"x{t + 1}", "x", x, _ROW["x"], sub("x", t + 1))
        if has_y[t]:
            label = sub("y", t + 1 - steps) if pattern == "encoder_decoder" else sub("y", t + 1)
            graph.node(f"y{t + 1}", "y", x, _ROW["y"], label)

    for t in range(total):
        h = f"h{t + 1}"
        if has_x[t]:
            graph.edge(f"x{t + 1}", h, "W", "W" if weights else None, label_offset=(0.22, -0.05))
        if t > 0:
            graph.edge(f"h{t}", h, "U", "U" if weights else None, label_offset=(0, 0.22))
        if has_y[t]:
            graph.edge(h, f"y{t + 1}", "V", "V" if weights else None, label_offset=(0.22, 0.05))
        if feedback and has_y[t] and t + 1 < total and not has_x[t + 1]:
            # generation: the output of step t is fed in as the input of step t+1
            graph.edge(f"y{t + 1}", f"h{t + 2}", "feedback", rad=-0.25, dashed=True)
    if backward:
        for t in range(total):
            if has_y[t]:
                graph.edge(f"y{t + 1}", f"h{t + 1}", "grad", rad=0.45, dashed=True)
            if t > 0:
                graph.edge(f"h{t + 1}", f"h{t}", "grad", rad=-0.55, dashed=True)


def draw_unrolled(
    pattern: str = "many_to_many",
    steps: int = 4,
    *,
    out_steps: int | None = None,
    weights: bool = True,
    feedback: bool = False,
    backward: bool = False,
    title: str | None = None,
) -> Figure:
    """Draw an RNN unrolled over time for one input/output pattern.

    Args:
        pattern: one of :data:`PATTERNS`: "one_to_one", "one_to_many", "many_to_one",
            "many_to_many" (aligned) or "encoder_decoder".
        steps: number of time steps T (for "encoder_decoder": the input length T_x); >= 1.
        out_steps: output length T_y of "encoder_decoder" (default ``steps``).
        weights: label each arrow with its weight matrix W, U or V.
        feedback: for "one_to_many" and "encoder_decoder", draw dashed arrows feeding each output
            back in as the next step's input (how such models generate).
        backward: add dashed purple arrows for the gradient flowing back in time (BPTT).
        title: axes title (default: the pattern's description).

    Returns:
        The figure. Node count: one_to_one 3; one_to_many and many_to_one 2T + 1;
        many_to_many 3T; encoder_decoder 2 (T_x + T_y).
    """
    func = "draw_unrolled"
    if pattern not in PATTERNS:
        raise ValueError(f"{func}: pattern must be one of {', '.join(PATTERNS)}, got {pattern!r}")
    steps = _check_steps(func, "steps", steps)
    out_steps = steps if out_steps is None else _check_steps(func, "out_steps", out_steps)
    total = 1 if pattern == "one_to_one" else steps + (out_steps if pattern == "encoder_decoder" else 0)
    fig, (ax,) = new_figure(width=min(MAX_WIDTH, max(2.4, 1.05 * total + 1.2)), height=3.2)
    with course_style():
        clean_axes(ax)
        graph = _Graph(ax)
        _draw_pattern(graph, pattern, steps, out_steps, weights, feedback, backward)
        graph.fit()
        ax.set_title(title if title is not None else pattern.replace("_", "-") + ": " + PATTERNS[pattern],
                     fontsize=10)
    return fig


#: The panels of :func:`draw_patterns`: pattern, title and an example task from the lectures.
_PATTERN_PANELS: tuple[tuple[str, str, str], ...] = (
    ("one_to_one", "one-to-one", "fixed size\nin and out"),
    ("one_to_many", "one-to-many", "music generation"),
    ("many_to_one", "many-to-one", "sentiment classification"),
    ("encoder_decoder", "many-to-many, $T_x \\neq T_y$", "machine translation"),
    ("many_to_many", "many-to-many, $T_x = T_y$", "named entity recognition"),
)


def draw_patterns(steps: int = 3) -> Figure:
    """Draw the five input/output patterns of sequence models, in two rows to fit the column.

    Groups, left to right: one-to-one, one-to-many and many-to-one on the first row, then
    many-to-many with different lengths (encoder-decoder) and many-to-many aligned on the second,
    each with an example task below it. All groups share one axes, so every box has the same size
    and the gaps are equal.

    Args:
        steps: time steps per group (the encoder-decoder group reads ``steps`` and writes
            ``steps - 1``); >= 2.

    Returns:
        A figure with 1 axes. Node names are prefixed by the group index (``"0:x1"``,
        ``"1:h2"``...), so ``node_gids`` tells the groups apart.
    """
    steps = _check_steps("draw_patterns", "steps", steps, minimum=2)
    out = steps - 1
    columns = {"one_to_one": 1, "encoder_decoder": steps + out}
    gap = 2.3
    row_height = _ROW["y"] - _ROW["x"] + 2.4       # boxes, title above, task below
    rows = (_PATTERN_PANELS[:3], _PATTERN_PANELS[3:])
    row_widths = [sum((columns.get(p, steps) - 1) * _DX for p, _, _ in row) + gap * (len(row) - 1)
                  for row in rows]
    widest = max(row_widths)
    # 0.5 inch per unit keeps a box (0.62 units) around a 10-point label
    fig, (ax,) = new_figure(width=min(MAX_WIDTH, 0.5 * (widest + 1.4)), height=0.5 * 2 * row_height + 0.2)
    with course_style():
        clean_axes(ax)
        i = 0
        for r, (row, row_width) in enumerate(zip(rows, row_widths)):
            left = (widest - row_width) / 2                  # centre each row
            yoffset = -r * row_height
            for pattern, title, task in row:
                group = _Graph(ax, fontsize=10, offset=left, yoffset=yoffset, prefix=f"{i}:")
                _draw_pattern(group, pattern, steps, out, weights=False, feedback=False, backward=False)
                n = columns.get(pattern, steps)
                middle = left + (n - 1) * _DX / 2
                ax.text(middle, yoffset + _ROW["y"] + 0.55, title, ha="center", va="bottom", fontsize=10)
                ax.text(middle, yoffset + _ROW["x"] - 0.55, task, ha="center", va="top", fontsize=9,
                        style="italic", color="#555555")
                left += (n - 1) * _DX + gap
                i += 1
        ax.set_xlim(-0.7, widest + 0.7)
        ax.set_ylim(_ROW["x"] - 1.05 - row_height, _ROW["y"] + 1.05)
    return fig


def draw_folded_and_unrolled(steps: int = 3) -> Figure:
    """The recurrent neuron folded (a loop through U) and unrolled over ``steps`` steps.

    The unrolled graph labels every copy of W, U and V and colours them alike: the same three
    matrices are used at every step (weight sharing).

    Args:
        steps: time steps of the unrolled graph, >= 1.

    Returns:
        A figure with 2 axes: the folded cell (3 nodes, 3 arrows) and the unrolled graph
        (3T nodes, 3T - 1 arrows).
    """
    steps = _check_steps("draw_folded_and_unrolled", "steps", steps)
    unrolled_width = (steps - 1) * _DX + 1.3
    fig, axes = new_figure(ncols=2, width=min(MAX_WIDTH, 1.05 * steps + 3.2), height=3.3,
                           width_ratios=[2.4, unrolled_width])
    folded_ax, unrolled_ax = axes
    with course_style():
        for ax in axes:
            clean_axes(ax)
        folded = _Graph(folded_ax)
        folded.node("x", "x", 0, _ROW["x"], "$x_t$")
        folded.node("h", "h", 0, _ROW["h"], "$h_t$")
        folded.node("y", "y", 0, _ROW["y"], "$y_t$")
        folded.edge("x", "h", "W", "W", label_offset=(0.22, -0.05))
        folded.edge("h", "y", "V", "V", label_offset=(0.22, 0.05))
        # the recurrence: a loop that leaves h on the right and comes back into it
        hx, hy = folded.centres["h"]
        edge_x = hx + _BOX / 2
        loop_path = Path(
            [(edge_x, hy + 0.15), (hx + 1.3, hy + 0.75), (hx + 1.3, hy - 0.75), (edge_x + 0.02, hy - 0.15)],
            [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4],
        )
        loop = FancyArrowPatch(path=loop_path, arrowstyle="-|>", mutation_scale=12, linewidth=1.4,
                               color=WEIGHT_COLORS["U"], zorder=2)
        loop.set_gid("edge:U:h->h")
        folded_ax.add_patch(loop)
        folded_ax.text(hx + 1.12, hy, "U", ha="left", va="center", fontsize=9, color=WEIGHT_COLORS["U"])
        folded.fit()
        folded_ax.set_xlim(-0.9, 1.5)
        folded_ax.set_title("folded: a loop through U", fontsize=10)

        unrolled = _Graph(unrolled_ax)
        _draw_pattern(unrolled, "many_to_many", steps, steps, weights=True, feedback=False, backward=False)
        unrolled.fit()
        unrolled_ax.set_title("unrolled: the same W, U, V at every step", fontsize=10)
    return fig


def tbptt_windows(T: int, k1: int, k2: int) -> list[tuple[int, int, int]]:
    """The updates of TBPTT(k1, k2) over T steps as ``(start, first, end)`` triples.

    Update j ends at ``end = min((j + 1) k1, T)``, counts the losses of steps ``first = j k1``
    to ``end - 1`` and backpropagates to ``start = max(0, end - k2)`` (steps numbered from 0),
    the convention of ``course_pkg.reference.tbptt_gradients``.
    """
    func = "tbptt_windows"
    T, k1, k2 = (_check_steps(func, n, v) for n, v in (("T", T), ("k1", k1), ("k2", k2)))
    if k2 < k1:
        raise ValueError(f"{func}: k2 must be >= k1 = {k1}, got {k2}")
    windows = []
    for j, end in enumerate(range(k1, T + k1, k1)):
        end = min(end, T)
        windows.append((max(0, end - k2), j * k1, end))
    return windows


def draw_tbptt(T: int = 12, k1: int = 3, k2: int = 6) -> Figure:
    """Truncated BPTT as a timeline: one row per update of TBPTT(k1, k2).

    Each row shows the T time steps as small boxes. Steps whose losses the update counts are
    filled dark purple, the other steps its gradient flows back through are light purple, and
    the steps before the window are grey (the hidden state entering the window is a constant).
    A purple arrow spans the backward window.

    Args:
        T: sequence length, >= 1.
        k1: steps between updates, >= 1.
        k2: steps backpropagated, >= k1.

    Returns:
        A figure with one axes; one row of T boxes (``gid`` ``"step:<update>:<t>"``) per update,
        ``ceil(T / k1)`` rows.
    """
    windows = tbptt_windows(T, k1, k2)
    rows = len(windows)
    fig, (ax,) = new_figure(width=MAX_WIDTH, height=0.5 * rows + 1.9)
    grad = WEIGHT_COLORS["grad"]
    with course_style():
        ax.set_axis_off()
        for j, (start, first, end) in enumerate(windows):
            y = rows - 1 - j
            for t in range(T):
                if first <= t < end:
                    face = grad
                elif start <= t < end:
                    face = "#d7bde2"
                elif t < end:
                    face = "#eeeeee"
                else:
                    face = "white"
                box = FancyBboxPatch((t + 0.1, y + 0.15), 0.8, 0.7, boxstyle="round,pad=0.0,rounding_size=0.1",
                                     facecolor=face, edgecolor="#999999", linewidth=0.8)
                box.set_gid(f"step:{j}:{t}")
                ax.add_patch(box)
            arrow = FancyArrowPatch(posA=(end - 0.1, y + 0.5), posB=(start + 0.1, y + 0.5),
                                    arrowstyle="-|>", mutation_scale=10, color="black", linewidth=1.0)
            arrow.set_gid(f"edge:grad:update{j}")
            ax.add_patch(arrow)
            ax.text(-0.3, y + 0.5, f"update {j + 1}", ha="right", va="center", fontsize=9)
        for t in range(T):
            ax.text(t + 0.5, rows + 0.1, str(t + 1), ha="center", va="bottom", fontsize=9, color="#555555")
        ax.text(T / 2, rows + 0.65, "time step", ha="center", va="bottom", fontsize=9)
        ax.set_xlim(-2.2, T + 0.2)
        ax.set_ylim(-0.1, rows + 1.1)
        ax.set_title(f"TBPTT(k1={k1}, k2={k2}) over T = {T} steps", fontsize=10)
        legend = [
            Patch(facecolor=grad, edgecolor="#999999", label="losses counted by the update"),
            Patch(facecolor="#d7bde2", edgecolor="#999999", label="gradient flows back through"),
            Patch(facecolor="#eeeeee", edgecolor="#999999", label="before the window: state is a constant"),
        ]
        ax.legend(handles=legend, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncols=2, fontsize=9,
                  handlelength=1.2)
    return fig


def node_gids(fig: Figure) -> list[str]:
    """The gids of every diagram node (``"node:<kind>:<name>"``) in ``fig``, axes by axes."""
    return [p.get_gid() for ax in fig.axes for p in ax.patches if (p.get_gid() or "").startswith("node:")]


def edge_gids(fig: Figure) -> list[str]:
    """The gids of every diagram arrow (``"edge:<weight>:<src>-><dst>"``) in ``fig``."""
    return [p.get_gid() for ax in fig.axes for p in ax.patches if (p.get_gid() or "").startswith("edge:")]
