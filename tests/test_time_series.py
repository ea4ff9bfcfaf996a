"""Time-series chapter: the four offline series are read from their checked package files (another
file or a missing package is refused, naming the pip command), windows and chronological
stretches hold exactly the values they should, scaling comes from the training stretch, the
baselines and MASE give hand-checked numbers, directional accuracy's Wilson interval matches its
formula, the Jena loader reads a small local zip through a file:// URL and refuses another file,
and the recipe's test preset returns finite metrics. The preset on TensorFlow and JAX, two
devices and resume are in the shared recipe tests."""

import dataclasses
import hashlib
import math
import zipfile

import numpy as np
import pytest

import course_pkg.data.time_series as ts
from course_pkg.data.sources import DataChecksumError, MissingDataSourceError, file_sha256
from course_pkg.data.time_series import (
    CO2,
    JENA,
    JENA_SHA256_ENV,
    SEATTLE_WEATHER,
    STOCKS,
    SUNSPOTS,
    Standardizer,
    chronological_split,
    load_co2,
    load_jena,
    load_seattle_weather,
    load_series,
    load_stock,
    load_sunspots,
    make_windows,
    windows_by_split,
)
from course_pkg.models.time_series import (
    directional_accuracy,
    linear_forecaster,
    mae,
    mase,
    naive_scale,
    persistence_forecast,
    seasonal_naive_forecast,
)


# ---------------------------------------------------------------------------------------------
# the offline series: provenance, checksum, contents
@pytest.mark.parametrize("source, loader", [(SUNSPOTS, load_sunspots), (CO2, load_co2),
                                            (STOCKS, load_stock),
                                            (SEATTLE_WEATHER, load_seattle_weather)])
def test_each_series_comes_from_its_checked_package_file(source, loader):
    path = source.locate()
    assert file_sha256(path) == source.sha256
    assert path.as_posix().endswith(source.path)
    series = loader()
    assert series.provenance == {"kind": "package", **dataclasses.asdict(source)}
    assert series.values.dtype == np.float64 and np.isfinite(series.values).all()
    assert len(series.dates) == len(series.values)
    assert np.all(np.diff(series.dates).astype(int) > 0)  # oldest first, no repeats


def test_sunspots_are_the_monthly_means_1749_to_2009():
    s = load_sunspots()
    assert len(s) == 3126 and s.period == 132
    assert (str(s.dates[0]), str(s.dates[-1])) == ("1749-01", "2009-06")
    assert s.values[:3].tolist() == [58.0, 62.6, 70.0]
    assert s.values[-6:].tolist() == [1.5, 1.4, 0.7, 1.2, 2.9, 2.6]


def test_co2_is_monthly_with_the_empty_months_interpolated():
    s = load_co2()
    assert len(s) == 526 and s.period == 12
    assert (str(s.dates[0]), str(s.dates[-1])) == ("1958-03", "2001-12")
    assert s.values[0] == pytest.approx(316.1)  # March 1958: one weekly value
    june = int(np.flatnonzero(s.dates == np.datetime64("1958-06"))[0])  # no weekly value
    assert s.values[june] == pytest.approx((s.values[june - 1] + s.values[june + 1]) / 2)


def test_stocks_and_weather_have_their_documented_lengths():
    aapl = load_stock("AAPL")
    assert len(aapl) == 3270 and str(aapl.dates[0]) == "2000-03-01"
    assert aapl.values[0] == pytest.approx(4.186662803811)
    assert len(load_stock("IBM")) == len(load_stock("MSFT")) == 3270
    weather = load_seattle_weather()
    assert len(weather) == 1461 and weather.values[:2].tolist() == [12.8, 10.6]
    with pytest.raises(ValueError, match=r"load_stock: argument ticker expected one of "
                                         r"\['AAPL', 'IBM', 'MSFT'\], got 'FB'"):
        load_stock("FB")
    with pytest.raises(ValueError, match="load_series: argument name expected one of"):
        load_series("bitcoin")


def test_a_different_file_is_refused_by_its_checksum():
    wrong = dataclasses.replace(SUNSPOTS, sha256="0" * 64)
    with pytest.raises(DataChecksumError, match=r"sunspots: .* has SHA-256 [0-9a-f]{64}, "
                                                r"expected 0{64} \(statsmodels 0.15.0\)"):
        load_sunspots(wrong)


def test_a_missing_package_or_file_names_the_pip_command():
    absent = dataclasses.replace(STOCKS, distribution="no-such-sampledata",
                                 module="no_such_sampledata")
    with pytest.raises(MissingDataSourceError,
                       match=r"stocks: the package 'no-such-sampledata' is not installed; "
                             r"install it with: pip install no-such-sampledata==2026.1"):
        load_stock("AAPL", source=absent)
    moved = dataclasses.replace(CO2, path="datasets/co2/no_such.csv")
    with pytest.raises(MissingDataSourceError, match=r"co2: datasets/co2/no_such.csv is missing "
                                                     r"from the installed statsmodels"):
        load_co2(moved)


# ---------------------------------------------------------------------------------------------
# stretches, scaling, windows
def test_chronological_split_is_consecutive_and_checked():
    assert chronological_split(10, (0.6, 0.2, 0.2)) == (slice(0, 6), slice(6, 8), slice(8, 10))
    parts = chronological_split(3126, (0.7, 0.15, 0.15))
    assert [p.stop - p.start for p in parts] == [2188, 469, 469]
    assert parts[0].start == 0 and parts[-1].stop == 3126
    assert all(a.stop == b.start for a, b in zip(parts, parts[1:]))
    with pytest.raises(ValueError, match=r"chronological_split: argument fractions expected "
                                         r"positive shares summing to 1, got \[0.5, 0.6\]"):
        chronological_split(10, (0.5, 0.6))
    with pytest.raises(ValueError, match="3 steps are too few"):
        chronological_split(3, (0.8, 0.1, 0.1))


def test_scaling_uses_the_training_stretch_only():
    values = np.array([1.0, 3.0, 100.0, 200.0])
    scaler = Standardizer.fit(values[:2])
    assert (scaler.mean, scaler.std) == (2.0, 1.0)
    np.testing.assert_allclose(scaler.transform(values), [-1.0, 1.0, 98.0, 198.0])
    np.testing.assert_allclose(scaler.inverse(scaler.transform(values)), values)
    with pytest.raises(ValueError, match="Standardizer.fit: the training values must vary"):
        Standardizer.fit(np.ones(5))


def test_windows_hold_the_window_and_the_steps_after_it():
    x, y = make_windows(np.arange(8.0), window=3, horizon=2)
    assert x.shape == (4, 3, 1) and y.shape == (4, 2) and x.dtype == np.float32
    assert x[:, :, 0].tolist() == [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]]
    assert y.tolist() == [[3, 4], [4, 5], [5, 6], [6, 7]]
    x1, y1 = make_windows(np.arange(5.0), window=4)
    assert x1.shape == (1, 4, 1) and y1.tolist() == [[4.0]]


@pytest.mark.parametrize("args, message", [
    ((np.zeros((3, 2)), 2), r"argument values expected a 1-D series \(T,\), got shape \(3, 2\)"),
    ((np.arange(5.0), 0), "argument window expected a positive integer, got 0"),
    ((np.arange(5.0), 2, 1.5), "argument horizon expected a positive integer, got 1.5"),
    ((np.arange(5.0), 4, 2), "a series of 5 steps is too short for window 4 \\+ horizon 2"),
])
def test_windows_refuse_bad_arguments_by_name(args, message):
    with pytest.raises(ValueError, match="make_windows: " + message):
        make_windows(*args)


def test_each_stretch_keeps_its_targets_inside_it():
    values = np.arange(20.0)
    splits = chronological_split(20, (0.5, 0.25, 0.25))  # 0-9, 10-14, 15-19
    (x0, y0, o0), (x1, y1, o1), (x2, y2, o2) = windows_by_split(values, splits, window=3,
                                                                  horizon=2)
    assert y0.min() >= 0 and y0.max() <= 9 and y1.min() == 10 and y1.max() <= 14
    assert y2[:, 0].tolist() == [15, 16, 17, 18] and y2.max() == 19
    assert x2[0, :, 0].tolist() == [12, 13, 14]  # a test window may read the validation stretch
    assert o2.tolist() == [14, 15, 16, 17]
    np.testing.assert_array_equal(values[o2], x2[:, -1, 0])


# ---------------------------------------------------------------------------------------------
# baselines and scores on series checked by hand
def test_persistence_and_seasonal_naive_repeat_the_right_values():
    values = np.array([10.0, 20, 30, 40, 11, 21, 31, 41])
    assert persistence_forecast(values, [3, 5], horizon=3).tolist() == [[40] * 3, [21] * 3]
    # season 4: from origin 5 (value 21), steps 6, 7, 8, 9, 10 repeat steps 2, 3, 4, 5, 2 ... -> 30
    assert seasonal_naive_forecast(values, [5], season=4, horizon=5).tolist() == [
        [30, 40, 11, 21, 30]]
    with pytest.raises(ValueError, match="origin 2 has fewer than season = 4 steps of history"):
        seasonal_naive_forecast(values, [2], season=4)
    with pytest.raises(ValueError, match=r"origins must index the series of 8 steps, got 0..8"):
        persistence_forecast(values, [0, 8])


def test_the_linear_baseline_is_exact_on_an_autoregressive_series():
    values = 0.5 * np.arange(40.0) + 3.0  # y_t = y_{t-1} + 0.5: AR(1) with an intercept
    x, y = make_windows(values, window=3, horizon=2, dtype=np.float64)
    model = linear_forecaster().fit(x.reshape(len(x), -1), y)
    prediction = model.predict(np.array([[100.0, 100.5, 101.0]]))
    np.testing.assert_allclose(prediction, [[101.5, 102.0]], atol=1e-9)


def test_mase_divides_the_mae_by_the_in_sample_naive_mae():
    train = np.array([1.0, 3.0, 2.0, 5.0])  # |3-1|, |2-3|, |5-2| -> naive MAE (2 + 1 + 3) / 3 = 2
    assert naive_scale(train) == pytest.approx(2.0)
    assert naive_scale(train, season=2) == pytest.approx((1 + 2) / 2)
    y_true, y_pred = np.array([[6.0], [8.0]]), np.array([[5.0], [5.0]])  # MAE (1 + 3) / 2 = 2
    assert mae(y_true, y_pred) == pytest.approx(2.0)
    assert mase(y_true, y_pred, train) == pytest.approx(1.0)
    # the naive forecast scored on its own training stretch has MASE 1 by definition
    assert mase(train[1:], train[:-1], train) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="naive_scale: the training series is constant"):
        mase(y_true, y_pred, np.ones(4))
    with pytest.raises(ValueError, match=r"mae: y_true and y_pred must have the same shape"):
        mae(y_true, y_pred[:1])


def test_directional_accuracy_has_the_wilson_interval_and_binomial_test():
    actual = np.array([1.0] * 60 + [-1.0] * 40 + [0.0] * 5)  # five days without a move
    predicted = np.ones(105)
    r = directional_accuracy(actual, predicted)
    assert r["n"] == 100 and r["accuracy"] == pytest.approx(0.6)
    z, p, n = 1.959963984540054, 0.6, 100
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((centre - half, centre + half), abs=1e-9)
    assert (round(r["ci_low"], 4), round(r["ci_high"], 4)) == (0.5020, 0.6906)
    assert r["p_value"] == pytest.approx(0.05688793364098078, rel=1e-6)  # scipy's exact test
    with pytest.raises(ValueError, match="directional_accuracy: the series never moves"):
        directional_accuracy(np.zeros(3), np.ones(3))


# ---------------------------------------------------------------------------------------------
# the Jena loader, on a small local zip
_JENA_CSV = ('"Date Time","p (mbar)","T (degC)","rh (%)"\n'
             + "".join(f"01.01.2009 {h:02d}:{m:02d}:00,996.5,{-8.0 + 0.1 * (6 * h + m // 10):.2f},93.3\n"
                       for h in range(3) for m in range(0, 60, 10)))


def _jena_zip(tmp_path):
    path = tmp_path / "jena_climate_2009_2016.csv.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("jena_climate_2009_2016.csv", _JENA_CSV)
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


def test_jena_loader_reads_a_local_zip_hourly(tmp_path):
    path, digest = _jena_zip(tmp_path)
    series = load_jena(sha256=digest, url=path.as_uri(), cache=tmp_path / "cache")
    assert series.values.tolist() == [-8.0, -7.4, -6.8]  # rows 0, 6, 12: every hour
    assert [str(d) for d in series.dates] == ["2009-01-01T00:00", "2009-01-01T01:00",
                                              "2009-01-01T02:00"]
    assert series.unit == "degC" and series.period == 24
    assert series.provenance["url"] == JENA.url and series.provenance["sha256"] == digest
    assert (tmp_path / "cache" / JENA.filename).is_file()
    every_row = load_jena("p (mbar)", every=1, sha256=digest, cache=tmp_path / "cache")
    assert len(every_row) == 18 and every_row.period == 144  # cached: no URL needed


def test_jena_loader_refuses_another_file_and_asks_for_a_checksum(tmp_path, monkeypatch):
    path, digest = _jena_zip(tmp_path)
    with pytest.raises(DataChecksumError, match="jena_climate: the file downloaded from"):
        load_jena(sha256="1" * 64, url=path.as_uri(), cache=tmp_path / "cache")
    assert not (tmp_path / "cache" / JENA.filename).exists()
    monkeypatch.delenv(JENA_SHA256_ENV, raising=False)
    with pytest.raises(MissingDataSourceError,
                       match=r"no SHA-256 is recorded .* set \$RNN_COURSE_JENA_SHA256"):
        load_jena(url=path.as_uri(), cache=tmp_path / "cache")
    monkeypatch.setenv(JENA_SHA256_ENV, digest)
    assert len(load_jena(url=path.as_uri(), cache=tmp_path / "cache")) == 3
    with pytest.raises(ValueError, match=r"load_jena: argument column expected one of"):
        load_jena("wind", cache=tmp_path / "cache")


def test_jena_is_the_file_keras_io_downloads():
    assert JENA.url == ("https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
                        "jena_climate_2009_2016.csv.zip")
    assert JENA.size == 13568290 and ts.JENA.sha256 == ""


# ---------------------------------------------------------------------------------------------
# models and the recipe
@pytest.mark.keras
def test_forecasters_have_the_documented_parameter_counts():
    from course_pkg.models.time_series import EXAMPLE_MODELS, forecaster

    lstm = forecaster("lstm", window=24, horizon=1, units=32)
    gru = forecaster("gru", window=24, horizon=12, units=32)
    assert lstm.count_params() == 4 * (32 + 32 * 32 + 32) + 33
    assert gru.count_params() == 3 * (32 + 32 * 32 + 2 * 32) + 32 * 12 + 12
    assert gru.layers[-1].dtype_policy.compute_dtype == "float32"
    assert all(m().output_shape[0] is None for m in EXAMPLE_MODELS.values())
    with pytest.raises(ValueError, match="forecaster: argument kind expected one of"):
        forecaster("rnn")


@pytest.mark.keras
@pytest.mark.slow
def test_the_recipe_test_preset_scores_every_forecast(recipe_test_runs):
    from course_pkg.recipes import time_series

    assert tuple(time_series.PRESETS) == ("test", "book", "colab", "full")
    assert time_series.PRESETS["colab"]["series"] == "jena"
    document = recipe_test_runs.document("time_series")
    metrics = document["metrics"]
    for prefix in ("one_step", "multi_step"):
        for name in ("network", "persistence", "seasonal_naive", "linear"):
            assert math.isfinite(metrics[f"{prefix}_{name}_mae"]) and metrics[f"{prefix}_{name}_mase"] > 0
    # the baselines do not depend on training: the hand-checked sunspot figures
    assert metrics["one_step_persistence_mae"] == pytest.approx(14.0271, abs=1e-3)
    assert metrics["multi_step_persistence_mae"] == pytest.approx(21.6738, abs=1e-3)
    for name in ("gru_direction", "always_up", "same_as_yesterday", "linear"):
        record = document["stocks"]["direction"][name]
        assert 0 < record["ci_low"] <= record["accuracy"] <= record["ci_high"] < 1
        assert 0 < record["n"] <= document["stocks"]["test_days"]
    assert document["data"]["name"] == "sunspots"


@pytest.mark.keras
@pytest.mark.slow
def test_the_colab_path_reads_jena_through_its_loader(tmp_path, monkeypatch):
    """The colab preset's code path (the Jena loader, 24-hour seasons and horizons) on 600 hours
    of a synthetic daily wave, cached where the real zip would be, with tiny layers."""
    from course_pkg.data.sources import CACHE_ENV
    from course_pkg.recipes import time_series

    hours = np.arange(600 * 6) / 6
    rows = "".join(f"{1 + int(h // 24) % 28:02d}.01.2009 {int(h % 24):02d}:{int(h * 60 % 60):02d}:00,"
                   f"990.0,{10 + 5 * np.sin(2 * np.pi * h / 24):.3f}\n" for h in hours)
    path = tmp_path / JENA.filename
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("jena_climate_2009_2016.csv", '"Date Time","p (mbar)","T (degC)"\n' + rows)
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    monkeypatch.setenv(JENA_SHA256_ENV, file_sha256(path))
    colab_like = {**time_series.PRESETS["test"], "series": "jena", "window": 72, "horizon": 24}
    monkeypatch.setitem(time_series.PRESETS, "test", colab_like)
    document = time_series.run("test")
    assert document["data"]["kind"] == "download" and document["data"]["url"] == JENA.url
    assert document["forecasting"]["series"]["period"] == 24
    metrics = document["metrics"]
    # a pure daily wave: repeating yesterday's hour is exact, least squares nearly so
    assert metrics["multi_step_seasonal_naive_mae"] == pytest.approx(0.0, abs=1e-3)
    assert metrics["one_step_linear_mae"] < 1e-2 < metrics["one_step_persistence_mae"]
    assert all(math.isfinite(v) for v in metrics.values())
