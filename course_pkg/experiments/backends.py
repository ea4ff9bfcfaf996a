"""One custom cell, one training run, three Keras backends: the same numbers.

The cells of ``course_pkg.cells`` are written with ``keras.ops`` only, so the same code trains on
TensorFlow, JAX and PyTorch. Keras fixes its backend when it is first imported (``KERAS_BACKEND``),
so :func:`train_on_backends` starts one Python process per backend, all at once, each running
:func:`train_cell` and printing its result as one JSON line; the backend of the calling process,
when it has imported Keras, trains in that process meanwhile (one process and one import less).

:func:`train_cell` starts from weights drawn with NumPy (each backend's own initialisers would draw
different random numbers from the same seed), trains on full batches in a fixed order (nothing
random during training) and returns the loss of every epoch, so the runs can be compared number
by number: they differ only by float32 rounding.

Example:
    >>> runs = train_on_backends(("tensorflow", "jax", "torch"), epochs=20)
    >>> [r["backend"] for r in runs]
    ['tensorflow', 'jax', 'torch']
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
from typing import Any, Sequence

import numpy as np

__all__ = ["BACKENDS", "installed_backends", "train_cell", "train_on_backends"]

BACKENDS = ("tensorflow", "jax", "torch")
N, T, D, H = 64, 12, 3, 8


def installed_backends() -> tuple[str, ...]:
    """The backends of :data:`BACKENDS` whose package is installed in this Python (looked up,
    not imported): all three on Colab and after ``make setup``."""
    return tuple(b for b in BACKENDS if importlib.util.find_spec(b) is not None)


def task(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Sequences x (N, T, D) and targets y (N, 1): the mean of the first feature over the first
    half of the sequence, which a recurrent layer must remember to the last step."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(N, T, D)).astype(np.float32)
    return x, x[:, : T // 2, :1].mean(axis=1).astype(np.float32)


def train_cell(epochs: int = 30, seed: int = 0) -> dict[str, Any]:
    """Train ``RNN(PeepholeLSTMCell(8))`` + ``Dense(1)`` on :func:`task` with Adam on the backend of
    this process.

    Returns:
        ``{"backend", "loss" (one per epoch), "prediction" (the first 4 outputs after training),
        "seconds"}``.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs <= 0:
        raise ValueError(f"train_cell: argument epochs expected a positive integer, got {epochs!r}")
    import keras

    from course_pkg.cells import PeepholeLSTMCell, cell_reference, set_cell_params

    start = time.perf_counter()
    x, y = task(seed)
    rnn = keras.layers.RNN(PeepholeLSTMCell(H))
    model = keras.Sequential([keras.Input((T, D)), rnn, keras.layers.Dense(1)])
    rng = np.random.default_rng(seed)
    set_cell_params(rnn, cell_reference(rnn).random_params(D, H, rng, dtype=np.float32))
    model.layers[-1].set_weights([(rng.normal(size=(H, 1)) / np.sqrt(H)).astype(np.float32),
                                  np.zeros(1, np.float32)])
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    history = model.fit(x, y, batch_size=N, epochs=epochs, shuffle=False, verbose=0).history
    prediction = keras.ops.convert_to_numpy(model(x[:4])).ravel()
    return {"backend": keras.backend.backend(), "loss": [float(v) for v in history["loss"]],
            "prediction": prediction.tolist(), "seconds": round(time.perf_counter() - start, 2)}


def train_on_backends(backends: Sequence[str] = BACKENDS, epochs: int = 30,
                      seed: int = 0) -> list[dict[str, Any]]:
    """:func:`train_cell` on each backend, each in its own Python process (started together), but
    the backend this process already runs, which trains here.

    Raises:
        ValueError: an unknown backend.
        RuntimeError: a run that failed, with the end of its error output.
    """
    unknown = [b for b in backends if b not in BACKENDS]
    if unknown:
        raise ValueError(f"train_on_backends: argument backends expected names from "
                         f"{list(BACKENDS)}, got {unknown}")
    here = _backend_of_this_process()
    command = [sys.executable, "-m", __name__, "--epochs", str(epochs), "--seed", str(seed)]
    procs = {b: subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env={**os.environ, "KERAS_BACKEND": b, "TF_CPP_MIN_LOG_LEVEL": "3"})
             for b in backends if b != here}
    runs = {here: train_cell(epochs, seed)} if here in backends else {}  # while the others run
    for backend, proc in procs.items():
        out, err = proc.communicate(timeout=600)
        if proc.returncode != 0:
            raise RuntimeError(f"train_on_backends: the {backend} run failed:\n{err[-2000:]}")
        runs[backend] = json.loads(out.strip().splitlines()[-1])
    return [runs[b] for b in backends]


def _backend_of_this_process() -> str | None:
    """The Keras backend of this process if Keras is already imported (else None: importing it
    here would fix the backend of the caller)."""
    keras = sys.modules.get("keras")
    return keras.backend.backend() if keras is not None else None


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog=f"python -m {__name__}")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(json.dumps(train_cell(args.epochs, args.seed)))
