"""Speech recognition with CTC, many-to-many with a shorter output: spoken digit strings to text.

A convolutional front end and a bidirectional GRU (``course_pkg.models.speech.ctc_recognizer``)
read log-mel frames and write one distribution over the ten digits and the blank per frame; the
CTC loss (``keras.losses.CTC``) sums over every alignment of the target string. The model is
trained with the shared loop (``course_pkg.recipes.training.fit``) and scored on strings spoken by
voices it never heard, with greedy and beam-search decoding (``keras.ops.ctc_decode``): the share
of strings exactly right, and jiwer's character and word error rates (each digit a word).

- ``test`` and ``book``: digit strings synthesised by espeak-ng across accents, voice variants,
  speeds and pitches (``course_pkg.data.speech.make_digit_strings``), tested on held-out voices;
- ``colab`` and ``full``: real recordings, the Free Spoken Digit Dataset joined into strings
  (``load_fsdd_strings``, a checksummed download), tested on a speaker left out of training.

:func:`run_digit_strips` trains the same network on images: strips of 2-5 handwritten digits
(scikit-learn's 8x8 digits, read column by column), tested on digit images never seen in training.

Run it with ``python -m course_pkg.recipes speech --preset book`` or ``run_recipe("speech", "book")``.
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from ._common import check_preset, write_result
from .hardware import Hardware, hardware_for
from .training import application_document, fit

NAME = "speech"

_MODEL = {"units": 64, "layers": 1, "bidirectional": True, "conv_filters": 64, "conv_kernel": 5,
          "conv_stride": 2, "dropout": 0.0, "learning_rate": 3e-3, "seed": 0, "beam_width": 16}

PRESETS: dict[str, dict[str, Any]] = {
    # seconds, for CI: 128 short strings, a tiny one-way GRU, two epochs.
    "test": {**_MODEL, "data": "espeak", "train": 128, "val": 32, "test": 32, "min_len": 2,
             "max_len": 3, "test_voices": 2, "units": 8, "conv_filters": 8,
             "bidirectional": False, "epochs": 2, "batch_size": 32},
    # live on the page: 3-5 digits, 1,800 training strings, tested on 4 unseen voices (96.0 %
    # of the test strings exact, seed 0; 97.8 % after a seventh epoch).
    "book": {**_MODEL, "data": "espeak", "train": 1800, "val": 200, "test": 400, "min_len": 3,
             "max_len": 5, "test_voices": 4, "epochs": 6, "batch_size": 32},
    # one T4: real recordings (FSDD), 6,000 strings, two BiGRU layers, an unseen speaker.
    "colab": {**_MODEL, "data": "fsdd", "train": 6000, "val": 500, "test": 1000, "min_len": 3,
              "max_len": 7, "test_speaker": "theo", "units": 128, "layers": 2, "dropout": 0.2,
              "learning_rate": 1e-3, "epochs": 30, "batch_size": 64},
    # A100/H100: more strings, three layers.
    "full": {**_MODEL, "data": "fsdd", "train": 20000, "val": 1000, "test": 2000, "min_len": 3,
             "max_len": 9, "test_speaker": "theo", "units": 256, "layers": 3, "dropout": 0.2,
             "learning_rate": 1e-3, "epochs": 40, "batch_size": 128},
}

#: How many of the test strings the model gets wrong the result keeps, with their voices.
ERRORS_KEPT = 12


def _load(config: dict):
    from course_pkg.data.speech import load_fsdd_strings, make_digit_strings

    total = config["train"] + config["val"]
    if config["data"] == "espeak":
        return make_digit_strings(train=total, test=config["test"], min_len=config["min_len"],
                                  max_len=config["max_len"], test_voices=config["test_voices"],
                                  seed=config["seed"])
    return load_fsdd_strings(train=total, test=config["test"], min_len=config["min_len"],
                             max_len=config["max_len"], test_speaker=config["test_speaker"],
                             seed=config["seed"])


def _build(config: dict, n_features: int, n_characters: int, hardware: Hardware
           ) -> Callable[[], Any]:
    def build():
        import keras

        from course_pkg.models.speech import ctc_recognizer

        model = ctc_recognizer(n_features, n_characters, units=config["units"],
                               layers=config["layers"], bidirectional=config["bidirectional"],
                               conv_filters=config["conv_filters"],
                               conv_kernel=config.get("conv_kernel", 5),
                               conv_stride=config.get("conv_stride", 2),
                               dropout=config["dropout"])
        model.compile(optimizer=keras.optimizers.Adam(config["learning_rate"]),
                      loss=keras.losses.CTC(), jit_compile=hardware.jit_compile)
        return model

    return build


def recognition_metrics(references: Sequence[str], hypotheses: Sequence[str]) -> dict[str, float]:
    """The share of strings exactly right, and jiwer's character and word error rates.

    Words are the characters themselves (a spoken digit is a word): WER counts digit
    substitutions, deletions and insertions over the reference digits, as CER does over
    characters; they differ only where the alphabet has multi-character words.
    """
    from course_pkg.colab import ensure_packages

    ensure_packages("jiwer")
    import jiwer

    refs, hyps = list(references), list(hypotheses)
    return {"exact": float(np.mean([r == h for r, h in zip(refs, hyps)])),
            "cer": float(jiwer.cer(refs, hyps)),
            "wer": float(jiwer.wer([" ".join(r) for r in refs],
                                   [" ".join(h) if h else "" for h in hyps]))}


def _evaluate(model, x: np.ndarray, texts: Sequence[str], alphabet: str, beam_width: int,
              batch_size: int = 256) -> tuple[dict[str, float], list[str], np.ndarray]:
    """Greedy and beam-search metrics; the greedy strings and the logits."""
    from course_pkg.models.speech import ctc_decode_strings

    logits = np.asarray(model.predict(x, verbose=0, batch_size=batch_size))
    greedy = ctc_decode_strings(logits, alphabet, "greedy")
    beam = ctc_decode_strings(logits, alphabet, "beam_search", beam_width=beam_width)
    g, b = recognition_metrics(texts, greedy), recognition_metrics(texts, beam)
    metrics = {f"greedy_{k}": v for k, v in g.items()} | {f"beam_{k}": v for k, v in b.items()}
    return metrics, greedy, logits


def _per_voice(texts: Sequence[str], decoded: Sequence[str], voices: Sequence[str]) -> dict:
    table: dict[str, list[bool]] = {}
    for text, hyp, voice in zip(texts, decoded, voices):
        table.setdefault(voice, []).append(text == hyp)
    return {v: {"strings": len(hits), "exact": float(np.mean(hits))}
            for v, hits in sorted(table.items())}


def run(preset: str = "book", out: str | None = None,
        progress: Callable[[dict], None] | None = None, run_dir: str | None = None,
        hardware: Hardware | None = None) -> dict:
    """Train the CTC recogniser and score it on unseen voices; return the result document.

    Args:
        preset: "test", "book", "colab" or "full" (:data:`PRESETS`).
        out: folder for ``speech_<preset>.json`` (None: not written).
        progress: called after every epoch (``course_pkg.recipes.training.format_epoch``).
        run_dir: checkpoint folder; a run started again with it resumes.
        hardware: precision and devices (default: ``hardware_for(preset)``).

    Returns:
        The document of ``application_document``; ``metrics`` holds ``test_exact``, ``test_cer``,
        ``test_wer`` (greedy decoding, unseen voices), ``beam_exact``, ``beam_cer``, ``beam_wer``,
        ``val_exact`` (seen voices, unseen strings) and ``params``; besides them ``data``
        (provenance, sizes), ``per_voice``, ``errors``, ``examples`` (a few test examples with
        their features and per-frame probabilities, for the page's figures) and ``timing``.
    """
    config = check_preset(NAME, PRESETS, preset)
    hardware = hardware or hardware_for(preset)
    start = time.perf_counter()
    data = _load(config)
    data_seconds = time.perf_counter() - start
    n_train = config["train"]
    x_train, y_train = data.x_train[:n_train], data.y_train[:n_train]
    x_val, y_val = data.x_train[n_train:], data.y_train[n_train:]

    result = fit(_build(config, data.x_train.shape[2], len(data.alphabet), hardware),
                 x_train, y_train, validation_data=(x_val, y_val), epochs=config["epochs"],
                 batch_size=config["batch_size"], seed=config["seed"], hardware=hardware,
                 run_dir=run_dir, progress=progress, fingerprint=config)
    model = result.model
    test, greedy, logits = _evaluate(model, data.x_test, data.texts_test, data.alphabet,
                                     config["beam_width"])
    val_texts = data.texts_train[n_train:]
    val, _, _ = _evaluate(model, x_val, val_texts, data.alphabet, config["beam_width"])
    metrics = {"test_exact": test["greedy_exact"], "test_cer": test["greedy_cer"],
               "test_wer": test["greedy_wer"], "beam_exact": test["beam_exact"],
               "beam_cer": test["beam_cer"], "beam_wer": test["beam_wer"],
               "val_exact": val["greedy_exact"], "params": int(model.count_params())}
    wrong = [i for i, (r, h) in enumerate(zip(data.texts_test, greedy)) if r != h]
    probs = np.exp(logits - logits.max(-1, keepdims=True))
    probs /= probs.sum(-1, keepdims=True)
    shown = (wrong[:2] + [i for i in range(len(greedy)) if i not in wrong][:2])[:4]
    extra: dict[str, Any] = {
        "data": {"provenance": data.provenance,
                 "sizes": {"train": n_train, "val": len(y_val), "test": len(data.texts_test)},
                 "frames": int(data.x_train.shape[1]), "n_mels": int(data.x_train.shape[2]),
                 "alphabet": data.alphabet},
        "per_voice": _per_voice(data.texts_test, greedy, data.voices_test),
        "errors": [{"text": data.texts_test[i], "decoded": greedy[i],
                    "voice": data.voices_test[i]} for i in wrong[:ERRORS_KEPT]],
        "examples": [{"text": data.texts_test[i], "decoded": greedy[i],
                      "voice": data.voices_test[i],
                      "features": np.round(data.x_test[i], 3).tolist(),
                      "probs": np.round(probs[i], 4).tolist()} for i in shown],
        "timing": {"data_seconds": round(data_seconds, 1), "train_seconds": round(result.wall_s, 1),
                   "resumed_epochs": result.resumed_epochs},
    }
    document = application_document(NAME, preset, out, config, metrics, result.history, hardware,
                                    time.perf_counter() - start, **extra)
    if out is not None:
        write_result(document, out)
    return document


#: The digit-strip experiment (CTC on images): ``book`` runs on the page (800 strips of 2-3
#: digits, 87 % of the test strips exact in about 10 s); ``full`` trains on 2,000 strips of 2-5
#: digits (89 % exact, seed 0).
#: The network first learns to say only blanks (loss near 9) and needs a high learning rate and a
#: few hundred updates to leave that plateau.
STRIP_PRESETS: dict[str, dict[str, Any]] = {
    "test": {"train": 256, "test": 64, "min_len": 2, "max_len": 3, "units": 8,
             "conv_filters": 8, "conv_kernel": 3, "epochs": 2, "batch_size": 32,
             "learning_rate": 3e-3, "seed": 0},
    "book": {"train": 800, "test": 400, "min_len": 2, "max_len": 3, "units": 32,
             "conv_filters": 32, "conv_kernel": 3, "epochs": 10, "batch_size": 32,
             "learning_rate": 2e-2, "seed": 0},
    "full": {"train": 2000, "test": 500, "min_len": 2, "max_len": 5, "units": 64,
             "conv_filters": 32, "conv_kernel": 3, "epochs": 10, "batch_size": 32,
             "learning_rate": 1e-2, "seed": 0},
}


@contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """C++ messages to file descriptor 2 go to /dev/null (Python exceptions still propagate).

    TensorFlow's dense CTC loss builds its loop from functions cached for the whole process: a
    second CTC model in the same process (the speech model, then the strips one) makes its graph
    optimiser print a shape mismatch and fall back, harmlessly but loudly, onto the page.
    """
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def run_digit_strips(preset: str = "book", progress: Callable[[dict], None] | None = None,
                     run_dir: str | None = None, hardware: Hardware | None = None) -> dict:
    """CTC on images: a BiGRU reads strips of handwritten digits column by column.

    Returns:
        ``{"config", "metrics" (exact, cer, wer for greedy decoding on strips of test images),
        "history", "examples" (strips with their decoded strings), "timing"}``.
    """
    from course_pkg.data.speech import make_digit_strips

    config = check_preset("digit_strips", STRIP_PRESETS, preset)
    hardware = hardware or hardware_for("book" if preset != "full" else "full")
    start = time.perf_counter()
    data = make_digit_strips(train=config["train"], test=config["test"],
                             min_len=config["min_len"], max_len=config["max_len"],
                             seed=config["seed"])
    model_config = {**_MODEL, **config, "conv_stride": 1, "layers": 1, "bidirectional": True}
    with _native_stderr_silenced():
        result = fit(_build(model_config, data.x_train.shape[2], len(data.alphabet), hardware),
                     data.x_train, data.y_train, epochs=config["epochs"],
                     batch_size=config["batch_size"], seed=config["seed"], hardware=hardware,
                     run_dir=None if run_dir is None else str(Path(run_dir) / "digit_strips"),
                     progress=progress, fingerprint=config)
    test, greedy, _ = _evaluate(result.model, data.x_test, data.texts_test, data.alphabet,
                                _MODEL["beam_width"])
    return {"config": config, "data": data.provenance,
            "metrics": {"exact": test["greedy_exact"], "cer": test["greedy_cer"],
                        "wer": test["greedy_wer"], "beam_exact": test["beam_exact"]},
            "history": result.history,
            "examples": [{"image": data.x_test[i].T.tolist(), "text": data.texts_test[i],
                          "decoded": greedy[i]} for i in range(6)],
            "timing": {"train_seconds": round(result.wall_s, 1),
                       "total_seconds": round(time.perf_counter() - start, 1)}}
