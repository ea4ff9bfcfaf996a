"""The peephole LSTM cell (Gers and Schmidhuber, 2000), written with ``keras.ops`` only.

The gates also look at the cell state, each through a vector of H weights multiplied
elementwise: the input and forget gates see c_{t-1}, the output gate sees the new c_t::

    a_i, a_f, a_c, a_o = x_t @ kernel + h_{t-1} @ recurrent_kernel + bias      blocks i, f, c, o
    i_t = sigmoid(a_i + p_i * c_{t-1})
    f_t = sigmoid(a_f + p_f * c_{t-1})
    g_t = tanh(a_c)
    c_t = f_t * c_{t-1} + i_t * g_t
    o_t = sigmoid(a_o + p_o * c_t)
    h_t = o_t * tanh(c_t)

These are the equations of ``course_pkg.reference.lstm`` with ``LSTMVariant(peephole=True)``,
with the same names: kernel, recurrent_kernel, bias, p_i, p_f, p_o are its W, U, b, p_i, p_f, p_o.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from course_pkg.reference.lstm_variants import LSTMVariant

from ._recurrent_cell import LSTMCellBase


@keras.saving.register_keras_serializable(package="course_pkg")
class PeepholeLSTMCell(LSTMCellBase):
    """An LSTM cell whose gates also see the cell state (peephole connections).

    Use it inside ``keras.layers.RNN`` (and ``Bidirectional``); it keeps its variables in the
    variable dtype and computes in the compute dtype, so mixed precision works.

    Args:
        units: H, the number of hidden units (a positive integer).
        kernel_initializer: initializer of ``kernel`` (D, 4H). Default "glorot_uniform".
        recurrent_initializer: initializer of ``recurrent_kernel`` (H, 4H). Default "orthogonal".
        bias_initializer: initializer of ``bias`` (4H,), blocks i, f, c, o. Default "zeros".
        unit_forget_bias: start the forget block of the bias at one. Default True.
        peephole_initializer: initializer of ``p_i``, ``p_f``, ``p_o`` (H,). Default "zeros":
            a fresh cell computes what a plain LSTM computes.
        **kwargs: ``keras.layers.Layer`` arguments (``name``, ``dtype``, ``trainable``).

    Call arguments:
        inputs: x_t, shape (N, D).
        states: ``[h_{t-1}, c_{t-1}]``, each (N, H).
        training: unused (the cell has no dropout); accepted for the ``RNN`` layer.

    Returns:
        ``(h_t, [h_t, c_t])``, each (N, H).

    Example:
        >>> import numpy as np, keras
        >>> layer = keras.layers.RNN(PeepholeLSTMCell(5), return_sequences=True)
        >>> tuple(layer(np.ones((2, 7, 3), dtype="float32")).shape)
        (2, 7, 5)
    """

    gate_blocks = ("i", "f", "c", "o")
    reference_param_names = ("W", "U", "b", "p_i", "p_f", "p_o")
    reference_variant = LSTMVariant(peephole=True)

    def __init__(self, units: int, peephole_initializer: Any = "zeros", **kwargs: Any) -> None:
        super().__init__(units, **kwargs)
        self.peephole_initializer = keras.initializers.get(peephole_initializer)

    def build(self, input_shape) -> None:
        """Create kernel (D, 4H), recurrent_kernel (H, 4H), bias (4H,), then p_i, p_f, p_o (H,)."""
        super().build(input_shape)
        for name in ("p_i", "p_f", "p_o"):
            setattr(self, name, self.add_weight(shape=(self.units,), name=name,
                                                initializer=self.peephole_initializer))

    def call(self, inputs: Any, states: Any, training: bool | None = None) -> tuple[Any, list[Any]]:
        h_prev, c_prev = states[0], states[1]
        a_i, a_f, a_c, a_o = self.pre_activations(inputs, h_prev)
        i = ops.sigmoid(a_i + self.p_i * c_prev)
        f = ops.sigmoid(a_f + self.p_f * c_prev)
        g = ops.tanh(a_c)
        c = f * c_prev + i * g
        o = ops.sigmoid(a_o + self.p_o * c)
        h = o * ops.tanh(c)
        return h, [h, c]

    def get_config(self) -> dict[str, Any]:
        """Every constructor argument (see ``Args``) and the ``Layer`` ones."""
        return {**super().get_config(),
                "peephole_initializer": keras.initializers.serialize(self.peephole_initializer)}
