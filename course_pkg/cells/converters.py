"""Move weights between Keras ``SimpleRNN`` layers and the NumPy reference.

Keras stores a SimpleRNN cell as ``kernel`` (D, H), ``recurrent_kernel`` (H, H) and ``bias``
(H,), computing ``h_t = tanh(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)``: exactly the
reference's ``W``, ``U`` and ``b``. No Keras import is needed here: ``get_weights`` and
``set_weights`` are methods of the layer.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _weights_of_built(func: str, layer: Any) -> list[np.ndarray]:
    if not hasattr(layer, "get_weights") or not hasattr(layer, "set_weights"):
        raise ValueError(f"{func}: layer must be a Keras SimpleRNN layer or cell, got {type(layer).__name__}")
    weights = layer.get_weights()
    if not getattr(layer, "built", bool(weights)) or not weights:
        raise ValueError(
            f"{func}: layer {getattr(layer, 'name', '')!r} is not built; call it on an input or "
            "call layer.build((None, T, D)) first"
        )
    if len(weights) not in (2, 3):
        raise ValueError(
            f"{func}: expected a SimpleRNN with 2 or 3 weights (kernel, recurrent_kernel[, bias]), "
            f"got {len(weights)} with shapes {[w.shape for w in weights]}"
        )
    return weights


def simple_rnn_weights(layer: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read a built Keras ``SimpleRNN`` (or ``SimpleRNNCell``) as reference parameters.

    Args:
        layer: a built ``keras.layers.SimpleRNN`` or ``SimpleRNNCell``.

    Returns:
        W (D, H), U (H, H), b (H,) as NumPy arrays (copies); b is zeros when the layer has
        ``use_bias=False``.
    """
    weights = _weights_of_built("simple_rnn_weights", layer)
    W, U = (np.array(w) for w in weights[:2])
    b = np.array(weights[2]) if len(weights) == 3 else np.zeros(W.shape[1], dtype=W.dtype)
    return W, U, b


def set_simple_rnn_weights(layer: Any, W: np.ndarray, U: np.ndarray, b: np.ndarray) -> None:
    """Load reference parameters into a built Keras ``SimpleRNN`` (or ``SimpleRNNCell``).

    Args:
        layer: a built ``keras.layers.SimpleRNN`` or ``SimpleRNNCell``.
        W: input weights, shape (D, H), matching the layer's kernel.
        U: recurrent weights, shape (H, H).
        b: bias, shape (H,); must be all zeros when the layer has ``use_bias=False``.

    Raises:
        ValueError: when a shape differs from the layer's, naming the argument, the expected
            and the received shape.
    """
    func = "set_simple_rnn_weights"
    current = _weights_of_built(func, layer)
    D, H = current[0].shape
    given = {"W": np.asarray(W), "U": np.asarray(U), "b": np.asarray(b)}
    expected = {"W": ((D, H), "(D, H)"), "U": ((H, H), "(H, H)"), "b": ((H,), "(H,)")}
    for name, array in given.items():
        shape, symbols = expected[name]
        if array.shape != shape:
            raise ValueError(f"{func}: {name} must have shape {symbols} = {shape} to match the layer, "
                             f"got {array.shape}")
        if not np.issubdtype(array.dtype, np.floating):
            raise ValueError(f"{func}: {name} must be a float array, got {array.dtype}")
    dtype = current[0].dtype
    new = [given["W"].astype(dtype), given["U"].astype(dtype)]
    if len(current) == 3:
        new.append(given["b"].astype(dtype))
    elif np.any(given["b"] != 0):
        raise ValueError(f"{func}: the layer has use_bias=False, so b must be all zeros")
    layer.set_weights(new)
