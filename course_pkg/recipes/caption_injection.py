"""Vinyals et al.'s claim, measured at small scale: is it better to show the decoder the image once,
before the first word, than at every time step?

Vinyals, Toshev, Bengio and Erhan (2015, Show and Tell) give the image to the LSTM only at
``t = -1`` and write: "We empirically verified that feeding the image at each time step as an extra
input yields inferior results, as the network can explicitly exploit noise in the image and
overfits more easily." They report no numbers for it. This recipe trains both variants of
``course_pkg.models.captioning.captioning_model`` on the generated scenes of
``course_pkg.data.captioning`` from the same seeds with the shared loop:

- ``init``: the image embedding sets the LSTM's initial state (the image before the first word);
- ``every``: the image embedding is concatenated to the word embedding at every step.

Each run is scored by greedy decoding with BLEU-4 (sacrebleu) and exact match on new scenes of seen
attribute pairs and on scenes holding held-out pairs, and by its final validation loss; the summary
gives the mean, standard deviation, minimum and maximum over the seeds.

``full`` results are committed in ``course_pkg/recipes/results/caption_injection_full.json`` and
the captioning page reads them with ``load_result("caption_injection", "full")``.
"""

from __future__ import annotations

import os
import time
from typing import Any, Callable

import numpy as np

from ._common import check_preset, write_result
from .captioning import PRESETS as _CAPTIONING, evaluate_scenes, load_task, train_scenes_model
from .hardware import Hardware, hardware_for
from .training import application_document

NAME = "caption_injection"

# the captioning book preset's data and sizes, trained for five epochs (the committed full run)
_BASE = {**_CAPTIONING["book"], "kinds": ["init", "every"], "beam_width": 1, "epochs": 5}
_BASE.pop("kind")

PRESETS: dict[str, dict[str, Any]] = {
    "test": {**_CAPTIONING["test"], "kinds": ["init", "every"], "seeds": [0], "beam_width": 1},
    "book": {**_BASE, "seeds": [0]},
    "colab": {**_BASE, "seeds": [0, 1, 2], "n_train": 20_000, "units": 128, "embed_dim": 64,
              "epochs": 10},
    "full": {**_BASE, "seeds": [0, 1, 2]},
}
PRESETS["test"].pop("kind")

#: The metrics each run records and the summary aggregates.
KEYS = ("bleu_seen", "exact_seen", "bleu_heldout", "exact_heldout", "val_loss")
LABELS = {"init": "image before the first word", "every": "image at every step"}


def run(preset: str = "book", out: str | None = None,
        progress: Callable[[dict], None] | None = None, run_dir: str | None = None,
        hardware: Hardware | None = None) -> dict:
    """Train every (variant, seed) model; return the result document.

    Args:
        preset: "test", "book", "colab" or "full" (:data:`PRESETS`).
        out: folder for ``caption_injection_<preset>.json`` (None: not written).
        progress: called after every epoch of every run, with ``model`` and ``seed`` added.
        run_dir: checkpoint folder; each run keeps its own sub-folder and resumes from it.
        hardware: precision and devices (default: ``hardware_for(preset)``).

    Returns:
        The document of ``application_document``: ``runs`` (one per variant and seed),
        ``summary`` (per variant: mean, std, min, max over seeds of :data:`KEYS`) and
        ``metrics`` (each variant's mean BLEU-4 and exact match on seen pairs).
    """
    config = check_preset(NAME, PRESETS, preset)
    hardware = hardware or hardware_for(preset)
    start = time.perf_counter()
    runs, last_history, data = [], {}, None
    for seed in config["seeds"]:
        data = load_task({**config, "seed": seed})
        for kind in config["kinds"]:
            sub = None if run_dir is None else os.path.join(run_dir, f"{kind}_{seed}")

            def tagged(record, kind=kind, seed=seed):
                if progress is not None:
                    progress({"model": kind, "seed": seed, **record})

            result, max_len = train_scenes_model(config, data, hardware, kind=kind, seed=seed,
                                                 run_dir=sub, progress=tagged)
            ev = evaluate_scenes(result.model, data, max_len)
            runs.append({"model": kind, "label": LABELS[kind], "seed": seed, **ev["metrics"],
                         "val_loss": float(result.history["val_loss"][-1]),
                         "val_loss_history": result.history["val_loss"],
                         "params": int(result.model.count_params()),
                         "train_seconds": round(result.wall_s, 1)})
            last_history = result.history
    summary = []
    for kind in config["kinds"]:
        members = [r for r in runs if r["model"] == kind]
        row: dict[str, Any] = {"model": kind, "label": LABELS[kind], "n": len(members)}
        for key in KEYS:
            values = np.array([m[key] for m in members], dtype=float)
            row.update({f"{key}_mean": float(values.mean()), f"{key}_std": float(values.std()),
                        f"{key}_min": float(values.min()), f"{key}_max": float(values.max())})
        summary.append(row)
    metrics = {}
    for row in summary:
        metrics[f"bleu_seen {row['model']}"] = row["bleu_seen_mean"]
        metrics[f"exact_seen {row['model']}"] = row["exact_seen_mean"]
    document = application_document(
        NAME, preset, out, config, metrics, last_history, hardware, time.perf_counter() - start,
        data={"provenance": data.provenance}, summary=summary, runs=runs)
    if out is not None:
        write_result(document, out)
    return document
