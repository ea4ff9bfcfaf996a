"""Activations and their derivatives, shared by every reference cell (RNN, LSTM, GRU).

Each derivative is written from the activation's *output* ``y = f(a)``, the value the forward
pass saves anyway: ``tanh'(a) = 1 - y**2``, ``sigmoid'(a) = y * (1 - y)``. Backward passes
therefore never need the pre-activation ``a``.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np


def tanh(a: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent, elementwise."""
    return np.tanh(a)


def tanh_derivative(y: np.ndarray) -> np.ndarray:
    """d tanh(a) / da written from the output y = tanh(a): 1 - y**2."""
    return 1.0 - y * y


def sigmoid(a: np.ndarray) -> np.ndarray:
    """Logistic sigmoid 1 / (1 + exp(-a)), computed as (1 + tanh(a/2)) / 2 (no overflow)."""
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def sigmoid_derivative(y: np.ndarray) -> np.ndarray:
    """d sigmoid(a) / da written from the output y = sigmoid(a): y * (1 - y)."""
    return y * (1.0 - y)


def identity(a: np.ndarray) -> np.ndarray:
    """The identity (a linear RNN, as in the lectures' worked example)."""
    return a


def identity_derivative(y: np.ndarray) -> np.ndarray:
    """d a / da = 1."""
    return np.ones_like(y)


def relu(a: np.ndarray) -> np.ndarray:
    """max(a, 0), elementwise."""
    return np.maximum(a, 0)


def relu_derivative(y: np.ndarray) -> np.ndarray:
    """1 where the output y = relu(a) is positive, else 0."""
    return (y > 0).astype(y.dtype)


class Activation(NamedTuple):
    """An activation function with its derivative written from its output."""

    name: str
    forward: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray], np.ndarray]


ACTIVATIONS: dict[str, Activation] = {
    "tanh": Activation("tanh", tanh, tanh_derivative),
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_derivative),
    "identity": Activation("identity", identity, identity_derivative),
    "relu": Activation("relu", relu, relu_derivative),
}


def get_activation(name: str, func: str = "get_activation") -> Activation:
    """Look up an activation by name ("tanh", "sigmoid", "identity" or "relu")."""
    if name not in ACTIVATIONS:
        raise ValueError(f"{func}: activation must be one of {sorted(ACTIVATIONS)}, got {name!r}")
    return ACTIVATIONS[name]


def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax along ``axis``, shifted by the maximum so that exp never overflows."""
    shifted = logits - logits.max(axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """log(softmax(logits)) computed without forming the softmax (stable for large logits)."""
    shifted = logits - logits.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
