"""Truncated backpropagation through time, TBPTT(k1, k2) (Williams & Peng 1990; Sutskever 2013).

The sequence is processed forward one step at a time, the hidden state carried from chunk to
chunk. Every ``k1`` steps an update is made by backpropagating through at most the ``k2`` most
recent steps. Which losses each update counts:

* Update ``j`` ends at step ``e_j = min((j+1) * k1, T)`` (steps are numbered 0 .. T-1).
* It counts the losses of steps ``e_j - k1 .. e_j - 1`` only, the ones not counted before, so
  every loss of the sequence is counted in exactly one update and the losses of all updates
  add up to the full-sequence loss. The last update may be shorter when k1 does not divide T.
* Its gradient flows back only to step ``s_j = max(0, e_j - k2)``: the hidden state entering
  step ``s_j`` is treated as a constant (a "stop-gradient"), so a loss at step ``t`` of the chunk
  sees ``t - s_j + 1`` steps of history.

Hence ``k2 >= k1`` is required (otherwise some counted losses would lie outside the window).
With ``k1 = k2 = T`` there is one update, exactly full BPTT; with ``k2 >= T`` the updates add up
to the full BPTT gradient; ``k1 = k2`` is the common "split into chunks, carry the state" scheme
(Keras ``stateful=True``, min-char-rnn).

Here all updates are evaluated at the same parameters, which is what a gradient study needs;
a training loop (see ``char_rnn.train_char_rnn``) applies each update before the next chunk.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import check_ids, check_params, check_positive_int
from .activations import log_softmax, softmax
from .losses import PARAM_NAMES
from .output import OutputCache, output_backward, output_forward
from .rnn import RNNCache, rnn_backward, rnn_forward


class TBPTTWindow(NamedTuple):
    """The steps one update covers: backprop window [start, end), losses counted [first, end)."""

    start: int
    first: int
    end: int


class TBPTTResult(NamedTuple):
    """The gradient updates of TBPTT(k1, k2) over one sequence, one per chunk of k1 steps."""

    updates: list[dict[str, np.ndarray]]   # keys W, U, b, V, c
    losses: list[float]                    # the loss counted in each update
    windows: list[TBPTTWindow]
    h_last: np.ndarray                     # (N, H) state to carry into the next sequence

    @property
    def total_loss(self) -> float:
        """Sum of the losses of all updates, equal to the full-sequence loss."""
        return float(sum(self.losses))

    def accumulated(self) -> dict[str, np.ndarray]:
        """Sum of every update, parameter by parameter."""
        return {name: sum(u[name] for u in self.updates) for name in self.updates[0]}


def tbptt_gradients(
    params: dict[str, np.ndarray],
    x: np.ndarray,
    h0: np.ndarray,
    targets: np.ndarray,
    k1: int,
    k2: int,
    loss: str = "many_to_many",
    activation: str = "tanh",
) -> TBPTTResult:
    """Gradient updates of truncated BPTT, TBPTT(k1, k2), over one sequence.

    Args:
        params: W (D, H), U (H, H), b (H,), V (H, K), c (K,).
        x: inputs, shape (N, T, D).
        h0: initial hidden state, shape (N, H).
        targets: class ids, shape (N, T) for ``loss="many_to_many"`` (cross-entropy at every
            step, averaged over the batch) or (N,) for ``"many_to_one"`` (last step only; the
            updates of earlier chunks are then zero).
        k1: steps between updates, >= 1.
        k2: steps backpropagated, >= k1.
        loss: "many_to_many" or "many_to_one".
        activation: the RNN's activation.

    Returns:
        A ``TBPTTResult`` with one update per chunk of k1 steps (see the module docstring for
        which losses each one counts), the loss of each, the windows and the final state.
    """
    func = "tbptt_gradients"
    k1, k2 = _check_k(func, k1, k2)
    if loss not in ("many_to_many", "many_to_one"):
        raise ValueError(f"{func}: loss must be 'many_to_many' or 'many_to_one', got {loss!r}")
    W, U, b, V, c = check_params(func, params, PARAM_NAMES)

    h, _ = rnn_forward(x, h0, W, U, b, activation)
    logits, _ = output_forward(h, V, c)
    N, T, K = logits.shape

    # Loss of every step and its gradient with respect to the logits, (T,) and (N, T, K).
    step_losses = np.zeros(T)
    dlogits = np.zeros_like(logits)
    expected = (N, T) if loss == "many_to_many" else (N,)
    step_targets = np.asarray(targets)
    if step_targets.shape != expected:
        raise ValueError(f"{func}: targets must have shape {expected} for loss={loss!r}, "
                         f"got {step_targets.shape}")
    check_ids(func, "targets", step_targets, K)
    rows = np.arange(N)
    steps = range(T) if loss == "many_to_many" else [T - 1]
    for t in steps:
        target_t = step_targets[:, t] if loss == "many_to_many" else step_targets
        step_losses[t] = -log_softmax(logits[:, t])[rows, target_t].mean()
        dlogits[:, t] = softmax(logits[:, t])
        dlogits[rows, t, target_t] -= 1
        dlogits[:, t] /= N

    windows = tbptt_windows(T, k1, k2)
    updates = tbptt_backward(dlogits, h, x, h0, params, k1, k2, activation)
    losses = [float(step_losses[first:end].sum()) for _, first, end in windows]
    return TBPTTResult(updates, losses, windows, h[:, -1])


def _check_k(func: str, k1: int, k2: int) -> tuple[int, int]:
    k1 = check_positive_int(func, "k1", k1)
    k2 = check_positive_int(func, "k2", k2)
    if k2 < k1:
        raise ValueError(f"{func}: k2 (steps backpropagated) must be >= k1 = {k1}, got {k2}")
    return k1, k2


def tbptt_windows(T: int, k1: int, k2: int) -> list[TBPTTWindow]:
    """The steps each update of TBPTT(k1, k2) covers over a sequence of T steps.

    Example:
        >>> [tuple(w) for w in tbptt_windows(T=7, k1=3, k2=4)]     # (start, first, end)
        [(0, 0, 3), (2, 3, 6), (3, 6, 7)]
    """
    k1, k2 = _check_k("tbptt_windows", k1, k2)
    windows = []
    for first in range(0, T, k1):           # an update every k1 steps:
        end = min(first + k1, T)            # it counts the losses of steps first .. end-1
        start = max(0, end - k2)            # and backpropagates through steps start .. end-1
        windows.append(TBPTTWindow(start, first, end))
    return windows


def tbptt_backward(
    dy: np.ndarray, h: np.ndarray, x: np.ndarray, h0: np.ndarray,
    params: dict[str, np.ndarray], k1: int, k2: int, activation: str = "tanh",
) -> list[dict[str, np.ndarray]]:
    """The gradient updates of TBPTT(k1, k2), given one forward pass over the sequence.

    Args:
        dy: gradient of each step's own loss with respect to its logits y_t, shape (N, T, K).
        h: the hidden states h_1 .. h_T of the forward pass, shape (N, T, H).
        x, h0, params, activation: the forward pass's inputs (N, T, D), initial state (N, H),
            parameters (W, U, b, V, c) and activation.

    Returns:
        One dict of gradients (keys W, U, b, V, c) per update, in the order of ``tbptt_windows``.
    """
    W, U, V = params["W"], params["U"], params["V"]
    updates = []
    for start, first, end in tbptt_windows(x.shape[1], k1, k2):
        h_start = h0 if start == 0 else h[:, start - 1]     # a constant: the gradient stops here
        dy_window = np.zeros_like(dy[:, start:end])
        dy_window[:, first - start:] = dy[:, first:end]     # only this update's own losses
        dh, dV, dc = output_backward(dy_window, OutputCache(h[:, start:end], V))
        window = RNNCache(x[:, start:end], h_start, W, U, h[:, start:end], activation)
        _, _, dW, dU, db = rnn_backward(dh, window)
        updates.append({"W": dW, "U": dU, "b": db, "V": dV, "c": dc})
    return updates
