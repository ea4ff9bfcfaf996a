"""The GRU: one step and a whole sequence, forward and backward, in both of Keras's forms.

Gate blocks in Keras order z (update), r (reset), h (candidate); W (D, 3H), U (H, 3H)::

    z_t  = sigmoid(x_t @ W_z + h_{t-1} @ U_z + b_z)              update gate
    r_t  = sigmoid(x_t @ W_r + h_{t-1} @ U_r + b_r)              reset gate
    hh_t = tanh(x_t @ W_h + r_t * (h_{t-1} @ U_h + b'_h))        reset_after=True  (Keras default)
    hh_t = tanh(x_t @ W_h + (r_t * h_{t-1}) @ U_h + b_h)         reset_after=False (Cho et al. 2014)
    h_t  = z_t * h_{t-1} + (1 - z_t) * hh_t

``reset_after=True`` (Keras's default, the cuDNN form) has two biases, b of shape (2, 3H): row 0
is added to the input projection, row 1 to the recurrent one (so b'_h, inside the reset, is
b[1, 2H:]). ``reset_after=False`` has one bias of shape (3H,).

Convention: this is Keras's h_t = z * h_{t-1} + (1 - z) * hh_t, as in Cho et al. (2014), where
z near 1 *keeps* the old state. Chung et al. (2014) and the lectures write
h_t = (1 - z) * h_{t-1} + z * hh_t, where z near 1 *takes* the new candidate: their z is our
1 - z. Nothing else changes.

A step is a sequence of length one: the step functions run the sequence code with T = 1. The
input projection is one (N*T, D) @ (D, 3H) product before the loop; caches are time-major.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import ShapeChecker, check_float_dtypes, check_positive, check_positive_int
from .activations import sigmoid_derivative, tanh_derivative
from .lstm import _sigmoid_in_place


class GRUCache(NamedTuple):
    """What the backward pass needs from a forward pass over T steps (T = 1 for a step).

    Per-step arrays are time-major, (T, N, ...): ``cache.h[-1]`` is the final state.
    """

    x: np.ndarray          # (N, T, D) inputs, as given
    h0: np.ndarray         # (N, H) initial state
    W: np.ndarray          # (D, 3H)
    U: np.ndarray          # (H, 3H)
    b: np.ndarray          # (2, 3H) with reset_after, else (3H,)
    reset_after: bool
    z: np.ndarray          # (T, N, H) update gates
    r: np.ndarray          # (T, N, H) reset gates
    hh: np.ndarray         # (T, N, H) candidates
    u_h: np.ndarray        # (T, N, H) reset_after: h_{t-1} @ U_h + b'_h; else r_t * h_{t-1}
    h: np.ndarray          # (T, N, H) states h_1 .. h_T


def _check_inputs(func: str, step: bool, x, h0, W, U, b, reset_after):
    if not isinstance(reset_after, (bool, np.bool_)):
        raise ValueError(f"{func}: reset_after must be True or False, got {reset_after!r}")
    names = ("x", "h_prev") if step else ("x", "h0")
    check = ShapeChecker(func)
    x = check(names[0], x, ("N", "D") if step else ("N", "T", "D"))
    h0 = check(names[1], h0, ("N", "H"))
    check.dims["3H"] = 3 * h0.shape[1]
    W = check("W", W, ("D", "3H"))
    U = check("U", U, ("H", "3H"))
    b_shape = (2, "3H") if reset_after else ("3H",)
    try:
        b = check("b", b, b_shape)
    except ValueError as error:
        bias = "an input and a recurrent bias, (2, 3H)" if reset_after else "one bias, (3H,)"
        raise ValueError(f"{error} (reset_after={reset_after} uses {bias})") from None
    check_float_dtypes(func, **{names[0]: x, names[1]: h0}, W=W, U=U, b=b)
    if step:
        x = x[:, None]
    if x.shape[1] == 0:
        raise ValueError(f"{func}: x must have at least one time step, got shape {x.shape}")
    return x, h0, W, U, b


def _forward(x, h0, W, U, b, reset_after: bool) -> GRUCache:
    """The GRU equations over T steps; arguments already checked."""
    N, T, D = x.shape
    H = h0.shape[1]
    b_in, b_rec = (b[0], b[1]) if reset_after else (b, None)
    # x_t @ W + b for every step at once, time-major: blocks z, r, h in xw[t, :, k].
    xw = (x.transpose(1, 0, 2).reshape(T * N, D) @ W).reshape(T, N, 3, H)
    xw += b_in.reshape(3, H)
    U_zr, U_h = U[:, :2 * H], U[:, 2 * H:]
    z, r, hh, u_h, h = (np.empty((T, N, H), dtype=x.dtype) for _ in range(5))

    h_prev = h0
    for t in range(T):
        a = xw[t]                                             # (N, 3, H)
        if reset_after:
            hu = (h_prev @ U + b_rec).reshape(N, 3, H)        # h_{t-1} @ U + b' (all three blocks)
            a[:, :2] += hu[:, :2]
            u_h[t] = hu[:, 2]                                 # h_{t-1} @ U_h + b'_h
        else:
            a[:, :2] += (h_prev @ U_zr).reshape(N, 2, H)
        z_t, r_t = _sigmoid_in_place(a[:, :2]).transpose(1, 0, 2)   # z_t, r_t = sigmoid(...)
        z[t], r[t] = z_t, r_t
        if reset_after:
            a_h = a[:, 2] + r_t * u_h[t]                      # x_t @ W_h + b_h + r_t * (...)
        else:
            np.multiply(r_t, h_prev, out=u_h[t])              # r_t * h_{t-1}
            a_h = a[:, 2] + u_h[t] @ U_h                      # x_t @ W_h + b_h + (r_t * h_{t-1}) @ U_h
        hh_t = np.tanh(a_h, out=hh[t])                        # hh_t = tanh(a_h)
        h_t = np.multiply(z_t, h_prev - hh_t, out=h[t])       # h_t = z_t * h_{t-1} + (1 - z_t) * hh_t
        h_t += hh_t
        h_prev = h_t
    return GRUCache(x, h0, W, U, b, reset_after, z, r, hh, u_h, h)


def _backward(dh: np.ndarray, cache: GRUCache) -> tuple[np.ndarray, ...]:
    """Backpropagation through time; ``dh`` (N, T, H) already checked."""
    x, h0, W, U, b, reset_after, z, r, hh, u_h, h = cache
    T, N, H = h.shape
    D = x.shape[2]
    U_zr_T, U_h_T = U[:, :2 * H].T, U[:, 2 * H:].T
    dxw = np.empty((T, N, 3, H), dtype=h.dtype)      # dL/d(x_t @ W + b_in), blocks z, r, h
    dhu = np.empty((T, N, 3, H), dtype=h.dtype) if reset_after else None   # dL/d(h_{t-1} @ U + b')
    dh_next = np.zeros((N, H), dtype=h.dtype)
    for t in reversed(range(T)):
        h_prev = h[t - 1] if t > 0 else h0
        dh_t = dh[:, t] + dh_next
        # h_t = z_t * h_{t-1} + (1 - z_t) * hh_t
        np.multiply(dh_t * (h_prev - hh[t]), sigmoid_derivative(z[t]), out=dxw[t, :, 0])
        da_h = np.multiply(dh_t * (1.0 - z[t]), tanh_derivative(hh[t]), out=dxw[t, :, 2])
        dh_prev = dh_t * z[t]
        if reset_after:
            # a_h = x_t @ W_h + b_h + r_t * u_h,  u_h = h_{t-1} @ U_h + b'_h
            np.multiply(da_h * u_h[t], sigmoid_derivative(r[t]), out=dxw[t, :, 1])
            dhu[t, :, :2] = dxw[t, :, :2]
            np.multiply(da_h, r[t], out=dhu[t, :, 2])
            dh_prev += dhu[t].reshape(N, 3 * H) @ U.T
        else:
            # a_h = x_t @ W_h + b_h + (r_t * h_{t-1}) @ U_h
            d_rh = da_h @ U_h_T
            np.multiply(d_rh * h_prev, sigmoid_derivative(r[t]), out=dxw[t, :, 1])
            dh_prev += d_rh * r[t]
            dh_prev += dxw[t, :, :2].reshape(N, 2 * H) @ U_zr_T
        dh_next = dh_prev

    h_prev_all = np.concatenate([h0[None], h[:-1]]).reshape(T * N, H)
    dxw_flat = dxw.reshape(T * N, 3 * H)
    dW = x.transpose(1, 0, 2).reshape(T * N, D).T @ dxw_flat
    if reset_after:
        dhu_flat = dhu.reshape(T * N, 3 * H)
        dU = h_prev_all.T @ dhu_flat
        db = np.stack([dxw_flat.sum(axis=0), dhu_flat.sum(axis=0)])
    else:
        dU = np.concatenate([h_prev_all.T @ dxw_flat[:, :2 * H],
                             u_h.reshape(T * N, H).T @ dxw_flat[:, 2 * H:]], axis=1)
        db = dxw_flat.sum(axis=0)
    dx = (dxw_flat @ W.T).reshape(T, N, D).transpose(1, 0, 2)
    return np.ascontiguousarray(dx), dh_next, dW, dU, db


def _check_cache(func: str, cache) -> GRUCache:
    if not isinstance(cache, GRUCache):
        raise ValueError(f"{func}: cache must be the GRUCache returned by the forward pass, "
                         f"got {type(cache).__name__}")
    return cache


def gru_step_forward(
    x: np.ndarray,
    h_prev: np.ndarray,
    W: np.ndarray,
    U: np.ndarray,
    b: np.ndarray,
    reset_after: bool = True,
) -> tuple[np.ndarray, GRUCache]:
    """One GRU step (Keras convention h_t = z * h_{t-1} + (1 - z) * hh_t).

    Args:
        x: input, shape (N, D).
        h_prev: previous state, shape (N, H).
        W: input weights, shape (D, 3H), blocks z, r, h.
        U: recurrent weights, shape (H, 3H).
        b: biases, shape (2, 3H) (input, recurrent) with ``reset_after``, else (3H,).
        reset_after: apply the reset gate after the recurrent product (Keras default) or
            before it (Cho et al. 2014).

    Returns:
        h_next (N, H), and the cache for ``gru_step_backward``.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> h, cache = gru_step_forward(np.ones((2, 3)), np.zeros((2, 5)), rng.normal(size=(3, 15)),
        ...                             rng.normal(size=(5, 15)), np.zeros((2, 15)))
        >>> h.shape
        (2, 5)
    """
    x, h0, W, U, b = _check_inputs("gru_step_forward", True, x, h_prev, W, U, b, reset_after)
    cache = _forward(x, h0, W, U, b, bool(reset_after))
    return cache.h[0].copy(), cache


def gru_step_backward(
    dh_next: np.ndarray, cache: GRUCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of one GRU step.

    Args:
        dh_next: gradient with respect to h_next, shape (N, H).
        cache: the cache of ``gru_step_forward``.

    Returns:
        dx (N, D), dh_prev (N, H), dW (D, 3H), dU (H, 3H), db (shaped like b).
    """
    func = "gru_step_backward"
    cache = _check_cache(func, cache)
    T, N, H = cache.h.shape
    if T != 1:
        raise ValueError(f"{func}: cache must come from a step forward (T = 1), got T = {T}")
    dh_next = ShapeChecker(func, N=N, H=H)("dh_next", dh_next, ("N", "H"))
    check_float_dtypes(func, h=cache.h, dh_next=dh_next)
    dx, dh_prev, dW, dU, db = _backward(dh_next[:, None], cache)
    return dx[:, 0], dh_prev, dW, dU, db


def gru_forward(
    x: np.ndarray,
    h0: np.ndarray,
    W: np.ndarray,
    U: np.ndarray,
    b: np.ndarray,
    reset_after: bool = True,
) -> tuple[np.ndarray, GRUCache]:
    """Run the GRU over a whole sequence.

    Args:
        x: inputs, shape (N, T, D).
        h0: initial state, shape (N, H).
        W: input weights, shape (D, 3H), blocks z, r, h.
        U: recurrent weights, shape (H, 3H).
        b: biases, shape (2, 3H) with ``reset_after`` (Keras default), else (3H,).
        reset_after: see ``gru_step_forward``.

    Returns:
        h: states h_1 .. h_T, shape (N, T, H).
        cache: a ``GRUCache`` for ``gru_backward``.
    """
    x, h0, W, U, b = _check_inputs("gru_forward", False, x, h0, W, U, b, reset_after)
    cache = _forward(x, h0, W, U, b, bool(reset_after))
    return np.ascontiguousarray(cache.h.transpose(1, 0, 2)), cache


def gru_backward(
    dh: np.ndarray, cache: GRUCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backpropagation through time for the GRU.

    Args:
        dh: gradient with respect to every state h_1 .. h_T, shape (N, T, H).
        cache: the ``GRUCache`` of ``gru_forward``.

    Returns:
        dx (N, T, D), dh0 (N, H), dW (D, 3H), dU (H, 3H), db (shaped like b).
    """
    func = "gru_backward"
    cache = _check_cache(func, cache)
    T, N, H = cache.h.shape
    dh = ShapeChecker(func, N=N, T=T, H=H)("dh", dh, ("N", "T", "H"))
    check_float_dtypes(func, h=cache.h, dh=dh)
    return _backward(dh, cache)


def random_gru_params(
    D: int,
    H: int,
    rng: np.random.Generator | int | None = None,
    dtype: np.dtype | type = np.float64,
    scale: float | None = None,
    reset_after: bool = True,
) -> dict[str, np.ndarray]:
    """Random GRU parameters for examples and gradient checks, every entry N(0, scale**2).

    Returns:
        A dict with W (D, 3H), U (H, 3H) and b, (2, 3H) with ``reset_after`` else (3H,).
    """
    func = "random_gru_params"
    D, H = check_positive_int(func, "D", D), check_positive_int(func, "H", H)
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"{func}: dtype must be float32 or float64, got {dtype}")
    scale = 1.0 / np.sqrt(H) if scale is None else check_positive(func, "scale", scale)
    rng = np.random.default_rng(rng)
    shapes = {"W": (D, 3 * H), "U": (H, 3 * H), "b": (2, 3 * H) if reset_after else (3 * H,)}
    return {name: (scale * rng.standard_normal(shape)).astype(dtype) for name, shape in shapes.items()}
