"""Move weights between this package's Keras cells and the NumPy reference.

The cells (``ElmanCell``, ``PeepholeLSTMCell``, ``CoupledLSTMCell``) create their weights in the
order of their ``reference_param_names``, with the reference's layout, so the mapping is one to
one::

    kernel, recurrent_kernel, bias, p_i, p_f, p_o   <->   W, U, b, p_i, p_f, p_o

Each function takes a cell, a ``keras.layers.RNN`` wrapping one, or a ``Bidirectional`` of such
an RNN (then parameters are ``{"forward": ..., "backward": ...}``, as in
``course_pkg.reference.bidirectional_forward``). Like the other converters, this module does not
import Keras: cells are recognised by class name and weights move through ``get_weights`` /
``set_weights``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course_pkg.reference.wrappers import Bidirectional, LSTMCell, RNNCell

from .lstm_gru_converters import _check_layer, _kind

CELL_KINDS = ("Elman", "PeepholeLSTM", "CoupledLSTM")     # class names without "Cell"


def _cell(func: str, layer: Any) -> Any:
    """The cell itself, of a cell or of an ``RNN`` layer wrapping one; checked and built."""
    cell = layer.cell if _kind(layer) == "RNN" else layer
    _check_layer(func, cell, CELL_KINDS)
    return cell


def _one_params(func: str, layer: Any) -> dict[str, np.ndarray]:
    cell = _cell(func, layer)
    return {name: np.array(w) for name, w in zip(cell.reference_param_names, cell.get_weights())}


def _set_one(func: str, layer: Any, params: dict[str, np.ndarray]) -> None:
    cell = _cell(func, layer)
    names = cell.reference_param_names
    if not isinstance(params, dict) or set(params) != set(names):
        got = sorted(params) if isinstance(params, dict) else type(params).__name__
        raise ValueError(f"{func}: params of {type(cell).__name__} must have keys {list(names)}, "
                         f"got {got}")
    current = cell.get_weights()
    new = []
    for name, weight in zip(names, current):
        array = np.asarray(params[name])
        if array.shape != weight.shape:
            raise ValueError(f"{func}: {name} must have shape {weight.shape} to match "
                             f"{type(cell).__name__} {cell.name!r}, got {array.shape}")
        if not np.issubdtype(array.dtype, np.floating):
            raise ValueError(f"{func}: {name} must be a float array, got {array.dtype}")
        new.append(array.astype(weight.dtype))
    cell.set_weights(new)


def cell_params(layer: Any) -> dict:
    """Read a built cell of this package (or an RNN / Bidirectional of one) as reference params.

    Args:
        layer: a built ``ElmanCell``, ``PeepholeLSTMCell`` or ``CoupledLSTMCell``, a
            ``keras.layers.RNN`` of one, or a ``keras.layers.Bidirectional`` of such an RNN.

    Returns:
        ``{"W": (D, G*H), "U": (H, G*H), "b": (G*H,)}`` plus ``p_i``, ``p_f``, ``p_o`` (H,) for
        the peephole cell (G = 1, 4 or 3); ``{"forward": ..., "backward": ...}`` for a
        Bidirectional layer. Copies, as NumPy arrays.
    """
    func = "cell_params"
    if _kind(layer) == "Bidirectional":
        return {"forward": _one_params(func, layer.forward_layer),
                "backward": _one_params(func, layer.backward_layer)}
    return _one_params(func, layer)


def set_cell_params(layer: Any, params: dict) -> None:
    """Load reference params into a built cell of this package (or an RNN / Bidirectional of one).

    Args:
        layer: as for ``cell_params``.
        params: the cell's parameter dict (keys ``reference_param_names``), or
            ``{"forward": ..., "backward": ...}`` for a Bidirectional layer.

    Raises:
        ValueError: a key is missing or extra, or a shape differs from the cell's (naming the
            parameter, the expected and the received shape).
    """
    func = "set_cell_params"
    if _kind(layer) == "Bidirectional":
        if not isinstance(params, dict) or set(params) != {"forward", "backward"}:
            got = sorted(params) if isinstance(params, dict) else type(params).__name__
            raise ValueError(f"{func}: params must be a dict with keys ['backward', 'forward'], "
                             f"got {got}")
        _set_one(func, layer.forward_layer, params["forward"])
        _set_one(func, layer.backward_layer, params["backward"])
    else:
        _set_one(func, layer, params)


def cell_reference(layer: Any) -> RNNCell | LSTMCell | Bidirectional:
    """The reference cell (or bidirectional layer) that computes what ``layer`` computes.

    Returns:
        ``RNNCell(activation)`` for an ``ElmanCell``, ``LSTMCell(variant)`` for the LSTM cells
        (``LSTMVariant(peephole=True)`` or ``LSTMVariant(coupled=True)``), wrapped in the
        reference ``Bidirectional`` with the same merge mode for a Bidirectional layer.
    """
    func = "cell_reference"
    if _kind(layer) == "Bidirectional":
        return Bidirectional(cell_reference(layer.forward_layer), layer.merge_mode)
    cell = _cell(func, layer)
    if _kind(cell) == "Elman":
        return RNNCell(activation=cell.activation)
    return LSTMCell(variant=cell.reference_variant)
