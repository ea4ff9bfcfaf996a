"""How far back can an LSTM remember? The adding problem at T = 100 and T = 1000.

A lecture claims that an LSTM "detects patterns 100 steps back but struggles with 1000s".
Hochreiter and Schmidhuber (1997, experiment 4) trained LSTMs on the adding problem at
T = 100, 500 and 1000; this recipe trains T = 100 and T = 1000 with one fixed budget of training
sequences (``epochs * n_train`` = 150,000 in the full preset) and three seeds, so that the
table says what that budget buys at each length. Each run is
``course_pkg.recipes._common.train_run`` (an ``LSTM(32)`` and a ``Dense(1)``, Adam with gradient
clipping); a run counts as solved when its test MSE falls below
``solved_mse`` (0.01; predicting the mean scores 1/6) and stops early once below ``stop_mse``.

Presets (``PRESETS``): "test" (seconds, for the test suite), "book" (T = 100, one seed: a short
live run), "full" (T = 100 and T = 1000 with three seeds each: the committed results, about 40
minutes on two shared CPU cores, most of it at T = 1000).
"""

from __future__ import annotations

import time
from typing import Any, Callable

from course_pkg.data.synthetic import ADDING_BASELINE_MSE

from ._common import check_preset, result_document, summarize, train_run, write_result

NAME = "long_memory"
_TRAINING = {"task": "adding", "kind": "lstm", "units": 32, "batch_size": 100,
             "learning_rate": 1e-2, "clipnorm": 1.0, "n_test": 1000, "solved_mse": 0.01}
PRESETS: dict[str, dict[str, Any]] = {
    "test": {**_TRAINING, "lengths": [10, 20], "seeds": [0], "units": 4, "n_train": 200,
             "n_test": 100, "epochs": 2, "stop_mse": None},
    "book": {**_TRAINING, "lengths": [100], "seeds": [0], "n_train": 2000, "n_test": 500,
             "epochs": 3, "stop_mse": 0.005},
    "full": {**_TRAINING, "lengths": [100, 1000], "seeds": [0, 1, 2], "n_train": 10_000,
             "epochs": 15, "stop_mse": 0.005},
}

#: Hochreiter and Schmidhuber (1997), Table 7 (the adding problem): sequence length T -> average
#: number of training sequences until their stopping criterion was met (online training).
HOCHREITER_1997_ADDING = {100: 74_000, 500: 209_000, 1000: 853_000}


def sequences_to_solve(run: dict[str, Any], solved_mse: float) -> int | None:
    """Training sequences seen when the run's test MSE first fell below ``solved_mse`` (or None)."""
    for epoch, mse in enumerate(run["curve"], start=1):
        if mse < solved_mse:
            return epoch * run["steps_per_epoch"] * run["batch_size"]
    return None


def run(preset: str = "book", out: str | None = None,
        progress: Callable[[dict], None] | None = None) -> dict[str, Any]:
    """Train an LSTM at every length and seed of the preset; write the JSON if ``out``.

    Returns:
        The result document: ``config``, ``seeds``, ``baseline_mse`` (1/6), ``runs`` (one per
        T x seed, with the test-MSE curve and ``sequences_to_solve``), ``summary`` (mean ± std per
        T) and ``hochreiter_1997`` (their Table 7, for comparison).
    """
    config = check_preset(NAME, PRESETS, preset)
    start = time.perf_counter()
    runs = []
    for T in config["lengths"]:
        for seed in config["seeds"]:
            record = train_run(task=config["task"], kind=config["kind"], T=T, seed=seed,
                               units=config["units"], n_train=config["n_train"],
                               n_test=config["n_test"], batch_size=config["batch_size"],
                               epochs=config["epochs"], learning_rate=config["learning_rate"],
                               clipnorm=config["clipnorm"], stop_mse=config["stop_mse"])
            record["batch_size"] = config["batch_size"]
            record["sequences_to_solve"] = sequences_to_solve(record, config["solved_mse"])
            runs.append(record)
            if progress is not None:
                progress(record)
    summary = summarize(runs, ("T",), config["solved_mse"])
    document = result_document(NAME, preset, out, config, runs, summary,
                               time.perf_counter() - start, baseline_mse=ADDING_BASELINE_MSE,
                               hochreiter_1997={str(k): v
                                                for k, v in HOCHREITER_1997_ADDING.items()})
    if out is not None:
        write_result(document, out)
    return document
