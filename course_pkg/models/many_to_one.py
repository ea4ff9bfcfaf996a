"""A many-to-one regressor: one recurrent layer reads the sequence, a Dense layer reads h_T.

This is the model of the adding problem and the other tasks of ``course_pkg.data.synthetic``::

    x (N, T, D) -> recurrent layer -> h_T (N, H) -> Dense(1) -> y_hat (N, 1)

Example:
    >>> model = sequence_regressor("lstm", T=30, D=2, units=16)
    >>> [layer.__class__.__name__ for layer in model.layers], model.count_params()
    (['LSTM', 'Dense'], 1233)
"""

from __future__ import annotations

import keras

from .recurrent_layers import recurrent_layer

__all__ = ["sequence_regressor"]


def sequence_regressor(
    kind: str,
    T: int | None,
    D: int,
    units: int,
    *,
    unit_forget_bias: bool = True,
) -> keras.Model:
    """Build (not compile) a recurrent layer followed by ``Dense(1)``.

    Args:
        kind: the recurrent layer, a name accepted by ``recurrent_layer``.
        T: sequence length, or None for any length.
        D: input size (2 for the synthetic tasks: a value and a marker).
        units: H, hidden units.
        unit_forget_bias: start the LSTM forget-gate bias at one.

    Returns:
        A ``keras.Sequential`` mapping (N, T, D) to (N, 1), with
        ``params(recurrent layer) + H + 1`` parameters.
    """
    if isinstance(D, bool) or not isinstance(D, int) or D <= 0:
        raise ValueError(f"sequence_regressor: argument D expected a positive integer, got {D!r}")
    if T is not None and (isinstance(T, bool) or not isinstance(T, int) or T <= 0):
        raise ValueError(f"sequence_regressor: argument T expected a positive integer or None, got {T!r}")
    return keras.Sequential(
        [keras.Input((T, D)),
         recurrent_layer(kind, units, unit_forget_bias=unit_forget_bias, name=kind),
         keras.layers.Dense(1, name="readout")],
        name=f"{kind}_regressor",
    )
