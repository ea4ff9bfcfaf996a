"""The experiment figures: one line per seed plus a mean per setting, one dot per run, the
reference lines, log scales, and door checks."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_pkg.plots.experiments import plot_final_scores, plot_learning_curves  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_learning_curves_draw_seeds_means_bands_and_reference_lines():
    curves = {"b_f = 1": [[0.2, 0.01, 0.001], [0.2, 0.1]], "b_f = 0": [[0.2, 0.17, 0.16]]}
    fig = plot_learning_curves(curves, steps_per_epoch=100, baseline=1 / 6, solved=0.01)
    (ax,) = fig.axes
    # 3 seed lines + 2 means + 2 reference lines.
    assert len(ax.lines) == 7
    assert len(ax.collections) == 2
    assert ax.get_yscale() == "linear" and ax.get_ylim()[0] == 0
    mean_first = ax.lines[2]
    np.testing.assert_allclose(mean_first.get_xdata(), [100, 200, 300])
    np.testing.assert_allclose(mean_first.get_ydata(), [0.2, 0.055, 0.001])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:2] == ["b_f = 1: mean ± std of 2 runs", "b_f = 0: mean ± std of 1 runs"]
    assert "constant prediction (0.167)" in labels and "solved (0.01)" in labels
    # The band of the first setting at the second epoch: mean 0.055 ± std 0.045.
    band = ax.collections[0].get_paths()[0].vertices
    assert np.isclose(band[:, 1], 0.055 + 0.045).any() and np.isclose(band[:, 1], 0.055 - 0.045).any()


def test_learning_curves_on_a_log_scale_show_the_range_of_the_runs():
    fig = plot_learning_curves({"a": [[0.2, 0.01], [0.2, 0.1]]}, 10, yscale="log")
    (ax,) = fig.axes
    assert ax.get_yscale() == "log"
    assert ax.get_legend().get_texts()[0].get_text() == "a: mean range of 2 runs"
    band = ax.collections[0].get_paths()[0].vertices
    assert np.isclose(band[:, 1], 0.01).any() and np.isclose(band[:, 1], 0.1).any()


def test_final_scores_draw_one_dot_per_run_and_one_mean_per_series():
    scores = {"T = 50": {"rnn": [0.16, 0.17], "lstm": [0.001, 0.002, 0.003]},
              "T = 100": {"rnn": [0.17], "lstm": [0.002]}}
    fig = plot_final_scores(scores, baseline=1 / 6, solved=0.01)
    (ax,) = fig.axes
    dots = sum(len(c.get_offsets()) for c in ax.collections if c.get_offsets().shape[1:] == (2,)
               and type(c).__name__ == "PathCollection")
    assert dots == 7
    assert [t.get_text() for t in ax.get_xticklabels()] == ["T = 50", "T = 100"]
    assert ax.get_yscale() == "log" and len(ax.lines) == 2


@pytest.mark.parametrize("call,message", [
    (lambda: plot_learning_curves({}, 10), "curves is empty"),
    (lambda: plot_learning_curves({"a": [[0.1]]}, 0), "steps_per_epoch expected a positive integer, got 0"),
    (lambda: plot_learning_curves({"a": [[]]}, 5), r"curves\['a'\] must be a non-empty list"),
    (lambda: plot_final_scores({}), "scores is empty"),
    (lambda: plot_learning_curves({"a": [[0.1]]}, 5, yscale="symlog"), "yscale expected 'linear' or 'log', got 'symlog'"),
])
def test_door_checks(call, message):
    with pytest.raises(ValueError, match=message):
        call()
