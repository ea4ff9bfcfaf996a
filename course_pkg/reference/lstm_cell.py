"""One LSTM step written as the LSTM page writes it: to read beside the equations.

The same names and the same order as on the page (gate blocks i, f, c, o as Keras stores them)::

    i_t = sigmoid(x_t @ W_i + h_{t-1} @ U_i + b_i)     input gate
    f_t = sigmoid(x_t @ W_f + h_{t-1} @ U_f + b_f)     forget gate
    g_t = tanh(x_t @ W_c + h_{t-1} @ U_c + b_c)        candidate
    o_t = sigmoid(x_t @ W_o + h_{t-1} @ U_o + b_o)     output gate
    c_t = f_t * c_{t-1} + i_t * g_t                    cell state
    h_t = o_t * tanh(c_t)                              hidden state

``lstm_cell_forward`` computes these lines one by one; ``lstm_cell_backward`` runs them backwards.
Both are plain and unoptimised. Training uses ``lstm.lstm_forward`` / ``lstm.lstm_backward``,
which compute the same numbers faster; a test checks that both agree to 1e-12 in float64.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import check_cell_inputs, check_step_gradient
from .activations import sigmoid, sigmoid_derivative, tanh, tanh_derivative


class LSTMCellCache(NamedTuple):
    """What ``lstm_cell_backward`` needs from ``lstm_cell_forward``; every state is (N, H)."""

    x: np.ndarray          # (N, D) input x_t
    h_prev: np.ndarray     # h_{t-1}
    c_prev: np.ndarray     # c_{t-1}
    W: np.ndarray          # (D, 4H) blocks i, f, c, o
    U: np.ndarray          # (H, 4H)
    i: np.ndarray          # input gate i_t
    f: np.ndarray          # forget gate f_t
    g: np.ndarray          # candidate g_t
    o: np.ndarray          # output gate o_t
    tanh_c: np.ndarray     # tanh(c_t)


class LSTMCellGrads(NamedTuple):
    """The gradients of one step, named after what they are the gradient with respect to."""

    dx: np.ndarray         # (N, D)
    dh_prev: np.ndarray    # (N, H)
    dc_prev: np.ndarray    # (N, H)
    dW: np.ndarray         # (D, 4H)
    dU: np.ndarray         # (H, 4H)
    db: np.ndarray         # (4H,)


def lstm_cell_forward(
    x: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray,
    W: np.ndarray, U: np.ndarray, b: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, LSTMCellCache]:
    """One LSTM step: x (N, D), h_prev and c_prev (N, H), W (D, 4H), U (H, 4H), b (4H,).

    Returns h (N, H), c (N, H) and the cache for ``lstm_cell_backward``.
    """
    check_cell_inputs("lstm_cell_forward", 4, x, h_prev, W, U, b, c_prev=c_prev)
    W_i, W_f, W_c, W_o = np.split(W, 4, axis=1)
    U_i, U_f, U_c, U_o = np.split(U, 4, axis=1)
    b_i, b_f, b_c, b_o = np.split(b, 4)

    i = sigmoid(x @ W_i + h_prev @ U_i + b_i)      # input gate
    f = sigmoid(x @ W_f + h_prev @ U_f + b_f)      # forget gate
    g = tanh(x @ W_c + h_prev @ U_c + b_c)         # candidate
    o = sigmoid(x @ W_o + h_prev @ U_o + b_o)      # output gate
    c = f * c_prev + i * g                         # cell state
    h = o * tanh(c)                                # hidden state
    return h, c, LSTMCellCache(x, h_prev, c_prev, W, U, i, f, g, o, tanh(c))


def lstm_cell_backward(
    dh: np.ndarray, dc: np.ndarray, cache: LSTMCellCache
) -> LSTMCellGrads:
    """Backward pass of one step: dh, dc (N, H) are dL/dh_t and dL/dc_t from later on.

    Returns dx (N, D), dh_prev (N, H), dc_prev (N, H), dW (D, 4H), dU (H, 4H), db (4H,).
    """
    x, h_prev, c_prev, W, U, i, f, g, o, tanh_c = cache
    check_step_gradient("lstm_cell_backward", h_prev, dh=dh, dc=dc)
    # h_t = o_t * tanh(c_t): c_t also reaches the loss through h_t
    do = dh * tanh_c
    dc_t = dc + dh * o * tanh_derivative(tanh_c)
    # c_t = f_t * c_{t-1} + i_t * g_t
    df = dc_t * c_prev
    di = dc_t * g
    dg = dc_t * i
    dc_prev = dc_t * f
    # the gates and the candidate from their pre-activations a_i, a_f, a_c, a_o
    da_i = di * sigmoid_derivative(i)
    da_f = df * sigmoid_derivative(f)
    da_c = dg * tanh_derivative(g)
    da_o = do * sigmoid_derivative(o)
    da = np.concatenate([da_i, da_f, da_c, da_o], axis=1)     # (N, 4H), blocks i, f, c, o
    # a = x_t @ W + h_{t-1} @ U + b
    dx = da @ W.T
    dh_prev = da @ U.T
    return LSTMCellGrads(dx, dh_prev, dc_prev, x.T @ da, h_prev.T @ da, da.sum(axis=0))
