"""Masks for variable-length sequences: masked steps keep the state, as Keras does.

A mask is a boolean array (N, T): ``mask[n, t]`` is True where step t of sequence n is real.
Sequences are usually right-padded (``mask_from_lengths``), the form cuDNN accepts, but the rule
below works for any mask. At a masked step the cell still runs, then its result is discarded::

    states_t = where(mask_t, cell(x_t, states_{t-1}), states_{t-1})          # carried forward
    y_t      = where(mask_t, h_t, y_{t-1})        zero_output=False (a Keras RNN layer's default)
    y_t      = where(mask_t, h_t, 0)              zero_output=True  (Keras's Bidirectional with
                                                                      return_sequences=True)

with y_0 = 0 before the first step. The last output ``y[:, -1]`` is what a layer with
``return_sequences=False`` returns. The backward pass routes each gradient through the same
``where``: into the cell where the step is real, around it where the step is masked.

``masked_forward`` and ``masked_backward`` drive any cell that offers ``step_forward`` and
``step_backward`` (see ``wrappers.Cell``), one step at a time.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol, Sequence

import numpy as np

from ._validation import ShapeChecker


class StepCell(Protocol):
    """What the masked driver needs from a cell (``wrappers.Cell`` provides it)."""

    def step_forward(self, x_t: np.ndarray, states: tuple, params: dict) -> tuple[tuple, Any]: ...

    def step_backward(self, dstates: tuple, cache: Any) -> tuple[np.ndarray, tuple, dict]: ...


class MaskedCache(NamedTuple):
    """What ``masked_backward`` needs from ``masked_forward``."""

    cell: Any
    params: dict
    mask: np.ndarray          # (N, T) bool
    step_caches: list         # one cache per step
    zero_output: bool
    x_shape: tuple            # (N, T, D)
    num_states: int           # 1 (h) or 2 (h, c)


def mask_from_lengths(lengths: Sequence[int] | np.ndarray, T: int) -> np.ndarray:
    """A right-padded mask (N, T): True for the first ``lengths[n]`` steps of sequence n.

    Example:
        >>> mask_from_lengths([3, 1], 4).astype(int)
        array([[1, 1, 1, 0],
               [1, 0, 0, 0]])
    """
    lengths = np.asarray(lengths)
    if lengths.ndim != 1 or not np.issubdtype(lengths.dtype, np.integer):
        raise ValueError(f"mask_from_lengths: lengths must be a 1-D integer array (N,), got "
                         f"{lengths.dtype} of shape {lengths.shape}")
    if lengths.size and (lengths.min() < 0 or lengths.max() > T):
        raise ValueError(f"mask_from_lengths: lengths must be in [0, T] = [0, {T}], got "
                         f"[{lengths.min()}, {lengths.max()}]")
    return np.arange(T)[None, :] < lengths[:, None]


def check_mask(func: str, mask: Any, N: int, T: int) -> np.ndarray:
    """Check a boolean mask of shape (N, T) and return it as a bool array."""
    mask = ShapeChecker(func, N=N, T=T)("mask", mask, ("N", "T"))
    if mask.dtype != np.bool_:
        raise ValueError(f"{func}: mask must be a boolean array (True = real step), got {mask.dtype}")
    return mask


def is_right_padded(mask: np.ndarray) -> bool:
    """True when every row of the mask is some True steps followed only by False steps."""
    mask = np.asarray(mask, dtype=bool)
    return bool(np.all(mask[:, :-1] >= mask[:, 1:]))


def masked_forward(
    cell: StepCell,
    x: np.ndarray,
    states0: tuple[np.ndarray, ...],
    params: dict,
    mask: np.ndarray,
    zero_output: bool = False,
) -> tuple[np.ndarray, tuple[np.ndarray, ...], MaskedCache]:
    """Run ``cell`` over a masked sequence, one step at a time.

    Args:
        cell: a cell with ``step_forward`` and ``step_backward``; its first state is the output h.
        x: inputs, shape (N, T, D).
        states0: initial states, each (N, H): (h0,) or (h0, c0).
        params: the cell's parameters.
        mask: boolean, shape (N, T); already checked (see ``check_mask``).
        zero_output: masked steps output zeros instead of the previous output.

    Returns:
        y: outputs (N, T, H), masked as described in the module docstring.
        final_states: the states after the last step (the last real step's, per sequence).
        cache: a ``MaskedCache`` for ``masked_backward``.
    """
    N, T, _ = x.shape
    states = tuple(states0)
    y = np.empty((N, T, states[0].shape[1]), dtype=x.dtype)
    y_prev = np.zeros_like(states[0])
    caches = []
    for t in range(T):
        m = mask[:, t, None]
        new_states, step_cache = cell.step_forward(x[:, t], states, params)
        caches.append(step_cache)
        states = tuple(np.where(m, new, old) for new, old in zip(new_states, states))
        y_prev = y[:, t] = np.where(m, new_states[0], 0.0 if zero_output else y_prev)
    return y, states, MaskedCache(cell, params, mask, caches, zero_output, x.shape, len(states))


def masked_backward(
    dy: np.ndarray, cache: MaskedCache, dfinal_states: tuple | None = None
) -> tuple[np.ndarray, tuple[np.ndarray, ...], dict]:
    """Backward pass of ``masked_forward``.

    Args:
        dy: gradient with respect to every output, shape (N, T, H).
        cache: the ``MaskedCache`` of ``masked_forward``.
        dfinal_states: gradients with respect to the final states (None: zeros).

    Returns:
        dx (N, T, D), dstates0 (a tuple like states0), dparams (a dict like params).
    """
    cell, params, mask, caches, zero_output, (N, T, D), num_states = cache
    dx = np.empty((N, T, D), dtype=dy.dtype)
    dfinal_states = dfinal_states or (None,) * num_states
    dstates = [np.zeros_like(dy[:, 0]) if d is None else d for d in dfinal_states]
    dparams = {name: np.zeros_like(value) for name, value in params.items()}
    dy_carry = np.zeros_like(dy[:, 0])          # gradient reaching y_t from y_{t+1} (masked)
    for t in reversed(range(T)):
        m = mask[:, t, None]
        dy_t = dy[:, t] + dy_carry
        dy_carry = np.zeros_like(dy_t) if zero_output else np.where(m, 0.0, dy_t)
        d_new = [np.where(m, d, 0.0) for d in dstates]      # into the cell where the step is real
        d_new[0] = d_new[0] + np.where(m, dy_t, 0.0)
        dx[:, t], d_prev, d_step = cell.step_backward(tuple(d_new), caches[t])
        dstates = [np.where(m, 0.0, d) + dp for d, dp in zip(dstates, d_prev)]   # around it
        for name, value in d_step.items():
            dparams[name] += value
    return dx, tuple(dstates), dparams
