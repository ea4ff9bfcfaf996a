"""Every figure of the book is drawn for the column: at most MAX_WIDTH inches wide, no glyph below
MIN_FONT_SIZE points, and shown in a notebook as SVG whose text stays text (the site's browser test
reads those sizes back from the pages)."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_pkg import plots  # noqa: E402
from course_pkg.experiments.exploding import exploding_vs_clipped  # noqa: E402
from course_pkg.plots.style import (  # noqa: E402
    MAX_WIDTH,
    MIN_FONT_SIZE,
    RC,
    figure_svg,
    new_figure,
    svg_text_sizes,
    text_sizes,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


RNG = np.random.default_rng(0)
T = 140                                   # the LSTM page plots a passage of 140 characters
PASSAGE = list(("in my purse, and nothing particular to interest me on shore, I thought I would sail "
                "about a little and see the watery part of the world. It is a way I have")[:T])
GATES = {name: RNG.random((T, 8)) for name in "ifo"}
CELL = np.cumsum(RNG.normal(size=(T, 8)), axis=0)
DISTANCE = np.arange(60)
BOB = "Bob likes apples . Every morning , on his way to the office , he eats one".split()
BEIJING = "We arrive in Beijing on Monday ; after a long week of meetings we will land".split()

# Each figure as a page of the book draws it (same sizes of input), by the page that shows it.
BOOK_FIGURES = {
    "why_sequences: patterns": lambda: plots.draw_patterns(steps=3),
    "recurrence: folded and unrolled": lambda: plots.draw_folded_and_unrolled(steps=3),
    "unfolding: one-to-many": lambda: plots.draw_unrolled("one_to_many", steps=4, feedback=True),
    "unfolding: encoder-decoder": lambda: plots.draw_unrolled("encoder_decoder", 3, out_steps=2, feedback=True),
    "bptt: tbptt": lambda: plots.draw_tbptt(T=12, k1=3, k2=6),
    "bptt: gradient norms": lambda: plots.plot_gradient_norms(
        {f"rho = {r}": r ** DISTANCE + 1e-30 for r in (0.5, 0.9, 1.0, 1.1, 1.5)},
        {f"rho = {r}": (0.8 * r) ** DISTANCE + 1e-30 for r in (0.5, 0.9, 1.0, 1.1, 1.5)},
        titles=["linear activation", "tanh activation"]),
    "bptt: clipping": lambda: plots.plot_clipping(
        RNG.random(300) * 20 + 0.1, {"global norm": np.ones(300), "by value": np.ones(300) / 2}, 1.0,
        cosines={"global norm": np.ones(300), "by value": RNG.random(300)}),
    "char_lm: loss": lambda: plots.plot_loss_curve(np.linspace(4.1, 1.6, 3000), window=50, baseline=4.1),
    "long_term_dependencies: Bob": lambda: plots.draw_dependencies(BOB, [(0, 14, "who?"), (0, 15, "which verb form?")]),
    "long_term_dependencies: Beijing": lambda: plots.draw_dependencies(BEIJING, [(1, 15, "land or take off?")]),
    "lstm: cell": lambda: plots.draw_lstm_cell(),
    "lstm: input gate": lambda: plots.plot_gate_traces({"i": GATES["i"]}, units=[3, 0, 5], labels=PASSAGE),
    "lstm: cell and hidden state": lambda: plots.plot_gate_traces(
        {"c": CELL, "h": np.tanh(CELL)}, units=[3, 0, 5], labels=PASSAGE),
    "lstm: heat map": lambda: plots.plot_gate_heatmap({**GATES, "c": CELL}, labels=PASSAGE),
    "lstm_variants: peephole": lambda: plots.draw_lstm_cell("peephole"),
    "lstm_variants: coupled": lambda: plots.draw_lstm_cell("coupled"),
    "gru: keras": lambda: plots.draw_gru_cell("keras"),
    "gru: lectures": lambda: plots.draw_gru_cell("lectures"),
    "deep_bidirectional: deep": lambda: plots.draw_deep_rnn(layers=3, steps=4),
    "deep_bidirectional: bidirectional": lambda: plots.draw_bidirectional(steps=4),
    "other_designs: clockwork": lambda: plots.plot_clockwork_schedule((1, 2, 4, 8, 16), steps=32),
    "reproductions: final scores": lambda: plots.plot_final_scores(
        {"T = 50": {"tanh RNN": [0.16, 0.17], "LSTM": [1e-3, 2e-3]}}, baseline=1 / 6, solved=0.01),
    "reproductions: learning curves": lambda: plots.plot_learning_curves(
        {"b_f = 1": [[0.2, 0.01, 0.001]], "b_f = 0": [[0.2, 0.17, 0.16]]}, 100, baseline=1 / 6, solved=0.01,
        title="Forget-gate bias, adding problem, T = 20"),
    "lecture_claims: explosion": lambda: plots.plot_explosion(exploding_vs_clipped(steps=30), steps=30),
    "lecture_claims: dilations": lambda: plots.plot_dilations((1, 2, 4, 8), T=16),
    "lecture_claims: teddy": lambda: plots.plot_teddy(
        {kind: {"teddy_person_prob": {"before a surname": 0.5, "before bear(s)": 0.5}}
         for kind in ("unidirectional", "bidirectional")}),
}


def svg_width_inches(svg: str) -> float:
    match = re.search(r'<svg[^>]* width="([0-9.]+)pt"', svg)
    assert match, "the SVG has no width in points"
    return float(match.group(1)) / 72


@pytest.mark.parametrize("name", list(BOOK_FIGURES))
def test_book_figures_fit_the_column_with_readable_text(name):
    fig = BOOK_FIGURES[name]()
    assert fig.get_size_inches()[0] <= MAX_WIDTH + 1e-9
    svg = figure_svg(fig)
    # the tight bounding box may add the labels' overhang, never more than a few points
    assert svg_width_inches(svg) <= MAX_WIDTH + 0.2, f"{name}: {svg_width_inches(svg):.2f} in wide"
    smallest, text = svg_text_sizes(svg)[0]
    assert smallest >= MIN_FONT_SIZE, f"{name}: {text!r} is drawn at {smallest} pt"


def test_the_floor_renders_at_least_9_css_px_in_the_column():
    # A figure at most MAX_WIDTH wide is shown at its own size in the 757 px column at 1366 px:
    # one point is 4/3 CSS px.
    assert MAX_WIDTH * 96 <= 757
    assert MIN_FONT_SIZE * 4 / 3 >= 9.0
    # every label of the style is at least 9 points, so that its subscripts stay at MIN_FONT_SIZE
    for key in ("font.size", "axes.titlesize", "axes.labelsize", "xtick.labelsize", "ytick.labelsize",
                "legend.fontsize", "figure.titlesize"):
        assert RC[key] >= 9, key
    assert RC["svg.fonttype"] == "none"


def test_text_sizes_counts_subscripts_and_tick_labels():
    fig, (ax,) = new_figure(width=3.0, height=2.0)
    ax.set_ylabel("cell $c_t$", fontsize=10)
    ax.set_xticks([0, 1])
    sizes = dict((text, size) for size, text in text_sizes(fig))
    assert sizes["0"] == 10.0                                 # tick labels: the style's 10 points
    assert min(size for size, text in text_sizes(fig) if "c" in text) == pytest.approx(7.0)  # subscript


def test_new_figure_refuses_a_figure_wider_than_the_column():
    with pytest.raises(ValueError, match=r"width must be in \(0, 7.5\] inches .* got 12.0"):
        new_figure(width=12.0)


def test_gate_traces_wrap_a_long_passage_onto_rows_of_readable_characters():
    fig = plots.plot_gate_traces({"c": CELL, "h": np.tanh(CELL)}, units=[0, 1], labels=PASSAGE)
    assert len(fig.axes) == 3 * 2                             # 3 rows of 47, 47, 46 characters
    rows = [[t.get_text() for t in ax.get_xticklabels()] for ax in fig.axes[1::2]]
    assert [len(row) for row in rows] == [47, 47, 46]
    assert "".join(rows[0] + rows[1] + rows[2]) == "".join(PASSAGE).replace(" ", "␣")
    # the same scale on every row, so rows compare; the lines follow the steps of their row
    assert fig.axes[0].get_ylim() == fig.axes[2].get_ylim() == fig.axes[4].get_ylim()
    np.testing.assert_allclose(fig.axes[2].lines[1].get_ydata(), CELL[47:94, 1])
    fig = plots.plot_gate_traces({"f": GATES["f"]}, units=[0], labels=PASSAGE, per_row=70)
    assert len(fig.axes) == 2
    with pytest.raises(ValueError, match="per_row must be a positive integer, got 0"):
        plots.plot_gate_traces({"f": GATES["f"]}, per_row=0)


def test_gate_heatmap_wraps_and_shows_one_colour_bar_per_trace():
    fig = plots.plot_gate_heatmap({"i": GATES["i"], "c": CELL}, labels=PASSAGE)
    images = [ax for ax in fig.axes if ax.images]
    assert len(images) == 3 * 2
    assert len(fig.axes) == 3 * 2 + 2
    assert images[2].images[0].get_array().shape == (8, 47)


def test_dependencies_refuse_a_sentence_wider_than_the_column():
    with pytest.raises(ValueError, match="more than the column's 7.3; give a shorter sentence"):
        plots.draw_dependencies(BOB * 2, [(0, 20, "far")])


def test_notebooks_show_figures_as_svg_with_text_kept_as_text():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        fig = plots.plot_loss_curve([3.0, 2.0, 1.0])
        data, _ = shell.display_formatter.format(fig)
    finally:
        InteractiveShell.clear_instance()
    assert "image/png" not in data
    svg = data["image/svg+xml"]
    assert "<text" in svg and "<dc:date>" not in svg
    assert svg_text_sizes(svg)[0][0] >= MIN_FONT_SIZE
