"""Time-series forecasting, many-to-one and many-to-many: is the network better than the baselines?

On one series (monthly sunspots offline; the hourly Jena temperature on Colab) the recipe trains

- ``lstm_one_step``: an LSTM reading W past values and predicting the next one (many-to-one);
- ``gru_multi_step``: a GRU reading the same windows and predicting the next H at once (H = 12
  months, or 24 hours), the "direct" multi-step strategy;

and scores both on the test stretch (the last 15 % of the series, in time order) against the
baselines of :mod:`course_pkg.models.time_series`: repeat the last value (persistence), repeat the
last season (seasonal naive) and least squares on the window (linear), with MAE and MASE.
The evaluation is walk-forward (rolling origin): every forecast of the test stretch uses only the
values up to its origin; the network keeps the weights learnt on the training stretch, while the
linear baseline is also refitted at every fold on all the data before it (``walk_forward``).

On daily stock prices (AAPL, IBM, MSFT, 2000-2013) it trains ``gru_direction``, a GRU reading the
last W daily log returns and predicting the next one, and reports how often the predicted
direction is right, with its 95 % Wilson interval and a binomial test against a coin flip, beside
"always up", "same as yesterday" and the linear model.

Everything is scaled with statistics of the training stretch only. Metrics are in the series'
units (sunspot number, deg C).

Run it with ``python -m course_pkg.recipes time_series --preset book`` or
``run_recipe("time_series", "book")``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ._common import check_preset, write_result
from .hardware import Hardware, hardware_for
from .training import application_document, fit

NAME = "time_series"

_BASE = {"series": "sunspots", "fractions": [0.7, 0.15, 0.15], "window": 24, "horizon": 12,
         "units": 32, "learning_rate": 3e-3, "stock_window": 20, "stock_units": 16,
         "walk_forward_folds": 4, "seed": 0}

PRESETS: dict[str, dict[str, Any]] = {
    # seconds, for CI: tiny layers, two epochs (so a run killed after the first can resume),
    # the stock GRU on the last 512 training days of each stock.
    "test": {**_BASE, "window": 12, "units": 4, "stock_window": 5, "stock_units": 4, "epochs": 2,
             "stock_epochs": 2, "batch_size": 64, "stock_train_days": 512},
    # live on the page: monthly sunspots, two-year windows, 10 epochs per forecaster, then two
    # epochs of the stock GRU on the last 1,536 training days of each stock (one-step LSTM MAE
    # 12.53 against persistence 14.03; 8 s of training, the page 17 s, in the book build).
    "book": {**_BASE, "epochs": 10, "stock_epochs": 2, "batch_size": 64,
             "stock_train_days": 1536},
    # one T4: the Jena temperature every hour (keras-io's weather example), three days in,
    # the next hour and the next 24 hours out.
    "colab": {**_BASE, "series": "jena", "window": 72, "horizon": 24, "units": 64,
              "learning_rate": 1e-3, "epochs": 10, "stock_epochs": 10, "batch_size": 256,
              "stock_units": 32, "stock_train_days": None},
    # A100/H100: a week of hours in, wider layers, longer training.
    "full": {**_BASE, "series": "jena", "window": 168, "horizon": 24, "units": 128,
             "learning_rate": 1e-3, "epochs": 20, "stock_epochs": 20, "batch_size": 512,
             "stock_units": 64, "stock_train_days": None},
}

#: How many test forecasts (the last ones) the result keeps per model: all of the sunspots' 469,
#: the last 50 days of Jena's hours.
KEEP_TEST_ORIGINS = 1200


def _build(kind: str, window: int, horizon: int, units: int, learning_rate: float,
           hardware: Hardware) -> Callable[[], Any]:
    def build():
        import keras

        from course_pkg.models.time_series import forecaster

        model = forecaster(kind, window=window, horizon=horizon, units=units)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mse",
                      metrics=["mae"], jit_compile=hardware.jit_compile)
        return model

    return build


def _predict(model: Any, x: np.ndarray) -> np.ndarray:
    return np.asarray(model.predict(x, verbose=0, batch_size=4096), dtype=np.float64)


def _scores(y: np.ndarray, forecasts: dict[str, np.ndarray], train: np.ndarray) -> dict[str, dict]:
    """MAE, MASE and MAE at each horizon step of every forecast (N, H), in the series' units."""
    from course_pkg.models.time_series import mae, mase

    return {name: {"mae": mae(y, f), "mase": mase(y, f, train),
                   "mae_by_step": [mae(y[:, h], f[:, h]) for h in range(y.shape[1])]}
            for name, f in forecasts.items()}


def _baselines(values: np.ndarray, origins: np.ndarray, horizon: int, season: int,
               linear: Any, x: np.ndarray) -> dict[str, np.ndarray]:
    from course_pkg.models.time_series import persistence_forecast, seasonal_naive_forecast

    return {"persistence": persistence_forecast(values, origins, horizon),
            "seasonal_naive": seasonal_naive_forecast(values, origins, season, horizon),
            "linear": linear.predict(x.reshape(len(x), -1))}


def baseline_scores(name: str, window: int = 24, horizon: int = 1,
                    fractions: tuple[float, ...] = (0.7, 0.15, 0.15)) -> dict[str, dict]:
    """Test MAE and MASE of persistence, seasonal naive and linear on one offline series
    (``course_pkg.data.time_series.load_series`` names), no network: a second or two."""
    from course_pkg.data.time_series import chronological_split, load_series, windows_by_split
    from course_pkg.models.time_series import linear_forecaster

    series = load_series(name)
    splits = chronological_split(len(series), fractions)
    (x_tr, y_tr, _), _, (x_te, y_te, o_te) = windows_by_split(series.values, splits, window,
                                                               horizon, dtype=np.float64)
    linear = linear_forecaster().fit(x_tr.reshape(len(x_tr), -1), y_tr)
    return _scores(y_te, _baselines(series.values, o_te, horizon, series.period, linear, x_te),
                   series.values[splits[0]])


def walk_forward_linear(values: np.ndarray, test: slice, window: int, horizon: int,
                        folds: int) -> dict[str, Any]:
    """The linear baseline refitted at each of ``folds`` consecutive stretches of the test period
    on every window whose targets end before the stretch: the walk-forward (expanding window)
    evaluation. Returns its MAE over the whole test period and the number of fits."""
    from course_pkg.data.time_series import make_windows
    from course_pkg.models.time_series import linear_forecaster, mae

    x_all, y_all = make_windows(values, window, horizon, dtype=np.float64)
    origins = window - 1 + np.arange(len(x_all))
    in_test = (origins + 1 >= test.start) & (origins + horizon < test.stop)
    test_rows = np.flatnonzero(in_test)
    truths, preds = [], []
    for rows in np.array_split(test_rows, folds):
        first_origin = origins[rows[0]]
        known = np.flatnonzero(origins + horizon <= first_origin)  # targets already observed
        model = linear_forecaster().fit(x_all[known].reshape(len(known), -1), y_all[known])
        truths.append(y_all[rows])
        preds.append(model.predict(x_all[rows].reshape(len(rows), -1)))
    return {"mae": mae(np.concatenate(truths), np.concatenate(preds)), "fits": folds}


def _forecasting(config: dict, hardware: Hardware, run_dir: Path | None,
                 progress: Callable[[dict], None] | None) -> dict[str, Any]:
    from course_pkg.data.time_series import (Standardizer, chronological_split, load_series,
                                             windows_by_split)
    from course_pkg.models.time_series import linear_forecaster

    series = load_series(config["series"])
    values = series.values
    splits = chronological_split(len(values), config["fractions"])
    scaler = Standardizer.fit(values[splits[0]])
    scaled = scaler.transform(values)
    train_values = values[splits[0]]
    out: dict[str, Any] = {"series": {"name": series.name, "unit": series.unit,
                                      "period": series.period, "steps": len(values),
                                      "first": str(series.dates[0]), "last": str(series.dates[-1]),
                                      "splits": [[s.start, s.stop] for s in splits],
                                      "provenance": series.provenance}}
    models = {"lstm_one_step": ("lstm", 1), "gru_multi_step": ("gru", config["horizon"])}
    for name, (kind, horizon) in models.items():
        (x_tr, y_tr, _), (x_va, y_va, o_va), (x_te, y_te, o_te) = windows_by_split(
            scaled, splits, config["window"], horizon)
        result = fit(_build(kind, config["window"], horizon, config["units"],
                            config["learning_rate"], hardware),
                     x_tr, y_tr, validation_data=(x_va, y_va), epochs=config["epochs"],
                     batch_size=config["batch_size"], seed=config["seed"], hardware=hardware,
                     run_dir=None if run_dir is None else run_dir / name, progress=progress,
                     fingerprint={**config, "model": name})
        truth = scaler.inverse(y_te)
        network = scaler.inverse(_predict(result.model, x_te))
        linear = linear_forecaster().fit(x_tr.reshape(len(x_tr), -1).astype(np.float64), y_tr)
        forecasts = {name: network}
        for base, f in _baselines(values, o_te, horizon, series.period, linear, x_te).items():
            forecasts[base] = f if base != "linear" else scaler.inverse(f)
        keep = slice(-KEEP_TEST_ORIGINS, None)
        persistence_val = np.repeat(x_va[:, -1, :], horizon, axis=1)
        out[name] = {
            "kind": kind, "horizon": horizon, "params": int(result.model.count_params()),
            "scores": _scores(truth, forecasts, train_values),
            "history": result.history, "train_seconds": round(result.wall_s, 1),
            "resumed_epochs": result.resumed_epochs,
            # the learning curves' baseline: persistence's MAE on the scaled validation windows
            "val_persistence_mae_scaled": float(np.mean(np.abs(y_va - persistence_val))),
            "walk_forward_linear": walk_forward_linear(values, splits[2], config["window"],
                                                       horizon, config["walk_forward_folds"]),
            # the last KEEP_TEST_ORIGINS forecasts of the test stretch, for the error analysis
            "test": {"origins": o_te[keep].tolist(),
                     "dates": [str(d) for d in series.dates[o_te[keep]]],
                     "truth": truth[keep].round(4).tolist(),
                     **{k: np.asarray(v)[keep].round(4).tolist() for k, v in forecasts.items()}},
        }
    return out


def _stock_windows(config: dict) -> tuple[list, Any, list[str]]:
    """Windows of daily log returns for every ticker, split by date; returns (parts, scaler, tickers)
    with parts = [(x, y, last_return) per split], pooled over the tickers."""
    from course_pkg.data.time_series import (TICKERS, Standardizer, chronological_split,
                                             load_stock, windows_by_split)

    returns = {t: np.diff(np.log(load_stock(t).values)) for t in TICKERS}
    splits = chronological_split(len(returns[TICKERS[0]]), config["fractions"])
    scaler = Standardizer.fit(np.concatenate([r[splits[0]] for r in returns.values()]))
    parts: list[list] = [[], [], []]
    for ticker, r in returns.items():
        for i, (x, y, _) in enumerate(windows_by_split(scaler.transform(r), splits,
                                                       config["stock_window"], 1)):
            if i == 0 and config.get("stock_train_days"):
                x, y = x[-config["stock_train_days"]:], y[-config["stock_train_days"]:]
            parts[i].append((x, y))
    pooled = [tuple(np.concatenate(a) for a in zip(*p)) for p in parts]
    return pooled, scaler, list(TICKERS)


def _direction_table(config: dict, hardware: Hardware, run_dir: Path | None,
                     progress: Callable[[dict], None] | None) -> dict[str, Any]:
    """Directional accuracy on the test days of the three stocks: the GRU and three baselines."""
    from course_pkg.data.time_series import STOCKS
    from course_pkg.models.time_series import directional_accuracy, linear_forecaster

    ((x_tr, y_tr), (x_va, y_va), (x_te, y_te)), scaler, tickers = _stock_windows(config)
    result = fit(_build("gru", config["stock_window"], 1, config["stock_units"],
                        config["learning_rate"], hardware),
                 x_tr, y_tr, validation_data=(x_va, y_va), epochs=config["stock_epochs"],
                 batch_size=config["batch_size"], seed=config["seed"], hardware=hardware,
                 run_dir=None if run_dir is None else run_dir / "gru_direction",
                 progress=progress, fingerprint={**config, "model": "gru_direction"})
    # directions in return units: the scaler's mean is added back before taking signs
    actual = scaler.inverse(y_te[:, 0])
    linear = linear_forecaster().fit(x_tr.reshape(len(x_tr), -1).astype(np.float64), y_tr[:, 0])
    predicted = {"gru_direction": scaler.inverse(_predict(result.model, x_te)[:, 0]),
                 "always_up": np.ones_like(actual),
                 "same_as_yesterday": scaler.inverse(x_te[:, -1, 0]),
                 "linear": scaler.inverse(linear.predict(x_te.reshape(len(x_te), -1)))}
    per_ticker = len(actual) // len(tickers)  # the pooled test windows, ticker after ticker
    return {"tickers": tickers, "provenance": STOCKS.provenance(),
            "test": {t: {"actual": actual[i * per_ticker:(i + 1) * per_ticker].round(6).tolist(),
                         "gru_direction": predicted["gru_direction"][
                             i * per_ticker:(i + 1) * per_ticker].round(6).tolist()}
                     for i, t in enumerate(tickers)},
            "test_days": len(actual), "up_share_test": float(np.mean(actual > 0)),
            "history": result.history, "train_seconds": round(result.wall_s, 1),
            "resumed_epochs": result.resumed_epochs,
            # each forecast's accuracy, interval and test, and how often it says "up"
            "direction": {k: {**directional_accuracy(actual, v), "says_up": float(np.mean(v > 0))}
                          for k, v in predicted.items()}}


def run(preset: str = "book", out: str | None = None,
        progress: Callable[[dict], None] | None = None, run_dir: str | None = None,
        hardware: Hardware | None = None) -> dict:
    """Train the forecasters, score them and the baselines; return the result document.

    Args:
        preset: "test", "book", "colab" or "full" (:data:`PRESETS`).
        out: folder for ``time_series_<preset>.json`` (None: not written).
        progress: called after every epoch of each model (``format_epoch``).
        run_dir: checkpoint folder; each model has its own sub-folder; a rerun resumes.
        hardware: precision and devices (default: ``hardware_for(preset)``).

    Returns:
        The document of ``application_document``: ``metrics`` holds the test MAE and MASE of
        every model and baseline, one-step (``one_step_<name>_mae``...) and multi-step
        (``multi_step_...``), and the directional accuracies on the stocks
        (``direction_<name>``); ``forecasting`` and ``stocks`` hold the details (scores by horizon
        step, the test forecasts, walk-forward, intervals), ``timing`` the seconds.
    """
    from course_pkg.colab import ensure_packages

    ensure_packages("sklearn")
    config = check_preset(NAME, PRESETS, preset)
    hardware = hardware or hardware_for(preset)
    folder = None if run_dir is None else Path(run_dir)
    start = time.perf_counter()
    forecasting = _forecasting(config, hardware, folder, progress)
    stocks = _direction_table(config, hardware, folder, progress)
    metrics: dict[str, Any] = {}
    for model, prefix in (("lstm_one_step", "one_step"), ("gru_multi_step", "multi_step")):
        for name, score in forecasting[model]["scores"].items():
            label = "network" if name == model else name
            metrics[f"{prefix}_{label}_mae"] = score["mae"]
            metrics[f"{prefix}_{label}_mase"] = score["mase"]
        metrics[f"{prefix}_walk_forward_linear_mae"] = forecasting[model]["walk_forward_linear"]["mae"]
    for name, record in stocks["direction"].items():
        metrics[f"direction_{name}"] = record["accuracy"]
    timing = {"train_seconds": round(sum(forecasting[m]["train_seconds"]
                                         for m in ("lstm_one_step", "gru_multi_step"))
                                     + stocks["train_seconds"], 1),
              "resumed_epochs": forecasting["lstm_one_step"]["resumed_epochs"]}
    document = application_document(
        NAME, preset, out, config, metrics, forecasting["lstm_one_step"]["history"], hardware,
        time.perf_counter() - start, data=forecasting["series"]["provenance"],
        forecasting=forecasting, stocks=stocks, timing=timing)
    if out is not None:
        write_result(document, out)
    return document
