"""Forecasters: a recurrent network, the baselines it must beat, and the scores that compare them.

The network reads a window of W past values and predicts the next H at once (H = 1: one-step;
H = 12: a year of months, the "direct" multi-step strategy)::

    x (N, W, 1) -> LSTM or GRU (H_units) -> h_W (N, H_units) -> Dense(H, float32) -> y_hat (N, H)

The recurrent layer keeps the cuDNN-eligible configuration of
:func:`course_pkg.models.recurrent_layer`; the output layer computes in float32 for mixed precision.

The baselines people forget, each a forecast from the history up to an origin t (the last
observed step), for the steps t + 1 ... t + H:

- :func:`persistence_forecast`: repeat the last value, y_hat(t + h) = y(t);
- :func:`seasonal_naive_forecast`: repeat the value one season earlier, y_hat(t + h) = y(t + h - m k)
  with k the smallest integer such that m k >= h;
- :func:`linear_forecaster`: least squares on the window (scikit-learn ``LinearRegression``), an
  AR(W) model with one set of coefficients per horizon step.

Scores: :func:`mae` (scikit-learn's ``mean_absolute_error``), :func:`mase` (the MAE divided by the
in-sample MAE of the one-step naive forecast on the training stretch, Hyndman and Koehler 2006:
below 1 beats repeating the last value in sample) and :func:`directional_accuracy` (the share of
steps whose predicted direction is right, with its Wilson interval and a binomial test against
50 %, from statsmodels and SciPy).

Example:
    >>> model = forecaster("lstm", window=24, horizon=1, units=32)
    >>> model.output_shape, model.count_params()
    ((None, 1), 4385)
    >>> persistence_forecast(np.array([1.0, 2.0, 3.0]), origins=[1, 2], horizon=2).tolist()
    [[2.0, 2.0], [3.0, 3.0]]
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import keras
import numpy as np

from .recurrent_layers import recurrent_layer

__all__ = ["EXAMPLE_MODELS", "KINDS", "directional_accuracy", "forecaster", "linear_forecaster",
           "mae", "mase", "naive_scale", "persistence_forecast", "seasonal_naive_forecast"]

#: The recurrent layers a forecaster may use.
KINDS = ("lstm", "gru")


def _positive_int(where: str, name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{where}: argument {name} expected a positive integer, got {value!r}")


def forecaster(kind: str = "lstm", *, window: int | None = None, horizon: int = 1,
               units: int = 32, features: int = 1) -> keras.Model:
    """Build (not compile) a recurrent forecaster: (N, W, D) windows -> (N, H) next values.

    Args:
        kind: the recurrent layer, "lstm" or "gru".
        window: W, if the window length is fixed (None: any length).
        horizon: H, the steps predicted at once.
        units: hidden units of the recurrent layer.
        features: D, values per time step (1 for a univariate series).

    Returns:
        A ``keras.Sequential`` with ``rnn + units H + H`` parameters, where rnn is
        ``4 (D u + u^2 + u)`` for an LSTM and ``3 (D u + u^2 + 2 u)`` for a GRU of u units.
    """
    for name, value in (("horizon", horizon), ("units", units), ("features", features)):
        _positive_int("forecaster", name, value)
    if window is not None:
        _positive_int("forecaster", "window", window)
    if kind not in KINDS:
        raise ValueError(f"forecaster: argument kind expected one of {list(KINDS)}, got {kind!r}")
    return keras.Sequential([
        keras.Input((window, features), name="window"),
        recurrent_layer(kind, units, name=kind),
        keras.layers.Dense(horizon, dtype="float32", name="next_values"),
    ], name=f"{kind}_forecaster_{horizon}")


def _origins(values: np.ndarray, origins: Sequence[int], horizon: int, where: str) -> np.ndarray:
    _positive_int(where, "horizon", horizon)
    origins = np.asarray(origins, dtype=int)
    if values.ndim != 1:
        raise ValueError(f"{where}: argument values expected a 1-D series (T,), got shape "
                         f"{values.shape}")
    if origins.size and (origins.min() < 0 or origins.max() >= len(values)):
        raise ValueError(f"{where}: origins must index the series of {len(values)} steps, got "
                         f"{origins.min()}..{origins.max()}")
    return origins


def persistence_forecast(values: np.ndarray, origins: Sequence[int], horizon: int = 1) -> np.ndarray:
    """Repeat the last value: row i is ``values[origins[i]]`` repeated ``horizon`` times (N, H)."""
    values = np.asarray(values, dtype=np.float64)
    origins = _origins(values, origins, horizon, "persistence_forecast")
    return np.repeat(values[origins][:, None], horizon, axis=1)


def seasonal_naive_forecast(values: np.ndarray, origins: Sequence[int], season: int,
                            horizon: int = 1) -> np.ndarray:
    """Repeat the last season: y_hat(t + h) = y(t + h - m k), k = ceil(h / m), as (N, H).

    Raises:
        ValueError: an origin has fewer than ``season`` steps of history.
    """
    values = np.asarray(values, dtype=np.float64)
    origins = _origins(values, origins, horizon, "seasonal_naive_forecast")
    _positive_int("seasonal_naive_forecast", "season", season)
    if origins.size and origins.min() + 1 < season:
        raise ValueError(f"seasonal_naive_forecast: origin {origins.min()} has fewer than "
                         f"season = {season} steps of history")
    h = np.arange(1, horizon + 1)
    lag = h - season * np.ceil(h / season).astype(int)  # in (-season, 0]
    return values[origins[:, None] + lag[None, :]]


def linear_forecaster():
    """The linear baseline, unfitted: ``fit(x.reshape(N, W), y)`` then ``predict`` -> (N, H).

    Ordinary least squares on the W values of the window (scikit-learn ``LinearRegression``, with
    an intercept), one coefficient vector per predicted step: an AR(W) model fitted directly for
    each horizon.
    """
    from course_pkg.colab import ensure_packages

    ensure_packages("sklearn")
    from sklearn.linear_model import LinearRegression

    return LinearRegression()


def mae(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean absolute error over every example and step (``sklearn.metrics.mean_absolute_error``)."""
    from course_pkg.colab import ensure_packages

    ensure_packages("sklearn")
    from sklearn.metrics import mean_absolute_error

    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"mae: y_true and y_pred must have the same shape, got {y_true.shape} "
                         f"and {y_pred.shape}")
    return float(mean_absolute_error(y_true.reshape(len(y_true), -1),
                                     y_pred.reshape(len(y_pred), -1)))


def naive_scale(train: np.ndarray, season: int = 1) -> float:
    """The in-sample MAE of the (seasonal) naive forecast on the training stretch: the mean of
    ``|y(t) - y(t - season)|`` over it, computed with :func:`mae`."""
    train = np.asarray(train, dtype=np.float64)
    _positive_int("naive_scale", "season", season)
    if train.ndim != 1 or len(train) <= season:
        raise ValueError(f"naive_scale: argument train expected a 1-D series longer than season "
                         f"= {season}, got shape {train.shape}")
    scale = mae(train[season:], train[:-season])
    if not scale > 0:
        raise ValueError("naive_scale: the training series is constant; MASE is undefined")
    return scale


def mase(y_true: np.ndarray, y_pred: np.ndarray, train: np.ndarray, season: int = 1) -> float:
    """Mean absolute scaled error: ``mae(y_true, y_pred) / naive_scale(train, season)``.

    Args:
        y_true, y_pred: (N, H) targets and forecasts (any shapes that agree).
        train: (T,) the training stretch of the series, in the same units.
        season: 1 scales by the one-step naive forecast (repeat the last value).

    Below 1: the forecasts err less than repeating the last value did, step by step, in sample.
    """
    return mae(y_true, y_pred) / naive_scale(train, season)


def directional_accuracy(actual_change: np.ndarray, predicted_change: np.ndarray,
                         confidence: float = 0.95) -> dict[str, float]:
    """How often the predicted direction (up / down) is the actual one, against a coin flip.

    Steps with no actual change (a price that did not move) are left out.

    Args:
        actual_change: (N,) y(t + 1) - y(t).
        predicted_change: (N,) the forecast's y_hat(t + 1) - y(t).
        confidence: of the interval.

    Returns:
        ``{"accuracy", "n", "ci_low", "ci_high", "p_value"}``: the Wilson interval
        (``statsmodels.stats.proportion.proportion_confint``) and the two-sided exact binomial
        test of accuracy = 0.5 (``scipy.stats.binomtest``).
    """
    from scipy.stats import binomtest
    from statsmodels.stats.proportion import proportion_confint

    actual, predicted = np.asarray(actual_change), np.asarray(predicted_change)
    if actual.shape != predicted.shape or actual.ndim != 1:
        raise ValueError(f"directional_accuracy: both changes must be (N,), got {actual.shape} "
                         f"and {predicted.shape}")
    moved = actual != 0
    n = int(moved.sum())
    if n == 0:
        raise ValueError("directional_accuracy: the series never moves")
    right = int(np.sum(np.sign(actual[moved]) == np.sign(predicted[moved])))
    low, high = proportion_confint(right, n, alpha=1 - confidence, method="wilson")
    return {"accuracy": right / n, "n": n, "ci_low": float(low), "ci_high": float(high),
            "p_value": float(binomtest(right, n, 0.5).pvalue)}


#: Every variant, at a small size (the shared model-structure test walks each layer of each).
EXAMPLE_MODELS: dict[str, Callable[[], keras.Model]] = {
    "lstm_one_step": lambda: forecaster("lstm", window=12, horizon=1, units=4),
    "gru_multi_step": lambda: forecaster("gru", window=12, horizon=6, units=4),
    "gru_any_length": lambda: forecaster("gru", horizon=2, units=4, features=3),
}
