"""Music generation, one-to-many: a character LSTM writes folk tunes in ABC notation.

The model (``course_pkg.models.music.char_lstm``) is trained as a language model of ABC text with
truncated BPTT: the training tunes, joined into one text, are cut into N parallel streams
(``course_pkg.data.music.stream_batches``); a stateful LSTM reads chunk after chunk of every
stream and carries its state from one batch to the next, so the shared training loop
(``course_pkg.recipes.training.fit``) runs with ``shuffle=False`` and resets the states at the
start of every epoch.

It is scored on held-out *songs* in nats per character (scikit-learn's ``log_loss`` of the
next character), beside the unigram baseline (every character drawn from its training frequency,
with add-one smoothing), then it writes tunes at several temperatures; music21 reads each sample
back and counts its notes and its bars of the right length.

- ``test`` and ``book``: Ludwig Erk's German folk songs from the Essen collection inside the
  music21 wheel (``course_pkg.data.music.load_folk_tunes``), on the CPU;
- ``colab`` and ``full``: the Nottingham Music Database (``load_nottingham``, a checksummed
  download), larger LSTMs with mixed precision on GPUs.

Run it with ``python -m course_pkg.recipes music --preset book`` or ``run_recipe("music", "book")``.
"""

from __future__ import annotations

import importlib.util
import time
from typing import Any, Callable

import numpy as np

from ._common import check_preset, write_result
from .hardware import Hardware, hardware_for
from .training import application_document, fit

NAME = "music"

_LM = {"embedding_dim": 32, "layers": 1, "dropout": 0.0, "learning_rate": 3e-3, "clipnorm": 5.0,
       "seed": 0, "temperatures": (0.5, 0.8, 1.0, 1.3), "samples_per_temperature": 2,
       "max_chars": 400}

PRESETS: dict[str, dict[str, Any]] = {
    # seconds, for CI: 150 tunes, a tiny LSTM, two epochs.
    "test": {**_LM, "data": "essen", "max_tunes": 150, "units": 16, "embedding_dim": 8,
             "streams": 8, "seq_len": 32, "epochs": 2, "temperatures": (0.8, 1.2),
             "samples_per_temperature": 1, "max_chars": 60},
    # live on the page: Erk's 1,781 songs, about 25 s of training on two CPU cores.
    "book": {**_LM, "data": "essen", "max_tunes": None, "units": 128, "streams": 32,
             "seq_len": 64, "epochs": 6},
    # one T4 in about ten minutes: the Nottingham database, two layers of 512 (folk-rnn's size).
    "colab": {**_LM, "data": "nottingham", "max_tunes": None, "units": 512, "layers": 2,
              "embedding_dim": 64, "dropout": 0.3, "learning_rate": 2e-3, "streams": 64,
              "seq_len": 128, "epochs": 40},
    # A100/H100: three layers of 512, as folk-rnn, longer.
    "full": {**_LM, "data": "nottingham", "max_tunes": None, "units": 512, "layers": 3,
             "embedding_dim": 64, "dropout": 0.5, "learning_rate": 2e-3, "streams": 128,
             "seq_len": 128, "epochs": 100, "samples_per_temperature": 4},
}


def load_data(config: dict, cache: str | None = None, url: str | None = None):
    """The tunes a preset trains on (``course_pkg.data.music.MusicData``)."""
    from course_pkg.data.music import load_folk_tunes, load_nottingham

    if config["data"] == "essen":
        return load_folk_tunes(max_tunes=config["max_tunes"], seed=config["seed"])
    return load_nottingham(cache, url, seed=config["seed"])


def _build(config: dict, vocab_size: int, hardware: Hardware) -> Callable[[], Any]:
    def build():
        from course_pkg.models.music import char_lstm, compile_char_lstm

        model = char_lstm(vocab_size, units=config["units"], embedding_dim=config["embedding_dim"],
                          layers=config["layers"], dropout=config["dropout"], stateful=True,
                          batch_size=config["streams"], seq_len=config["seq_len"])
        return compile_char_lstm(model, config["learning_rate"], config["clipnorm"],
                                 jit_compile=hardware.jit_compile)

    return build


def unigram_probabilities(train_ids: np.ndarray, vocab_size: int) -> np.ndarray:
    """The unigram model: each character's training frequency, add-one smoothed, shape (K,)."""
    counts = np.bincount(np.asarray(train_ids).ravel(), minlength=vocab_size) + 1.0
    return counts / counts.sum()


def nats_per_char(targets: np.ndarray, probs: np.ndarray) -> float:
    """Mean negative log-likelihood of ``targets`` (n,) under ``probs`` (n, K) or (K,) for all:
    scikit-learn's ``log_loss``, in nats per character."""
    from sklearn.metrics import log_loss

    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim == 1:
        probs = np.broadcast_to(probs, (len(targets), probs.size))
    return float(log_loss(targets, probs, labels=np.arange(probs.shape[1])))


def run(preset: str = "book", out: str | None = None,
        progress: Callable[[dict], None] | None = None, run_dir: str | None = None,
        hardware: Hardware | None = None) -> dict:
    """Train the character LSTM on tunes, score it against the unigram baseline, sample tunes.

    Args:
        preset: "test", "book", "colab" or "full" (:data:`PRESETS`).
        out: folder for ``music_<preset>.json`` (None: not written).
        progress: called after every epoch (``course_pkg.recipes.training.format_epoch``).
        run_dir: checkpoint folder; a run started again with it resumes.
        hardware: precision and devices (default: ``hardware_for(preset)``).

    Returns:
        The document of ``application_document``; ``metrics`` holds ``test_nats_per_char``,
        ``unigram_nats_per_char`` (and both in bits), ``uniform_nats_per_char`` (log K),
        ``samples_parsed``, ``sample_bar_fraction`` (inner bars as long as the meter says,
        against ``test_songs_bar_fraction`` in the real test songs), ``train_seconds`` and
        ``params``; besides them ``data`` (provenance and sizes) and ``samples`` (each tune's
        temperature, ABC text and music21 statistics). The trained model is not kept.
    """
    from course_pkg.colab import ensure_packages
    from course_pkg.data.music import TUNE_SEPARATOR, full_bars, stream_batches, tune_statistics
    from course_pkg.models.music import next_char_probabilities, sample_tunes

    ensure_packages("sklearn")
    config = check_preset(NAME, PRESETS, preset)
    hardware = hardware or hardware_for(preset)
    start = time.perf_counter()
    data = load_data(config)
    vocab = data.vocab
    n, t = config["streams"], config["seq_len"]
    x, y = stream_batches(data.ids("train"), n, t)
    x_val, y_val = stream_batches(data.ids("validation"), n, t)

    result = fit(_build(config, vocab.size, hardware), x, y, validation_data=(x_val, y_val),
                 epochs=config["epochs"], batch_size=n, seed=config["seed"], hardware=hardware,
                 run_dir=run_dir, progress=progress, shuffle=False, fingerprint=config)

    texts = [tune.abc + TUNE_SEPARATOR for tune in data.test]
    targets, probs = next_char_probabilities(result.model, vocab, texts, prefix=TUNE_SEPARATOR)
    model_nats = nats_per_char(targets, probs)
    unigram_nats = nats_per_char(targets, unigram_probabilities(data.ids("train"), vocab.size))

    samples = sample_tunes(result.model, vocab, config["temperatures"],
                           per_temperature=config["samples_per_temperature"],
                           max_chars=config["max_chars"], seed=config["seed"])
    readable = importlib.util.find_spec("music21") is not None   # the Colab runtime has it
    for sample in samples:
        sample.update(tune_statistics(sample["abc"]) if readable else {"parsed": None})
    bars = sum(s.get("bars", 0) for s in samples)
    real_full, real_bars = np.sum([full_bars(tune.abc) for tune in data.test], axis=0)
    metrics = {
        "test_nats_per_char": model_nats, "unigram_nats_per_char": unigram_nats,
        "uniform_nats_per_char": float(np.log(vocab.size)),
        "test_bits_per_char": model_nats / np.log(2),
        "unigram_bits_per_char": unigram_nats / np.log(2),
        "samples_parsed": (f"{sum(bool(s['parsed']) for s in samples)}/{len(samples)}"
                           if readable else "music21 not installed"),
        "sample_bar_fraction": (sum(s["full_bars"] for s in samples) / bars) if bars else None,
        "test_songs_bar_fraction": real_full / real_bars if real_bars else None,
        "train_seconds": round(result.wall_s, 1),
        "params": int(result.model.count_params()),
    }
    extra = {"data": {"provenance": data.provenance, "sizes": data.summary(),
                      "vocab": "".join(vocab.chars)},
             "samples": samples}
    document = application_document(NAME, preset, out, config, metrics, result.history, hardware,
                                    time.perf_counter() - start, **extra)
    if out is not None:
        write_result(document, out)
    return document
