"""Numerical gradient checking with centred differences, in float64.

    df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / (2 h)

The error of this estimate is O(h^2) plus rounding of order eps * |f| / h; with float64 and
h = 1e-5 both are around 1e-10, so a correct backward pass gives relative errors of 1e-8 or
less, and a wrong one gives errors near 1. Float32 rounding (eps ~ 1e-7) swamps the
differences, so float64 is required.
"""

from __future__ import annotations

from typing import Callable, Mapping

import numpy as np


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """``||a - b|| / (||a|| + ||b||)`` (Frobenius norms), 0.0 when both are zero.

    Scale-free and robust to entries that are tiny in both arrays, unlike an elementwise ratio.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"relative_error: a and b must have the same shape, "
                         f"got {a.shape} and {b.shape}")
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denominator == 0 else float(np.linalg.norm(a - b) / denominator)


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """Centred-difference gradient of a scalar function of one array.

    Args:
        f: called with an array shaped like ``x`` (a perturbed copy), returns a float.
        x: the point, float64, any shape. It is not modified.
        h: the step.

    Returns:
        The estimated gradient, shaped like x.
    """
    x = np.asarray(x)
    if x.dtype != np.float64:
        raise ValueError(f"numerical_gradient: x must be float64 for a gradient check, "
                         f"got {x.dtype}")
    point = x.copy()
    grad = np.zeros_like(point)
    for i in np.ndindex(point.shape):            # every entry, one at a time
        original = point[i]
        point[i] = original + h
        f_plus = f(point)
        point[i] = original - h
        f_minus = f(point)
        point[i] = original                      # restored before the next entry
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def gradient_check(
    loss_fn: Callable[[dict[str, np.ndarray]], float],
    params: Mapping[str, np.ndarray],
    grads: Mapping[str, np.ndarray],
    h: float = 1e-5,
) -> dict[str, float]:
    """Compare analytic gradients with centred differences, parameter by parameter.

    Args:
        loss_fn: takes a dict shaped like ``params`` and returns the scalar loss.
        params: the point, float64 arrays by name (inputs such as x or h0 may be included).
        grads: the analytic gradients to check, by name; every name must be in ``params``.
        h: the finite-difference step.

    Returns:
        ``{name: relative_error(grads[name], numerical gradient)}`` in the order of ``grads``.

    Example:
        >>> p = {"w": np.array([1.0, 2.0])}
        >>> gradient_check(lambda q: float(np.sum(q["w"] ** 2)), p, {"w": 2 * p["w"]})["w"] < 1e-9
        True
    """
    for name in grads:
        if name not in params:
            raise ValueError(f"gradient_check: grads has {name!r} but params does not (keys {sorted(params)})")
        if np.asarray(params[name]).dtype != np.float64:
            raise ValueError(f"gradient_check: params[{name!r}] must be float64, got "
                             f"{np.asarray(params[name]).dtype} (float32 rounding swamps centred differences)")
        if np.shape(grads[name]) != np.shape(params[name]):
            raise ValueError(f"gradient_check: grads[{name!r}] must have shape {np.shape(params[name])}, "
                             f"got {np.shape(grads[name])}")
    errors = {}
    for name in grads:
        def f(value, name=name):
            return float(loss_fn({**params, name: value}))
        errors[name] = relative_error(grads[name], numerical_gradient(f, params[name], h))
    return errors


def format_gradient_check(errors: Mapping[str, float], tolerance: float = 1e-7) -> str:
    """A small text table of relative errors, one row per parameter, with ok/FAIL."""
    width = max([len("parameter")] + [len(n) for n in errors])
    lines = [f"{'parameter':<{width}}  relative error"]
    for name, err in errors.items():
        lines.append(f"{name:<{width}}  {err:.2e}  {'ok' if err <= tolerance else 'FAIL'}")
    return "\n".join(lines)
