"""Diagrams of the inside of one gated cell: the LSTM (and its peephole / coupled variants) and the GRU.

Each diagram is one step of the cell. Paths of the carried state (c for the LSTM, h for the GRU)
run along the top, the inputs h_{t-1} and x_t enter at the bottom left, and every gate is a box
(sigmoid gates and tanh layers) or a circle (pointwise operations ``*``, ``+``, ``1-``).

Every element carries a ``gid`` so that a test or a reader can count what was drawn (the same
prefixes as ``unrolled.node_gids`` / ``unrolled.edge_gids`` read):

- boxes and circles: ``"node:<kind>:<name>"``, kind ``gate`` (sigmoid), ``tanh``, ``op`` (pointwise
  operation) or ``io`` (an input or output of the step);
- arrows: ``"edge:<kind>:<src>-><dst>"``, kind ``state`` (the carried state), ``data`` (inputs and
  gate values) or ``peephole``.

Example:
    >>> fig = draw_lstm_cell()
    >>> sorted(g for g in node_gids(fig) if g.startswith("node:gate"))
    ['node:gate:f', 'node:gate:i', 'node:gate:o']
"""

from __future__ import annotations

from dataclasses import dataclass, field

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch
from matplotlib.path import Path

from .style import COLORS, MAX_WIDTH, NODE_COLORS, WEIGHT_COLORS, clean_axes, course_style, new_figure
from .unrolled import edge_gids, node_gids

__all__ = ["LSTM_DIAGRAMS", "GRU_CONVENTIONS", "draw_lstm_cell", "draw_gru_cell", "node_gids", "edge_gids"]

#: The LSTM diagrams ``draw_lstm_cell`` knows.
LSTM_DIAGRAMS: tuple[str, ...] = ("vanilla", "peephole", "coupled")

#: The GRU conventions ``draw_gru_cell`` knows: Keras's z (keeps the old state) and the lectures'
#: Gamma_u (takes the candidate), Gamma_u = 1 - z.
GRU_CONVENTIONS: tuple[str, ...] = ("keras", "lectures")

_FILL = {
    "gate": "#fbe3b5",
    "tanh": "#d6eaf8",
    "op": "#ffffff",
    "io": NODE_COLORS["h"],
}
_EDGE = {"state": COLORS["text"], "data": "#566573", "peephole": WEIGHT_COLORS["grad"]}


@dataclass
class _Sketch:
    """One cell diagram being drawn on an axes: named anchors, then boxes, circles and arrows."""

    ax: Axes
    at: dict[str, tuple[float, float]] = field(default_factory=dict)
    half: dict[str, tuple[float, float]] = field(default_factory=dict)   # half width, half height

    def box(self, name: str, kind: str, xy: tuple[float, float], label: str, width: float = 0.9) -> None:
        x, y = xy
        patch = FancyBboxPatch((x - width / 2, y - 0.3), width, 0.6,
                               boxstyle="round,pad=0.02,rounding_size=0.1",
                               facecolor=_FILL[kind], edgecolor=COLORS["text"], linewidth=1.0, zorder=3)
        patch.set_gid(f"node:{kind}:{name}")
        self.ax.add_patch(patch)
        self.ax.text(x, y, label, ha="center", va="center", fontsize=10, zorder=4)
        self.at[name], self.half[name] = xy, (width / 2, 0.3)

    def circle(self, name: str, xy: tuple[float, float], label: str, kind: str = "op") -> None:
        radius = 0.38 if kind == "io" else 0.34 if len(label) > 2 else 0.27      # room for "tanh"
        patch = Circle(xy, radius, facecolor=_FILL[kind], edgecolor=COLORS["text"], linewidth=1.0, zorder=3)
        patch.set_gid(f"node:{kind}:{name}")
        self.ax.add_patch(patch)
        self.ax.text(*xy, label, ha="center", va="center", fontsize=10, zorder=4)
        self.at[name], self.half[name] = xy, (radius, radius)

    def join(self, name: str, xy: tuple[float, float]) -> None:
        """A dot where one line meets another (arrows may end there)."""
        self.ax.plot(*xy, marker="o", markersize=3.5, color=_EDGE["data"], zorder=3)
        self.at[name], self.half[name] = xy, (0.0, 0.0)

    def _trim(self, name: str, point: tuple[float, float], toward: tuple[float, float]) -> tuple[float, float]:
        """Move ``point`` (the centre of ``name``) to the edge of its shape, toward ``toward``."""
        (x, y), (tx, ty) = point, toward
        hw, hh = self.half[name]
        if abs(tx - x) >= abs(ty - y):
            return (x + (hw if tx > x else -hw), y)
        return (x, y + (hh if ty > y else -hh))

    def arrow(self, src: str, dst: str, kind: str = "data", via: tuple[tuple[float, float], ...] = (),
              label: str | None = None) -> None:
        """An arrow from ``src`` to ``dst`` through the corner points ``via`` (right angles)."""
        points = [self.at[src], *via, self.at[dst]]
        points[0] = self._trim(src, points[0], points[1])
        points[-1] = self._trim(dst, points[-1], points[-2])
        path = Path(points, [Path.MOVETO] + [Path.LINETO] * (len(points) - 1))
        patch = FancyArrowPatch(path=path, arrowstyle="-|>", mutation_scale=11,
                                linewidth=1.8 if kind == "state" else 1.2, color=_EDGE[kind],
                                linestyle="--" if kind == "peephole" else "-",
                                shrinkA=0, shrinkB=0, zorder=2)
        patch.set_gid(f"edge:{kind}:{src}->{dst}")
        self.ax.add_patch(patch)
        if label:
            (xa, ya), (xb, yb) = points[-2], points[-1]
            self.ax.text((xa + xb) / 2 + 0.12, (ya + yb) / 2, label, fontsize=10, color=_EDGE[kind],
                         ha="left", va="center", zorder=4)

    def frame(self, x0: float, y0: float, x1: float, y1: float) -> None:
        patch = FancyBboxPatch((x0, y0), x1 - x0, y1 - y0, boxstyle="round,pad=0.05,rounding_size=0.3",
                               facecolor="#f7f9f9", edgecolor="#aab7b8", linewidth=1.0, zorder=0)
        self.ax.add_patch(patch)


def _check_choice(func: str, name: str, value: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ValueError(f"{func}: {name} must be one of {list(choices)}, got {value!r}")
    return value


def _start(title: str | None, width: float) -> tuple[Figure, _Sketch]:
    fig, (ax,) = new_figure(width=width, height=4.6)
    with course_style():
        clean_axes(ax)
        ax.set_xlim(-1.3, 10.6)
        ax.set_ylim(-1.2, 6.6)
        if title:
            ax.set_title(title)
    return fig, _Sketch(ax)


def draw_lstm_cell(variant: str = "vanilla", *, title: str | None = None) -> Figure:
    """One LSTM step: c_{t-1} -> c_t along the top, gates i, f, o and the candidate g below.

    Equations drawn (Keras's names; ``*`` is elementwise)::

        f_t = sigmoid(.)   i_t = sigmoid(.)   g_t = tanh(.)   o_t = sigmoid(.)
        c_t = f_t * c_{t-1} + i_t * g_t       h_t = o_t * tanh(c_t)

    Args:
        variant: "vanilla"; "peephole" (dashed arrows from the cell state into f, i and o: f and i
            see c_{t-1}, o sees c_t); or "coupled" (no input gate: i_t = 1 - f_t, a ``1-`` node).
        title: optional title.

    Returns:
        A figure with one axes. Gates (``node:gate:*``): f, i, o, or f, o for "coupled". Candidate
        and output squashing: ``node:tanh:g``, ``node:tanh:tanh_c``. Peephole arrows:
        ``edge:peephole:*`` (three for "peephole", none otherwise).
    """
    func = "draw_lstm_cell"
    _check_choice(func, "variant", variant, LSTM_DIAGRAMS)
    fig, s = _start(title if title is not None else f"LSTM cell ({variant})", width=MAX_WIDTH)
    top, bus = 5.0, 0.6
    with course_style():
        s.frame(-0.3, -0.2, 9.3, 5.8)
        s.circle("c_prev", (-0.9, top), "$c_{t-1}$", kind="io")
        s.circle("h_prev", (-0.9, bus), "$h_{t-1}$", kind="io")
        s.circle("x", (0.6, -0.8), "$x_t$", kind="io")
        s.circle("c", (10.1, top), "$c_t$", kind="io")
        s.circle("h", (10.1, bus), "$h_t$", kind="io")
        s.circle("h_up", (8.2, 6.3), "$h_t$", kind="io")
        # pointwise operations on the cell-state path
        s.circle("mul_f", (1.6, top), r"$\times$")
        s.circle("add", (4.6, top), "$+$")
        s.circle("mul_i", (4.6, 3.4), r"$\times$")
        s.circle("tanh_c", (7.2, 3.6), "tanh", kind="tanh")
        s.circle("mul_o", (7.2, 2.0), r"$\times$")
        # gate layers on the bus
        s.box("f", "gate", (1.6, 2.0), r"$\sigma$: $f_t$")
        if variant == "coupled":
            s.circle("one_minus", (3.1, 3.4), r"$1-$")
        else:
            s.box("i", "gate", (3.1, 2.0), r"$\sigma$: $i_t$")
        s.box("g", "tanh", (4.6, 2.0), r"tanh: $g_t$", width=1.1)
        s.box("o", "gate", (6.0, 2.0), r"$\sigma$: $o_t$")

        s.arrow("c_prev", "mul_f", "state")
        s.arrow("mul_f", "add", "state")
        s.arrow("add", "c", "state")
        s.arrow("f", "mul_f", label="$f_t$")
        if variant == "coupled":
            s.arrow("f", "one_minus", via=((1.6, 2.7), (3.1, 2.7)))
            s.arrow("one_minus", "mul_i", label=None)
        else:
            s.arrow("i", "mul_i", via=((3.1, 3.4),), label="$i_t$")
        s.arrow("g", "mul_i", label="$g_t$")
        s.arrow("mul_i", "add")
        s.arrow("add", "tanh_c", via=((5.6, top), (5.6, 4.4), (7.2, 4.4)))
        s.arrow("tanh_c", "mul_o")
        s.arrow("o", "mul_o")
        s.arrow("mul_o", "h", via=((7.2, bus),), kind="state")
        s.arrow("mul_o", "h_up", via=((8.2, 2.0),))
        # inputs: h_{t-1} and x_t join on the bus and feed every gate layer
        gates = ["f", "g", "o"] if variant == "coupled" else ["f", "i", "g", "o"]
        for gate in gates:
            gx = s.at[gate][0]
            s.arrow("h_prev", gate, via=((gx, bus),))
        s.join("join", (0.6, bus))
        s.arrow("x", "join")
        if variant == "peephole":
            s.arrow("c_prev", "f", "peephole", via=((0.2, top), (0.2, 2.0)))
            s.arrow("c_prev", "i", "peephole", via=((0.2, top), (0.2, 4.2), (2.7, 4.2), (2.7, 2.0)))
            s.arrow("add", "o", "peephole", via=((5.35, top), (5.35, 2.9), (6.0, 2.9)))
        s.ax.text(2.0, bus - 0.35, "$h_{t-1}$ and $x_t$ feed every gate", fontsize=10, color=_EDGE["data"])
    return fig


def draw_gru_cell(convention: str = "keras", *, title: str | None = None) -> Figure:
    """One GRU step: h_{t-1} -> h_t along the top, the update gate, the reset gate and the candidate.

    Args:
        convention: "keras" draws h_t = z_t * h_{t-1} + (1 - z_t) * hh_t (z keeps the old state,
            Keras and Cho et al. 2014); "lectures" draws h_t = Gamma_u * hh_t + (1 - Gamma_u) * h_{t-1}
            (the gate takes the candidate). The ``1-`` node moves to the other branch.
        title: optional title.

    Returns:
        A figure with one axes. Gates ``node:gate:r`` and ``node:gate:z`` (named ``u`` for
        "lectures"), the candidate ``node:tanh:hh`` and pointwise operations ``node:op:*``.
    """
    func = "draw_gru_cell"
    _check_choice(func, "convention", convention, GRU_CONVENTIONS)
    keras_form = convention == "keras"
    update, label = ("z", "z_t") if keras_form else ("u", r"\Gamma_u")
    default = "GRU cell (Keras: $z$ keeps $h_{t-1}$)" if keras_form else \
        r"GRU cell (lectures: $\Gamma_u$ takes $\tilde h_t$)"
    fig, s = _start(title if title is not None else default, width=MAX_WIDTH)
    top, bus = 5.0, 0.6
    with course_style():
        s.frame(-0.3, -0.2, 9.3, 5.8)
        s.circle("h_prev", (-0.9, top), "$h_{t-1}$", kind="io")
        s.circle("x", (0.6, -0.8), "$x_t$", kind="io")
        s.circle("h", (10.1, top), "$h_t$", kind="io")
        s.circle("mul_old", (5.2, top), r"$\times$")
        s.circle("add", (7.6, top), "$+$")
        s.circle("mul_new", (7.6, 3.6), r"$\times$")
        s.circle("mul_r", (1.2, 3.6), r"$\times$")
        s.circle("one_minus", (6.4, 3.6) if keras_form else (5.2, 4.2), r"$1-$")
        s.box("r", "gate", (1.2, 2.0), r"$\sigma$: $r_t$")
        s.box("hh", "tanh", (3.2, 2.0), r"tanh: $\tilde h_t$", width=1.1)
        s.box(update, "gate", (5.2, 2.0), rf"$\sigma$: ${label}$")

        s.arrow("h_prev", "mul_old", "state")
        s.arrow("mul_old", "add", "state")
        s.arrow("add", "h", "state")
        # the reset gate scales h_{t-1} before it enters the candidate
        s.arrow("h_prev", "mul_r", via=((0.3, top), (0.3, 3.6)))
        s.arrow("r", "mul_r", label="$r_t$")
        s.arrow("mul_r", "hh", via=((3.2, 3.6),))
        s.arrow("hh", "mul_new", via=((4.2, 2.0), (4.2, 2.8), (7.6, 2.8)), label=r"$\tilde h_t$")
        s.arrow("mul_new", "add")
        if keras_form:                              # z keeps h_{t-1}; 1 - z takes the candidate
            s.arrow(update, "mul_old", label=f"${label}$")
            s.arrow(update, "one_minus", via=((5.2, 3.6),))
            s.arrow("one_minus", "mul_new")
        else:                                       # Gamma_u takes the candidate; 1 - Gamma_u keeps h_{t-1}
            s.arrow(update, "one_minus", label=f"${label}$")
            s.arrow("one_minus", "mul_old")
            s.arrow(update, "mul_new", via=((5.2, 3.6),))
        s.join("join", (0.6, bus))
        for gate in ("r", "hh", update):
            s.arrow("h_prev", gate, via=((-0.9, bus), (s.at[gate][0], bus)))
        s.arrow("x", "join")
        s.ax.text(2.0, bus - 0.35, "$h_{t-1}$ and $x_t$ feed every gate", fontsize=10, color=_EDGE["data"])
    return fig
