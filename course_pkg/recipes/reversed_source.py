"""Sutskever et al.'s reversed source, at small scale: does reading the source backwards help an
encoder-decoder without attention, and does attention make the trick unnecessary?

Sutskever, Vinyals and Le (2014) reversed the order of the source words (not the target's) and
saw their WMT'14 English-French LSTM go from 25.9 to 30.6 BLEU: the first target words, which
depend mostly on the first source words, then sit a few steps from them instead of a whole
sentence away. The effect needs a task whose alignment is monotonic (the i-th output comes from
about the i-th input): here numbers of 3 to 12 digits written in English words, translated into
their digits (``course_pkg.data.dates.load_numbers``: "nine hundred and sixteen thousand and
ninety-seven" -> "916097"), read word by word.

Four models, each trained from the same seeds with the shared loop: a unidirectional GRU
encoder-decoder without attention reading the source forwards or reversed, and the same with
Luong's general attention, forwards or reversed. Each is scored by exact match and chrF
(sacrebleu) on unseen numbers, greedy decoding; the summary gives mean and standard deviation over
the seeds.

``full`` results are committed in ``course_pkg/recipes/results/reversed_source_full.json`` and
the translation page reads them with ``load_result("reversed_source")``.
"""

from __future__ import annotations

import time
from typing import Any, Callable

import numpy as np

from ._common import check_preset, write_result
from .hardware import Hardware, hardware_for
from .training import application_document, fit
from .translation import build_model, decode, text_metrics

NAME = "reversed_source"

_BASE = {"data": "numbers", "bidirectional": False, "cell": "gru", "clipnorm": 1.0,
         "attentions": [None, "general"], "directions": ["forward", "reversed"]}

PRESETS: dict[str, dict[str, Any]] = {
    "test": {**_BASE, "seeds": [0], "n_train": 256, "n_val": 32, "n_test": 32, "units": 8,
             "embed_dim": 8, "epochs": 1, "batch_size": 64, "learning_rate": 5e-3},
    "book": {**_BASE, "seeds": [0], "n_train": 8_000, "n_val": 500, "n_test": 1_000,
             "units": 64, "embed_dim": 32, "epochs": 4, "batch_size": 128,
             "learning_rate": 5e-3},
    "colab": {**_BASE, "seeds": [0, 1, 2], "n_train": 100_000, "n_val": 1_000, "n_test": 5_000,
              "units": 256, "embed_dim": 128, "epochs": 10, "batch_size": 256,
              "learning_rate": 2e-3},
    "full": {**_BASE, "seeds": [0, 1, 2], "n_train": 20_000, "n_val": 500, "n_test": 2_000,
             "units": 64, "embed_dim": 32, "epochs": 6, "batch_size": 128,
             "learning_rate": 5e-3},
}


def _label(attention, direction) -> str:
    return f"{'no attention' if attention is None else attention + ' attention'}, {direction}"


def run(preset: str = "book", out: str | None = None,
        progress: Callable[[dict], None] | None = None, run_dir: str | None = None,
        hardware: Hardware | None = None) -> dict:
    """Train every (attention, direction, seed) model; return the result document.

    Args:
        preset: "test", "book", "colab" or "full" (:data:`PRESETS`).
        out: folder for ``reversed_source_<preset>.json`` (None: not written).
        progress: called after every epoch of every run, with ``model`` and ``seed`` added.
        run_dir: checkpoint folder; each run keeps its own sub-folder and resumes from it.
        hardware: precision and devices (default: ``hardware_for(preset)``).

    Returns:
        The document of ``application_document``: ``runs`` (one per model and seed: exact, chrF,
        history), ``summary`` (per model: exact and chrF mean, std, min, max over seeds) and
        ``metrics`` (the four models' mean exact match).
    """
    import os

    from course_pkg.data.dates import load_numbers
    from course_pkg.models.translation import inference_models

    config = check_preset(NAME, PRESETS, preset)
    hardware = hardware or hardware_for(preset)
    start = time.perf_counter()
    runs, last_history = [], {}
    for seed in config["seeds"]:
        data = load_numbers(config["n_train"], config["n_val"], config["n_test"], seed)
        for attention in config["attentions"]:
            for direction in config["directions"]:
                reverse = direction == "reversed"
                x, y = data.arrays("train", reverse=reverse)
                x_val, y_val = data.arrays("val", reverse=reverse)
                x_test, _ = data.arrays("test", reverse=reverse)
                steps = config["epochs"] * int(np.ceil(len(y) / config["batch_size"]))
                label = _label(attention, direction)
                sub = (None if run_dir is None else
                       os.path.join(run_dir, f"{attention or 'none'}_{direction}_{seed}"))

                def tagged(record, label=label, seed=seed):
                    if progress is not None:
                        progress({"model": label, "seed": seed, **record})

                result = fit(build_model(config, data.source_vocab.size, data.target_vocab.size,
                                         hardware, steps, attention=attention),
                             x, y, validation_data=(x_val, y_val), epochs=config["epochs"],
                             batch_size=config["batch_size"], seed=seed, hardware=hardware,
                             run_dir=sub, progress=tagged,
                             fingerprint={**config, "attention": attention,
                                          "direction": direction})
                translator = inference_models(result.model)
                pred = decode(translator, x_test["source"], data.target_vocab, y.shape[1])
                scores = text_metrics(pred, data.test.targets)
                by_length: dict[int, list[bool]] = {}
                for p, t in zip(pred, data.test.targets):
                    by_length.setdefault(len(t), []).append(p == t)
                runs.append({"model": label, "attention": attention, "direction": direction,
                             "seed": seed, "exact": scores["exact"], "chrf": scores["chrf"],
                             "exact_by_digits": {str(k): float(np.mean(v))
                                                 for k, v in sorted(by_length.items())},
                             "val_loss": result.history.get("val_loss", []),
                             "train_seconds": round(result.wall_s, 1)})
                last_history = result.history
    summary = []
    for label in dict.fromkeys(r["model"] for r in runs):
        members = [r for r in runs if r["model"] == label]
        row: dict[str, Any] = {"model": label, "attention": members[0]["attention"],
                               "direction": members[0]["direction"], "n": len(members)}
        for key in ("exact", "chrf"):
            values = np.array([m[key] for m in members])
            row.update({f"{key}_mean": float(values.mean()), f"{key}_std": float(values.std()),
                        f"{key}_min": float(values.min()), f"{key}_max": float(values.max())})
        summary.append(row)
    metrics = {f"exact {row['model']}": row["exact_mean"] for row in summary}
    document = application_document(
        NAME, preset, out, config, metrics, last_history, hardware, time.perf_counter() - start,
        data={"provenance": data.provenance, "sizes": {"train": config["n_train"],
                                                       "val": config["n_val"],
                                                       "test": config["n_test"]}},
        summary=summary, runs=runs)
    if out is not None:
        write_result(document, out)
    return document
