"""Recurrent layers by name: Keras's SimpleRNN, GRU and LSTM, and the LSTM variants of Greff et al.

``recurrent_layer(kind, units)`` returns one layer reading (N, T, D) and returning h_T (N, H) (or
h (N, T, H) with ``return_sequences=True``). The Keras layers keep their cuDNN-eligible
configuration (tanh / sigmoid activations, no recurrent dropout, ``unroll=False``, biases on,
``reset_after=True`` for the GRU), so that they run on the fused kernel on a GPU.

The LSTM variants are ``keras.layers.RNN`` of ``course_pkg.cells.VariantLSTMCell``; their names
follow Greff et al. (2017), whose baseline ("vanilla") LSTM *has* peepholes:

===================  ==========================================  ==========================
name                 what changes from Greff's vanilla LSTM        cell switches
===================  ==========================================  ==========================
``vanilla``          nothing (peepholes p_i, p_f, p_o)             peephole
``no_peepholes``     no peepholes: the LSTM of Keras               (none)
``no_forget_gate``   f_t = 1, the LSTM of 1997                     peephole, forget_gate=False
``no_output_gate``   o_t = 1, h_t = tanh(c_t)                      peephole, output_gate=False
``coupled``          i_t = 1 - f_t (CIFG)                          peephole, coupled
===================  ==========================================  ==========================

Parameter counts, for input size D and H units: SimpleRNN DH + H^2 + H; LSTM 4(DH + H^2 + H);
GRU (reset_after) 3(DH + H^2 + 2H); a variant with G gate blocks and P peephole vectors
G(DH + H^2 + H) + PH.

Example:
    >>> layer = recurrent_layer("gru", 8)
    >>> type(layer).__name__, layer.reset_after
    ('GRU', True)
"""

from __future__ import annotations

from typing import Any

import keras

from course_pkg.cells import VariantLSTMCell

__all__ = ["KERAS_KINDS", "LSTM_ABLATIONS", "recurrent_layer"]

#: The Keras layers, by name.
KERAS_KINDS = {"simple_rnn": keras.layers.SimpleRNN, "gru": keras.layers.GRU,
               "lstm": keras.layers.LSTM}

#: Greff et al.'s LSTM variants: name -> VariantLSTMCell switches.
LSTM_ABLATIONS: dict[str, dict[str, bool]] = {
    "vanilla": {"peephole": True},
    "no_peepholes": {},
    "no_forget_gate": {"peephole": True, "forget_gate": False},
    "no_output_gate": {"peephole": True, "output_gate": False},
    "coupled": {"peephole": True, "coupled": True},
}


def recurrent_layer(
    kind: str,
    units: int,
    *,
    return_sequences: bool = False,
    unit_forget_bias: bool = True,
    name: str | None = None,
) -> keras.layers.Layer:
    """One recurrent layer by name.

    Args:
        kind: "simple_rnn", "gru", "lstm", or a name of ``LSTM_ABLATIONS``.
        units: H, the number of hidden units (a positive integer).
        return_sequences: return h (N, T, H) instead of h_T (N, H).
        unit_forget_bias: start the forget-gate bias at one (LSTMs only; Keras's default).
        name: the layer's name (default: Keras's).

    Returns:
        A layer mapping (N, T, D) to (N, H), or to (N, T, H) with ``return_sequences``.
    """
    if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
        raise ValueError(f"recurrent_layer: argument units expected a positive integer, got {units!r}")
    if not isinstance(unit_forget_bias, bool):
        raise ValueError(f"recurrent_layer: argument unit_forget_bias expected True or False, "
                         f"got {unit_forget_bias!r}")
    common: dict[str, Any] = {"return_sequences": return_sequences, "name": name}
    if kind == "lstm":
        return keras.layers.LSTM(units, unit_forget_bias=unit_forget_bias, **common)
    if kind in KERAS_KINDS:
        if not unit_forget_bias:
            raise ValueError(f"recurrent_layer: unit_forget_bias=False needs an LSTM, got kind {kind!r}")
        return KERAS_KINDS[kind](units, **common)
    if kind in LSTM_ABLATIONS:
        cell = VariantLSTMCell(units, unit_forget_bias=unit_forget_bias, **LSTM_ABLATIONS[kind])
        return keras.layers.RNN(cell, **common)
    raise ValueError(f"recurrent_layer: argument kind expected one of "
                     f"{sorted(KERAS_KINDS) + list(LSTM_ABLATIONS)}, got {kind!r}")
