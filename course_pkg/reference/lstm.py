"""The LSTM: one step and a whole sequence, forward and backward, for every variant.

The equations, in Keras's gate order i, f, c, o, with row vectors as Keras stores them::

    a_t  = x_t @ W + h_{t-1} @ U + b                 W (D, 4H), U (H, 4H), b (4H,): blocks i, f, c, o
    i_t  = sigmoid(a_i)                              input gate
    f_t  = sigmoid(a_f)                              forget gate
    g_t  = tanh(a_c)                                 candidate cell (often written c~_t)
    c_t  = f_t * c_{t-1} + i_t * g_t                 cell state
    o_t  = sigmoid(a_o)                              output gate
    h_t  = o_t * tanh(c_t)                           hidden state (the output)

The variants (see ``lstm_variants.LSTMVariant``) change single lines: peepholes add
``p_i * c_{t-1}``, ``p_f * c_{t-1}`` to a_i, a_f and ``p_o * c_t`` to a_o; the coupled gate sets
i_t = 1 - f_t; the ablations set f_t = 1 or o_t = 1. Their blocks then disappear from W, U, b.

Two kinds of entry points share one implementation:

- ``lstm_step_forward`` / ``lstm_step_backward`` / ``lstm_forward`` / ``lstm_backward``: the plain
  LSTM with separate W, U, b arguments, the cs231n-style interface of the vanilla RNN.
- ``lstm_variant_*``: any ``LSTMVariant``, parameters in a dict (``W``, ``U``, ``b`` and the
  peepholes ``p_i``, ``p_f``, ``p_o``), gradients in a dict with the same keys, and the gradient
  with respect to the initial cell state ``dc0`` (``lstm_backward`` leaves it out to keep the
  RNN's five-tuple; ``lstm_variant_backward(dh, cache).dc0`` has it).

A step is a sequence of length one: the step functions run the sequence code with T = 1.

Speed: the input projection x_t @ W + b is one (N*T, D) @ (D, G*H) product before the loop; the
gate pre-activations become gate values in place; caches are time-major so that each step's slice
is contiguous; the backward loop holds only the recurrence, and dx, dW, dU, db are each one
product over all steps after it. ``benchmarks/lstm_reference_vs_keras.py`` times it against Keras.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import ShapeChecker, check_float_dtypes
from .activations import sigmoid_derivative, tanh_derivative
from .lstm_variants import VANILLA, LSTMVariant, _check_variant


class LSTMCache(NamedTuple):
    """What the backward pass needs from a forward pass over T steps (T = 1 for a step).

    The per-step arrays are stored time-major, (T, N, ...), so that each step's slice is one
    contiguous block: ``cache.c[-1]`` is the final cell state, ``cache.h[t]`` is h_{t+1}.
    """

    x: np.ndarray          # (N, T, D) inputs, as given
    h0: np.ndarray         # (N, H) initial hidden state
    c0: np.ndarray         # (N, H) initial cell state
    params: dict           # W (D, G*H), U (H, G*H), b (G*H,), peepholes (H,)
    variant: LSTMVariant
    gates: np.ndarray      # (T, N, G, H) gate values in the order of variant.gates (g for block c)
    c: np.ndarray          # (T, N, H) cell states c_1 .. c_T
    tanh_c: np.ndarray     # (T, N, H) tanh(c_t)
    h: np.ndarray          # (T, N, H) hidden states h_1 .. h_T


class LSTMGrads(NamedTuple):
    """Gradients of a sequence backward pass."""

    dx: np.ndarray         # (N, T, D)
    dh0: np.ndarray        # (N, H)
    dc0: np.ndarray        # (N, H)
    dparams: dict          # same keys and shapes as the parameters


class LSTMStepGrads(NamedTuple):
    """Gradients of a one-step backward pass."""

    dx: np.ndarray         # (N, D)
    dh_prev: np.ndarray    # (N, H)
    dc_prev: np.ndarray    # (N, H)
    dparams: dict          # same keys and shapes as the parameters


def _sigmoid_in_place(a: np.ndarray) -> np.ndarray:
    """``a[...] = sigmoid(a)`` without temporaries; the same formula as ``activations.sigmoid``."""
    a *= 0.5
    np.tanh(a, out=a)
    a += 1.0
    a *= 0.5
    return a


def _check_inputs(func: str, step: bool, x, h0, c0, params, variant):
    """Door checks shared by every forward entry point; returns arrays and the variant."""
    variant = _check_variant(func, variant)
    names = ("x", "h_prev", "c_prev") if step else ("x", "h0", "c0")
    missing = [n for n in variant.param_names if n not in params]
    extra = [n for n in params if n not in variant.param_names]
    if missing or extra:
        raise ValueError(f"{func}: params of the {variant.name} LSTM must have keys "
                         f"{list(variant.param_names)}, missing {missing}, unexpected {extra}")
    check = ShapeChecker(func)
    x = check(names[0], x, ("N", "D") if step else ("N", "T", "D"))
    h0 = check(names[1], h0, ("N", "H"))
    G, H = len(variant.gates), h0.shape[1]
    GH = f"{G}H"
    check.dims[GH] = G * H
    p = {"W": check("W", params["W"], ("D", GH)),
         "U": check("U", params["U"], ("H", GH)),
         "b": check("b", params["b"], (GH,))}
    p.update({n: check(n, params[n], ("H",)) for n in variant.peepholes})
    c0 = np.zeros_like(h0) if c0 is None else check(names[2], c0, ("N", "H"))
    check_float_dtypes(func, **{names[0]: x, names[1]: h0, names[2]: c0}, **p)
    if step:
        x = x[:, None]
    if x.shape[1] == 0:
        raise ValueError(f"{func}: x must have at least one time step, got shape {x.shape}")
    return x, h0, c0, p, variant


def _forward(x, h0, c0, p, v: LSTMVariant) -> LSTMCache:
    """The LSTM equations over T steps; arguments already checked."""
    N, T, D = x.shape
    H = h0.shape[1]
    G = len(v.gates)
    k_in = v.gates.index("c")          # the sigmoid gates that see c_{t-1}: i, f (those present)
    k_o = G - 1                        # the output gate's block, when there is one
    # Peepholes of the gates before c, stacked (k_in, H): both take c_{t-1} in one product.
    p_in = np.stack([p[n] for n in v.peepholes if n != "p_o"]) if v.peephole else None

    # a_t = x_t @ W + b for every step at once, time-major; h_{t-1} @ U is added in the loop.
    # The array is then overwritten, block by block, with the gate values (gates[t, :, k]).
    x_tm = x.transpose(1, 0, 2).reshape(T * N, D)
    gates = (x_tm @ p["W"]).reshape(T, N, G, H)
    gates += p["b"].reshape(G, H)
    c = np.empty((T, N, H), dtype=x.dtype)
    tanh_c = np.empty_like(c)
    h = np.empty_like(c)
    f_c_prev = np.empty((N, H), dtype=x.dtype)

    U = p["U"]
    h_prev, c_prev = h0, c0
    for t in range(T):
        a = gates[t]                                      # (N, G, H) pre-activations of step t
        a += (h_prev @ U).reshape(N, G, H)
        a_in = a[:, :k_in]                                # a_i, a_f (those present)
        if v.peephole:
            a_in += p_in * c_prev[:, None]                # + p_i * c_{t-1}, + p_f * c_{t-1}
        gate_in = _sigmoid_in_place(a_in)                 # i_t, f_t = sigmoid(a_i), sigmoid(a_f)
        f = gate_in[:, -1] if v.forget_gate else None
        i = 1.0 - f if v.coupled else gate_in[:, 0]       # coupled: i_t = 1 - f_t
        g = np.tanh(a[:, k_in], out=a[:, k_in])           # g_t = tanh(a_c)

        c_t = np.multiply(i, g, out=c[t])                 # c_t = f_t * c_{t-1} + i_t * g_t
        c_t += np.multiply(f, c_prev, out=f_c_prev) if v.forget_gate else c_prev
        tanh_c_t = np.tanh(c_t, out=tanh_c[t])
        if v.output_gate:
            a_o = a[:, k_o]
            if v.peephole:
                a_o += p["p_o"] * c_t                     # + p_o * c_t
            o = _sigmoid_in_place(a_o)                    # o_t = sigmoid(a_o)
            h_t = np.multiply(o, tanh_c_t, out=h[t])      # h_t = o_t * tanh(c_t)
        else:
            h_t = h[t]
            h_t[...] = tanh_c_t                           # h_t = tanh(c_t)
        h_prev, c_prev = h_t, c_t
    return LSTMCache(x, h0, c0, p, v, gates, c, tanh_c, h)


def _backward(dh: np.ndarray, cache: LSTMCache, dc_last: np.ndarray | None) -> LSTMGrads:
    """Backpropagation through time; ``dh`` (N, T, H) and ``dc_last`` already checked."""
    x, h0, c0, p, v, gates, c, tanh_c, h = cache
    T, N, G, H = gates.shape
    D = x.shape[2]
    block = {name: k for k, name in enumerate(v.gates)}

    da = np.empty_like(gates)                       # dL/da_t for every step, (T, N, G, H)
    U_T = p["U"].T
    dh_next = np.zeros((N, H), dtype=h.dtype)       # gradient reaching h_t from step t+1
    dc_next = np.zeros((N, H), dtype=h.dtype) if dc_last is None else dc_last
    for t in reversed(range(T)):
        c_prev = c[t - 1] if t > 0 else c0
        f = gates[t, :, block["f"]] if v.forget_gate else 1.0
        i = 1.0 - f if v.coupled else gates[t, :, block["i"]]
        g = gates[t, :, block["c"]]
        dh_t = dh[:, t] + dh_next
        # h_t = o_t * tanh(c_t)
        if v.output_gate:
            o = gates[t, :, block["o"]]
            da_o = np.multiply(dh_t * tanh_c[t], sigmoid_derivative(o), out=da[t, :, block["o"]])
            dc_t = dc_next + dh_t * o * tanh_derivative(tanh_c[t])
            if v.peephole:
                dc_t += da_o * p["p_o"]                   # a_o saw c_t through p_o
        else:
            dc_t = dc_next + dh_t * tanh_derivative(tanh_c[t])
        # c_t = f_t * c_{t-1} + i_t * g_t
        if not v.coupled:
            np.multiply(dc_t * g, sigmoid_derivative(i), out=da[t, :, block["i"]])
        if v.forget_gate:                               # coupled: dc_t/df_t = c_{t-1} - g_t
            df = dc_t * (c_prev - g) if v.coupled else dc_t * c_prev
            np.multiply(df, sigmoid_derivative(f), out=da[t, :, block["f"]])
        np.multiply(dc_t * i, tanh_derivative(g), out=da[t, :, block["c"]])
        dc_next = dc_t * f
        if v.peephole:                                  # a_i, a_f saw c_{t-1} through p_i, p_f
            if v.forget_gate:
                dc_next += da[t, :, block["f"]] * p["p_f"]
            if not v.coupled:
                dc_next += da[t, :, block["i"]] * p["p_i"]
        dh_next = da[t].reshape(N, G * H) @ U_T

    da_flat = da.reshape(T * N, G * H)
    h_prev = np.concatenate([h0[None], h[:-1]])                      # h_{t-1} for every t
    x_tm = x.transpose(1, 0, 2).reshape(T * N, D)
    dparams = {
        "W": x_tm.T @ da_flat,
        "U": h_prev.reshape(T * N, H).T @ da_flat,
        "b": da_flat.sum(axis=0),
    }
    c_prev = np.concatenate([c0[None], c[:-1]]) if v.peephole else None
    for name in v.peepholes:                                          # p_i, p_f see c_{t-1}; p_o sees c_t
        seen = c if name == "p_o" else c_prev
        dparams[name] = np.einsum("tnh,tnh->h", da[:, :, block[name[-1]]], seen)
    dx = (da_flat @ p["W"].T).reshape(T, N, D).transpose(1, 0, 2)
    return LSTMGrads(np.ascontiguousarray(dx), dh_next, dc_next, dparams)


# ----------------------------------------------------------------------------------- any variant

def lstm_variant_forward(
    x: np.ndarray,
    h0: np.ndarray,
    params: dict[str, np.ndarray],
    variant: LSTMVariant | None = None,
    c0: np.ndarray | None = None,
) -> tuple[np.ndarray, LSTMCache]:
    """Run an LSTM variant over a whole sequence.

    Args:
        x: inputs, shape (N, T, D).
        h0: initial hidden state, shape (N, H).
        params: ``W`` (D, G*H), ``U`` (H, G*H), ``b`` (G*H,) with G = len(variant.gates), and the
            peephole vectors ``variant.peepholes``, each (H,).
        variant: an ``LSTMVariant`` (default: the vanilla LSTM).
        c0: initial cell state, shape (N, H); zeros when None.

    Returns:
        h: hidden states h_1 .. h_T, shape (N, T, H).
        cache: an ``LSTMCache`` (``cache.c[-1]`` is the final cell state).
    """
    x, h0, c0, p, v = _check_inputs("lstm_variant_forward", False, x, h0, c0, params, variant)
    cache = _forward(x, h0, c0, p, v)
    return np.ascontiguousarray(cache.h.transpose(1, 0, 2)), cache


def _check_cache(func: str, cache) -> LSTMCache:
    if not isinstance(cache, LSTMCache):
        raise ValueError(f"{func}: cache must be the LSTMCache returned by the forward pass, "
                         f"got {type(cache).__name__}")
    return cache


def _checked_backward(func: str, dh, cache, dc_last) -> LSTMGrads:
    cache = _check_cache(func, cache)
    T, N, H = cache.h.shape
    check = ShapeChecker(func, N=N, T=T, H=H)
    dh = check("dh", dh, ("N", "T", "H"))
    arrays = {"h": cache.h, "dh": dh}
    if dc_last is not None:
        arrays["dc_last"] = dc_last = check("dc_last", dc_last, ("N", "H"))
    check_float_dtypes(func, **arrays)
    return _backward(dh, cache, dc_last)


def _checked_step_backward(func: str, dh_next, dc_next, cache) -> LSTMStepGrads:
    cache = _check_cache(func, cache)
    T, N, H = cache.h.shape
    if T != 1:
        raise ValueError(f"{func}: cache must come from a step forward (T = 1), got T = {T}")
    check = ShapeChecker(func, N=N, H=H)
    dh_next = check("dh_next", dh_next, ("N", "H"))
    dc_next = check("dc_next", dc_next, ("N", "H"))
    check_float_dtypes(func, h=cache.h, dh_next=dh_next, dc_next=dc_next)
    grads = _backward(dh_next[:, None], cache, dc_next)
    return LSTMStepGrads(grads.dx[:, 0], grads.dh0, grads.dc0, grads.dparams)


def lstm_variant_backward(
    dh: np.ndarray, cache: LSTMCache, dc_last: np.ndarray | None = None
) -> LSTMGrads:
    """Backpropagation through time for an LSTM variant.

    Args:
        dh: gradient of the loss with respect to every hidden state, shape (N, T, H).
        cache: the ``LSTMCache`` of ``lstm_variant_forward``.
        dc_last: gradient with respect to the final cell state c_T, shape (N, H), when the loss
            uses it (a returned state); zeros when None.

    Returns:
        An ``LSTMGrads``: dx (N, T, D), dh0 (N, H), dc0 (N, H), dparams (dict like the params).
    """
    return _checked_backward("lstm_variant_backward", dh, cache, dc_last)


def lstm_variant_step_forward(
    x: np.ndarray,
    h_prev: np.ndarray,
    c_prev: np.ndarray,
    params: dict[str, np.ndarray],
    variant: LSTMVariant | None = None,
) -> tuple[np.ndarray, np.ndarray, LSTMCache]:
    """One step of an LSTM variant (a sequence of length one).

    Args:
        x: input, shape (N, D).
        h_prev: previous hidden state, shape (N, H).
        c_prev: previous cell state, shape (N, H).
        params: as for ``lstm_variant_forward``.
        variant: an ``LSTMVariant`` (default: the vanilla LSTM).

    Returns:
        h_next (N, H), c_next (N, H), and the cache for ``lstm_variant_step_backward``.
    """
    func = "lstm_variant_step_forward"
    if c_prev is None:
        raise ValueError(f"{func}: c_prev must be an array of shape (N, H), got None")
    x, h0, c0, p, v = _check_inputs(func, True, x, h_prev, c_prev, params, variant)
    cache = _forward(x, h0, c0, p, v)
    return cache.h[0].copy(), cache.c[0].copy(), cache


def lstm_variant_step_backward(
    dh_next: np.ndarray, dc_next: np.ndarray, cache: LSTMCache
) -> LSTMStepGrads:
    """Backward pass of one LSTM step.

    Args:
        dh_next: gradient with respect to h_next, shape (N, H).
        dc_next: gradient with respect to c_next, shape (N, H) (from the next step).
        cache: the cache of ``lstm_variant_step_forward``.

    Returns:
        An ``LSTMStepGrads``: dx (N, D), dh_prev (N, H), dc_prev (N, H), dparams (dict).
    """
    return _checked_step_backward("lstm_variant_step_backward", dh_next, dc_next, cache)


# ------------------------------------------------------------------ the plain LSTM, W, U, b apart

def _plain(func: str, cache: LSTMCache) -> LSTMCache:
    cache = _check_cache(func, cache)
    if cache.variant != VANILLA:
        raise ValueError(f"{func}: cache comes from the {cache.variant.name} LSTM; use "
                         f"{func.replace('lstm_', 'lstm_variant_')}, which returns every gradient")
    return cache


def lstm_step_forward(
    x: np.ndarray,
    h_prev: np.ndarray,
    c_prev: np.ndarray,
    W: np.ndarray,
    U: np.ndarray,
    b: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, LSTMCache]:
    """One LSTM step (gate blocks i, f, c, o as Keras stores them).

    Args:
        x: input, shape (N, D).
        h_prev: previous hidden state, shape (N, H).
        c_prev: previous cell state, shape (N, H).
        W: input weights, shape (D, 4H).
        U: recurrent weights, shape (H, 4H).
        b: bias, shape (4H,).

    Returns:
        h_next (N, H), c_next (N, H), and the cache for ``lstm_step_backward``.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> h, c, cache = lstm_step_forward(np.ones((2, 3)), np.zeros((2, 5)), np.zeros((2, 5)),
        ...                                 rng.normal(size=(3, 20)), rng.normal(size=(5, 20)),
        ...                                 np.zeros(20))
        >>> h.shape, c.shape
        ((2, 5), (2, 5))
    """
    func = "lstm_step_forward"
    if c_prev is None:
        raise ValueError(f"{func}: c_prev must be an array of shape (N, H), got None")
    x, h0, c0, p, v = _check_inputs(func, True, x, h_prev, c_prev, {"W": W, "U": U, "b": b}, VANILLA)
    cache = _forward(x, h0, c0, p, v)
    return cache.h[0].copy(), cache.c[0].copy(), cache


def lstm_step_backward(
    dh_next: np.ndarray, dc_next: np.ndarray, cache: LSTMCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of one LSTM step.

    Args:
        dh_next: gradient with respect to h_next, shape (N, H).
        dc_next: gradient with respect to c_next, shape (N, H).
        cache: the cache of ``lstm_step_forward``.

    Returns:
        dx (N, D), dh_prev (N, H), dc_prev (N, H), dW (D, 4H), dU (H, 4H), db (4H,).
    """
    func = "lstm_step_backward"
    dx, dh_prev, dc_prev, d = _checked_step_backward(func, dh_next, dc_next, _plain(func, cache))
    return dx, dh_prev, dc_prev, d["W"], d["U"], d["b"]


def lstm_forward(
    x: np.ndarray,
    h0: np.ndarray,
    W: np.ndarray,
    U: np.ndarray,
    b: np.ndarray,
    c0: np.ndarray | None = None,
) -> tuple[np.ndarray, LSTMCache]:
    """Run the LSTM over a whole sequence.

    Args:
        x: inputs, shape (N, T, D).
        h0: initial hidden state, shape (N, H).
        W: input weights, shape (D, 4H), blocks i, f, c, o.
        U: recurrent weights, shape (H, 4H).
        b: bias, shape (4H,).
        c0: initial cell state, shape (N, H); zeros when None.

    Returns:
        h: hidden states h_1 .. h_T, shape (N, T, H).
        cache: an ``LSTMCache`` for ``lstm_backward`` (``cache.c`` holds every cell state).
    """
    x, h0, c0, p, v = _check_inputs("lstm_forward", False, x, h0, c0, {"W": W, "U": U, "b": b}, VANILLA)
    cache = _forward(x, h0, c0, p, v)
    return np.ascontiguousarray(cache.h.transpose(1, 0, 2)), cache


def lstm_backward(
    dh: np.ndarray, cache: LSTMCache, dc_last: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backpropagation through time for the LSTM.

    Args:
        dh: gradient with respect to every hidden state h_1 .. h_T, shape (N, T, H).
        cache: the ``LSTMCache`` of ``lstm_forward``.
        dc_last: gradient with respect to the final cell state, shape (N, H); zeros when None.

    Returns:
        dx (N, T, D), dh0 (N, H), dW (D, 4H), dU (H, 4H), db (4H,). The gradient with respect
        to c0 is ``lstm_variant_backward(dh, cache).dc0``.
    """
    func = "lstm_backward"
    dx, dh0, _, d = _checked_backward(func, dh, _plain(func, cache), dc_last)
    return dx, dh0, d["W"], d["U"], d["b"]
