"""The gate, cell-diagram, architecture and dependency figures draw what their docstrings promise."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from course_pkg import plots  # noqa: E402
from course_pkg.plots import edge_gids, node_gids  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def count(gids: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for gid in gids:
        kind = gid.split(":")[1]
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def names(fig: Figure, kind: str) -> list[str]:
    return sorted(gid.split(":")[2] for gid in node_gids(fig) if gid.split(":")[1] == kind)


# ------------------------------------------------------------------------------------ gate traces

def traces(T=12, H=5, seed=0):
    rng = np.random.default_rng(seed)
    return {"i": rng.random((T, H)), "f": rng.random((T, H)), "c": 3 * rng.normal(size=(T, H))}


def test_gate_traces_draw_one_panel_per_gate_and_one_line_per_unit():
    fig = plots.plot_gate_traces(traces(), units=[0, 2, 4], labels=list("call me ishm"))
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 3
    assert [len(ax.lines) for ax in fig.axes] == [3, 3, 3]
    np.testing.assert_allclose(fig.axes[1].lines[1].get_ydata(), traces()["f"][:, 2])
    assert fig.axes[0].get_ylim() == (-0.05, 1.05)               # a gate: range [0, 1]
    assert fig.axes[2].get_ylim() != (-0.05, 1.05)               # the cell state is not a gate
    ticks = [t.get_text() for t in fig.axes[-1].get_xticklabels()]
    assert ticks == ["c", "a", "l", "l", "␣", "m", "e", "␣", "i", "s", "h", "m"]
    assert fig.axes[0].get_ylabel() == "input gate $i_t$"


def test_gate_traces_reject_bad_shapes_units_and_labels():
    with pytest.raises(ValueError, match=r"traces\['f'\] must have shape \(T, H\), got \(12,\)"):
        plots.plot_gate_traces({"f": np.zeros(12)})
    with pytest.raises(ValueError, match="same T = 12"):
        plots.plot_gate_traces({"i": np.zeros((12, 3)), "f": np.zeros((11, 3))})
    with pytest.raises(ValueError, match=r"units must be .* in \[0, 5\), got \[5\]"):
        plots.plot_gate_traces(traces(), units=[5])
    with pytest.raises(ValueError, match=r"one entry per time step \(T = 12\), got 3"):
        plots.plot_gate_traces(traces(), labels="abc")
    with pytest.raises(ValueError, match="at least one name"):
        plots.plot_gate_traces({})


def test_gate_heatmap_draws_every_unit_of_every_gate():
    tr = traces(T=20, H=7)
    fig = plots.plot_gate_heatmap(tr)
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(images) == 3                                      # plus three colour bars
    assert images[0].get_array().shape == (7, 20)                # units x time
    assert images[0].get_clim() == (0.0, 1.0)
    m = np.abs(tr["c"]).max()
    assert images[2].get_clim() == pytest.approx((-m, m))


# ---------------------------------------------------------------------------------- cell diagrams

@pytest.mark.parametrize(
    "variant, gates, ops, peepholes",
    [
        ("vanilla", ["f", "i", "o"], ["add", "mul_f", "mul_i", "mul_o"], 0),
        ("peephole", ["f", "i", "o"], ["add", "mul_f", "mul_i", "mul_o"], 3),
        ("coupled", ["f", "o"], ["add", "mul_f", "mul_i", "mul_o", "one_minus"], 0),
    ],
)
def test_lstm_cell_diagram_has_the_gates_of_its_variant(variant, gates, ops, peepholes):
    fig = plots.draw_lstm_cell(variant)
    assert names(fig, "gate") == gates
    assert names(fig, "op") == ops
    assert names(fig, "tanh") == ["g", "tanh_c"]
    edges = count(edge_gids(fig))
    assert edges.get("peephole", 0) == peepholes
    assert edges["state"] == 4                      # c_{t-1} -> x -> + -> c_t, and h_t out
    assert f"LSTM cell ({variant})" == fig.axes[0].get_title()


def test_gru_cell_diagram_moves_one_minus_with_the_convention():
    keras_fig = plots.draw_gru_cell("keras")
    lectures_fig = plots.draw_gru_cell("lectures")
    assert names(keras_fig, "gate") == ["r", "z"]
    assert names(lectures_fig, "gate") == ["r", "u"]
    keras_edges, lecture_edges = set(edge_gids(keras_fig)), set(edge_gids(lectures_fig))
    # Keras: z keeps h_{t-1}, 1 - z weights the candidate; lectures: the other way round
    assert {"edge:data:z->mul_old", "edge:data:one_minus->mul_new"} <= keras_edges
    assert {"edge:data:one_minus->mul_old", "edge:data:u->mul_new"} <= lecture_edges
    assert "edge:data:z->mul_new" not in keras_edges


def test_cell_diagrams_reject_unknown_names():
    with pytest.raises(ValueError, match=r"variant must be one of \['vanilla', 'peephole', 'coupled'\], got 'gru'"):
        plots.draw_lstm_cell("gru")
    with pytest.raises(ValueError, match=r"convention must be one of \['keras', 'lectures'\], got 'cho'"):
        plots.draw_gru_cell("cho")


# ---------------------------------------------------------------------------------- architectures

@pytest.mark.parametrize("layers, steps", [(1, 1), (2, 3), (3, 4)])
def test_deep_rnn_counts_nodes_and_arrows(layers, steps):
    fig = plots.draw_deep_rnn(layers, steps)
    assert count(node_gids(fig)) == {"x": steps, "h": layers * steps, "y": steps}
    edges = count(edge_gids(fig))
    assert edges["W"] == layers * steps
    assert edges.get("U", 0) == layers * (steps - 1)
    assert edges["V"] == steps


def test_bidirectional_has_a_chain_in_each_direction():
    fig = plots.draw_bidirectional(4)
    assert count(node_gids(fig)) == {"x": 4, "h": 8, "y": 4}
    recurrent = [g for g in edge_gids(fig) if g.startswith("edge:U:")]
    assert sorted(recurrent) == sorted(
        [f"edge:U:f{t}->f{t + 1}" for t in (1, 2, 3)] + [f"edge:U:b{t + 1}->b{t}" for t in (1, 2, 3)]
    )
    assert count(edge_gids(fig)) == {"W": 8, "U": 6, "V": 8}


def test_clockwork_schedule_marks_when_each_module_updates():
    fig = plots.plot_clockwork_schedule([1, 2, 4], steps=8)
    active = fig.axes[0].images[0].get_array()
    np.testing.assert_array_equal(active, [[1] * 8, [1, 0] * 4, [1, 0, 0, 0] * 2])
    with pytest.raises(ValueError, match=r"periods\[1\] must be an integer >= 1, got 0"):
        plots.plot_clockwork_schedule([1, 0])
    with pytest.raises(ValueError, match="layers must be an integer >= 1, got 0"):
        plots.draw_deep_rnn(0)


def test_dependencies_draw_one_arc_per_dependency():
    words = "Bob likes apples , he eats one".split()
    fig = plots.draw_dependencies(words, [(0, 4, "who?"), (0, 5, "verb form")])
    assert edge_gids(fig) == ["edge:dep:0->4", "edge:dep:0->5"]
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "who? (4 tokens back)" in texts and "verb form (5 tokens back)" in texts
    assert [t.get_fontweight() for t in fig.axes[0].texts[:5]] == ["bold", "normal", "normal", "normal", "bold"]
    with pytest.raises(ValueError, match=r"arcs\[0\] must have 0 <= source < target < 7, got \(4, 2\)"):
        plots.draw_dependencies(words, [(4, 2, "back")])
