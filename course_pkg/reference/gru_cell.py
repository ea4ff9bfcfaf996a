"""One GRU step written as the GRU page writes it: to read beside the equations.

The same names and the same order as on the page (gate blocks z, r, h as Keras stores them)::

    z_t  = sigmoid(x_t @ W_z + h_{t-1} @ U_z + b_z)                 update gate
    r_t  = sigmoid(x_t @ W_r + h_{t-1} @ U_r + b_r)                 reset gate
    hh_t = tanh(x_t @ W_h + b_h + r_t * (h_{t-1} @ U_h + b'_h))     candidate, reset_after=True
    hh_t = tanh(x_t @ W_h + (r_t * h_{t-1}) @ U_h + b_h)            candidate, reset_after=False
    h_t  = z_t * h_{t-1} + (1 - z_t) * hh_t                         new state

``gru_cell_forward`` / ``gru_cell_backward`` are the page's main form, Keras's default
``reset_after=True``: the bias b is (2, 3H), row 0 added to x_t @ W and row 1 (b' on the page) to
h_{t-1} @ U, so the gates see b_z + b'_z and b_r + b'_r. ``gru_cell_reset_before_forward`` /
``..._backward`` are the 2014 paper's ``reset_after=False``, with one bias (3H,). Both are plain
and unoptimised; training uses ``gru.gru_forward`` / ``gru.gru_backward``, and a test checks that
both agree to 1e-12 in float64.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import check_cell_inputs, check_step_gradient
from .activations import sigmoid, sigmoid_derivative, tanh, tanh_derivative


class GRUCellCache(NamedTuple):
    """What a step backward needs from its forward; every state is (N, H)."""

    x: np.ndarray          # (N, D) input x_t
    h_prev: np.ndarray     # h_{t-1}
    W: np.ndarray          # (D, 3H) blocks z, r, h
    U: np.ndarray          # (H, 3H)
    z: np.ndarray          # update gate z_t
    r: np.ndarray          # reset gate r_t
    hh: np.ndarray         # candidate hh_t
    hU_h: np.ndarray | None    # h_{t-1} @ U_h + b'_h, what the reset gate scales; None if before


class GRUCellGrads(NamedTuple):
    """The gradients of one step, named after what they are the gradient with respect to."""

    dx: np.ndarray         # (N, D)
    dh_prev: np.ndarray    # (N, H)
    dW: np.ndarray         # (D, 3H)
    dU: np.ndarray         # (H, 3H)
    db: np.ndarray         # shaped like b: (2, 3H) or (3H,)


def gru_cell_forward(
    x: np.ndarray, h_prev: np.ndarray, W: np.ndarray, U: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, GRUCellCache]:
    """One GRU step, reset_after=True: x (N, D), h_prev (N, H), W (D, 3H), U (H, 3H), b (2, 3H).

    Returns h (N, H) and the cache for ``gru_cell_backward``.
    """
    check_cell_inputs("gru_cell_forward", 3, x, h_prev, W, U, b, bias_rows=2)
    W_z, W_r, W_h = np.split(W, 3, axis=1)
    U_z, U_r, U_h = np.split(U, 3, axis=1)
    b_z, b_r, b_h = np.split(b[0], 3)           # input biases
    bp_z, bp_r, bp_h = np.split(b[1], 3)        # recurrent biases, b' on the page

    z = sigmoid(x @ W_z + h_prev @ U_z + b_z + bp_z)        # update gate
    r = sigmoid(x @ W_r + h_prev @ U_r + b_r + bp_r)        # reset gate
    hU_h = h_prev @ U_h + bp_h
    hh = tanh(x @ W_h + b_h + r * hU_h)                     # candidate
    h = z * h_prev + (1 - z) * hh                           # new state
    return h, GRUCellCache(x, h_prev, W, U, z, r, hh, hU_h)


def gru_cell_backward(dh: np.ndarray, cache: GRUCellCache) -> GRUCellGrads:
    """Backward pass of ``gru_cell_forward``: dh (N, H) is dL/dh_t from later on.

    Returns dx (N, D), dh_prev (N, H), dW (D, 3H), dU (H, 3H), db (2, 3H).
    """
    x, h_prev, W, U, z, r, hh, hU_h = cache
    check_step_gradient("gru_cell_backward", h_prev, dh=dh)
    dz, da_h, dh_prev = _update_backward(dh, h_prev, z, hh)
    # hh_t = tanh(x_t @ W_h + b_h + r_t * hU_h),  hU_h = h_{t-1} @ U_h + b'_h
    dr = da_h * hU_h
    dhU_h = da_h * r
    # z_t, r_t from their pre-activations
    da_z = dz * sigmoid_derivative(z)
    da_r = dr * sigmoid_derivative(r)
    dxW = np.concatenate([da_z, da_r, da_h], axis=1)     # d(x_t @ W + b[0]), blocks z, r, h
    dhU = np.concatenate([da_z, da_r, dhU_h], axis=1)    # d(h_{t-1} @ U + b[1])
    dx = dxW @ W.T
    dh_prev = dh_prev + dhU @ U.T
    db = np.stack([dxW.sum(axis=0), dhU.sum(axis=0)])
    return GRUCellGrads(dx, dh_prev, x.T @ dxW, h_prev.T @ dhU, db)


def gru_cell_reset_before_forward(
    x: np.ndarray, h_prev: np.ndarray, W: np.ndarray, U: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, GRUCellCache]:
    """One GRU step, reset_after=False: x (N, D), h_prev (N, H), W (D, 3H), U (H, 3H), b (3H,).

    Returns h (N, H) and the cache for ``gru_cell_reset_before_backward``.
    """
    check_cell_inputs("gru_cell_reset_before_forward", 3, x, h_prev, W, U, b)
    W_z, W_r, W_h = np.split(W, 3, axis=1)
    U_z, U_r, U_h = np.split(U, 3, axis=1)
    b_z, b_r, b_h = np.split(b, 3)

    z = sigmoid(x @ W_z + h_prev @ U_z + b_z)               # update gate
    r = sigmoid(x @ W_r + h_prev @ U_r + b_r)               # reset gate
    hh = tanh(x @ W_h + (r * h_prev) @ U_h + b_h)           # candidate
    h = z * h_prev + (1 - z) * hh                           # new state
    return h, GRUCellCache(x, h_prev, W, U, z, r, hh, None)


def gru_cell_reset_before_backward(
    dh: np.ndarray, cache: GRUCellCache
) -> GRUCellGrads:
    """Backward pass of ``gru_cell_reset_before_forward``: dh (N, H) is dL/dh_t from later on.

    Returns dx (N, D), dh_prev (N, H), dW (D, 3H), dU (H, 3H), db (3H,).
    """
    x, h_prev, W, U, z, r, hh, _ = cache
    check_step_gradient("gru_cell_reset_before_backward", h_prev, dh=dh)
    U_z, U_r, U_h = np.split(U, 3, axis=1)
    dz, da_h, dh_prev = _update_backward(dh, h_prev, z, hh)
    # hh_t = tanh(x_t @ W_h + (r_t * h_{t-1}) @ U_h + b_h)
    d_rh = da_h @ U_h.T                                  # d(r_t * h_{t-1})
    dr = d_rh * h_prev
    # z_t, r_t from their pre-activations
    da_z = dz * sigmoid_derivative(z)
    da_r = dr * sigmoid_derivative(r)
    da = np.concatenate([da_z, da_r, da_h], axis=1)      # blocks z, r, h
    dx = da @ W.T
    dh_prev = dh_prev + d_rh * r + da_z @ U_z.T + da_r @ U_r.T
    dU = np.concatenate([h_prev.T @ da_z, h_prev.T @ da_r, (r * h_prev).T @ da_h], axis=1)
    return GRUCellGrads(dx, dh_prev, x.T @ da, dU, da.sum(axis=0))


def _update_backward(
    dh: np.ndarray, h_prev: np.ndarray, z: np.ndarray, hh: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Back through h_t = z_t * h_{t-1} + (1 - z_t) * hh_t and hh_t = tanh(a_h), both forms.

    Returns dL/dz_t, dL/da_h (the candidate's pre-activation) and the direct part of dL/dh_{t-1}.
    """
    dz = dh * (h_prev - hh)
    dhh = dh * (1 - z)
    da_h = dhh * tanh_derivative(hh)
    return dz, da_h, dh * z
