"""Move weights between Keras ``LSTM``, ``GRU``, ``SimpleRNN``, ``Bidirectional`` layers (and
stacks of them) and the NumPy reference.

Keras stores what the reference calls W, U, b, in the same layout:

- ``LSTM``: kernel (D, 4H), recurrent_kernel (H, 4H), bias (4H,), blocks i, f, c, o.
- ``GRU``: kernel (D, 3H), recurrent_kernel (H, 3H), blocks z, r, h; bias (2, 3H) (input and
  recurrent biases) with ``reset_after=True``, (3H,) with ``reset_after=False``.
- ``Bidirectional``: the forward layer's weights, then the backward layer's.

``reference_layers(model)`` also reads the *structure* of a Keras model (its recurrent layers,
their kinds and merge modes) as the ``course_pkg.reference.wrappers`` layers that compute the
same function, so that ``stacked_forward(reference_layers(m), x, model_params(m))`` reproduces
``m(x)``. No Keras import happens here: layers are recognised by class name, and weights move
through ``get_weights`` / ``set_weights``.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from course_pkg.reference.wrappers import Bidirectional, GRUCell, LSTMCell, RNNCell

RECURRENT = ("SimpleRNN", "LSTM", "GRU")
# Layers with no weights that the reference needs (Dropout: the identity at inference, which is
# what the reference computes; it sits between the layers of PyTorch's nn.LSTM(dropout=p)).
SKIPPED = ("InputLayer", "Masking", "Dropout")


def _kind(layer: Any) -> str:
    return type(layer).__name__.removesuffix("Cell")


def _activation_name(fn: Any) -> str:
    return getattr(fn, "__name__", str(fn))


def _check_layer(func: str, layer: Any, kinds: Sequence[str]) -> str:
    kind = _kind(layer)
    if kind not in kinds or not hasattr(layer, "get_weights"):
        raise ValueError(f"{func}: layer must be a Keras {' or '.join(kinds)} layer, got "
                         f"{type(layer).__name__}")
    if not layer.built or not layer.get_weights():
        raise ValueError(f"{func}: layer {getattr(layer, 'name', '')!r} is not built; call it on an "
                         "input or call layer.build((None, T, D)) first")
    return kind


def _check_supported(func: str, layer: Any, kind: str) -> None:
    """The reference computes tanh / sigmoid cells with a bias: refuse anything else."""
    cell = getattr(layer, "cell", layer)
    activation = _activation_name(cell.activation)
    if activation != "tanh" and kind != "SimpleRNN":
        raise ValueError(f"{func}: the reference {kind} uses activation='tanh', got {activation!r}")
    recurrent = getattr(cell, "recurrent_activation", None)
    if recurrent is not None and _activation_name(recurrent) != "sigmoid":
        raise ValueError(f"{func}: the reference {kind} uses recurrent_activation='sigmoid', got "
                         f"{_activation_name(recurrent)!r}")
    if not getattr(cell, "use_bias", True):
        raise ValueError(f"{func}: the reference {kind} has a bias; layer {layer.name!r} has "
                         "use_bias=False")


def _bias_shape(kind: str, layer: Any, H: int) -> tuple[int, ...]:
    if kind == "LSTM":
        return (4 * H,)
    if kind == "GRU":
        return (2, 3 * H) if getattr(layer, "cell", layer).reset_after else (3 * H,)
    return (H,)


def recurrent_params(layer: Any) -> dict[str, np.ndarray]:
    """Read a built Keras ``SimpleRNN``, ``LSTM`` or ``GRU`` (or its cell) as reference params.

    Returns:
        ``{"W": (D, G*H), "U": (H, G*H), "b": ...}`` (copies), G = 1, 4 or 3; b is (2, 3H) for a
        GRU with ``reset_after=True``.
    """
    func = "recurrent_params"
    kind = _check_layer(func, layer, RECURRENT)
    _check_supported(func, layer, kind)
    W, U, b = (np.array(w) for w in layer.get_weights())
    return {"W": W, "U": U, "b": b}


def set_recurrent_params(layer: Any, params: dict[str, np.ndarray]) -> None:
    """Load reference params (W, U, b) into a built Keras ``SimpleRNN``, ``LSTM`` or ``GRU``.

    Raises:
        ValueError: a key is missing or a shape differs from the layer's, naming the argument,
            the expected and the received shape.
    """
    func = "set_recurrent_params"
    kind = _check_layer(func, layer, RECURRENT)
    _check_supported(func, layer, kind)
    current = layer.get_weights()
    D, GH = current[0].shape
    H = current[1].shape[0]
    G = GH // H
    gh = f"{G}H" if G > 1 else "H"
    expected = {"W": ((D, GH), f"(D, {gh})"), "U": ((H, GH), f"(H, {gh})")}
    b_shape = _bias_shape(kind, layer, H)
    expected["b"] = (b_shape, "(2, 3H)" if len(b_shape) == 2 else f"({gh},)")
    missing = [k for k in expected if k not in params]
    if missing:
        raise ValueError(f"{func}: params must have keys ['W', 'U', 'b'], missing {missing}")
    new = []
    for name, (shape, symbols) in expected.items():
        array = np.asarray(params[name])
        if array.shape != shape:
            note = ""
            if kind == "GRU" and name == "b":
                note = f" (the layer has reset_after={getattr(layer, 'cell', layer).reset_after})"
            raise ValueError(f"{func}: {name} must have shape {symbols} = {shape} to match the "
                             f"{kind} layer {layer.name!r}, got {array.shape}{note}")
        new.append(array.astype(current[0].dtype))
    layer.set_weights(new)


def lstm_weights(layer: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """W (D, 4H), U (H, 4H), b (4H,) of a built Keras ``LSTM`` (blocks i, f, c, o)."""
    _check_layer("lstm_weights", layer, ("LSTM",))
    p = recurrent_params(layer)
    return p["W"], p["U"], p["b"]


def set_lstm_weights(layer: Any, W: np.ndarray, U: np.ndarray, b: np.ndarray) -> None:
    """Load W (D, 4H), U (H, 4H), b (4H,) into a built Keras ``LSTM``."""
    _check_layer("set_lstm_weights", layer, ("LSTM",))
    set_recurrent_params(layer, {"W": W, "U": U, "b": b})


def gru_weights(layer: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """W (D, 3H), U (H, 3H), b ((2, 3H) with reset_after, else (3H,)) of a built Keras ``GRU``."""
    _check_layer("gru_weights", layer, ("GRU",))
    p = recurrent_params(layer)
    return p["W"], p["U"], p["b"]


def set_gru_weights(layer: Any, W: np.ndarray, U: np.ndarray, b: np.ndarray) -> None:
    """Load W (D, 3H), U (H, 3H), b into a built Keras ``GRU`` (b shaped for its reset_after)."""
    _check_layer("set_gru_weights", layer, ("GRU",))
    set_recurrent_params(layer, {"W": W, "U": U, "b": b})


def reference_cell(layer: Any) -> RNNCell | LSTMCell | GRUCell:
    """The reference cell that computes what a Keras ``SimpleRNN``, ``LSTM`` or ``GRU`` computes."""
    func = "reference_cell"
    kind = _check_layer(func, layer, RECURRENT)
    _check_supported(func, layer, kind)
    cell = getattr(layer, "cell", layer)
    if kind == "LSTM":
        return LSTMCell()
    if kind == "GRU":
        return GRUCell(reset_after=bool(cell.reset_after))
    return RNNCell(activation=_activation_name(cell.activation).replace("linear", "identity"))


def _layer_params(func: str, layer: Any) -> dict:
    if _kind(layer) == "Bidirectional":
        return {"forward": recurrent_params(layer.forward_layer),
                "backward": recurrent_params(layer.backward_layer)}
    _check_layer(func, layer, RECURRENT + ("Bidirectional",))
    return recurrent_params(layer)


def bidirectional_params(layer: Any) -> dict[str, dict[str, np.ndarray]]:
    """``{"forward": params, "backward": params}`` of a built Keras ``Bidirectional`` layer."""
    _check_layer("bidirectional_params", layer, ("Bidirectional",))
    return _layer_params("bidirectional_params", layer)


def set_bidirectional_params(layer: Any, params: dict[str, dict[str, np.ndarray]]) -> None:
    """Load ``{"forward": params, "backward": params}`` into a built Keras ``Bidirectional``."""
    func = "set_bidirectional_params"
    _check_layer(func, layer, ("Bidirectional",))
    if not isinstance(params, dict) or set(params) != {"forward", "backward"}:
        raise ValueError(f"{func}: params must be a dict with keys ['backward', 'forward'], got "
                         f"{sorted(params) if isinstance(params, dict) else type(params).__name__}")
    set_recurrent_params(layer.forward_layer, params["forward"])
    set_recurrent_params(layer.backward_layer, params["backward"])


def _recurrent_layers(func: str, model: Any) -> list:
    layers = list(getattr(model, "layers", [model]))
    found = []
    for layer in layers:
        kind = _kind(layer)
        if kind in SKIPPED:
            continue
        if kind not in RECURRENT + ("Bidirectional",):
            raise ValueError(f"{func}: the reference covers SimpleRNN, LSTM, GRU, Bidirectional, "
                             f"Masking and Dropout layers; layer {layer.name!r} is a {type(layer).__name__}")
        found.append(layer)
    if not found:
        raise ValueError(f"{func}: model has no recurrent layer")
    return found


def reference_layers(model: Any) -> list[RNNCell | LSTMCell | GRUCell | Bidirectional]:
    """The reference layers (for ``stacked_forward``) of a Keras model's recurrent layers.

    Args:
        model: a ``keras.Sequential`` (or any object with ``.layers``) of SimpleRNN, LSTM, GRU,
            Bidirectional, Masking and Input layers, or a single such layer.

    Returns:
        One ``RNNCell`` / ``LSTMCell`` / ``GRUCell`` / ``Bidirectional`` per recurrent layer.
    """
    func = "reference_layers"
    out = []
    for layer in _recurrent_layers(func, model):
        if _kind(layer) == "Bidirectional":
            if layer.merge_mode not in ("concat", "sum", "ave", "mul"):
                raise ValueError(f"{func}: Bidirectional merge_mode must be concat, sum, ave or mul, "
                                 f"got {layer.merge_mode!r}")
            out.append(Bidirectional(reference_cell(layer.forward_layer), layer.merge_mode))
        else:
            out.append(reference_cell(layer))
    return out


def model_params(model: Any) -> list[dict]:
    """The parameters of every recurrent layer of a Keras model, in order (see ``reference_layers``)."""
    return [_layer_params("model_params", layer) for layer in _recurrent_layers("model_params", model)]


def set_model_params(model: Any, params: Sequence[dict]) -> None:
    """Load one parameter dict per recurrent layer into a built Keras model."""
    func = "set_model_params"
    layers = _recurrent_layers(func, model)
    if len(params) != len(layers):
        raise ValueError(f"{func}: params must hold one dict per recurrent layer ({len(layers)}), "
                         f"got {len(params)}")
    for layer, p in zip(layers, params):
        if _kind(layer) == "Bidirectional":
            set_bidirectional_params(layer, p)
        else:
            set_recurrent_params(layer, p)
