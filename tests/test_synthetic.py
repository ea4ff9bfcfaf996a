"""The synthetic tasks: shapes, markers, targets, and the MSE of the best constant guess
(1/6 on the adding problem, 1/12 on the last-marked-value task) measured on 100k samples."""

import doctest

import numpy as np
import pytest

from course_pkg.data import synthetic
from course_pkg.data.synthetic import (
    ADDING_BASELINE_MSE,
    LAST_VALUE_BASELINE_MSE,
    adding_problem,
    last_marked_value,
    make_task,
)


def test_adding_problem_shapes_dtype_and_value_range():
    x, y = adding_problem(64, 30, rng=0)
    assert x.shape == (64, 30, 2) and y.shape == (64, 1)
    assert x.dtype == np.float32 and y.dtype == np.float32
    assert 0.0 <= x[..., 0].min() and x[..., 0].max() <= 1.0
    assert adding_problem(3, 5, rng=0, dtype=np.float64).x.dtype == np.float64


def test_adding_problem_has_exactly_two_markers_one_in_each_half():
    T = 31
    x, _ = adding_problem(5000, T, rng=1)
    marks = x[..., 1]
    assert set(np.unique(marks).tolist()) == {0.0, 1.0}
    np.testing.assert_array_equal(marks.sum(axis=1), np.full(5000, 2.0))
    np.testing.assert_array_equal(marks[:, : T // 2].sum(axis=1), np.ones(5000))
    # Every position of each half is used.
    assert (marks.sum(axis=0) > 0).all()


def test_adding_problem_target_is_the_sum_of_the_marked_values():
    x, y = adding_problem(1000, 20, rng=2, dtype=np.float64)
    np.testing.assert_allclose(y[:, 0], (x[..., 0] * x[..., 1]).sum(axis=1), rtol=0, atol=1e-12)


def test_adding_problem_baseline_mse_is_one_sixth_on_100k_samples():
    _, y = adding_problem(100_000, 10, rng=3, dtype=np.float64)
    mse = float(np.mean((y - 1.0) ** 2))
    print(f"\nMSE of predicting 1.0: {mse:.4f} (1/6 = {ADDING_BASELINE_MSE:.4f})")
    assert abs(mse - 1 / 6) < 0.003
    assert abs(float(y.mean()) - 1.0) < 0.005


def test_same_seed_same_data_different_seed_different_data():
    a, b, c = adding_problem(8, 12, rng=5), adding_problem(8, 12, rng=5), adding_problem(8, 12, rng=6)
    np.testing.assert_array_equal(a.x, b.x)
    assert not np.array_equal(a.x, c.x)


def test_last_marked_value_markers_and_target():
    x, y = last_marked_value(2000, 25, markers=4, rng=4, dtype=np.float64)
    marks = x[..., 1]
    np.testing.assert_array_equal(marks.sum(axis=1), np.full(2000, 4.0))
    last = 25 - 1 - np.argmax(marks[:, ::-1], axis=1)
    np.testing.assert_array_equal(y[:, 0], x[np.arange(2000), last, 0])


def test_last_marked_value_baseline_mse_is_one_twelfth_on_100k_samples():
    _, y = last_marked_value(100_000, 10, markers=3, rng=7, dtype=np.float64)
    mse = float(np.mean((y - 0.5) ** 2))
    print(f"\nMSE of predicting 0.5: {mse:.4f} (1/12 = {LAST_VALUE_BASELINE_MSE:.4f})")
    assert abs(mse - 1 / 12) < 0.002


def test_make_task_dispatches_by_name():
    np.testing.assert_array_equal(make_task("adding", 4, 10, rng=0).x, adding_problem(4, 10, rng=0).x)
    np.testing.assert_array_equal(make_task("last_value", 4, 10, rng=0, markers=2).y,
                                  last_marked_value(4, 10, markers=2, rng=0).y)
    with pytest.raises(ValueError, match=r"argument name expected one of \['adding', 'last_value'\], got 'copy'"):
        make_task("copy", 4, 10)


@pytest.mark.parametrize("call,message", [
    (lambda: adding_problem(0, 10), r"^adding_problem: argument n expected an integer >= 1, got 0$"),
    (lambda: adding_problem(4, 1), r"^adding_problem: argument T expected an integer >= 2, got 1$"),
    (lambda: adding_problem(4, 10, dtype=np.int32), r"argument dtype expected float32 or float64, got int32"),
    (lambda: last_marked_value(4, 3, markers=5), r"argument T expected an integer >= 5, got 3"),
])
def test_door_checks_name_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_docstring_example_runs():
    result = doctest.testmod(synthetic)
    assert result.attempted >= 2 and result.failed == 0
