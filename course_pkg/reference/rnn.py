"""The vanilla (Elman) RNN: one step, then a whole sequence, each with its backward pass.

The recurrence, with row vectors as Keras stores them::

    a_t = x_t @ W + h_{t-1} @ U + b
    h_t = f(a_t)                       f = tanh by default, "identity" for a linear RNN

Shapes: x_t (N, D), h_t (N, H), W (D, H), U (H, H), b (H,); sequences are batch-first,
x (N, T, D) and h (N, T, H).

The lectures' worked example is a linear RNN (``activation="identity"``, b = 0, h0 = 0) with
every weight equal to one, W = U = V = ones((2, 2)), read out as ``y_t = h_t @ V``::

    inputs  [1, 1], [1, 1], [2, 2]  ->  h = [2, 2], [6, 6], [16, 16]  ->  y = [4, 4], [12, 12], [32, 32]
    inputs  [2, 2], [1, 1], [1, 1]  ->  h = [4, 4], [10, 10], [22, 22] ->  y = [8, 8], [20, 20], [44, 44]

Each step adds both inputs and both previous states (a row of ones sums its vector), so order
matters: the same three inputs in reverse give different outputs.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import ShapeChecker, check_float_dtypes, check_positive, check_positive_int
from .activations import get_activation


class RNNStepCache(NamedTuple):
    """What ``rnn_step_backward`` needs from one forward step."""

    x: np.ndarray        # (N, D) input of the step
    h_prev: np.ndarray   # (N, H) previous hidden state
    W: np.ndarray        # (D, H)
    U: np.ndarray        # (H, H)
    h_next: np.ndarray   # (N, H) output of the step, f(a)
    activation: str


class RNNCache(NamedTuple):
    """What ``rnn_backward`` needs from a forward pass over a sequence."""

    x: np.ndarray        # (N, T, D) inputs
    h0: np.ndarray       # (N, H) initial hidden state
    W: np.ndarray        # (D, H)
    U: np.ndarray        # (H, H)
    h: np.ndarray        # (N, T, H) every hidden state h_1 .. h_T
    activation: str


def _check_weights(check: ShapeChecker, W, U, b) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    W = check("W", W, ("D", "H"))
    U = check("U", U, ("H", "H"))
    b = check("b", b, ("H",))
    return W, U, b


def rnn_step_forward(
    x: np.ndarray,
    h_prev: np.ndarray,
    W: np.ndarray,
    U: np.ndarray,
    b: np.ndarray,
    activation: str = "tanh",
) -> tuple[np.ndarray, RNNStepCache]:
    """One RNN step: ``h_next = f(x @ W + h_prev @ U + b)``.

    Args:
        x: input, shape (N, D).
        h_prev: previous hidden state, shape (N, H).
        W: input weights, shape (D, H).
        U: recurrent weights, shape (H, H).
        b: bias, shape (H,).
        activation: "tanh" (default), "identity", "sigmoid" or "relu".

    Returns:
        h_next: next hidden state, shape (N, H).
        cache: an ``RNNStepCache`` for ``rnn_step_backward``.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> h, cache = rnn_step_forward(np.ones((4, 3)), np.zeros((4, 5)),
        ...                             rng.normal(size=(3, 5)), np.eye(5), np.zeros(5))
        >>> h.shape
        (4, 5)
    """
    func = "rnn_step_forward"
    check = ShapeChecker(func)
    x = check("x", x, ("N", "D"))
    W, U, b = _check_weights(check, W, U, b)
    h_prev = check("h_prev", h_prev, ("N", "H"))
    check_float_dtypes(func, x=x, h_prev=h_prev, W=W, U=U, b=b)
    f = get_activation(activation, func)

    a = x @ W + h_prev @ U + b
    h_next = f.forward(a)
    return h_next, RNNStepCache(x, h_prev, W, U, h_next, f.name)


def rnn_step_backward(
    dh_next: np.ndarray, cache: RNNStepCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of one RNN step.

    Args:
        dh_next: gradient of the loss with respect to h_next, shape (N, H).
        cache: the ``RNNStepCache`` returned by ``rnn_step_forward``.

    Returns:
        dx (N, D), dh_prev (N, H), dW (D, H), dU (H, H), db (H,).
    """
    func = "rnn_step_backward"
    x, h_prev, W, U, h_next, activation = cache
    check = ShapeChecker(func, N=h_next.shape[0], H=h_next.shape[1])
    dh_next = check("dh_next", dh_next, ("N", "H"))
    check_float_dtypes(func, h_next=h_next, dh_next=dh_next)
    f = get_activation(activation, func)

    da = dh_next * f.derivative(h_next)       # through the activation
    dx = da @ W.T
    dh_prev = da @ U.T
    dW = x.T @ da
    dU = h_prev.T @ da
    db = da.sum(axis=0)
    return dx, dh_prev, dW, dU, db


def rnn_forward(
    x: np.ndarray,
    h0: np.ndarray,
    W: np.ndarray,
    U: np.ndarray,
    b: np.ndarray,
    activation: str = "tanh",
) -> tuple[np.ndarray, RNNCache]:
    """Run the RNN over a whole sequence.

    The input projection ``x_t @ W + b`` does not depend on the recurrence, so it is computed for
    all steps at once as one (N*T, D) @ (D, H) product; only ``h_{t-1} @ U`` stays in the loop.

    Args:
        x: inputs, shape (N, T, D).
        h0: initial hidden state, shape (N, H).
        W: input weights, shape (D, H).
        U: recurrent weights, shape (H, H).
        b: bias, shape (H,).
        activation: "tanh" (default), "identity", "sigmoid" or "relu".

    Returns:
        h: every hidden state h_1 .. h_T, shape (N, T, H); ``h[:, -1]`` is the final state.
        cache: an ``RNNCache`` for ``rnn_backward``.
    """
    func = "rnn_forward"
    check = ShapeChecker(func)
    x = check("x", x, ("N", "T", "D"))
    W, U, b = _check_weights(check, W, U, b)
    h0 = check("h0", h0, ("N", "H"))
    check_float_dtypes(func, x=x, h0=h0, W=W, U=U, b=b)
    f = get_activation(activation, func)
    N, T, D = x.shape
    H = W.shape[1]
    if T == 0:
        raise ValueError(f"{func}: x must have at least one time step, got shape {x.shape}")

    xw = (x.reshape(N * T, D) @ W).reshape(N, T, H) + b   # x_t @ W + b for every t
    h = np.empty((N, T, H), dtype=x.dtype)
    h_t = h0
    for t in range(T):
        h_t = f.forward(xw[:, t] + h_t @ U)
        h[:, t] = h_t
    return h, RNNCache(x, h0, W, U, h, f.name)


def rnn_backward(
    dh: np.ndarray, cache: RNNCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backpropagation through time over the whole sequence.

    Args:
        dh: upstream gradient of the loss with respect to every hidden state h_1 .. h_T,
            shape (N, T, H) (zeros where a step has no loss of its own).
        cache: the ``RNNCache`` returned by ``rnn_forward``.

    Returns:
        dx (N, T, D), dh0 (N, H), dW (D, H), dU (H, H), db (H,).
    """
    func = "rnn_backward"
    x, h0, W, U, h, activation = cache
    N, T, H = h.shape
    D = x.shape[2]
    check = ShapeChecker(func, N=N, T=T, H=H)
    dh = check("dh", dh, ("N", "T", "H"))
    check_float_dtypes(func, h=h, dh=dh)
    f = get_activation(activation, func)

    dh_da = f.derivative(h)                    # dh_t/da_t for every step, from the outputs
    da = np.empty_like(h)                      # dL/da_t for every step
    dh_next = np.zeros((N, H), dtype=h.dtype)  # gradient arriving from step t+1
    for t in reversed(range(T)):
        da_t = (dh[:, t] + dh_next) * dh_da[:, t]
        da[:, t] = da_t
        dh_next = da_t @ U.T
    dh0 = dh_next

    h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)   # h_{t-1} for every t
    da_flat = da.reshape(N * T, H)
    dx = (da_flat @ W.T).reshape(N, T, D)
    dW = x.reshape(N * T, D).T @ da_flat
    dU = h_prev.reshape(N * T, H).T @ da_flat
    db = da_flat.sum(axis=0)
    return dx, dh0, dW, dU, db


def random_rnn_params(
    D: int,
    H: int,
    rng: np.random.Generator | int | None = None,
    dtype: np.dtype | type = np.float64,
    scale: float | None = None,
    output_size: int | None = None,
) -> dict[str, np.ndarray]:
    """Random RNN parameters for examples and tests.

    Every entry is drawn from N(0, scale**2), biases included (non-zero biases exercise their
    gradients); ``scale`` defaults to 1 / sqrt(H).

    Args:
        D: input size.
        H: hidden size.
        rng: a ``numpy.random.Generator``, a seed, or None.
        dtype: float32 or float64.
        scale: standard deviation of every entry.
        output_size: when given (K), also return an output projection V (H, K) and c (K,).

    Returns:
        A dict with W (D, H), U (H, H), b (H,) and, with ``output_size``, V (H, K), c (K,).
    """
    func = "random_rnn_params"
    D, H = check_positive_int(func, "D", D), check_positive_int(func, "H", H)
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"{func}: dtype must be float32 or float64, got {dtype}")
    scale = 1.0 / np.sqrt(H) if scale is None else check_positive(func, "scale", scale)
    rng = np.random.default_rng(rng)
    shapes = {"W": (D, H), "U": (H, H), "b": (H,)}
    if output_size is not None:
        K = check_positive_int(func, "output_size", output_size)
        shapes.update(V=(H, K), c=(K,))
    return {name: (scale * rng.standard_normal(shape)).astype(dtype) for name, shape in shapes.items()}
