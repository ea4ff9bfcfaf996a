"""PyTorch's ``nn.RNN``, ``nn.GRU`` and ``nn.LSTM`` weights in Keras's layout, without PyTorch.

PyTorch keeps one module for a stack of layers and names its weights ``weight_ih_l{k}``
(G*H, D_k), ``weight_hh_l{k}`` (G*H, H), ``bias_ih_l{k}`` and ``bias_hh_l{k}`` (G*H,), with the
suffix ``_reverse`` for the backward direction of a bidirectional layer. Gate blocks are stacked
by rows in the order

- ``nn.RNN``: one block, h_t = f(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), f = tanh or relu;
- ``nn.LSTM``: i, f, g, o (Keras: i, f, c, o, the same order);
- ``nn.GRU``: r, z, n (Keras: z, r, h), with n_t = tanh(W_in x_t + b_in + r_t * (W_hn h_{t-1}
  + b_hn)) and h_t = (1 - z_t) * n_t + z_t * h_{t-1}: Keras's ``reset_after=True``.

Keras (and ``course_pkg.reference``) multiplies row vectors: W = weight_ih^T (D, G*H) and
U = weight_hh^T (H, G*H). The two biases add up for ``nn.RNN`` and ``nn.LSTM``; a GRU keeps them
apart, as the two rows of Keras's (2, 3H) bias, because b_hn sits inside the reset gate's product.
:func:`from_torch` converts one layer and :func:`from_torch_state_dict` a whole stack, into the
params dicts that ``course_pkg.cells.set_model_params`` loads into a Keras model.
:func:`keras_like_torch` builds the Keras model that an ``nn.LSTM(...)`` (or ``nn.GRU``, ``nn.RNN``) call describes.
:func:`torch_forward` is PyTorch's documented computation written in NumPy (sequence first,
(T, N, D), as ``batch_first=False``), so that a conversion can be checked without PyTorch.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from course_pkg.reference.activations import sigmoid

__all__ = ["KERAS_GATES", "TORCH_GATES", "from_torch", "from_torch_state_dict",
           "keras_like_torch", "random_torch_state", "torch_forward"]

#: Gate blocks by mode, in PyTorch's row order and in Keras's column order.
TORCH_GATES = {"RNN": ("h",), "LSTM": ("i", "f", "g", "o"), "GRU": ("r", "z", "n")}
KERAS_GATES = {"RNN": ("h",), "LSTM": ("i", "f", "c", "o"), "GRU": ("z", "r", "h")}
#: Keras block k comes from PyTorch block _ORDER[mode][k].
_ORDER = {"RNN": (0,), "LSTM": (0, 1, 2, 3), "GRU": (1, 0, 2)}


def _check_mode(func: str, mode: str) -> int:
    if mode not in _ORDER:
        raise ValueError(f"{func}: argument mode expected one of {list(_ORDER)}, got {mode!r}")
    return len(_ORDER[mode])


def _keras_blocks(mode: str, rows: np.ndarray) -> np.ndarray:
    """Reorder the G row blocks of a PyTorch array (G*H, ...) into Keras's gate order."""
    blocks = np.split(np.asarray(rows), len(_ORDER[mode]), axis=0)
    return np.concatenate([blocks[k] for k in _ORDER[mode]], axis=0)


def random_torch_state(mode: str, D: int, H: int, num_layers: int = 1,
                       bidirectional: bool = False, rng=None) -> dict[str, np.ndarray]:
    """Arrays named, shaped and initialised as a fresh PyTorch module's state dict: every weight
    and bias uniform in (-1/sqrt(H), 1/sqrt(H)), the input size of layer k > 0 being H times the
    number of directions. Float64, for checks without PyTorch."""
    G = _check_mode("random_torch_state", mode)
    rng = np.random.default_rng(rng)
    k, state = 1.0 / np.sqrt(H), {}
    for layer in range(num_layers):
        d_in = D if layer == 0 else H * (2 if bidirectional else 1)
        for suffix in ("", "_reverse") if bidirectional else ("",):
            for name, shape in (("weight_ih", (G * H, d_in)), ("weight_hh", (G * H, H)),
                                ("bias_ih", (G * H,)), ("bias_hh", (G * H,))):
                state[f"{name}_l{layer}{suffix}"] = rng.uniform(-k, k, size=shape)
    return state


def from_torch(mode: str, weight_ih: np.ndarray, weight_hh: np.ndarray,
               bias_ih: np.ndarray | None = None,
               bias_hh: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """One PyTorch layer (one direction) as Keras / reference params ``{"W", "U", "b"}``.

    Args:
        mode: "RNN", "LSTM" or "GRU".
        weight_ih, weight_hh: (G*H, D) and (G*H, H), PyTorch's gate order.
        bias_ih, bias_hh: (G*H,) each, or None for ``bias=False`` (zeros).

    Returns:
        W (D, G*H), U (H, G*H) in Keras's gate order; b (G*H,) = bias_ih + bias_hh, or for a GRU
        b (2, 3H) = [bias_ih; bias_hh] (Keras ``GRU(reset_after=True)``).
    """
    G = _check_mode("from_torch", mode)
    weight_ih, weight_hh = np.asarray(weight_ih), np.asarray(weight_hh)
    H = weight_hh.shape[-1]
    if weight_hh.shape != (G * H, H) or weight_ih.ndim != 2 or weight_ih.shape[0] != G * H:
        raise ValueError(f"from_torch: {mode} weights must be weight_ih (G*H, D) and weight_hh "
                         f"(G*H, H) with G = {G}, got {weight_ih.shape} and {weight_hh.shape}")
    zeros = np.zeros(G * H, dtype=weight_hh.dtype)
    bias_ih = zeros if bias_ih is None else np.asarray(bias_ih)
    bias_hh = zeros if bias_hh is None else np.asarray(bias_hh)
    W, U = _keras_blocks(mode, weight_ih).T, _keras_blocks(mode, weight_hh).T
    if mode == "GRU":
        b = np.stack([_keras_blocks(mode, bias_ih), _keras_blocks(mode, bias_hh)])
    else:
        b = _keras_blocks(mode, bias_ih + bias_hh)
    return {"W": W, "U": U, "b": b}


def from_torch_state_dict(mode: str, state: Mapping[str, np.ndarray], num_layers: int = 1,
                          bidirectional: bool = False) -> list[dict]:
    """A whole ``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU`` state dict (arrays, not tensors) as one params
    dict per Keras layer: ``{"W", "U", "b"}``, or ``{"forward": ..., "backward": ...}`` for a
    bidirectional layer (the input of ``course_pkg.cells.set_model_params``)."""
    _check_mode("from_torch_state_dict", mode)

    def layer(k: int, suffix: str) -> dict[str, np.ndarray]:
        names = [f"{w}_l{k}{suffix}" for w in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
        missing = [n for n in names[:2] if n not in state]
        if missing:
            raise ValueError(f"from_torch_state_dict: state has no {missing} (num_layers="
                             f"{num_layers}, bidirectional={bidirectional})")
        return from_torch(mode, *(state.get(n) for n in names))

    if bidirectional:
        return [{"forward": layer(k, ""), "backward": layer(k, "_reverse")}
                for k in range(num_layers)]
    return [layer(k, "") for k in range(num_layers)]


def _step(mode: str, nonlinearity: str, x, h, c, w_ih, w_hh, b_ih, b_hh):
    """One step of PyTorch's documented equations: returns (h, c)."""
    gi = x @ w_ih.T + b_ih
    gh = h @ w_hh.T + b_hh
    if mode == "RNN":
        a = gi + gh
        return (np.tanh(a) if nonlinearity == "tanh" else np.maximum(a, 0.0)), c
    if mode == "GRU":
        (i_r, i_z, i_n), (h_r, h_z, h_n) = np.split(gi, 3, axis=-1), np.split(gh, 3, axis=-1)
        r, z = sigmoid(i_r + h_r), sigmoid(i_z + h_z)
        n = np.tanh(i_n + r * h_n)
        return (1.0 - z) * n + z * h, c
    i, f, g, o = np.split(gi + gh, 4, axis=-1)
    c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    return sigmoid(o) * np.tanh(c), c


def torch_forward(mode: str, x: np.ndarray, state: Mapping[str, np.ndarray], num_layers: int = 1,
                  bidirectional: bool = False, nonlinearity: str = "tanh") -> np.ndarray:
    """PyTorch's forward pass in NumPy, zero initial states: x (T, N, D) -> output (T, N, dirs*H).

    ``nonlinearity`` ("tanh" or "relu") is ``nn.RNN``'s; between layers PyTorch's ``dropout``
    applies in training only, so it does not appear here.
    """
    _check_mode("torch_forward", mode)
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"torch_forward: argument nonlinearity expected 'tanh' or 'relu', "
                         f"got {nonlinearity!r}")
    out = np.asarray(x)
    for k in range(num_layers):
        directions = []
        for suffix in ("", "_reverse") if bidirectional else ("",):
            w = [state.get(f"{name}_l{k}{suffix}") for name in
                 ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
            H = w[1].shape[1]
            w[2:] = [np.zeros(w[1].shape[0]) if v is None else v for v in w[2:]]
            h = c = np.zeros((out.shape[1], H), dtype=out.dtype)
            steps = range(out.shape[0])
            hs = [None] * out.shape[0]
            for t in (reversed(steps) if suffix else steps):
                h, c = _step(mode, nonlinearity, out[t], h, c, *w)
                hs[t] = h
            directions.append(np.stack(hs))
        out = np.concatenate(directions, axis=-1)
    return out


def keras_like_torch(mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                     bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                     bidirectional: bool = False):
    """The Keras model that ``nn.LSTM(input_size, hidden_size, num_layers, bias, batch_first,
    dropout, bidirectional)`` describes (``nn.GRU``, ``nn.RNN`` with tanh: the same with ``mode``).

    One Keras layer per PyTorch layer, each returning every step (PyTorch's ``output``):
    ``LSTM(hidden_size, return_sequences=True, use_bias=bias)``, inside
    ``Bidirectional(merge_mode="concat")`` when bidirectional, and ``Dropout(dropout)`` between
    layers (PyTorch drops the outputs of every layer but the last). A GRU is Keras's
    ``reset_after=True``, PyTorch's formulation. Load a PyTorch module's weights with
    ``set_model_params(model, from_torch_state_dict(mode, state, num_layers, bidirectional))``.

    Keras is always batch first: the model takes (N, T, input_size). ``batch_first`` says what
    the PyTorch call expected and changes nothing here; with ``batch_first=False`` transpose the
    (T, N, D) input first.

    Returns:
        A built ``keras.Sequential``, input (N, T, input_size), output (N, T, H * directions).
    """
    _check_mode("keras_like_torch", mode)
    for name, value in (("input_size", input_size), ("hidden_size", hidden_size),
                        ("num_layers", num_layers)):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"keras_like_torch: argument {name} expected a positive integer, "
                             f"got {value!r}")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"keras_like_torch: argument dropout expected a number in [0, 1), "
                         f"got {dropout!r}")
    import keras

    def recurrent():
        kwargs = {"return_sequences": True, "use_bias": bias}
        if mode == "LSTM":
            return keras.layers.LSTM(hidden_size, **kwargs)
        if mode == "GRU":
            return keras.layers.GRU(hidden_size, reset_after=True, **kwargs)
        return keras.layers.SimpleRNN(hidden_size, **kwargs)

    layers = [keras.Input((None, input_size))]
    for k in range(num_layers):
        layer = recurrent()
        layers.append(keras.layers.Bidirectional(layer, merge_mode="concat") if bidirectional
                      else layer)
        if dropout and k < num_layers - 1:
            layers.append(keras.layers.Dropout(dropout))
    return keras.Sequential(layers, name=f"keras_like_torch_{mode.lower()}")
