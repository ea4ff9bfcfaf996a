"""Speech data for CTC: spoken digit strings synthesised by espeak-ng, and real recordings.

**Synthesised digit strings** (the book's data). espeak-ng, a formant speech synthesiser
packaged by Debian (``apt-get install espeak-ng``, GPL-3), reads strings of random digits
("3 6 1 4") aloud in many *voices*: an accent (``en``, ``en-us``, ``en-gb-scotland``,
``en-029``...) combined with a voice variant (``+m1`` ... ``+f4``, ``+klatt``), at a random
speed (words per minute) and pitch. :func:`split_voices` sets some accent + variant pairs apart
and :func:`make_digit_strings` uses them only for the test split, so the test measures
recognition of voices the network never heard. Synthesis runs in-process through
``libespeak-ng`` (about 2 ms an utterance; the ``espeak-ng`` command is the fallback) and the
log-mel features are cached in an ``.npz`` file keyed by a hash of the configuration and the
espeak-ng version (``$RNN_COURSE_DATA`` or ``~/.cache/rnn_course``).

**Free Spoken Digit Dataset** (the Colab preset). 2,000 real recordings (8 kHz) of single digits by
four speakers, version 1.0.9 from GitHub, fetched once by
:func:`~course_pkg.data.sources.cached_download` (the SHA-256 is the one tensorflow-datasets
checks). :func:`load_fsdd_strings` joins one speaker's recordings into digit strings and tests on a
speaker left out of training.

Features are log-mel spectrograms (:func:`log_mel`, NumPy only: framing, Hann window, FFT, a
triangular mel filterbank, log): 32 ms windows every 20 ms, 40 mel bands up to 4 kHz.

Example:
    >>> audio, rate = synthesize("3 6 1", voice="en-us+f3", speed=160, pitch=50)
    >>> rate, audio.dtype
    (22050, dtype('int16'))
    >>> log_mel(audio / 32768, rate).shape[1]
    40
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import wave
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .sources import MissingDataSourceError, RemoteSource, cache_dir, cached_download

__all__ = [
    "ACCENTS", "BLANK", "DIGITS", "FMAX", "FSDD", "FRAME_SECONDS", "HOP_SECONDS", "N_MELS", "SAMPLE_RATE",
    "VARIANTS", "EspeakMissingError", "SpeechData", "decode_labels", "encode_labels",
    "espeak_version", "load_fsdd_strings", "log_mel", "make_digit_strings", "make_digit_strips",
    "mel_filterbank",
    "read_wav", "resample", "split_voices", "synthesize",
]

#: The accents (espeak-ng English voices) the generator draws from.
ACCENTS = ("en", "en-us", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd",
           "en-029", "en-us-nyc")
#: Voice variants (espeak-ng-data/voices/!v): male, female and Klatt-synthesiser voices.
VARIANTS = ("", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "klatt",
            "klatt2", "klatt3")
#: The characters the recogniser writes; id 0 is the CTC blank, character i has id i + 1.
DIGITS = "0123456789"
BLANK = 0
#: Features: 32 ms Hann windows every 20 ms, 40 mel bands from 20 Hz to 4 kHz (what 8 kHz audio,
#: the Free Spoken Digit Dataset's rate, holds), whatever the audio's own sample rate.
SAMPLE_RATE = 8000
FMAX = 4000.0
FRAME_SECONDS = 0.032
HOP_SECONDS = 0.020
N_MELS = 40

#: The Free Spoken Digit Dataset, v1.0.9 (2,000 recordings, 4 speakers, 8 kHz WAV); the SHA-256
#: and size are those recorded in tensorflow-datasets 4.9.10 (url_checksums/spoken_digit.tsv).
FSDD = RemoteSource(
    name="free_spoken_digit_dataset",
    url="https://github.com/Jakobovski/free-spoken-digit-dataset/archive/v1.0.9.tar.gz",
    sha256="8bc44cde129d505cbbb6b365c09f80c663f2aa77578afc634e6141a2f87100c0",
    filename="free-spoken-digit-dataset-1.0.9.tar.gz",
    licence="CC BY-SA 4.0",
    homepage="https://github.com/Jakobovski/free-spoken-digit-dataset",
    size=11975353,
)


class EspeakMissingError(MissingDataSourceError):
    """espeak-ng, the synthesiser that makes the book's speech data, is not installed here."""


# ----------------------------------------------------------------------------------------------
# espeak-ng
# ----------------------------------------------------------------------------------------------

def _require_espeak() -> str:
    """The path of the ``espeak-ng`` command; on Colab it is installed first (apt-get)."""
    from course_pkg.colab import in_colab

    found = shutil.which("espeak-ng")
    if found is None and in_colab():
        install = ["apt-get", "install", "-y", "-qq", "espeak-ng"]
        if subprocess.run(install, stdout=subprocess.DEVNULL).returncode != 0:
            subprocess.run(["apt-get", "update", "-qq"], check=True, stdout=subprocess.DEVNULL)
            subprocess.run(install, check=True, stdout=subprocess.DEVNULL)
        found = shutil.which("espeak-ng")
    if found is None:
        raise EspeakMissingError(
            "espeak-ng is not installed (no 'espeak-ng' command on PATH); the speech chapter "
            "synthesises its data with it. Install it with: sudo apt-get install espeak-ng "
            "(Debian/Ubuntu; on Colab it is installed automatically)")
    return found


def espeak_version() -> str:
    """The installed espeak-ng's version line, e.g. ``'eSpeak NG text-to-speech: 1.51 ...'``."""
    command = _require_espeak()
    out = subprocess.run([command, "--version"], capture_output=True, text=True, check=True)
    return out.stdout.strip().split(" Data at:")[0]


class _Library:
    """libespeak-ng through ctypes: one initialisation, then about 2 ms per utterance."""

    _CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                                 ctypes.c_void_p)

    def __init__(self) -> None:
        name = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
        self.lib = ctypes.CDLL(name)
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self.rate = self.lib.espeak_Initialize(2, 0, None, 0)  # AUDIO_OUTPUT_SYNCHRONOUS
        if self.rate <= 0:
            raise OSError(f"espeak_Initialize failed ({self.rate})")
        self.chunks: list[np.ndarray] = []
        self.callback = self._CALLBACK(self._collect)  # kept alive as long as the library
        self.lib.espeak_SetSynthCallback(self.callback)

    def _collect(self, samples, count, _events) -> int:
        if count > 0:
            self.chunks.append(np.ctypeslib.as_array(samples, shape=(count,)).copy())
        return 0

    def __call__(self, text: str, voice: str, speed: int, pitch: int) -> np.ndarray:
        self.chunks = []
        if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise ValueError(f"synthesize: espeak-ng has no voice {voice!r}")
        self.lib.espeak_SetParameter(1, int(speed), 0)  # espeakRATE, words per minute
        self.lib.espeak_SetParameter(3, int(pitch), 0)  # espeakPITCH, 0-100
        data = text.encode() + b"\0"
        self.lib.espeak_Synth(data, len(data), 0, 1, 0, 0, None, None)
        self.lib.espeak_Synchronize()
        return np.concatenate(self.chunks) if self.chunks else np.zeros(0, np.int16)


_LIBRARY: _Library | None = None


def _library() -> _Library | None:
    global _LIBRARY
    if _LIBRARY is None:
        try:
            _LIBRARY = _Library()
        except OSError:
            return None
    return _LIBRARY


def read_wav(data: bytes | str | os.PathLike) -> tuple[np.ndarray, int]:
    """A 16-bit mono WAV file (bytes or a path) as ``(int16 samples (n,), sample rate)``."""
    handle = wave.open(io.BytesIO(data) if isinstance(data, bytes) else str(data))
    with handle:
        if handle.getsampwidth() != 2:
            raise ValueError(f"read_wav: expected 16-bit samples, got {8 * handle.getsampwidth()}")
        # espeak-ng --stdout writes a placeholder frame count: read whatever is there
        raw = handle.readframes(handle.getnframes())
        samples = np.frombuffer(raw[: len(raw) // 2 * 2], dtype="<i2")
        return samples[:: handle.getnchannels()].astype(np.int16), handle.getframerate()


def synthesize(text: str, voice: str = "en-us", speed: int = 175, pitch: int = 50,
               engine: str = "auto") -> tuple[np.ndarray, int]:
    """``text`` read aloud by espeak-ng.

    Args:
        text: what to say (digits separated by spaces are read one by one: "3 6 1").
        voice: an espeak-ng voice with an optional variant, ``"en-gb-scotland+f2"``.
        speed: words per minute (espeak-ng's default is 175).
        pitch: 0 to 100 (default 50).
        engine: ``"library"`` (libespeak-ng in this process), ``"command"`` (the espeak-ng
            command's WAV output) or ``"auto"`` (the library when it loads).

    Returns:
        int16 samples (n,) and the sample rate (22,050 Hz).

    Raises:
        EspeakMissingError: espeak-ng is not installed (the message says how to install it).
    """
    command = _require_espeak()
    library = _library() if engine in ("auto", "library") else None
    if library is not None:
        return library(text, voice, speed, pitch), library.rate
    if engine == "library":
        raise EspeakMissingError("synthesize: libespeak-ng could not be loaded; install it with: "
                                 "sudo apt-get install espeak-ng")
    out = subprocess.run([command, "-v", voice, "-s", str(int(speed)), "-p", str(int(pitch)),
                          "--stdout", text], capture_output=True, check=True)
    return read_wav(out.stdout)


# ----------------------------------------------------------------------------------------------
# features
# ----------------------------------------------------------------------------------------------

def resample(audio: np.ndarray, rate: int, target: int = SAMPLE_RATE) -> np.ndarray:
    """``audio`` (n,) at ``rate`` Hz resampled to ``target`` Hz (polyphase filter), float32
    scaled to [-1, 1] when the input is int16."""
    from scipy.signal import resample_poly

    x = np.asarray(audio, dtype=np.float32)
    if np.asarray(audio).dtype == np.int16:
        x = x / 32768.0
    if rate == target:
        return x
    ratio = Fraction(target, rate)
    return resample_poly(x, ratio.numerator, ratio.denominator).astype(np.float32)


def hz_to_mel(hz):
    """The HTK mel scale, 2595 log10(1 + f / 700)."""
    return 2595.0 * np.log10(1.0 + np.asarray(hz, dtype=np.float64) / 700.0)


def mel_to_hz(mel):
    """The inverse of :func:`hz_to_mel`."""
    return 700.0 * (10.0 ** (np.asarray(mel, dtype=np.float64) / 2595.0) - 1.0)


def mel_filterbank(n_mels: int = N_MELS, n_fft: int = 256, rate: int = SAMPLE_RATE,
                   fmin: float = 20.0, fmax: float | None = None) -> np.ndarray:
    """Triangular filters evenly spaced on the mel scale, as a matrix (n_fft // 2 + 1, n_mels).

    Filter m rises from 0 at the mel point m to 1 at point m + 1 and falls to 0 at point m + 2,
    the n_mels + 2 points being evenly spaced in mel from ``fmin`` to ``fmax`` (default rate / 2).
    """
    fmax = rate / 2 if fmax is None else fmax
    points = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    freqs = np.fft.rfftfreq(n_fft, d=1.0 / rate)
    lower, centre, upper = points[:-2, None], points[1:-1, None], points[2:, None]
    rising = (freqs[None, :] - lower) / (centre - lower)
    falling = (upper - freqs[None, :]) / (upper - centre)
    return np.maximum(0.0, np.minimum(rising, falling)).T.astype(np.float32)


def log_mel(audio: np.ndarray, rate: int = SAMPLE_RATE, n_mels: int = N_MELS,
            frame_seconds: float = FRAME_SECONDS, hop_seconds: float = HOP_SECONDS,
            fmax: float = FMAX, floor: float = 1e-6) -> np.ndarray:
    """The log-mel spectrogram of ``audio`` (n,) float in [-1, 1]: (frames, n_mels) float32.

    Frame t covers samples [t hop, t hop + window) (the end zero-padded), multiplied by a Hann
    window; its power spectrum |FFT|^2 / window goes through :func:`mel_filterbank` and
    ``log(max(., floor))``, with filters up to ``fmax`` Hz: 22,050 Hz espeak-ng audio and 8 kHz
    recordings give the same bands. Frames: ceil(n / hop).
    """
    window = int(round(frame_seconds * rate))
    hop = int(round(hop_seconds * rate))
    n_fft = 1 << (window - 1).bit_length()
    x = np.asarray(audio, dtype=np.float32)
    frames = max(1, -(-len(x) // hop))
    padded = np.zeros((frames - 1) * hop + window, dtype=np.float32)
    padded[: len(x)] = x
    index = np.arange(window)[None, :] + hop * np.arange(frames)[:, None]
    spectrum = np.fft.rfft(padded[index] * np.hanning(window).astype(np.float32), n=n_fft)
    power = (spectrum.real ** 2 + spectrum.imag ** 2) / window
    mel = power @ mel_filterbank(n_mels, n_fft, rate, fmax=fmax)
    return np.log(np.maximum(mel, floor)).astype(np.float32)


# ----------------------------------------------------------------------------------------------
# datasets
# ----------------------------------------------------------------------------------------------

def encode_labels(strings: Sequence[str], alphabet: str = DIGITS, length: int | None = None
                  ) -> np.ndarray:
    """Strings as CTC targets: int32 (N, length), character i of ``alphabet`` -> i + 1, right
    padded with 0 (the blank, which ``keras.losses.CTC`` reads as padding)."""
    length = length or max(len(s) for s in strings)
    out = np.zeros((len(strings), length), dtype=np.int32)
    for row, text in enumerate(strings):
        out[row, : len(text)] = [alphabet.index(c) + 1 for c in text]
    return out


def decode_labels(ids: Sequence[int], alphabet: str = DIGITS) -> str:
    """The inverse of :func:`encode_labels` for one row: ids <= 0 (blank, padding, -1) dropped."""
    return "".join(alphabet[i - 1] for i in np.asarray(ids).tolist() if i > 0)


def split_voices(accents: Sequence[str] = ACCENTS, variants: Sequence[str] = VARIANTS,
                 test_voices: int = 4, seed: int = 0) -> tuple[list[str], list[str]]:
    """Every accent + variant pair as an espeak-ng voice name, split into (train, test) voices.

    The ``test_voices`` test voices are drawn at random (seeded), one accent each at most; no
    test voice is ever used in training (each of its accent and its variant is, with other
    partners).
    """
    voices = [a + (f"+{v}" if v else "") for a in accents for v in variants]
    rng = np.random.default_rng(seed)
    test: list[str] = []
    for a in rng.permutation(len(accents))[:test_voices]:
        v = variants[rng.integers(len(variants))]
        test.append(accents[a] + (f"+{v}" if v else ""))
    return [v for v in voices if v not in test], test


@dataclass
class SpeechData:
    """Log-mel features and CTC targets, split by voice (or speaker).

    Attributes:
        x_train, x_test: float32 (N, T, n_mels), standardised with the training mean and standard
            deviation; all examples right-padded with silence to the same T frames.
        y_train, y_test: int32 (N, L) targets (:func:`encode_labels`, 0-padded).
        texts_train, texts_test: the strings, e.g. ``"3614"``.
        voices_train, voices_test: who spoke each example.
        alphabet: the characters (id i + 1 is ``alphabet[i]``; 0 is the blank).
        provenance: where the data comes from (synthesiser version, voices, configuration).
    """

    x_train: np.ndarray
    y_train: np.ndarray
    texts_train: list[str]
    voices_train: list[str]
    x_test: np.ndarray
    y_test: np.ndarray
    texts_test: list[str]
    voices_test: list[str]
    alphabet: str = DIGITS
    provenance: dict[str, Any] = field(default_factory=dict)


def _random_strings(rng: np.random.Generator, n: int, min_len: int, max_len: int) -> list[str]:
    lengths = rng.integers(min_len, max_len + 1, size=n)
    return ["".join(DIGITS[d] for d in rng.integers(0, 10, size=k)) for k in lengths]


def _pad_and_standardise(features: list[np.ndarray], n_train: int, frames: int | None = None
                         ) -> np.ndarray:
    """Stack (T_i, n_mels) arrays right-padded to T frames of the quietest value, then standardise
    with the statistics of the first ``n_train`` (training) examples' real frames."""
    frames = frames or max(len(f) for f in features)
    floor = min(float(f.min()) for f in features)
    x = np.full((len(features), frames, features[0].shape[1]), floor, dtype=np.float32)
    for i, f in enumerate(features):
        x[i, : min(len(f), frames)] = f[:frames]
    real = np.concatenate(features[:n_train])
    return (x - real.mean()) / real.std()


def _synthesize_features(texts: Sequence[str], voices: Sequence[str], speeds: np.ndarray,
                         pitches: np.ndarray, noise: float, seed: int) -> list[np.ndarray]:
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(seed + 1)
    out = []
    # one BLAS thread: the small filterbank products are 100 times slower when threads compete
    with threadpool_limits(1):
        out = [_features(text, voice, speed, pitch, noise, rng)
               for text, voice, speed, pitch in zip(texts, voices, speeds, pitches)]
    return out


def _features(text: str, voice: str, speed: int, pitch: int, noise: float,
              rng: np.random.Generator) -> np.ndarray:
    audio, rate = synthesize(" ".join(text), voice, int(speed), int(pitch))
    x = audio.astype(np.float32) / max(1.0, float(np.abs(audio).max()))
    x = x + noise * rng.standard_normal(len(x)).astype(np.float32)
    return log_mel(x, rate)


def make_digit_strings(train: int = 2000, test: int = 400, min_len: int = 3, max_len: int = 5,
                       test_voices: int = 4, speeds: tuple[int, int] = (130, 210),
                       pitches: tuple[int, int] = (25, 75), noise: float = 0.01,
                       accents: Sequence[str] = ACCENTS, variants: Sequence[str] = VARIANTS,
                       seed: int = 0, cache: str | os.PathLike | None = None) -> SpeechData:
    """Random digit strings read by espeak-ng, the test ones by voices never used in training.

    Each example draws a string of ``min_len``..``max_len`` digits, a voice (from the training or
    the test voices of :func:`split_voices`), a speed (words per minute) and a pitch uniformly
    from their ranges; the audio is peak-normalised, white noise of standard deviation ``noise``
    added, and its :func:`log_mel` features kept. The result is cached (``cache`` folder, default
    :func:`~course_pkg.data.sources.cache_dir`) under a hash of the arguments and the espeak-ng
    version: a second call with the same arguments reads the file.

    Raises:
        EspeakMissingError: espeak-ng is not installed (and the dataset is not cached).
    """
    config = {"train": train, "test": test, "min_len": min_len, "max_len": max_len,
              "test_voices": test_voices, "speeds": list(speeds), "pitches": list(pitches),
              "noise": noise, "accents": list(accents), "variants": list(variants), "seed": seed,
              "sample_rate": SAMPLE_RATE, "frame_seconds": FRAME_SECONDS,
              "hop_seconds": HOP_SECONDS, "n_mels": N_MELS, "format": 1}
    version = espeak_version()
    key = hashlib.sha256(json.dumps([config, version], sort_keys=True).encode()).hexdigest()[:16]
    path = cache_dir(cache) / f"speech_digits_{key}.npz"
    train_voices, held_out = split_voices(accents, variants, test_voices, seed)
    provenance = {"kind": "generated", "synthesiser": version,
                  "package": "Debian espeak-ng (GPL-3.0)", "config": config,
                  "train_voices": train_voices, "test_voices": held_out, "cache_file": path.name}
    if path.is_file():
        with np.load(path) as stored:
            meta = json.loads(str(stored["meta"]))
            return SpeechData(stored["x_train"], stored["y_train"], meta["texts_train"],
                              meta["voices_train"], stored["x_test"], stored["y_test"],
                              meta["texts_test"], meta["voices_test"], DIGITS, provenance)
    rng = np.random.default_rng(seed)
    texts = _random_strings(rng, train + test, min_len, max_len)
    voices = ([train_voices[i] for i in rng.integers(len(train_voices), size=train)]
              + [held_out[i] for i in rng.integers(len(held_out), size=test)])
    speed = rng.integers(speeds[0], speeds[1] + 1, size=train + test)
    pitch = rng.integers(pitches[0], pitches[1] + 1, size=train + test)
    features = _synthesize_features(texts, voices, speed, pitch, noise, seed)
    x = _pad_and_standardise(features, train)
    y = encode_labels(texts, length=max_len)
    data = SpeechData(x[:train], y[:train], texts[:train], voices[:train], x[train:], y[train:],
                      texts[train:], voices[train:], DIGITS, provenance)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    meta = {k: getattr(data, k) for k in ("texts_train", "voices_train", "texts_test",
                                          "voices_test")}
    np.savez_compressed(tmp, x_train=data.x_train, y_train=data.y_train, x_test=data.x_test,
                        y_test=data.y_test, meta=json.dumps(meta))
    os.replace(tmp, path)
    return data


def _fsdd_recordings(archive: Path) -> dict[str, dict[str, list[np.ndarray]]]:
    """speaker -> digit -> the 8 kHz recordings of the FSDD archive, float32 in [-1, 1]."""
    found: dict[str, dict[str, list[np.ndarray]]] = {}
    with tarfile.open(archive) as tar:
        for member in sorted(tar.getmembers(), key=lambda m: m.name):
            parts = Path(member.name)
            if parts.parent.name != "recordings" or parts.suffix != ".wav":
                continue
            digit, speaker, _ = parts.stem.split("_")
            audio, rate = read_wav(tar.extractfile(member).read())
            found.setdefault(speaker, {}).setdefault(digit, []).append(resample(audio, rate))
    if not found:
        raise ValueError(f"load_fsdd_strings: no recordings/<digit>_<speaker>_<n>.wav in {archive}")
    return found


def load_fsdd_strings(train: int = 6000, test: int = 1000, min_len: int = 3, max_len: int = 5,
                      test_speaker: str = "theo", gap_seconds: float = 0.1, seed: int = 0,
                      cache: str | os.PathLike | None = None, url: str | None = None
                      ) -> SpeechData:
    """Digit strings made of real recordings from the Free Spoken Digit Dataset (:data:`FSDD`).

    Each string joins one speaker's recordings of its digits, with ``gap_seconds`` of silence
    between them; the test strings are all spoken by ``test_speaker``, who is absent from the
    training strings. The archive is downloaded once and checked (``url`` overrides where from;
    the tests use a small local archive).
    """
    archive = cached_download(FSDD, cache, url=url)
    recordings = _fsdd_recordings(archive)
    if test_speaker not in recordings:
        raise ValueError(f"load_fsdd_strings: test_speaker must be one of {sorted(recordings)}, "
                         f"got {test_speaker!r}")
    speakers = [s for s in sorted(recordings) if s != test_speaker]
    rng = np.random.default_rng(seed)
    texts = _random_strings(rng, train + test, min_len, max_len)
    voices = [speakers[i] for i in rng.integers(len(speakers), size=train)] + [test_speaker] * test
    gap = np.zeros(int(gap_seconds * SAMPLE_RATE), dtype=np.float32)
    features = []
    for text, speaker in zip(texts, voices):
        pieces = []
        for digit in text:
            takes = recordings[speaker].get(digit)
            if not takes:
                raise ValueError(f"load_fsdd_strings: no recording of {digit} by {speaker}")
            pieces += [gap, takes[rng.integers(len(takes))]]
        audio = np.concatenate(pieces + [gap])
        features.append(log_mel(audio / max(1e-3, float(np.abs(audio).max()))))
    x = _pad_and_standardise(features, train)
    y = encode_labels(texts, length=max_len)
    provenance = {**FSDD.provenance(), "speakers_train": speakers, "speaker_test": test_speaker,
                  "config": {"train": train, "test": test, "min_len": min_len,
                             "max_len": max_len, "gap_seconds": gap_seconds, "seed": seed}}
    return SpeechData(x[:train], y[:train], texts[:train], voices[:train], x[train:], y[train:],
                      texts[train:], voices[train:], DIGITS, provenance)


def make_digit_strips(train: int = 2000, test: int = 500, min_len: int = 2, max_len: int = 5,
                      max_gap: int = 2, test_share: float = 0.3, seed: int = 0) -> SpeechData:
    """Strips of handwritten digits (scikit-learn's 1,797 8x8 digits) read column by column.

    Each strip puts ``min_len``..``max_len`` random digit images side by side with 0..``max_gap``
    empty columns between them; a strip is a sequence of columns, each 8 pixel values in [0, 1],
    right-padded with empty columns to the longest strip. The test strips use only the images
    of a held-out ``test_share`` of the 1,797 (never seen in training).

    Returns:
        A :class:`SpeechData` with x (N, W, 8); ``voices_*`` name the images used.
    """
    from course_pkg.colab import ensure_packages

    ensure_packages("sklearn")
    import sklearn
    from sklearn.datasets import load_digits

    digits = load_digits()
    images, labels = digits.images.astype(np.float32) / 16.0, digits.target
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(labels))
    n_test_images = int(round(test_share * len(labels)))
    pools = {"test": order[:n_test_images], "train": order[n_test_images:]}
    width = max_len * (8 + max_gap)
    xs, texts, used = [], [], []
    for split, count in (("train", train), ("test", test)):
        for text in _random_strings(rng, count, min_len, max_len):
            columns, ids = [], []
            for digit in text:
                choices = pools[split][labels[pools[split]] == int(digit)]
                i = int(choices[rng.integers(len(choices))])
                columns += [images[i].T, np.zeros((rng.integers(0, max_gap + 1), 8), np.float32)]
                ids.append(str(i))
            strip = np.zeros((width, 8), dtype=np.float32)
            body = np.concatenate(columns)
            strip[: len(body)] = body
            xs.append(strip)
            texts.append(text)
            used.append(" ".join(ids))
    x, y = np.stack(xs), encode_labels(texts, length=max_len)
    provenance = {"kind": "package", "distribution": "scikit-learn", "version": sklearn.__version__,
                  "path": "sklearn/datasets/data/digits.csv.gz", "licence": "BSD-3-Clause",
                  "config": {"train": train, "test": test, "min_len": min_len, "max_len": max_len,
                             "max_gap": max_gap, "test_share": test_share, "seed": seed},
                  "test_images": int(n_test_images)}
    return SpeechData(x[:train], y[:train], texts[:train], used[:train], x[train:], y[train:],
                      texts[train:], used[train:], DIGITS, provenance)
