"""Gradient clipping: by value (elementwise) and by global norm (Pascanu et al., 2013).

``grads`` is a list, a tuple or a dict of arrays; the same container type comes back and the
inputs are never modified in place.
"""

from __future__ import annotations

from typing import Mapping, Sequence, TypeVar

import numpy as np

from ._validation import check_positive

Grads = TypeVar("Grads", list, tuple, dict)


def _arrays(grads) -> list[np.ndarray]:
    if isinstance(grads, Mapping):
        return [np.asarray(g) for g in grads.values()]
    if isinstance(grads, Sequence):
        return [np.asarray(g) for g in grads]
    raise ValueError(f"grads must be a list, a tuple or a dict of arrays, got {type(grads).__name__}")


def _rebuild(grads, arrays: list[np.ndarray]):
    if isinstance(grads, Mapping):
        return dict(zip(grads.keys(), arrays))
    return tuple(arrays) if isinstance(grads, tuple) else list(arrays)


def global_norm(grads: list | tuple | dict) -> float:
    """sqrt of the sum of squares of every entry of every array (computed in float64)."""
    return float(np.sqrt(sum(np.sum(np.square(g, dtype=np.float64)) for g in _arrays(grads))))


def clip_by_value(grads: Grads, limit: float) -> Grads:
    """Clip every entry to [-limit, limit].

    Args:
        grads: a list, tuple or dict of arrays.
        limit: a positive number.

    Returns:
        New arrays in the same container type.
    """
    limit = check_positive("clip_by_value", "limit", limit)
    return _rebuild(grads, [np.clip(g, -limit, limit) for g in _arrays(grads)])


def clip_by_global_norm(grads: Grads, max_norm: float) -> tuple[Grads, float]:
    """Rescale all gradients together so that their global norm is at most ``max_norm``.

    If the global norm ``g = sqrt(sum ||grad||^2)`` exceeds ``max_norm``, every array is
    multiplied by ``max_norm / g``; otherwise the arrays are returned unchanged (as copies).
    The direction of the whole gradient is kept.

    Args:
        grads: a list, tuple or dict of arrays.
        max_norm: a positive number.

    Returns:
        clipped: new arrays in the same container type.
        global_norm: the norm before clipping.
    """
    max_norm = check_positive("clip_by_global_norm", "max_norm", max_norm)
    arrays = _arrays(grads)
    norm = global_norm(arrays)
    scale = max_norm / norm if norm > max_norm else 1.0
    clipped = [(g * scale).astype(g.dtype, copy=False) if scale != 1.0 else g.copy() for g in arrays]
    return _rebuild(grads, clipped), norm
