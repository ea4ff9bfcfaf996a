"""Every figure function returns a Figure with the right number of nodes, arrows, lines and axes."""

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


def kinds(fig: Figure) -> dict[str, int]:
    counts: dict[str, int] = {}
    for gid in node_gids(fig):
        kind = gid.split(":")[1]
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def weights(fig: Figure) -> dict[str, int]:
    counts: dict[str, int] = {}
    for gid in edge_gids(fig):
        weight = gid.split(":")[1]
        counts[weight] = counts.get(weight, 0) + 1
    return counts


@pytest.mark.parametrize(
    "pattern, steps, out_steps, nodes, edges",
    [
        ("one_to_one", 4, None, {"x": 1, "h": 1, "y": 1}, {"W": 1, "V": 1}),
        ("one_to_many", 4, None, {"x": 1, "h": 4, "y": 4}, {"W": 1, "U": 3, "V": 4}),
        ("many_to_one", 4, None, {"x": 4, "h": 4, "y": 1}, {"W": 4, "U": 3, "V": 1}),
        ("many_to_many", 5, None, {"x": 5, "h": 5, "y": 5}, {"W": 5, "U": 4, "V": 5}),
        ("encoder_decoder", 3, 2, {"x": 3, "h": 5, "y": 2}, {"W": 3, "U": 4, "V": 2}),
    ],
)
def test_draw_unrolled_counts_nodes_and_arrows(pattern, steps, out_steps, nodes, edges):
    fig = plots.draw_unrolled(pattern, steps, out_steps=out_steps)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 1
    assert kinds(fig) == nodes
    assert weights(fig) == edges


def test_draw_unrolled_labels_weights_only_when_asked():
    labelled = plots.draw_unrolled("many_to_many", 3)
    bare = plots.draw_unrolled("many_to_many", 3, weights=False)
    labels = [t.get_text() for t in labelled.axes[0].texts]
    assert labels.count("W") == 3 and labels.count("U") == 2 and labels.count("V") == 3
    assert [t.get_text() for t in bare.axes[0].texts if t.get_text() in "WUV"] == []


def test_feedback_arrows_link_each_output_to_the_next_step():
    fig = plots.draw_unrolled("one_to_many", 4, feedback=True)
    assert sorted(g for g in edge_gids(fig) if ":feedback:" in g) == [
        "edge:feedback:y1->h2", "edge:feedback:y2->h3", "edge:feedback:y3->h4",
    ]
    fig = plots.draw_unrolled("encoder_decoder", 3, out_steps=3, feedback=True)
    assert weights(fig)["feedback"] == 2


def test_backward_arrows_follow_bptt():
    fig = plots.draw_unrolled("many_to_many", 4, backward=True)
    grads = [g for g in edge_gids(fig) if ":grad:" in g]
    # one from each output's loss to its hidden state, one from each h_t to h_{t-1}
    assert len(grads) == 4 + 3
    assert "edge:grad:h4->h3" in grads and "edge:grad:y1->h1" in grads


@pytest.mark.parametrize("bad", [0, -1, 2.0, True])
def test_draw_unrolled_rejects_bad_steps(bad):
    with pytest.raises(ValueError, match="draw_unrolled: steps must be an integer >= 1"):
        plots.draw_unrolled("many_to_many", bad)


def test_draw_unrolled_rejects_unknown_pattern():
    with pytest.raises(ValueError, match="pattern must be one of one_to_one, .* got 'two_to_two'"):
        plots.draw_unrolled("two_to_two")


def test_draw_patterns_has_five_groups_with_their_nodes():
    fig = plots.draw_patterns(steps=3)
    assert len(fig.axes) == 1
    groups: dict[str, int] = {}
    for gid in node_gids(fig):
        group = gid.split(":")[2]
        groups[group] = groups.get(group, 0) + 1
    # one-to-one 3, one-to-many 2T+1, many-to-one 2T+1, encoder-decoder T + (2T-1) + (T-1), aligned 3T
    assert groups == {"0": 3, "1": 7, "2": 7, "3": 10, "4": 9}
    titles = [t.get_text() for t in fig.axes[0].texts]
    for title in ("one-to-one", "one-to-many", "many-to-one", "machine translation", "music generation"):
        assert title in titles


def test_folded_and_unrolled_share_three_matrices():
    fig = plots.draw_folded_and_unrolled(steps=4)
    assert len(fig.axes) == 2
    folded, unrolled = fig.axes
    assert len([p for p in folded.patches if (p.get_gid() or "").startswith("node:")]) == 3
    assert len([p for p in unrolled.patches if (p.get_gid() or "").startswith("node:")]) == 12
    assert weights(fig) == {"W": 1 + 4, "V": 1 + 4, "U": 1 + 3}
    assert "edge:U:h->h" in edge_gids(fig)


@pytest.mark.parametrize("T, k1, k2", [(12, 3, 6), (10, 4, 4), (7, 7, 7), (9, 2, 20)])
def test_tbptt_windows_match_the_reference(T, k1, k2):
    from course_pkg.reference import random_rnn_params, tbptt_gradients

    rng = np.random.default_rng(0)
    params = random_rnn_params(2, 3, rng=1, output_size=4)
    result = tbptt_gradients(params, rng.normal(size=(1, T, 2)), np.zeros((1, 3)),
                             rng.integers(0, 4, size=(1, T)), k1, k2)
    assert plots.tbptt_windows(T, k1, k2) == [tuple(w) for w in result.windows]


def test_draw_tbptt_has_one_row_per_update():
    fig = plots.draw_tbptt(T=12, k1=3, k2=6)
    steps = [p for p in fig.axes[0].patches if (p.get_gid() or "").startswith("step:")]
    assert len(steps) == 4 * 12
    assert len(edge_gids(fig)) == 4
    dark = [p.get_gid() for p in steps if p.get_facecolor()[:3] == matplotlib.colors.to_rgb("#8e44ad")]
    assert len(dark) == 12  # every loss is counted exactly once


def test_tbptt_rejects_k2_below_k1():
    with pytest.raises(ValueError, match="k2 must be >= k1 = 4, got 2"):
        plots.draw_tbptt(T=8, k1=4, k2=2)


def test_plot_gradient_norms_one_line_per_curve_on_log_axes():
    distances = np.arange(20)
    linear = {f"rho = {r}": r ** distances for r in (0.5, 0.9, 1.0, 1.1, 1.5)}
    fig = plots.plot_gradient_norms(linear, {"tanh": 0.8 ** distances}, titles=["linear", "tanh"])
    assert len(fig.axes) == 2
    assert [len(ax.lines) for ax in fig.axes] == [5, 1]
    assert all(ax.get_yscale() == "log" for ax in fig.axes)
    np.testing.assert_allclose(fig.axes[0].lines[4].get_ydata(), 1.5 ** distances)


def test_plot_gradient_norms_rejects_zero_norms():
    with pytest.raises(ValueError, match="curve 'bad' must hold finite positive norms"):
        plots.plot_gradient_norms({"bad": [1.0, 0.0]})


def test_plot_clipping_lines_and_panels():
    raw = np.array([0.5, 2.0, 8.0, 1.0])
    clipped = {"global norm": np.minimum(raw, 1.0), "by value": np.array([0.5, 1.2, 1.5, 0.9])}
    fig = plots.plot_clipping(raw, clipped, max_norm=1.0)
    assert len(fig.axes) == 1
    assert len(fig.axes[0].lines) == 1 + 2 + 1   # raw, two methods, threshold
    fig = plots.plot_clipping(raw, clipped, 1.0, cosines={"by value": [1, 0.9, 0.7, 1], "global norm": [1] * 4})
    assert len(fig.axes) == 2 and len(fig.axes[1].lines) == 2


def test_plot_clipping_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match=r"clipped_norms\['x'\] must have shape \(3,\) like raw_norms, got \(2,\)"):
        plots.plot_clipping([1.0, 2.0, 3.0], {"x": [1.0, 1.0]}, 1.0)


def test_smooth_is_a_trailing_mean():
    np.testing.assert_allclose(plots.smooth([1, 2, 3, 4], 2), [1.0, 1.5, 2.5, 3.5])
    np.testing.assert_allclose(plots.smooth([1, 2, 3], 1), [1, 2, 3])


def test_plot_loss_curve_raw_and_smoothed_lines_and_baseline():
    history = np.linspace(4.0, 2.0, 200)
    fig = plots.plot_loss_curve(history, window=10, baseline=np.log(60))
    ax = fig.axes[0]
    assert len(ax.lines) == 3
    np.testing.assert_allclose(ax.lines[0].get_ydata(), history)
    fig = plots.plot_loss_curve({"a": history, "b": history[::-1]}, window=10)
    assert len(fig.axes[0].lines) == 4


def test_figures_use_the_course_style():
    fig = plots.plot_loss_curve([3.0, 2.0, 1.0])
    ax = fig.axes[0]
    assert not ax.spines["top"].get_visible() and not ax.spines["right"].get_visible()


def test_plot_history_draws_training_and_validation_per_panel():
    from course_pkg.plots import plot_history

    history = {"loss": [0.7, 0.5], "val_loss": [0.72, 0.6], "accuracy": [0.5, 0.8],
               "val_accuracy": [0.5, 0.75]}
    fig = plot_history(history, "accuracy", baseline=0.7, baseline_label="majority")
    loss_ax, metric_ax = fig.axes
    assert [len(line.get_xdata()) for line in loss_ax.get_lines()] == [2, 2]
    assert len(metric_ax.get_lines()) == 3  # training, validation, baseline
    assert metric_ax.get_legend().get_texts()[-1].get_text() == "majority 0.7"
    assert len(plot_history({"loss": [1.0, 0.5]}).axes) == 1
    with pytest.raises(ValueError, match="metric 'f1' is not in the history"):
        plot_history(history, "f1")
