"""What the Keras cells of this package share: door checks, weights, the gate pre-activations.

Every cell here computes its gates from one pre-activation, in the reference's layout::

    a_t = x_t @ kernel + h_{t-1} @ recurrent_kernel + bias      kernel (D, G*H),
                                                                recurrent_kernel (H, G*H), bias (G*H,)

split into G blocks of H columns, named by ``gate_blocks`` (Keras order: i, f, c, o for the
LSTM; f, c, o for the coupled LSTM; one block for the Elman cell). The cells differ only in what
they do with the blocks, which each cell's ``call`` spells out. Weights are created in the order
of ``reference_param_names`` (W, U, b, then any peephole vectors), so that ``get_weights()`` is
the reference's parameter dict, in order.

This module imports Keras; ``course_pkg.cells`` imports it only when a cell class is asked for.
"""

from __future__ import annotations

from typing import Any, Sequence

import keras
import numpy as np
from keras import ops


def check_units(owner: str, units: Any) -> int:
    """The number of hidden units H: a positive integer (not a bool)."""
    if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units <= 0:
        raise ValueError(f"{owner}: argument units expected a positive integer, got {units!r}")
    return int(units)


def check_input_shape(owner: str, input_shape: Sequence[int | None]) -> int:
    """The input size D from a cell's input shape (N, D), which must be known."""
    shape = tuple(input_shape)
    if len(shape) < 2 or shape[-1] is None:
        raise ValueError(f"{owner}: inputs must have shape (N, D) with a known D, got {shape}")
    return int(shape[-1])


class RecurrentCell(keras.layers.Layer):
    """Base of the cells: H units, the weights kernel / recurrent_kernel / bias, their config.

    Subclasses set ``gate_blocks`` (the names of the G blocks), ``reference_param_names`` and,
    for the LSTMs, use ``LSTMCellBase``. Not meant to be used on its own.

    Args:
        units: H, the number of hidden units (a positive integer).
        kernel_initializer: initializer of ``kernel`` (D, G*H).
        recurrent_initializer: initializer of ``recurrent_kernel`` (H, G*H).
        bias_initializer: initializer of ``bias`` (G*H,).
        **kwargs: ``keras.layers.Layer`` arguments (``name``, ``dtype``, ``trainable``).
    """

    gate_blocks: tuple[str, ...] = ()
    reference_param_names: tuple[str, ...] = ("W", "U", "b")

    def __init__(
        self,
        units: int,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
        **kwargs: Any,
    ) -> None:
        units = check_units(type(self).__name__, units)
        super().__init__(**kwargs)
        self.units = units
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.recurrent_initializer = keras.initializers.get(recurrent_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.state_size: int | list[int] = units
        self.output_size = units

    def _bias_block_initializer(self, block: str) -> Any:
        """The initializer of one block of the bias (overridden by the LSTMs for the forget bias)."""
        return self.bias_initializer

    def build(self, input_shape: Sequence[int | None]) -> None:
        """Create kernel (D, G*H), recurrent_kernel (H, G*H) and bias (G*H,)."""
        D = check_input_shape(type(self).__name__, input_shape)
        H, G = self.units, len(self.gate_blocks)
        self.kernel = self.add_weight(shape=(D, G * H), name="kernel",
                                      initializer=self.kernel_initializer)
        self.recurrent_kernel = self.add_weight(shape=(H, G * H), name="recurrent_kernel",
                                                initializer=self.recurrent_initializer)
        inits = [self._bias_block_initializer(block) for block in self.gate_blocks]

        def bias_initializer(shape, dtype=None):
            return ops.concatenate([init((H,), dtype=dtype) for init in inits])

        self.bias = self.add_weight(shape=(G * H,), name="bias", initializer=bias_initializer)

    def pre_activations(self, inputs: Any, h_prev: Any) -> list[Any]:
        """The G blocks of x_t @ kernel + h_{t-1} @ recurrent_kernel + bias, each (N, H)."""
        a = ops.matmul(inputs, self.kernel) + ops.matmul(h_prev, self.recurrent_kernel) + self.bias
        if len(self.gate_blocks) == 1:
            return [a]
        return ops.split(a, len(self.gate_blocks), axis=-1)

    def get_initial_state(self, batch_size: int | None = None) -> list[Any]:
        """Zero states, one (N, H) array per state, in the compute dtype."""
        sizes = self.state_size if isinstance(self.state_size, list) else [self.state_size]
        return [ops.zeros((batch_size, size), dtype=self.compute_dtype) for size in sizes]

    def get_config(self) -> dict[str, Any]:
        """Every constructor argument, so that ``from_config`` rebuilds the same cell."""
        config = {
            "units": self.units,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": keras.initializers.serialize(self.recurrent_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
        }
        return {**super().get_config(), **config}


class LSTMCellBase(RecurrentCell):
    """Base of the LSTM cells: two states (h, c) and the forget-gate bias.

    Args:
        units, kernel_initializer, recurrent_initializer, bias_initializer: as ``RecurrentCell``.
        unit_forget_bias: start the forget block of the bias at one (Keras's default), so that
            a fresh cell remembers; the other blocks use ``bias_initializer``.
        **kwargs: ``keras.layers.Layer`` arguments.
    """

    def __init__(self, units: int, unit_forget_bias: bool = True, **kwargs: Any) -> None:
        super().__init__(units, **kwargs)
        if not isinstance(unit_forget_bias, bool):
            raise ValueError(f"{type(self).__name__}: argument unit_forget_bias expected True or "
                             f"False, got {unit_forget_bias!r}")
        self.unit_forget_bias = unit_forget_bias
        self.state_size = [self.units, self.units]

    def _bias_block_initializer(self, block: str) -> Any:
        if block == "f" and self.unit_forget_bias:
            return keras.initializers.Ones()
        return self.bias_initializer

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}
