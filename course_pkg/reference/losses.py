"""Softmax cross-entropy, and the two sequence losses of an RNN with an output projection.

Reductions (one convention for the course):

* ``softmax_cross_entropy``: mean over the batch of -log p(target).
* ``temporal_softmax_cross_entropy``: summed over time, then mean over the batch.
* ``many_to_many_loss``: a target at every step, ``L = (1/N) sum_n sum_t -log p(y_{n,t})``.
* ``many_to_one_loss``: one target per sequence, read at the last step only,
  ``L = (1/N) sum_n -log p(y_n | h_T)``.

The model of both sequence losses::

    h_t = f(x_t @ W + h_{t-1} @ U + b)      (rnn_forward)
    y_t = h_t @ V + c                       (output_forward)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import ShapeChecker, check_float_dtypes, check_ids, check_params
from .activations import log_softmax, softmax
from .output import output_backward, output_forward
from .rnn import rnn_backward, rnn_forward

PARAM_NAMES = ("W", "U", "b", "V", "c")


def softmax_cross_entropy(logits: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean softmax cross-entropy over a batch.

    Args:
        logits: unnormalised scores, shape (N, K).
        targets: integer class ids in [0, K), shape (N,).

    Returns:
        loss: ``mean_n -log softmax(logits_n)[targets_n]`` (a float).
        dlogits: its gradient, ``(softmax(logits) - one_hot(targets)) / N``, shape (N, K).
    """
    func = "softmax_cross_entropy"
    check = ShapeChecker(func)
    logits = check("logits", logits, ("N", "K"))
    check_float_dtypes(func, logits=logits)
    targets = check_ids(func, "targets", check("targets", targets, ("N",)), logits.shape[1])
    N = logits.shape[0]
    rows = np.arange(N)
    loss = -log_softmax(logits)[rows, targets].sum() / N
    dlogits = softmax(logits)
    dlogits[rows, targets] -= 1
    return float(loss), dlogits / N


def temporal_softmax_cross_entropy(
    logits: np.ndarray, targets: np.ndarray
) -> tuple[float, np.ndarray]:
    """Softmax cross-entropy summed over time and averaged over the batch.

    Args:
        logits: shape (N, T, K).
        targets: integer class ids, shape (N, T).

    Returns:
        loss: ``(1/N) sum_n sum_t -log softmax(logits_{n,t})[targets_{n,t}]``.
        dlogits: its gradient, shape (N, T, K).
    """
    func = "temporal_softmax_cross_entropy"
    check = ShapeChecker(func)
    logits = check("logits", logits, ("N", "T", "K"))
    check_float_dtypes(func, logits=logits)
    targets = check_ids(func, "targets", check("targets", targets, ("N", "T")), logits.shape[2])
    N, T, K = logits.shape
    loss, dflat = softmax_cross_entropy(logits.reshape(N * T, K), targets.reshape(N * T))
    # softmax_cross_entropy divided by N*T; this loss sums over time, so multiply back by T.
    return loss * T, dflat.reshape(N, T, K) * T


class SequenceLoss(NamedTuple):
    """A loss, the gradient of every input and parameter, and the last hidden state."""

    loss: float
    grads: dict[str, np.ndarray]   # keys x, h0, W, U, b, V, c
    h_last: np.ndarray             # (N, H), to carry into the next chunk


def _forward_backward(func, params, x, h0, targets, activation, last_step_only):
    W, U, b, V, c = check_params(func, params, PARAM_NAMES)
    h, rnn_cache = rnn_forward(x, h0, W, U, b, activation)
    N, T, H = h.shape
    if last_step_only:
        y, out_cache = output_forward(h[:, -1], V, c)
        loss, dy = softmax_cross_entropy(y, targets)
        dh_last, dV, dc = output_backward(dy, out_cache)
        dh = np.zeros_like(h)
        dh[:, -1] = dh_last
    else:
        y, out_cache = output_forward(h, V, c)
        loss, dy = temporal_softmax_cross_entropy(y, targets)
        dh, dV, dc = output_backward(dy, out_cache)
    dx, dh0, dW, dU, db = rnn_backward(dh, rnn_cache)
    grads = {"x": dx, "h0": dh0, "W": dW, "U": dU, "b": db, "V": dV, "c": dc}
    return SequenceLoss(loss, grads, h[:, -1])


def many_to_many_loss(
    params: dict[str, np.ndarray],
    x: np.ndarray,
    h0: np.ndarray,
    targets: np.ndarray,
    activation: str = "tanh",
) -> SequenceLoss:
    """Loss and gradients of an RNN with a target at every step (e.g. a language model).

    Args:
        params: W (D, H), U (H, H), b (H,), V (H, K), c (K,).
        x: inputs, shape (N, T, D).
        h0: initial hidden state, shape (N, H).
        targets: class ids, shape (N, T).
        activation: the RNN's activation ("tanh" by default).

    Returns:
        A ``SequenceLoss``: the loss summed over time and averaged over the batch, gradients
        for x, h0, W, U, b, V, c, and the final hidden state (N, H).
    """
    return _forward_backward("many_to_many_loss", params, x, h0, targets, activation, False)


def many_to_one_loss(
    params: dict[str, np.ndarray],
    x: np.ndarray,
    h0: np.ndarray,
    targets: np.ndarray,
    activation: str = "tanh",
) -> SequenceLoss:
    """Loss and gradients of an RNN read out at the last step only (e.g. a classifier).

    Args:
        params: W (D, H), U (H, H), b (H,), V (H, K), c (K,).
        x: inputs, shape (N, T, D).
        h0: initial hidden state, shape (N, H).
        targets: one class id per sequence, shape (N,).
        activation: the RNN's activation ("tanh" by default).

    Returns:
        A ``SequenceLoss``: the mean cross-entropy of ``h_T @ V + c``, gradients for x, h0,
        W, U, b, V, c, and the final hidden state (N, H).
    """
    return _forward_backward("many_to_one_loss", params, x, h0, targets, activation, True)
