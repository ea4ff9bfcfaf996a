"""An LSTM ablation in the spirit of Greff et al. (2017), "LSTM: A Search Space Odyssey".

Greff et al.'s baseline ("vanilla") LSTM has peepholes; each variant removes or ties one part:
no peepholes (the LSTM of Keras), no forget gate (f = 1, the LSTM of 1997), no output gate
(o = 1), coupled input and forget gates (i = 1 - f). All five run the same cell code
(``course_pkg.cells.VariantLSTMCell``) with the same seeds, data and budget.

The task is the last-marked-value task (``course_pkg.data.synthetic.last_marked_value``): many
marked values arrive (12 in T = 50 steps in the full preset) and only the last one counts, so the cell must overwrite what it stored.
Predicting 0.5 scores an MSE of 1/12. The final test MSE after a fixed budget is compared. A
preset with ``"task": "adding"`` runs the same ablation on the adding problem instead.

Presets (``PRESETS``): "test", "book" (run live in the book), "full" (the committed results).
"""

from __future__ import annotations

import time
from typing import Any, Callable

from course_pkg.data.synthetic import ADDING_BASELINE_MSE, LAST_VALUE_BASELINE_MSE

from ._common import check_preset, result_document, summarize, train_run, write_result

NAME = "lstm_ablation"
VARIANTS = ["vanilla", "no_peepholes", "no_forget_gate", "no_output_gate", "coupled"]
_TRAINING = {"units": 32, "batch_size": 100, "learning_rate": 1e-2, "clipnorm": 1.0,
             "n_test": 1000, "solved_mse": 0.01, "task": "last_value",
             "variants": VARIANTS}
PRESETS: dict[str, dict[str, Any]] = {
    "test": {**_TRAINING, "variants": ["vanilla", "no_forget_gate"], "T": 8, "seeds": [0],
             "units": 4, "n_train": 200, "n_test": 100, "epochs": 1, "markers": 2},
    "book": {**_TRAINING, "variants": ["vanilla", "no_forget_gate"], "T": 20,
             "markers": 5, "seeds": [0], "n_train": 3000, "n_test": 500, "batch_size": 50,
             "epochs": 4},
    "full": {**_TRAINING, "T": 50, "markers": 12, "seeds": [0, 1, 2], "n_train": 10_000,
             "epochs": 8},
}


def run(preset: str = "book", out: str | None = None,
        progress: Callable[[dict], None] | None = None) -> dict[str, Any]:
    """Train every LSTM variant at every seed of the preset on the last-marked-value task.

    Returns:
        The result document: ``config``, ``seeds``, ``baseline_mse`` (1/12), ``runs`` and
        ``summary`` (final test MSE mean ± std per variant).
    """
    config = check_preset(NAME, PRESETS, preset)
    start = time.perf_counter()
    # The markers setting belongs to the last-marked-value task; the adding problem has two.
    task_kwargs = {"markers": config["markers"]} if config["task"] == "last_value" else {}
    runs = []
    for kind in config["variants"]:
        for seed in config["seeds"]:
            record = train_run(task=config["task"], kind=kind, T=config["T"], seed=seed,
                               units=config["units"], n_train=config["n_train"],
                               n_test=config["n_test"], batch_size=config["batch_size"],
                               epochs=config["epochs"], learning_rate=config["learning_rate"],
                               clipnorm=config["clipnorm"],
                               task_kwargs=task_kwargs)
            runs.append(record)
            if progress is not None:
                progress(record)
    summary = summarize(runs, ("kind",), config["solved_mse"])
    baseline = LAST_VALUE_BASELINE_MSE if config["task"] == "last_value" else ADDING_BASELINE_MSE
    document = result_document(NAME, preset, out, config, runs, summary,
                               time.perf_counter() - start, baseline_mse=baseline)
    if out is not None:
        write_result(document, out)
    return document
