"""The two things every check's inputs are drawn from: a seeded generator and a dtype.

Check parameters carry a ``seed`` (so a hidden test's inputs are fixed by its parameters alone)
and, for the float checks, a ``dtype`` name; these helpers turn them into NumPy objects with one
clear error for a dtype the check does not accept.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def seeded_rng(seed: int) -> np.random.Generator:
    """A fresh generator for ``seed``: the same seed always draws the same inputs."""
    return np.random.default_rng(int(seed))


def requested_dtype(params: dict[str, Any], allowed: Sequence[str]) -> np.dtype:
    """``params["dtype"]`` as a NumPy dtype.

    Raises:
        ValueError: the name is not one of ``allowed``.
    """
    if params["dtype"] not in allowed:
        raise ValueError(f"dtype must be one of {list(allowed)}, got {params['dtype']!r}")
    return np.dtype(params["dtype"])
