"""Any LSTM of Greff et al.'s study (2017) in one cell, written with ``keras.ops`` only.

``VariantLSTMCell`` takes the four switches of ``course_pkg.reference.LSTMVariant`` and computes
``lstm_variant_forward`` of that variant: the blocks that remain keep the order i, f, c, o::

    a_i, a_f, a_c, a_o = x_t @ kernel + h_{t-1} @ recurrent_kernel + bias   (blocks present only)
    i_t = sigmoid(a_i + p_i * c_{t-1})        coupled: i_t = 1 - f_t
    f_t = sigmoid(a_f + p_f * c_{t-1})        forget_gate=False: f_t = 1
    g_t = tanh(a_c)
    c_t = f_t * c_{t-1} + i_t * g_t
    o_t = sigmoid(a_o + p_o * c_t)            output_gate=False: o_t = 1
    h_t = o_t * tanh(c_t)

(the ``p_*`` terms only with ``peephole=True``). ``PeepholeLSTMCell`` and ``CoupledLSTMCell`` are
two of these variants written out; this cell adds the two ablations they do not cover, the LSTM
without a forget gate (the LSTM of 1997) and without an output gate, and their combinations with
peepholes and coupling. With every switch at its default it computes what ``keras.layers.LSTM``
computes.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from course_pkg.reference.lstm_variants import LSTMVariant

from ._recurrent_cell import LSTMCellBase


@keras.saving.register_keras_serializable(package="course_pkg")
class VariantLSTMCell(LSTMCellBase):
    """An LSTM cell with Greff et al.'s switches: peepholes, coupled gates, no forget/output gate.

    Use it inside ``keras.layers.RNN`` (and ``Bidirectional``); it keeps its variables in the
    variable dtype and computes in the compute dtype, so mixed precision works.

    Args:
        units: H, the number of hidden units (a positive integer).
        peephole: the gates also see the cell state through vectors ``p_*`` (H,), one per sigmoid
            gate present. Default False.
        coupled: the input gate is 1 - f (no i block). Default False.
        forget_gate: False removes the forget gate (f = 1; no f block). Default True.
        output_gate: False removes the output gate (o = 1; no o block). Default True.
        kernel_initializer: initializer of ``kernel`` (D, G*H), G = number of blocks.
        recurrent_initializer: initializer of ``recurrent_kernel`` (H, G*H).
        bias_initializer: initializer of ``bias`` (G*H,).
        unit_forget_bias: start the forget block of the bias at one (ignored without a forget
            gate). Default True.
        peephole_initializer: initializer of the peephole vectors. Default "zeros".
        **kwargs: ``keras.layers.Layer`` arguments (``name``, ``dtype``, ``trainable``).

    Call arguments:
        inputs: x_t, shape (N, D).
        states: ``[h_{t-1}, c_{t-1}]``, each (N, H).
        training: unused (the cell has no dropout); accepted for the ``RNN`` layer.

    Returns:
        ``(h_t, [h_t, c_t])``, each (N, H).

    Example:
        >>> import numpy as np, keras
        >>> cell = VariantLSTMCell(5, forget_gate=False)
        >>> y = keras.layers.RNN(cell)(np.ones((2, 7, 3), dtype="float32"))
        >>> tuple(y.shape), cell.gate_blocks, tuple(cell.kernel.shape)
        ((2, 5), ('i', 'c', 'o'), (3, 15))
    """

    def __init__(
        self,
        units: int,
        peephole: bool = False,
        coupled: bool = False,
        forget_gate: bool = True,
        output_gate: bool = True,
        peephole_initializer: Any = "zeros",
        **kwargs: Any,
    ) -> None:
        try:
            variant = LSTMVariant(peephole=peephole, coupled=coupled, forget_gate=forget_gate,
                                  output_gate=output_gate)
        except ValueError as error:
            raise ValueError(str(error).replace("LSTMVariant", "VariantLSTMCell")) from None
        super().__init__(units, **kwargs)
        self.reference_variant = variant
        self.gate_blocks = variant.gates
        self.reference_param_names = variant.param_names
        self.peephole_initializer = keras.initializers.get(peephole_initializer)

    def build(self, input_shape) -> None:
        """Create kernel (D, G*H), recurrent_kernel (H, G*H), bias (G*H,), then the peepholes."""
        super().build(input_shape)
        self.peepholes = {
            name: self.add_weight(shape=(self.units,), name=name,
                                  initializer=self.peephole_initializer)
            for name in self.reference_variant.peepholes
        }

    def call(self, inputs: Any, states: Any, training: bool | None = None) -> tuple[Any, list[Any]]:
        h_prev, c_prev = states[0], states[1]
        a = dict(zip(self.gate_blocks, self.pre_activations(inputs, h_prev)))
        p = self.peepholes
        f = ops.sigmoid(a["f"] + p["p_f"] * c_prev if "p_f" in p else a["f"]) if "f" in a else None
        if "i" in a:
            i = ops.sigmoid(a["i"] + p["p_i"] * c_prev if "p_i" in p else a["i"])
        else:
            i = 1.0 - f                                     # coupled: i_t = 1 - f_t
        g = ops.tanh(a["c"])
        c = (f * c_prev if f is not None else c_prev) + i * g
        h = ops.tanh(c)
        if "o" in a:
            o = ops.sigmoid(a["o"] + p["p_o"] * c if "p_o" in p else a["o"])
            h = o * h
        return h, [h, c]

    def get_config(self) -> dict[str, Any]:
        """Every constructor argument (see ``Args``) and the ``Layer`` ones."""
        v = self.reference_variant
        return {**super().get_config(), "peephole": v.peephole, "coupled": v.coupled,
                "forget_gate": v.forget_gate, "output_gate": v.output_gate,
                "peephole_initializer": keras.initializers.serialize(self.peephole_initializer)}
