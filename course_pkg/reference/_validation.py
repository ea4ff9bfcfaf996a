"""Door checks shared by every function of ``course_pkg.reference``.

Every check raises a ``ValueError`` whose message starts with the calling function's name,
names the argument, states what was expected and what was received, for example::

    rnn_step_forward: h_prev must have shape (N, H) = (4, 5), got (4, 6)

The dimension letters (N batch, T time, D input, H hidden, K classes) are bound by the first
array that uses them, so later arrays are checked against the sizes already seen.
"""

from __future__ import annotations

from numbers import Real
from typing import Any, Sequence

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _format_shape(symbols: Sequence[str | int], sizes: Sequence[Any]) -> str:
    """Render ``(N, H) = (4, 5)``; unknown sizes show as ``?``."""
    names = ", ".join(str(s) for s in symbols)
    values = ", ".join("?" if v is None else str(v) for v in sizes)
    if len(symbols) == 1:
        names, values = names + ",", values + ","
    return f"({names}) = ({values})"


class ShapeChecker:
    """Check array shapes against named dimensions, binding each letter on first use.

    Args:
        func: name of the public function doing the check (starts every message).
        **known: sizes already known, e.g. ``H=5``.

    Example:
        >>> check = ShapeChecker("rnn_step_forward")
        >>> x = check("x", np.zeros((4, 3)), ("N", "D"))
        >>> check.dims
        {'N': 4, 'D': 3}
    """

    def __init__(self, func: str, **known: int) -> None:
        self.func = func
        self.dims: dict[str, int] = dict(known)

    def __call__(self, name: str, array: Any, symbols: Sequence[str | int]) -> np.ndarray:
        array = np.asarray(array)
        bound = dict(self.dims)
        if array.ndim != len(symbols):
            expected = [s if isinstance(s, int) else bound.get(s) for s in symbols]
            raise ValueError(
                f"{self.func}: {name} must be a {len(symbols)}-D array of shape "
                f"{_format_shape(symbols, expected)}, got a {array.ndim}-D array of shape "
                f"{array.shape}"
            )
        for symbol, size in zip(symbols, array.shape):
            want = symbol if isinstance(symbol, int) else bound.setdefault(symbol, size)
            if want != size:
                expected = [s if isinstance(s, int) else bound.get(s, n)
                            for s, n in zip(symbols, array.shape)]
                raise ValueError(
                    f"{self.func}: {name} must have shape {_format_shape(symbols, expected)}, "
                    f"got {array.shape}"
                )
        self.dims = bound
        return array


def check_float_dtypes(func: str, **arrays: np.ndarray) -> np.dtype:
    """Check that every array is float32 or float64 and that they all share one dtype.

    Returns:
        The common dtype.
    """
    first_name, first_dtype = None, None
    for name, array in arrays.items():
        dtype = np.asarray(array).dtype
        if dtype not in FLOAT_DTYPES:
            raise ValueError(f"{func}: {name} must be float32 or float64, got {dtype}")
        if first_dtype is None:
            first_name, first_dtype = name, dtype
        elif dtype != first_dtype:
            raise ValueError(
                f"{func}: mixed dtypes: {first_name} is {first_dtype} but {name} is {dtype}; "
                "cast every array to one dtype (float32 or float64)"
            )
    assert first_dtype is not None, "check_float_dtypes needs at least one array"
    return first_dtype


def check_ids(func: str, name: str, ids: Any, size: int) -> np.ndarray:
    """Check an integer array of class ids, each in ``[0, size)``."""
    ids = np.asarray(ids)
    if not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"{func}: {name} must be an integer array of ids, got dtype {ids.dtype}")
    if ids.size and (ids.min() < 0 or ids.max() >= size):
        raise ValueError(
            f"{func}: {name} must hold ids in [0, {size}), got values in "
            f"[{ids.min()}, {ids.max()}]"
        )
    return ids


def check_positive(func: str, name: str, value: Any) -> float:
    """Check a real number strictly greater than zero."""
    if isinstance(value, bool) or not isinstance(value, Real) or not np.isfinite(value) or value <= 0:
        raise ValueError(f"{func}: {name} must be a positive number (> 0), got {value!r}")
    return float(value)


def check_positive_int(func: str, name: str, value: Any) -> int:
    """Check an integer strictly greater than zero."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{func}: {name} must be a positive integer, got {value!r}")
    return int(value)


def check_params(func: str, params: dict[str, np.ndarray], names: Sequence[str]) -> list[np.ndarray]:
    """Return ``params[name]`` for each name, or say which names are missing."""
    missing = [n for n in names if n not in params]
    if missing:
        raise ValueError(
            f"{func}: params must have keys {list(names)}, missing {missing} "
            f"(got {sorted(params)})"
        )
    return [params[n] for n in names]


def check_cell_inputs(
    func: str, gates: int, x: Any, h_prev: Any, W: Any, U: Any, b: Any,
    bias_rows: int | None = None, **states: Any,
) -> None:
    """Door checks of one step of a gated cell with ``gates`` blocks: shapes and dtypes.

    x (N, D), h_prev and every other state (N, H), W (D, G*H), U (H, G*H), and b (G*H,), or
    (bias_rows, G*H) for Keras's GRU with two biases.
    """
    check = ShapeChecker(func)
    check("x", x, ("N", "D"))
    H = check("h_prev", h_prev, ("N", "H")).shape[1]
    for name, state in states.items():
        check(name, state, ("N", "H"))
    GH = f"{gates}H"
    check.dims[GH] = gates * H
    check("W", W, ("D", GH))
    check("U", U, ("H", GH))
    check("b", b, (GH,) if bias_rows is None else (bias_rows, GH))
    check_float_dtypes(func, x=x, h_prev=h_prev, **states, W=W, U=U, b=b)


def check_step_gradient(func: str, h_prev: np.ndarray, **grads: Any) -> None:
    """Check that each gradient given to a step backward has the shape (N, H) of the state."""
    N, H = h_prev.shape
    check = ShapeChecker(func, N=N, H=H)
    for name, grad in grads.items():
        check(name, grad, ("N", "H"))
    check_float_dtypes(func, h_prev=h_prev, **grads)
