"""Exploding gradients that end in NaN weights, and the same run with clipping.

A ReLU RNN whose recurrent matrix starts with a spectral radius above one (an orthogonal matrix
times 1.25) amplifies its state at every step; over T = 30 steps the backward pass amplifies the
gradient the same way. Trained by plain gradient descent in float32 (as Keras trains), one large
gradient throws the weights far out, the next forward pass overflows to inf, and inf - inf or
0 * inf gives NaN, after which every weight is NaN for good. The second run is identical (same
seed, same batches) except that each gradient is first clipped to a global norm of 1
(``course_pkg.reference.clipping.clip_by_global_norm``, Keras's ``clipnorm=1.0``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .activations import delayed_recall
from .numpy_training import train_reference_rnn

__all__ = ["EXPLODING_SETUP", "exploding_vs_clipped"]

#: The run that blows up: ReLU, spectral radius 1.25, plain gradient descent, float32.
EXPLODING_SETUP: dict[str, Any] = {"activation": "relu", "delay": 5, "units": 16,
                                   "optimizer": "sgd", "learning_rate": 0.1,
                                   "recurrent_scale": 1.25, "batch_size": 32, "seed": 0,
                                   "dtype": np.float32}


def exploding_vs_clipped(steps: int = 100, clip: float = 1.0, T: int = 30,
                         **overrides: Any) -> dict[str, dict[str, Any]]:
    """Train the run of ``EXPLODING_SETUP`` (with ``overrides``) twice, without and with clipping.

    Returns:
        ``{"no clipping": record, "clipnorm = 1": record}``, each record as returned by
        ``train_reference_rnn`` (per-step ``loss``, ``grad_norm``, ``max_weight``, ``finite``,
        and ``nan_step``, the first step whose weights were not all finite, or None).
    """
    setup = {**EXPLODING_SETUP, **overrides}
    x, y = delayed_recall(1000, T, setup["delay"], rng=0)
    return {label: train_reference_rnn(x, y, steps=steps, clip=c, **setup)
            for label, c in (("no clipping", None), (f"clipnorm = {clip:g}", clip))}
