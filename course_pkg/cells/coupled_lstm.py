"""The coupled-gate LSTM cell (Greff et al., 2017), written with ``keras.ops`` only.

The input gate is tied to the forget gate, i_t = 1 - f_t: the cell lets in exactly as much as it
forgets (what the GRU's update gate does). The i block disappears from the weights::

    a_f, a_c, a_o = x_t @ kernel + h_{t-1} @ recurrent_kernel + bias       blocks f, c, o
    f_t = sigmoid(a_f)
    i_t = 1 - f_t
    g_t = tanh(a_c)
    c_t = f_t * c_{t-1} + i_t * g_t
    o_t = sigmoid(a_o)
    h_t = o_t * tanh(c_t)

These are the equations of ``course_pkg.reference.lstm`` with ``LSTMVariant(coupled=True)``:
kernel (D, 3H), recurrent_kernel (H, 3H), bias (3H,) are its W, U, b, blocks f, c, o.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from course_pkg.reference.lstm_variants import LSTMVariant

from ._recurrent_cell import LSTMCellBase


@keras.saving.register_keras_serializable(package="course_pkg")
class CoupledLSTMCell(LSTMCellBase):
    """An LSTM cell with coupled input and forget gates, i = 1 - f (three gate blocks).

    Use it inside ``keras.layers.RNN`` (and ``Bidirectional``); it keeps its variables in the
    variable dtype and computes in the compute dtype, so mixed precision works.

    Args:
        units: H, the number of hidden units (a positive integer).
        kernel_initializer: initializer of ``kernel`` (D, 3H). Default "glorot_uniform".
        recurrent_initializer: initializer of ``recurrent_kernel`` (H, 3H). Default "orthogonal".
        bias_initializer: initializer of ``bias`` (3H,), blocks f, c, o. Default "zeros".
        unit_forget_bias: start the forget block of the bias at one (so i starts near 0.27).
            Default True.
        **kwargs: ``keras.layers.Layer`` arguments (``name``, ``dtype``, ``trainable``).

    Call arguments:
        inputs: x_t, shape (N, D).
        states: ``[h_{t-1}, c_{t-1}]``, each (N, H).
        training: unused (the cell has no dropout); accepted for the ``RNN`` layer.

    Returns:
        ``(h_t, [h_t, c_t])``, each (N, H).

    Example:
        >>> import numpy as np, keras
        >>> cell = CoupledLSTMCell(5)
        >>> y = keras.layers.RNN(cell)(np.ones((2, 7, 3), dtype="float32"))
        >>> tuple(y.shape), tuple(cell.kernel.shape)
        ((2, 5), (3, 15))
    """

    gate_blocks = ("f", "c", "o")
    reference_param_names = ("W", "U", "b")
    reference_variant = LSTMVariant(coupled=True)

    def call(self, inputs: Any, states: Any, training: bool | None = None) -> tuple[Any, list[Any]]:
        h_prev, c_prev = states[0], states[1]
        a_f, a_c, a_o = self.pre_activations(inputs, h_prev)
        f = ops.sigmoid(a_f)
        i = 1.0 - f
        g = ops.tanh(a_c)
        c = f * c_prev + i * g
        o = ops.sigmoid(a_o)
        h = o * ops.tanh(c)
        return h, [h, c]
