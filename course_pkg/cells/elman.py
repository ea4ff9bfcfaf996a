"""The Elman (vanilla) RNN cell with a choice of activation, written with ``keras.ops`` only.

    h_t = f(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)      kernel (D, H),
                                                                   recurrent_kernel (H, H), bias (H,)

with f one of the reference's activations: "tanh" (default), "sigmoid", "relu", or "identity"
(the lectures' linear RNN). These are ``course_pkg.reference.rnn``'s equations; kernel,
recurrent_kernel and bias are its W, U and b.
"""

from __future__ import annotations

from typing import Any, Callable

import keras
from keras import ops

from ._recurrent_cell import RecurrentCell

#: The activations, by the names ``course_pkg.reference.activations`` uses.
ELMAN_ACTIVATIONS: dict[str, Callable[[Any], Any]] = {
    "identity": lambda a: a,
    "relu": ops.relu,
    "sigmoid": ops.sigmoid,
    "tanh": ops.tanh,
}


@keras.saving.register_keras_serializable(package="course_pkg")
class ElmanCell(RecurrentCell):
    """The Elman RNN cell, h_t = f(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias).

    Use it inside ``keras.layers.RNN`` (and ``Bidirectional``); it keeps its variables in the
    variable dtype and computes in the compute dtype, so mixed precision works.

    Args:
        units: H, the number of hidden units (a positive integer).
        activation: "tanh" (default), "sigmoid", "relu" or "identity".
        kernel_initializer: initializer of ``kernel`` (D, H). Default "glorot_uniform".
        recurrent_initializer: initializer of ``recurrent_kernel`` (H, H). Default "orthogonal".
        bias_initializer: initializer of ``bias`` (H,). Default "zeros".
        **kwargs: ``keras.layers.Layer`` arguments (``name``, ``dtype``, ``trainable``).

    Call arguments:
        inputs: x_t, shape (N, D).
        states: ``[h_{t-1}]``, (N, H) (a bare array is accepted too).
        training: unused (the cell has no dropout); accepted for the ``RNN`` layer.

    Returns:
        ``(h_t, [h_t])``, h_t (N, H).

    Example:
        >>> import numpy as np, keras
        >>> layer = keras.layers.RNN(ElmanCell(5, activation="identity"), return_state=True)
        >>> y, h = layer(np.ones((2, 7, 3), dtype="float32"))
        >>> tuple(y.shape), tuple(h.shape)
        ((2, 5), (2, 5))
    """

    gate_blocks = ("h",)
    reference_param_names = ("W", "U", "b")

    def __init__(self, units: int, activation: str = "tanh", **kwargs: Any) -> None:
        if activation not in ELMAN_ACTIVATIONS:
            raise ValueError(f"{type(self).__name__}: argument activation expected one of "
                             f"{sorted(ELMAN_ACTIVATIONS)}, got {activation!r}")
        super().__init__(units, **kwargs)
        self.activation = activation

    def call(self, inputs: Any, states: Any, training: bool | None = None) -> tuple[Any, list[Any]]:
        h_prev = states[0] if isinstance(states, (list, tuple)) else states
        (a,) = self.pre_activations(inputs, h_prev)
        h = ELMAN_ACTIVATIONS[self.activation](a)
        return h, [h]

    def get_config(self) -> dict[str, Any]:
        """Every constructor argument (see ``Args``) and the ``Layer`` ones."""
        return {**super().get_config(), "activation": self.activation}
