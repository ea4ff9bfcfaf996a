"""The adding problem (Hochreiter and Schmidhuber, 1997): LSTM and GRU against the tanh RNN.

Each model reads T steps of (value, marker) and must output the sum of the two marked values
(``course_pkg.data.synthetic.adding_problem``). Predicting the mean, 1.0, scores an MSE of 1/6;
a run counts as solved when its test MSE falls below ``solved_mse`` (0.01). Runs stop early
once the test MSE is below ``stop_mse``, so a solved run's final MSE is at most that.

Presets (``PRESETS``): "test" (seconds, for the test suite), "book" (one short length, run live
during the book build), "full" (T = 50, 100, 200 with three seeds: the committed results).
"""

from __future__ import annotations

import time
from typing import Any, Callable

from course_pkg.data.synthetic import ADDING_BASELINE_MSE

from ._common import check_preset, result_document, summarize, train_run, write_result

NAME = "adding_problem"
_TRAINING = {"units": 32, "batch_size": 100, "learning_rate": 1e-2, "clipnorm": 1.0,
             "n_test": 1000, "solved_mse": 0.01}
PRESETS: dict[str, dict[str, Any]] = {
    "test": {**_TRAINING, "models": ["simple_rnn", "lstm"], "lengths": [8], "seeds": [0],
             "units": 4, "n_train": 200, "n_test": 100, "epochs": 1, "stop_mse": None},
    "book": {**_TRAINING, "models": ["simple_rnn", "gru", "lstm"], "lengths": [20], "seeds": [0],
             "n_train": 3000, "n_test": 500, "epochs": 5, "batch_size": 50, "stop_mse": 0.002},
    "full": {**_TRAINING, "models": ["simple_rnn", "gru", "lstm"], "lengths": [50, 100, 200],
             "seeds": [0, 1, 2], "n_train": 10_000, "epochs": 20, "stop_mse": 0.001},
}


def run(preset: str = "book", out: str | None = None,
        progress: Callable[[dict], None] | None = None) -> dict[str, Any]:
    """Train every model at every length and seed of the preset; write the JSON if ``out``.

    Returns:
        The result document: ``config``, ``seeds``, ``baseline_mse`` (1/6), ``runs`` (one per
        model x T x seed, with its test-MSE curve) and ``summary`` (mean ± std per model and T).
    """
    config = check_preset(NAME, PRESETS, preset)
    start = time.perf_counter()
    runs = []
    for T in config["lengths"]:
        for kind in config["models"]:
            for seed in config["seeds"]:
                record = train_run(task="adding", kind=kind, T=T, seed=seed, units=config["units"],
                                   n_train=config["n_train"], n_test=config["n_test"],
                                   batch_size=config["batch_size"], epochs=config["epochs"],
                                   learning_rate=config["learning_rate"],
                                   clipnorm=config["clipnorm"], stop_mse=config["stop_mse"])
                runs.append(record)
                if progress is not None:
                    progress(record)
    summary = summarize(runs, ("kind", "T"), config["solved_mse"])
    document = result_document(NAME, preset, out, config, runs, summary,
                               time.perf_counter() - start, baseline_mse=ADDING_BASELINE_MSE)
    if out is not None:
        write_result(document, out)
    return document
