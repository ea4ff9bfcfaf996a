"""Which activation lets a simple RNN remember? tanh, ReLU and sigmoid on delayed recall.

The task (:func:`delayed_recall`): the input is a sequence of numbers u_t drawn uniformly from
[-1, 1]; at every step t >= k the target is u_{t-k}, the number seen k steps earlier, so the
network must keep the last k inputs in its state. Predicting 0 scores the variance of u, an MSE
of 1/3.

Each (activation, seed) run trains the NumPy reference RNN with Adam and no gradient clipping
(``course_pkg.experiments.numpy_training``): the seed draws the initial weights and the batches;
every run sees the same training and test sets.
"""

from __future__ import annotations

import time
from typing import Any, Sequence

import numpy as np

from .numpy_training import train_reference_rnn

__all__ = ["RECALL_BASELINE_MSE", "activation_memory", "delayed_recall"]

#: MSE of predicting 0 for a number drawn uniformly from [-1, 1]: its variance, 1/3.
RECALL_BASELINE_MSE = 1.0 / 3.0


def delayed_recall(n: int, T: int, delay: int, rng=None) -> tuple[np.ndarray, np.ndarray]:
    """Draw n sequences: x (N, T, 1) uniform in [-1, 1] (float64) and y (N, T - delay, 1), where
    ``y[:, s]`` is the target of step ``s + delay``, the input ``x[:, s]`` seen ``delay`` steps
    before."""
    if not 0 < delay < T:
        raise ValueError(f"delayed_recall: argument delay expected 0 < delay < T = {T}, "
                         f"got {delay!r}")
    x = np.random.default_rng(rng).uniform(-1.0, 1.0, size=(n, T, 1))
    return x, x[:, : T - delay].copy()


def activation_memory(activations: Sequence[str] = ("tanh", "relu", "sigmoid"),
                      seeds: Sequence[int] = (0, 1, 2), delays: Sequence[int] = (5, 10),
                      *, T: int = 30, units: int = 16, n_train: int = 1000, n_test: int = 500,
                      steps: int = 200, batch_size: int = 32,
                      learning_rate: float = 1e-2) -> dict[str, Any]:
    """Train every (delay, activation, seed) run on delayed recall and score it on a test set.

    Returns:
        ``{"config", "runs": [{"delay", "activation", "seed", "test_mse", "nan_step",
        "max_weight", "curve"}], "baseline_mse": 1/3, "wall_s"}``; ``test_mse`` is NaN for a run
        whose weights stopped being finite (``nan_step`` says when).
    """
    config = {"T": T, "delays": list(delays), "units": units, "n_train": n_train,
              "n_test": n_test, "steps": steps, "batch_size": batch_size,
              "learning_rate": learning_rate, "seeds": list(seeds),
              "activations": list(activations), "optimizer": "adam", "clip": None}
    start = time.perf_counter()
    runs = []
    for delay in delays:
        x, y = delayed_recall(n_train, T, delay, rng=[0, delay])
        x_test, y_test = delayed_recall(n_test, T, delay, rng=[1, delay])
        for activation in activations:
            for seed in seeds:
                result = train_reference_rnn(x, y, activation=activation, delay=delay, units=units,
                                             steps=steps, batch_size=batch_size,
                                             learning_rate=learning_rate, seed=seed,
                                             x_test=x_test, y_test=y_test)
                runs.append({"delay": delay, "activation": activation, "seed": seed,
                             "test_mse": result["test_mse"], "nan_step": result["nan_step"],
                             "max_weight": result["max_weight"][-1], "curve": result["loss"]})
    return {"config": config, "runs": runs, "baseline_mse": RECALL_BASELINE_MSE,
            "wall_s": round(time.perf_counter() - start, 1)}
