"""Time series for forecasting: four real series offline, the Jena climate record for Colab.

Offline, each read from a file that a PyPI package ships (checked by
:meth:`~course_pkg.data.sources.PackagedSource.locate`: installed version and SHA-256):

- **sunspots** (:data:`SUNSPOTS`): the monthly mean sunspot number, January 1749 to June 2009
  (3,126 months), ``statsmodels`` 0.15.0, ``datasets/sunspots/src/sunspots_monthly.dat``;
- **co2** (:data:`CO2`): weekly CO2 at Mauna Loa, March 1958 to December 2001 (2,284 weeks, 59
  missing), ``statsmodels`` 0.15.0, ``datasets/co2/co2.csv``; :func:`load_co2` averages it by month;
- **stocks** (:data:`STOCKS`): daily prices of AAPL, IBM and MSFT, March 2000 to March 2013 (3,270
  trading days each), ``bokeh_sampledata`` 2026.1, ``_data/stocks.csv.gz`` (Quandl WIKI prices,
  public domain);
- **weather** (:data:`SEATTLE_WEATHER`): daily Seattle weather 2012-2015 (1,461 days),
  ``vega_datasets`` 0.9.0, ``_data/seattle-weather.csv``.

For Colab, :func:`load_jena` reads the Max Planck Institute's Jena weather record (2009-2016, one
row every 10 minutes, 420,551 rows) that keras-io's weather-forecasting example downloads,
through :func:`~course_pkg.data.sources.cached_download`. No SHA-256 of that zip could be found
offline (not in Keras, keras-io or TensorFlow Datasets): download it once, run
``sha256sum jena_climate_2009_2016.csv.zip`` and pass ``sha256=`` or set ``$RNN_COURSE_JENA_SHA256``;
a file that differs from it is refused.

Then the three steps every forecasting experiment needs, in this order:

1. :func:`chronological_split`: train, validation and test are consecutive stretches of time
   (never shuffled: a shuffled split lets the model see the future of its test points);
2. :class:`Standardizer`: the mean and spread come from the training stretch only;
3. :func:`make_windows`: input windows (N, W, 1) and the next H values (N, H) to predict.

Example:
    >>> series = load_sunspots()
    >>> len(series), str(series.dates[0]), series.values[:3].tolist()
    (3126, '1749-01', [58.0, 62.6, 70.0])
    >>> x, y = make_windows(np.arange(6.0), window=3, horizon=2)
    >>> x.shape, y.shape, x[0, :, 0].tolist(), y[0].tolist()
    ((2, 3, 1), (2, 2), [0.0, 1.0, 2.0], [3.0, 4.0])
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import zipfile
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from .sources import MissingDataSourceError, PackagedSource, RemoteSource, cached_download

__all__ = [
    "CO2", "JENA", "JENA_SHA256_ENV", "SEATTLE_WEATHER", "STOCKS", "SUNSPOTS", "TICKERS", "Series",
    "Standardizer", "chronological_split", "load_co2", "load_jena", "load_seattle_weather",
    "load_series", "load_stock", "load_sunspots", "make_windows", "windows_by_split",
]

_STATSMODELS = {"distribution": "statsmodels", "module": "statsmodels", "version": "0.15.0",
                "licence": "BSD-3-Clause (statsmodels); the data are public domain",
                "homepage": "https://www.statsmodels.org/stable/datasets/"}

#: Monthly mean sunspot numbers 1749-2009 (SIDC, as statsmodels ships them).
SUNSPOTS = PackagedSource(name="sunspots", path="datasets/sunspots/src/sunspots_monthly.dat",
                          sha256="cc303d26340b6d599bc2878899f8c50c12323dc04b52a26ad047965ea2b9d2a3",
                          **_STATSMODELS)

#: Weekly CO2 at Mauna Loa 1958-2001 (Keeling and Whorf, as statsmodels ships them).
CO2 = PackagedSource(name="co2", path="datasets/co2/co2.csv",
                     sha256="16695fa2786e53414e5a6b54767a3fdf5de99cfbc68617f69d1362d92776a92f",
                     **_STATSMODELS)

#: Daily stock prices 2000-2013 (Quandl WIKI prices, public domain) in bokeh's sample data.
STOCKS = PackagedSource(
    name="stocks", distribution="bokeh_sampledata", module="bokeh_sampledata", version="2026.1",
    path="_data/stocks.csv.gz", licence="public domain (Quandl WIKI prices)",
    sha256="5abadf99b2d394f920120a27de6f0df129859d71d4cfb0bf661bcc99446ab1fd",
    homepage="https://github.com/bokeh/bokeh_sampledata")

#: Daily Seattle weather 2012-2015 in Vega's sample data.
SEATTLE_WEATHER = PackagedSource(
    name="seattle_weather", distribution="vega_datasets", module="vega_datasets", version="0.9.0",
    path="_data/seattle-weather.csv", licence="BSD-3-Clause (vega_datasets); NOAA data",
    sha256="62f0609f787158128aa2bd102967173a4953122dd4f872bf1d502cae1037df0b",
    homepage="https://github.com/altair-viz/vega_datasets")

#: The tickers whose whole 2000-2013 history the stocks file holds.
TICKERS = ("AAPL", "IBM", "MSFT")

#: Environment variable holding the SHA-256 of the Jena zip (see the module docstring).
JENA_SHA256_ENV = "RNN_COURSE_JENA_SHA256"

#: The Jena climate record as keras-io's weather example downloads it (13,568,290 bytes;
#: ``sha256`` empty: none was found offline).
JENA = RemoteSource(
    name="jena_climate",
    url="https://storage.googleapis.com/tensorflow/tf-keras-datasets/jena_climate_2009_2016.csv.zip",
    sha256="",
    filename="jena_climate_2009_2016.csv.zip",
    licence="Max Planck Institute for Biogeochemistry, Jena; free for research and teaching, cite "
            "the source",
    homepage="https://www.bgc-jena.mpg.de/wetter/",
    size=13568290,
    sha256_env=JENA_SHA256_ENV,
)


@dataclass(frozen=True)
class Series:
    """One univariate time series, oldest first.

    Attributes:
        name: what it measures (``"sunspots"``).
        values: (T,) float64 observations.
        dates: (T,) ``numpy.datetime64`` time of each observation.
        unit: the unit of ``values``.
        period: the length of the season in steps (12 for monthly CO2), or of the cycle used by
            the seasonal naive forecast (132 months for the 11-year sunspot cycle).
        provenance: where the data came from (a source's ``provenance()``).
    """

    name: str
    values: np.ndarray
    dates: np.ndarray
    unit: str
    period: int
    provenance: dict[str, Any]

    def __len__(self) -> int:
        return len(self.values)


def load_sunspots(source: PackagedSource = SUNSPOTS) -> Series:
    """The monthly mean sunspot number, 1749-01 to 2009-06 (3,126 months); period 132 months.

    Raises:
        course_pkg.data.sources.MissingDataSourceError: statsmodels 0.15.0 is not installed.
        course_pkg.data.sources.DataChecksumError: the file is not the one that was checked.
    """
    values, dates = [], []
    for line in source.locate().read_text(encoding="utf-8").splitlines():
        fields = line.split()
        if not fields or not fields[0].isdigit():
            continue  # the header, the rulers and the closing note
        year = int(fields[0])
        for month, value in enumerate(fields[1:], start=1):
            values.append(float(value))
            dates.append(np.datetime64(f"{year:04d}-{month:02d}", "M"))
    return Series("sunspots", np.asarray(values), np.asarray(dates), "sunspot number", 132,
                  source.provenance())


def load_co2(source: PackagedSource = CO2) -> Series:
    """Mauna Loa CO2 in ppm, the weekly values averaged by month (1958-03 to 2001-12, 526
    months); the 59 missing weeks are skipped, and the five months without any weekly value are
    interpolated linearly between their neighbours. Period 12 months."""
    sums: dict[np.datetime64, list[float]] = {}
    with open(source.locate(), encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["co2"]:
                day = row["date"]
                month = np.datetime64(f"{day[:4]}-{day[4:6]}", "M")
                sums.setdefault(month, []).append(float(row["co2"]))
    seen = np.asarray(sorted(sums))
    dates = np.arange(seen[0], seen[-1] + 1)
    means = np.asarray([np.mean(sums[m]) for m in seen])
    # five months have no weekly value at all (1958-06, 1958-10, 1964-02 to 04): interpolated
    values = np.interp(dates.astype(np.int64), seen.astype(np.int64), means)
    return Series("co2", values, dates, "ppm", 12, source.provenance())


def load_stock(ticker: str = "AAPL", source: PackagedSource = STOCKS) -> Series:
    """Daily adjusted closing price of ``ticker`` (one of :data:`TICKERS`), 3,270 trading days
    from 2000-03-01 to 2013-03-01; period 5 (a trading week)."""
    if ticker not in TICKERS:
        raise ValueError(f"load_stock: argument ticker expected one of {list(TICKERS)}, got {ticker!r}")
    values, dates = [], []
    with gzip.open(source.locate(), "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Ticker"] == ticker:
                values.append(float(row["Adj Close"]))
                dates.append(np.datetime64(row["Date"], "D"))
    order = np.argsort(dates, kind="stable")
    return Series(ticker, np.asarray(values)[order], np.asarray(dates)[order], "USD (adjusted)", 5,
                  source.provenance())


def load_seattle_weather(column: str = "temp_max",
                         source: PackagedSource = SEATTLE_WEATHER) -> Series:
    """One daily column of Seattle's weather 2012-2015 (1,461 days): ``temp_max`` or ``temp_min``
    (deg C), ``precipitation`` (mm) or ``wind`` (m/s); period 365 days."""
    units = {"temp_max": "deg C", "temp_min": "deg C", "precipitation": "mm", "wind": "m/s"}
    if column not in units:
        raise ValueError(f"load_seattle_weather: argument column expected one of {list(units)}, "
                         f"got {column!r}")
    with open(source.locate(), encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    dates = np.asarray([np.datetime64(r["date"].replace("/", "-"), "D") for r in rows])
    return Series(f"seattle_{column}", np.asarray([float(r[column]) for r in rows]), dates,
                  units[column], 365, source.provenance())


def _read_jena(path: str | os.PathLike, column: str, every: int) -> tuple[np.ndarray, np.ndarray]:
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if n.endswith(".csv") and "__MACOSX" not in n]
        if not names:
            raise MissingDataSourceError(f"jena_climate: {path} holds no CSV file")
        with archive.open(names[0]) as raw:
            reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8", newline=""))
            header = next(reader)
            if column not in header:
                raise ValueError(f"load_jena: argument column expected one of {header[1:]}, "
                                 f"got {column!r}")
            index = header.index(column)
            rows = [(r[0], float(r[index])) for i, r in enumerate(reader) if i % every == 0]
    # "01.01.2009 00:10:00" -> 2009-01-01T00:10
    dates = np.asarray([np.datetime64(f"{d[6:10]}-{d[3:5]}-{d[0:2]}T{d[11:16]}", "m")
                        for d, _ in rows])
    return np.asarray([v for _, v in rows]), dates


def load_jena(column: str = "T (degC)", every: int = 6, *, sha256: str | None = None,
              url: str | None = None, cache: str | os.PathLike | None = None) -> Series:
    """The Jena climate record (one row every 10 minutes), one column, every ``every``-th row.

    Args:
        column: a column of the CSV (``"T (degC)"``, ``"p (mbar)"``, ``"rh (%)"``...).
        every: keep rows 0, every, 2 every... (6: hourly, as keras-io does); period 24 h / step.
        sha256: the zip's SHA-256 (default: ``$RNN_COURSE_JENA_SHA256``, else ``JENA.sha256``).
        url: fetch from here instead (tests: a ``file://`` URL to a small zip).
        cache: the cache folder (``course_pkg.data.sources.cache_dir``).

    Raises:
        MissingDataSourceError: no checksum is known, or the file could not be fetched.
        DataChecksumError: the file is not the one the checksum names.
    """
    if isinstance(every, bool) or not isinstance(every, int) or every <= 0:
        raise ValueError(f"load_jena: argument every expected a positive integer, got {every!r}")
    source = JENA.checked(sha256)
    values, dates = _read_jena(cached_download(source, cache, url=url), column, every)
    return Series(f"jena_{column}", values, dates, column[column.find("(") + 1:-1] or column,
                  max(1, round(24 * 6 / every)), source.provenance())


def load_series(name: str, **kwargs: Any) -> Series:
    """A series by name: ``sunspots``, ``co2``, ``weather``, ``AAPL`` / ``IBM`` / ``MSFT`` or
    ``jena`` (keyword arguments go to the loader)."""
    loaders = {"sunspots": load_sunspots, "co2": load_co2, "weather": load_seattle_weather,
               "jena": load_jena, **{t: (lambda t=t, **kw: load_stock(t, **kw)) for t in TICKERS}}
    if name not in loaders:
        raise ValueError(f"load_series: argument name expected one of {list(loaders)}, got {name!r}")
    return loaders[name](**kwargs)


def chronological_split(n: int, fractions: Sequence[float] = (0.7, 0.15, 0.15)) -> tuple[slice, ...]:
    """Consecutive stretches of ``range(n)``, one per fraction, oldest first (never shuffled).

    Example: ``chronological_split(10, (0.6, 0.2, 0.2))`` is
    ``(slice(0, 6), slice(6, 8), slice(8, 10))``.
    """
    shares = [float(f) for f in fractions]
    if not shares or min(shares) <= 0 or abs(sum(shares) - 1) > 1e-9:
        raise ValueError(f"chronological_split: argument fractions expected positive shares "
                         f"summing to 1, got {shares}")
    ends = np.rint(np.cumsum(shares) * n).astype(int)
    starts = np.concatenate([[0], ends[:-1]])
    if np.any(ends - starts <= 0):
        raise ValueError(f"chronological_split: {n} steps are too few for fractions {shares}")
    return tuple(slice(int(a), int(b)) for a, b in zip(starts, ends))


@dataclass(frozen=True)
class Standardizer:
    """z = (v - mean) / std with the mean and standard deviation of the training stretch only.

    Fitting on the whole series would leak the test period's level and spread into training.
    """

    mean: float
    std: float

    @classmethod
    def fit(cls, train: np.ndarray) -> "Standardizer":
        """The mean and standard deviation of ``train`` ((T,) values of the training stretch)."""
        train = np.asarray(train, dtype=np.float64)
        std = float(train.std())
        if train.size < 2 or not std > 0:
            raise ValueError(f"Standardizer.fit: the training values must vary (got {train.size} "
                             f"values, std {std})")
        return cls(float(train.mean()), std)

    def transform(self, values: np.ndarray) -> np.ndarray:
        return (np.asarray(values, dtype=np.float64) - self.mean) / self.std

    def inverse(self, scaled: np.ndarray) -> np.ndarray:
        return np.asarray(scaled, dtype=np.float64) * self.std + self.mean


def make_windows(values: np.ndarray, window: int, horizon: int = 1,
                 dtype: Any = np.float32) -> tuple[np.ndarray, np.ndarray]:
    """Every input window of ``window`` steps with the ``horizon`` steps that follow it.

    Args:
        values: (T,) a series (already scaled, if the model needs it).
        window: W, the steps the model reads.
        horizon: H, the steps it predicts (1: one-step; 12: a year of months at once).
        dtype: of the arrays returned.

    Returns:
        ``x`` (N, W, 1) and ``y`` (N, H) with N = T - W - H + 1: ``x[i, :, 0] = values[i:i+W]``
        and ``y[i] = values[i+W:i+W+H]``. Window i's forecast origin (last observed step) is
        ``i + W - 1``.

    Raises:
        ValueError: values is not 1-D, W or H is not a positive integer, or T < W + H.
    """
    values = np.asarray(values)
    if values.ndim != 1:
        raise ValueError(f"make_windows: argument values expected a 1-D series (T,), got shape "
                         f"{values.shape}")
    for name, value in (("window", window), ("horizon", horizon)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
            raise ValueError(f"make_windows: argument {name} expected a positive integer, "
                             f"got {value!r}")
    n = len(values) - window - horizon + 1
    if n <= 0:
        raise ValueError(f"make_windows: a series of {len(values)} steps is too short for "
                         f"window {window} + horizon {horizon}")
    frames = np.lib.stride_tricks.sliding_window_view(values, window + horizon)
    return (frames[:, :window, None].astype(dtype), frames[:, window:].astype(dtype))


def windows_by_split(values: np.ndarray, splits: Sequence[slice], window: int, horizon: int = 1,
                     dtype: Any = np.float32) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """:func:`make_windows` for each stretch of :func:`chronological_split`, targets inside it.

    A stretch's windows may read the W steps before it (its first target is its first step), but
    every target lies in the stretch: no test value is ever a training target.

    Returns:
        One ``(x (N, W, 1), y (N, H), origins (N,))`` per split, ``origins`` the index in
        ``values`` of each window's last observed step.
    """
    values = np.asarray(values)
    parts = []
    for part in splits:
        start = max(0, part.start - window)
        x, y = make_windows(values[start:part.stop], window, horizon, dtype)
        origins = start + window - 1 + np.arange(len(x))
        keep = origins + 1 >= part.start
        parts.append((x[keep], y[keep], origins[keep]))
    return parts
