"""Forecasting windows and the persistence baseline, in NumPy.

The solution of the forecasting part of the ``sequence_models`` assignment. The windows are
those of the time-series chapter (:func:`course_pkg.data.time_series.make_windows`, reused
here): window i reads ``series[i : i + W]`` and its targets are the H steps after it,
``series[i + W : i + W + H]``; there are N = T - W - H + 1 windows.

The persistence baseline forecasts every step of the horizon with the last value observed,
``x[i, -1, 0]``. It is scored on the held-out stretch ``series[split:]``: the windows of
``series[split - W:]`` (their inputs may read the W steps before ``split``, every target lies
in the held-out stretch), by the mean absolute error and the root mean squared error over every
window and step.
"""

from __future__ import annotations

import numpy as np

from course_pkg.data.time_series import make_windows as _make_windows


def make_windows(series: np.ndarray, window: int, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """``x`` (N, W, 1) and ``y`` (N, H) with N = T - W - H + 1, the dtype of ``series``."""
    series = np.asarray(series)
    return _make_windows(series, window, horizon, dtype=series.dtype)


def persistence_baseline(series: np.ndarray, window: int, horizon: int, split: int
                         ) -> tuple[np.ndarray, np.ndarray, float, float]:
    """The persistence forecast of the held-out stretch ``series[split:]`` and its errors.

    Returns:
        targets (N, H), forecast (N, H), mae, rmse; N = T - split - H + 1.
    """
    x, y = make_windows(np.asarray(series)[split - window:], window, horizon)
    forecast = np.repeat(x[:, -1, :], horizon, axis=1)
    error = y - forecast
    return y, forecast, float(np.mean(np.abs(error))), float(np.sqrt(np.mean(error ** 2)))
