"""The forget-gate bias (Jozefowicz et al., 2015): an LSTM started with b_f = 1 against b_f = 0.

With b_f = 0 a fresh LSTM's forget gate is sigmoid(0) = 0.5 everywhere, so the cell keeps half of
its content per step and what it stored T steps ago weighs 0.5^T; with b_f = 1 (Keras's
``unit_forget_bias=True``) the gate starts at sigmoid(1) = 0.73. The task is the adding problem
at a length where the difference shows; both settings use the same seeds, data and budget, and
train for the whole budget so that the learning curves can be averaged.

Presets (``PRESETS``): "test", "book" (run live in the book), "full" (the committed results).
"""

from __future__ import annotations

import time
from typing import Any, Callable

from course_pkg.data.synthetic import ADDING_BASELINE_MSE

from ._common import check_preset, result_document, summarize, train_run, write_result

NAME = "forget_bias"
_TRAINING = {"units": 32, "batch_size": 100, "learning_rate": 1e-2, "clipnorm": 1.0,
             "n_test": 1000, "solved_mse": 0.01, "task": "adding"}
PRESETS: dict[str, dict[str, Any]] = {
    "test": {**_TRAINING, "T": 8, "seeds": [0], "units": 4, "n_train": 200, "n_test": 100,
             "epochs": 2},
    "book": {**_TRAINING, "T": 20, "seeds": [0], "n_train": 3000, "n_test": 500, "batch_size": 50,
             "epochs": 4},
    "full": {**_TRAINING, "T": 100, "seeds": [0, 1, 2], "n_train": 10_000, "epochs": 15},
}


def run(preset: str = "book", out: str | None = None,
        progress: Callable[[dict], None] | None = None) -> dict[str, Any]:
    """Train a Keras LSTM with ``unit_forget_bias`` True and False at every seed of the preset.

    Returns:
        The result document: ``config``, ``seeds``, ``baseline_mse``, ``runs`` (with their test-MSE
        curves, one point per epoch) and ``summary`` (mean ± std per setting).
    """
    config = check_preset(NAME, PRESETS, preset)
    start = time.perf_counter()
    runs = []
    for unit_forget_bias in (True, False):
        for seed in config["seeds"]:
            record = train_run(task=config["task"], kind="lstm", T=config["T"], seed=seed,
                               units=config["units"], n_train=config["n_train"],
                               n_test=config["n_test"], batch_size=config["batch_size"],
                               epochs=config["epochs"], learning_rate=config["learning_rate"],
                               clipnorm=config["clipnorm"], unit_forget_bias=unit_forget_bias)
            runs.append(record)
            if progress is not None:
                progress(record)
    summary = summarize(runs, ("unit_forget_bias",), config["solved_mse"])
    document = result_document(NAME, preset, out, config, runs, summary,
                               time.perf_counter() - start, baseline_mse=ADDING_BASELINE_MSE)
    if out is not None:
        write_result(document, out)
    return document
