"""The output projection ``y_t = h_t @ V + c`` and its backward pass.

Works on one step, h (N, H) -> y (N, K), or on a sequence, h (N, T, H) -> y (N, T, K).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import ShapeChecker, check_float_dtypes


class OutputCache(NamedTuple):
    """What ``output_backward`` needs: the hidden states and V."""

    h: np.ndarray   # (N, H) or (N, T, H)
    V: np.ndarray   # (H, K)


def _symbols(ndim: int, last: str) -> tuple[str, ...]:
    return ("N", "T", last) if ndim == 3 else ("N", last)


def output_forward(h: np.ndarray, V: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, OutputCache]:
    """Project hidden states to outputs: ``y = h @ V + c``.

    Args:
        h: hidden states, shape (N, H) or (N, T, H).
        V: output weights, shape (H, K).
        c: output bias, shape (K,).

    Returns:
        y: outputs (logits), shape (N, K) or (N, T, K).
        cache: an ``OutputCache`` for ``output_backward``.
    """
    func = "output_forward"
    check = ShapeChecker(func)
    V = check("V", V, ("H", "K"))
    c = check("c", c, ("K",))
    h = np.asarray(h)
    h = check("h", h, _symbols(h.ndim, "H"))
    check_float_dtypes(func, h=h, V=V, c=c)
    y = h @ V + c
    return y, OutputCache(h, V)


def output_backward(dy: np.ndarray, cache: OutputCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of the output projection.

    Args:
        dy: gradient with respect to the outputs, shape (N, K) or (N, T, K) like y.
        cache: the ``OutputCache`` returned by ``output_forward``.

    Returns:
        dh (like h), dV (H, K), dc (K,).
    """
    func = "output_backward"
    h, V = cache
    H, K = V.shape
    expected = h.shape[:-1] + (K,)
    dy = np.asarray(dy)
    if dy.shape != expected:
        raise ValueError(f"{func}: dy must have the shape of y, {expected}, got {dy.shape}")
    check_float_dtypes(func, h=h, dy=dy)
    h_flat, dy_flat = h.reshape(-1, H), dy.reshape(-1, K)
    dh = dy @ V.T
    dV = h_flat.T @ dy_flat
    dc = dy_flat.sum(axis=0)
    return dh, dV, dc
