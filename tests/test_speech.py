"""Speech recognition with CTC: alignments by hand vs keras.ops.ctc_loss, decoding, espeak-ng
synthesis, log-mel features, the unseen-voice split, jiwer, the FSDD loader, the recipe."""

from __future__ import annotations

import io
import shutil
import tarfile
import wave

import keras
import numpy as np
import pytest

from course_pkg.data import speech as data
from course_pkg.data.sources import RemoteSource, file_sha256
from course_pkg.models.ctc import (alignment_probability, brute_force_ctc_loss, ctc_alignments,
                                   ctc_collapse)
from course_pkg.models.speech import EXAMPLE_MODELS, ctc_decode_strings, ctc_recognizer

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                  reason="espeak-ng is not installed")


def _softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


# --- CTC by hand ------------------------------------------------------------------------------

def test_collapse_merges_repeats_then_drops_blanks():
    assert ctc_collapse("HH-II") == "HI"
    assert ctc_collapse("-H-I-") == "HI"
    assert ctc_collapse([0, 3, 3, 0, 3, 5, 5], blank=0) == [3, 3, 5]


def test_hello_needs_a_blank_between_the_two_ls():
    assert ctc_collapse("HELLO") == "HELO"
    assert ctc_collapse("HEL-LO") == "HELLO"
    # no alignment of "HELLO" has the two L's in adjacent frames without a blank between them
    for path in ctc_alignments("HELLO", 8):
        ls = [t for t, s in enumerate(path) if s == "L"]
        runs = np.split(ls, np.flatnonzero(np.diff(ls) > 1) + 1)
        assert len(runs) == 2 and "-" in path[runs[0][-1]:runs[1][0]]
    # five frames are exactly enough for "HELO" but not for "HELLO" (it needs six)
    assert ctc_alignments("HELLO", 5) == []
    assert ctc_alignments("HELO", 4) == ["HELO"]


def test_alignments_of_hi_are_the_lecture_ones():
    paths = ctc_alignments("HI", 3)
    assert sorted(paths) == sorted(["-HI", "H-I", "HI-", "HHI", "HII"])
    assert len(ctc_alignments("HI", 5)) == 35
    with pytest.raises(ValueError, match="T must be a positive integer"):
        ctc_alignments("HI", 0)


@pytest.mark.parametrize("T", [2, 4, 5])
def test_alignment_sum_equals_keras_ctc_loss(T):
    rng = np.random.default_rng(T)
    logits = rng.normal(size=(T, 3))
    probs = _softmax(logits)
    loss, paths = brute_force_ctc_loss("HI", probs, "-HI")
    assert np.isclose(sum(alignment_probability(p, probs, "-HI") for p in paths),
                      np.exp(-loss))
    keras_loss = keras.ops.convert_to_numpy(keras.ops.ctc_loss(
        np.array([[1, 2]]), np.log(probs)[None].astype("float32"), np.array([2]), np.array([T]),
        mask_index=0))[0]
    print(f"T={T}: enumeration {loss:.9f}, keras.ops.ctc_loss {keras_loss:.9f}")
    assert abs(loss - float(keras_loss)) < 2e-6


def test_greedy_decoding_collapses_repeats_and_drops_blanks():
    # frames: blank, 3, 3, blank, 3, 7, 7 (ids 4 and 8) -> "337"
    path = [0, 4, 4, 0, 4, 8, 8]
    logits = np.full((1, len(path), 11), -5.0, dtype=np.float32)
    logits[0, np.arange(len(path)), path] = 5.0
    assert ctc_decode_strings(logits, data.DIGITS) == ["337"]
    assert ctc_decode_strings(logits, data.DIGITS, "beam_search", beam_width=8) == ["337"]


# --- features ---------------------------------------------------------------------------------

def test_pure_tone_lights_the_mel_band_around_its_frequency():
    rate, f = 8000, 1000.0
    t = np.arange(rate) / rate
    features = data.log_mel(0.5 * np.sin(2 * np.pi * f * t), rate)
    assert features.shape == (50, data.N_MELS)  # 1 s in 20 ms hops
    bank = data.mel_filterbank(data.N_MELS, 256, rate)
    centres = np.fft.rfftfreq(256, 1 / rate)[bank.argmax(axis=0)]
    loudest = int(np.bincount(features.argmax(axis=1)).argmax())
    assert abs(centres[loudest] - f) < 100, (centres[loudest], f)
    # the same tone at 22,050 Hz lands in the same band (filters up to 4 kHz either way)
    rate2 = 22050
    t2 = np.arange(rate2) / rate2
    features2 = data.log_mel(0.5 * np.sin(2 * np.pi * f * t2), rate2)
    assert int(np.bincount(features2.argmax(axis=1)).argmax()) == loudest


def test_mel_filterbank_triangles_peak_at_one_and_tile_the_band():
    bank = data.mel_filterbank(10, 512, 16000, fmax=4000)
    assert bank.shape == (257, 10)
    assert np.all(bank >= 0) and np.all(bank.max(axis=0) > 0.9)
    edges = data.mel_to_hz(np.linspace(data.hz_to_mel(20), data.hz_to_mel(4000), 12))
    assert np.allclose(data.hz_to_mel(edges[[0, -1]]), data.hz_to_mel([20, 4000]))


def test_labels_round_trip():
    y = data.encode_labels(["307", "12"])
    assert y.tolist() == [[4, 1, 8], [2, 3, 0]]
    assert data.decode_labels(y[1]) == "12" and data.decode_labels([-1, 4, -1]) == "3"


# --- espeak-ng --------------------------------------------------------------------------------

@needs_espeak
def test_synthesis_gives_audio_of_the_expected_rate_and_length():
    audio, rate = data.synthesize("3 6 1", voice="en-us+f3", speed=160, pitch=50)
    assert rate == 22050 and audio.dtype == np.int16
    assert 0.6 < len(audio) / rate < 3.0
    slow, _ = data.synthesize("3 6 1", voice="en-us+f3", speed=100, pitch=50)
    assert len(slow) > 1.3 * len(audio)
    command, rate2 = data.synthesize("3 6 1", voice="en-us+f3", speed=160, engine="command")
    assert rate2 == rate and 0.6 < len(command) / rate < 3.0


def test_missing_espeak_gives_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(data.EspeakMissingError, match="apt-get install espeak-ng"):
        data.synthesize("1 2 3")
    with pytest.raises(data.EspeakMissingError, match="apt-get install espeak-ng"):
        data.make_digit_strings(train=2, test=2, cache=tmp_path)


def test_on_colab_a_missing_espeak_is_installed_with_apt_get(monkeypatch, tmp_path):
    import subprocess

    import course_pkg.colab

    calls = []
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(course_pkg.colab, "in_colab", lambda: True)
    monkeypatch.setattr(subprocess, "run", lambda args, **kw: calls.append(args) or
                        subprocess.CompletedProcess(args, 0))
    with pytest.raises(data.EspeakMissingError):  # the fake apt-get installed nothing
        data.espeak_version()
    assert calls[0][:2] == ["apt-get", "install"] and "espeak-ng" in calls[0]


def test_test_voices_are_never_used_in_training():
    train, test = data.split_voices(test_voices=4, seed=0)
    assert len(test) == 4 and not set(train) & set(test)
    assert len(train) + 4 == len(data.ACCENTS) * len(data.VARIANTS)
    assert len({v.split("+")[0] for v in test}) == 4  # four different accents


@needs_espeak
def test_digit_strings_split_by_voice_and_cached(tmp_path):
    kwargs = dict(train=12, test=6, min_len=2, max_len=3, test_voices=2, cache=tmp_path)
    first = data.make_digit_strings(**kwargs)
    assert first.x_train.shape[0] == 12 and first.x_test.shape[0] == 6
    assert first.x_train.shape[2] == data.N_MELS and first.y_train.shape == (12, 3)
    assert not set(first.voices_train) & set(first.voices_test)
    assert set(first.voices_test) <= set(first.provenance["test_voices"])
    assert "1.5" in first.provenance["synthesiser"]
    assert len(list(tmp_path.glob("speech_digits_*.npz"))) == 1
    again = data.make_digit_strings(**kwargs)
    assert np.array_equal(first.x_test, again.x_test) and first.texts_test == again.texts_test


def test_digit_strips_use_unseen_images():
    strips = data.make_digit_strips(train=20, test=10, min_len=2, max_len=3)
    assert strips.x_train.shape == (20, 30, 8) and strips.y_test.shape == (10, 3)
    train_images = {i for s in strips.voices_train for i in s.split()}
    assert not train_images & {i for s in strips.voices_test for i in s.split()}


# --- metrics ----------------------------------------------------------------------------------

def test_jiwer_cer_on_a_known_pair():
    from course_pkg.recipes.speech import recognition_metrics

    m = recognition_metrics(["3614", "207"], ["3514", "207"])
    assert m["exact"] == 0.5
    assert m["cer"] == pytest.approx(1 / 7)  # one substitution in 7 reference characters
    assert m["wer"] == pytest.approx(1 / 7)


# --- the real loader --------------------------------------------------------------------------

def _wav(seconds: float, f: float, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        t = np.arange(int(seconds * rate)) / rate
        out.writeframes((8000 * np.sin(2 * np.pi * f * t)).astype("<i2").tobytes())
    return buffer.getvalue()


def test_fsdd_loader_on_a_small_local_archive(tmp_path, monkeypatch):
    archive = tmp_path / "fsdd.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for speaker in ("jackson", "theo"):
            for digit in range(10):
                payload = _wav(0.3, 300 + 100 * digit)
                info = tarfile.TarInfo(f"free-spoken-digit-dataset-1.0.9/recordings/"
                                       f"{digit}_{speaker}_0.wav")
                info.size = len(payload)
                tar.addfile(info, io.BytesIO(payload))
    source = RemoteSource(**{**data.FSDD.__dict__, "sha256": file_sha256(archive)})
    monkeypatch.setattr(data, "FSDD", source)
    loaded = data.load_fsdd_strings(train=8, test=4, cache=tmp_path / "cache",
                                    url=archive.as_uri())
    assert loaded.x_train.shape[0] == 8 and loaded.x_test.shape[0] == 4
    assert set(loaded.voices_test) == {"theo"} and "theo" not in loaded.voices_train
    assert (tmp_path / "cache" / data.FSDD.filename).is_file()
    assert loaded.provenance["sha256"] == source.sha256


# --- model and recipe -------------------------------------------------------------------------

def test_models_output_one_distribution_per_frame():
    model = ctc_recognizer(40, 10, units=8, conv_filters=8, conv_stride=2)
    assert model(np.zeros((2, 50, 40), "float32")).shape == (2, 25, 11)
    for build in EXAMPLE_MODELS.values():
        assert build().output.dtype == "float32"
    with pytest.raises(ValueError, match="units expected a positive integer"):
        ctc_recognizer(40, 10, units=0)


@needs_espeak
def test_recipe_test_preset(recipe_test_runs):
    from course_pkg.recipes import speech

    assert tuple(speech.PRESETS) == ("test", "book", "colab", "full")
    document = recipe_test_runs.document("speech")
    metrics = document["metrics"]
    assert set(metrics) >= {"test_exact", "test_cer", "test_wer", "beam_exact", "val_exact"}
    assert all(np.isfinite(v) for v in metrics.values())
    assert len(document["history"]["loss"]) == 2
    assert set(document["per_voice"]) <= set(document["data"]["provenance"]["test_voices"])


def test_prefix_beam_search_finds_the_most_probable_label_and_checks_its_width():
    """course_pkg.models.ctc.ctc_prefix_beam_search (the beam search on PyTorch, where Keras has
    none): with a beam wide enough to keep every prefix it returns the label of highest CTC
    probability, found here by summing every path of 4 frames over blank + 2 symbols."""
    import itertools

    from course_pkg.models.ctc import ctc_collapse, ctc_prefix_beam_search

    rng = np.random.default_rng(3)
    for _ in range(5):
        logits = rng.normal(size=(4, 3)) * 2
        probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        by_label: dict[str, float] = {}
        for path in itertools.product(range(3), repeat=4):
            label = ctc_collapse("".join("-ab"[c] for c in path))
            by_label[label] = by_label.get(label, 0.0) + float(np.prod(probs[range(4), path]))
        best = max(by_label, key=by_label.get)
        found = ctc_prefix_beam_search(np.log(probs), beam_width=100)
        assert "".join("-ab"[c] for c in found) == best
    with pytest.raises(ValueError, match="argument beam_width expected a positive integer, got 0"):
        ctc_prefix_beam_search(np.log(probs), beam_width=0)
