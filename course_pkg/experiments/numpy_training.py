"""Train the NumPy reference RNN on a many-to-many regression, recording what can go wrong.

The network is ``course_pkg.reference.rnn`` (h_t = f(x_t W + h_{t-1} U + b), any activation of
``course_pkg.reference.activations``) with a linear read-out y_t = h_t V + c scored from step
``delay`` on. One training step: forward, backward through time, optionally
``course_pkg.reference.clipping.clip_by_global_norm``, then plain gradient descent or Adam
(``course_pkg.reference.char_rnn.Adam``). After every step the loop records the loss, the global
gradient norm (before clipping), the largest weight and whether every weight is still finite, so
that the step at which a run blew up can be read off (:func:`first_nonfinite_step`).

The loop works under ``np.errstate(all="ignore")``: a run that overflows to inf and NaN is what
the experiment is about, not an error.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from course_pkg.reference.char_rnn import Adam
from course_pkg.reference.clipping import clip_by_global_norm, global_norm
from course_pkg.reference.rnn import rnn_backward, rnn_forward

__all__ = ["first_nonfinite_step", "init_params", "predict", "train_reference_rnn"]


def first_nonfinite_step(finite: Sequence[bool]) -> int | None:
    """The first step (1-based) whose record says False (a weight became NaN or inf), or None."""
    for step, ok in enumerate(finite, start=1):
        if not ok:
            return step
    return None


def init_params(D: int, H: int, rng, recurrent_scale: float = 1.0) -> dict[str, np.ndarray]:
    """W Glorot-uniform, U an orthogonal matrix times ``recurrent_scale`` (its spectral radius),
    b = 0, read-out V Glorot-uniform and c = 0: Keras's ``SimpleRNN`` + ``Dense`` initialisers."""
    rng = np.random.default_rng(rng)
    limit_w, limit_v = np.sqrt(6.0 / (D + H)), np.sqrt(6.0 / (H + 1))
    q, r = np.linalg.qr(rng.normal(size=(H, H)))
    return {"W": rng.uniform(-limit_w, limit_w, size=(D, H)),
            "U": recurrent_scale * q * np.sign(np.diag(r)),
            "b": np.zeros(H),
            "V": rng.uniform(-limit_v, limit_v, size=(H, 1)),
            "c": np.zeros(1)}


def predict(params: dict[str, np.ndarray], x: np.ndarray, activation: str, delay: int):
    """Read-outs (N, T - delay, 1) for x (N, T, D), and the forward cache."""
    h0 = np.zeros((x.shape[0], params["U"].shape[0]), dtype=params["U"].dtype)
    h, cache = rnn_forward(x, h0, params["W"], params["U"], params["b"], activation)
    return h[:, delay:] @ params["V"] + params["c"], (h, cache)


def _loss_and_grads(params, x, y, activation: str, delay: int):
    y_hat, (h, cache) = predict(params, x, activation, delay)
    error = y_hat - y                                         # (N, T - delay, 1)
    loss = float(np.mean(error ** 2))
    d_y = 2.0 * error / error.size
    dh = np.zeros_like(h)
    dh[:, delay:] = d_y @ params["V"].T
    _, _, dW, dU, db = rnn_backward(dh, cache)
    dV = h[:, delay:].reshape(-1, h.shape[-1]).T @ d_y.reshape(-1, 1)
    return loss, {"W": dW, "U": dU, "b": db, "V": dV, "c": d_y.sum(axis=(0, 1))}


def train_reference_rnn(x: np.ndarray, y: np.ndarray, *, activation: str, delay: int,
                        units: int = 16, steps: int = 100, batch_size: int = 32,
                        optimizer: str = "adam", learning_rate: float = 1e-2,
                        clip: float | None = None, recurrent_scale: float = 1.0,
                        seed: int = 0, dtype: type = np.float64, x_test: np.ndarray | None = None,
                        y_test: np.ndarray | None = None) -> dict[str, Any]:
    """Train a reference RNN for ``steps`` minibatch steps (batches drawn from ``seed``).

    Args:
        x, y: inputs (N, T, D) and targets (N, T - delay, 1), float64 is best.
        activation: "tanh", "relu", "sigmoid" or "identity".
        delay: the first scored step.
        units, recurrent_scale: H and the spectral radius of the initial U.
        optimizer, learning_rate: "adam" or "sgd" (plain gradient descent).
        clip: clip the gradients to this global norm first (None: no clipping).
        seed: initial weights and the order of the batches.
        dtype: of the weights and the data: float64, or float32 as Keras trains (it overflows
            to inf beyond 3.4e38, float64 beyond 1.8e308).
        x_test, y_test: a test set scored at the end (``test_mse``; NaN if not finite).

    Returns:
        ``{"loss", "grad_norm", "max_weight", "finite"}`` (one entry per step), ``nan_step``
        (:func:`first_nonfinite_step`, None if the run stayed finite), ``test_mse`` and
        ``params``.
    """
    if optimizer not in ("adam", "sgd"):
        raise ValueError(f"train_reference_rnn: argument optimizer expected 'adam' or 'sgd', "
                         f"got {optimizer!r}")
    rng = np.random.default_rng(seed)
    params = {k: v.astype(dtype) for k, v in
              init_params(x.shape[-1], units, rng, recurrent_scale).items()}
    x, y = x.astype(dtype), y.astype(dtype)
    adam = Adam(learning_rate) if optimizer == "adam" else None
    record: dict[str, list] = {"loss": [], "grad_norm": [], "max_weight": [], "finite": []}
    with np.errstate(all="ignore"):
        for _ in range(steps):
            rows = rng.integers(0, len(x), size=batch_size)
            loss, grads = _loss_and_grads(params, x[rows], y[rows], activation, delay)
            record["grad_norm"].append(global_norm(grads))
            if clip is not None:
                grads, _ = clip_by_global_norm(grads, clip)
            if adam is not None:
                adam.step(params, grads)
            else:
                for name in params:
                    params[name] -= (learning_rate * grads[name]).astype(dtype)
            largest = float(np.max([np.max(np.abs(p)) for p in params.values()]))  # NaN wins
            record["loss"].append(loss)
            record["max_weight"].append(largest)
            record["finite"].append(bool(np.isfinite(largest)))
        test_mse = float("nan")
        if x_test is not None and record["finite"][-1]:
            y_hat, _ = predict(params, x_test.astype(dtype), activation, delay)
            test_mse = float(np.mean((y_hat - y_test) ** 2))
    return {**record, "nan_step": first_nonfinite_step(record["finite"]),
            "test_mse": test_mse, "params": params}
