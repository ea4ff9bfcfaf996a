"""Synthetic long-memory tasks: the adding problem and the last-marked-value task.

Both tasks feed a sequence of T steps with two channels, a value channel and a marker channel,
and ask for one number at the end (many-to-one regression). The network must find the marked
steps and hold their values over the distance to the end of the sequence: T controls how far
back the information lies.

- :func:`adding_problem` (Hochreiter and Schmidhuber, 1997): exactly two markers, the target is
  the sum of the two marked values. Predicting the mean, 1, gives an MSE of Var(v1 + v2) = 1/6.
- :func:`last_marked_value`: several markers, the target is the value at the *last* one. A cell
  that only accumulates cannot solve it: each marker must overwrite what the previous one wrote,
  which is what a forget gate is for (Gers et al., 2000). Predicting 0.5 gives an MSE of 1/12.

Example:
    >>> from course_pkg.data.synthetic import adding_problem
    >>> x, y = adding_problem(4, T=10, rng=0)
    >>> x.shape, y.shape, x[..., 1].sum(axis=1).tolist()
    ((4, 10, 2), (4, 1), [2.0, 2.0, 2.0, 2.0])
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = [
    "ADDING_BASELINE_MSE",
    "LAST_VALUE_BASELINE_MSE",
    "SequenceTask",
    "adding_problem",
    "last_marked_value",
    "make_task",
]

#: MSE of the constant prediction 1 on the adding problem: Var(v1 + v2) = 2 * 1/12.
ADDING_BASELINE_MSE = 1.0 / 6.0
#: MSE of the constant prediction 0.5 on the last-marked-value task: Var(U(0, 1)) = 1/12.
LAST_VALUE_BASELINE_MSE = 1.0 / 12.0


class SequenceTask(NamedTuple):
    """A drawn data set: inputs x (N, T, 2) and targets y (N, 1), both float32 by default."""

    x: np.ndarray
    y: np.ndarray


def _check_int(func: str, name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{func}: argument {name} expected an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_dtype(func: str, dtype) -> np.dtype:
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"{func}: argument dtype expected float32 or float64, got {dtype}")
    return dtype


def adding_problem(
    n: int,
    T: int,
    rng: np.random.Generator | int | None = None,
    dtype: np.dtype | type = np.float32,
) -> SequenceTask:
    """Draw n sequences of the adding problem.

    Channel 0 holds values drawn uniformly from [0, 1]; channel 1 is zero except for exactly two
    ones, one at a uniform position in the first half (steps 0 .. T//2 - 1) and one in the second
    half (steps T//2 .. T - 1), as in the adding problem of Le et al. (2015) and Arjovsky et al.
    (2016); Hochreiter and Schmidhuber (1997) put the first marker among the first ten steps.
    The target is the sum of the two marked values.

    Args:
        n: number of sequences N (>= 1).
        T: sequence length (>= 2).
        rng: a ``numpy.random.Generator``, a seed, or None.
        dtype: float32 (default) or float64.

    Returns:
        ``SequenceTask(x, y)`` with x (N, T, 2) and y (N, 1).
    """
    func = "adding_problem"
    n = _check_int(func, "n", n, 1)
    T = _check_int(func, "T", T, 2)
    dtype = _check_dtype(func, dtype)
    rng = np.random.default_rng(rng)
    half = T // 2
    values = rng.uniform(0.0, 1.0, size=(n, T))
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, T, size=n)
    rows = np.arange(n)
    markers = np.zeros((n, T))
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = np.stack([values, markers], axis=-1).astype(dtype)
    y = (values[rows, first] + values[rows, second])[:, None].astype(dtype)
    return SequenceTask(x, y)


def last_marked_value(
    n: int,
    T: int,
    markers: int = 4,
    rng: np.random.Generator | int | None = None,
    dtype: np.dtype | type = np.float32,
) -> SequenceTask:
    """Draw n sequences of the last-marked-value task.

    Channel 0 holds values drawn uniformly from [0, 1]; channel 1 has exactly ``markers`` ones at
    distinct positions drawn uniformly from the whole sequence. The target is the value at the
    last marked position: every marker overwrites what the previous one stored.

    Args:
        n: number of sequences N (>= 1).
        T: sequence length (>= markers).
        markers: number of marked steps per sequence (>= 1).
        rng: a ``numpy.random.Generator``, a seed, or None.
        dtype: float32 (default) or float64.

    Returns:
        ``SequenceTask(x, y)`` with x (N, T, 2) and y (N, 1).
    """
    func = "last_marked_value"
    n = _check_int(func, "n", n, 1)
    markers = _check_int(func, "markers", markers, 1)
    T = _check_int(func, "T", T, max(markers, 1))
    dtype = _check_dtype(func, dtype)
    rng = np.random.default_rng(rng)
    values = rng.uniform(0.0, 1.0, size=(n, T))
    # `markers` distinct positions per row: the first columns of a random permutation of 0..T-1.
    positions = np.argsort(rng.random((n, T)), axis=1)[:, :markers]
    rows = np.arange(n)[:, None]
    marks = np.zeros((n, T))
    marks[rows, positions] = 1.0
    last = positions.max(axis=1)
    x = np.stack([values, marks], axis=-1).astype(dtype)
    y = values[np.arange(n), last][:, None].astype(dtype)
    return SequenceTask(x, y)


#: Generators by name, with the MSE of their best constant prediction.
TASKS = {
    "adding": (adding_problem, ADDING_BASELINE_MSE),
    "last_value": (last_marked_value, LAST_VALUE_BASELINE_MSE),
}


def make_task(
    name: str, n: int, T: int, rng: np.random.Generator | int | None = None, **kwargs
) -> SequenceTask:
    """Draw a data set of a task by name ("adding" or "last_value"); kwargs go to its generator."""
    if name not in TASKS:
        raise ValueError(f"make_task: argument name expected one of {sorted(TASKS)}, got {name!r}")
    return TASKS[name][0](n, T, rng=rng, **kwargs)
