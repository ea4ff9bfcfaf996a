"""Deep (stacked) and bidirectional RNNs, with masks, for any cell: RNN, LSTM (any variant), GRU.

A ``Cell`` puts the three cells behind one interface: states as a tuple ((h,) or (h, c)), params
and gradients as dicts. On top of it, everything follows Keras's layers::

    recurrent_forward(cell, x, params)                          keras.layers.LSTM(...)(x)
    recurrent_forward(..., go_backwards=True)                   go_backwards=True: outputs reversed
    bidirectional_forward(cell, x, {"forward": p, "backward": q}, merge_mode="concat")
                                                                keras.layers.Bidirectional(...)
    stacked_forward([LSTMCell(), Bidirectional(GRUCell())], x, [p1, p2])
                                                                a Sequential of recurrent layers

Every forward returns ``(y, cache)``: y is (N, T, H') with ``return_sequences=True`` and the last
output (N, H') otherwise. Every backward takes dy shaped like y. A mask (N, T) (True = real step,
see ``masking``) makes masked steps keep the state; outputs there are the previous output, or
zero where Keras uses zeros (a Bidirectional layer that returns sequences). Initial states are
zeros in the bidirectional and stacked wrappers, as in Keras without ``initial_state``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Sequence

import numpy as np

from ._validation import ShapeChecker, check_float_dtypes, check_positive_int
from .gru import gru_backward, gru_forward, gru_step_backward, gru_step_forward, random_gru_params
from .lstm import (
    lstm_variant_backward,
    lstm_variant_forward,
    lstm_variant_step_backward,
    lstm_variant_step_forward,
)
from .lstm_variants import VANILLA, LSTMVariant, random_lstm_params
from .masking import check_mask, masked_backward, masked_forward
from .rnn import random_rnn_params, rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward

MERGE_MODES = ("concat", "sum", "ave", "mul")

States = tuple  # (h,) or (h, c), each (N, H)


class Cell(ABC):
    """A recurrent cell behind one interface, so that the wrappers work with any of them."""

    num_states: int = 1

    @abstractmethod
    def forward(self, x: np.ndarray, states0: States, params: dict) -> tuple[np.ndarray, States, Any]:
        """Whole sequence: x (N, T, D) -> (h (N, T, H), final states, cache)."""

    @abstractmethod
    def backward(self, dh: np.ndarray, cache: Any, dfinal: States | None = None) -> tuple[np.ndarray, States, dict]:
        """Whole sequence: dh (N, T, H) -> (dx (N, T, D), dstates0, dparams)."""

    @abstractmethod
    def step_forward(self, x_t: np.ndarray, states: States, params: dict) -> tuple[States, Any]:
        """One step: x_t (N, D) -> (next states, cache)."""

    @abstractmethod
    def step_backward(self, dstates: States, cache: Any) -> tuple[np.ndarray, States, dict]:
        """One step: gradients of the next states -> (dx_t (N, D), dstates_prev, dparams)."""

    @abstractmethod
    def random_params(self, D: int, H: int, rng=None, dtype=np.float64) -> dict:
        """Random parameters for input size D and hidden size H."""

    @staticmethod
    def hidden_size(params: dict) -> int:
        """H, read from the recurrent weights U (H, G*H)."""
        return np.shape(params["U"])[0]


def _fold_final_h(dh: np.ndarray, dfinal: States | None) -> np.ndarray:
    """The final h is h[:, -1]: its gradient joins dh there."""
    if dfinal is None or dfinal[0] is None:
        return dh
    dh = dh.copy()
    dh[:, -1] += dfinal[0]
    return dh


@dataclass(frozen=True)
class RNNCell(Cell):
    """The vanilla RNN of ``rnn`` (params W, U, b)."""

    activation: str = "tanh"
    num_states: int = field(default=1, init=False)

    def forward(self, x, states0, params):
        h, cache = rnn_forward(x, states0[0], params["W"], params["U"], params["b"], self.activation)
        return h, (h[:, -1],), cache

    def backward(self, dh, cache, dfinal=None):
        dx, dh0, dW, dU, db = rnn_backward(_fold_final_h(dh, dfinal), cache)
        return dx, (dh0,), {"W": dW, "U": dU, "b": db}

    def step_forward(self, x_t, states, params):
        h, cache = rnn_step_forward(x_t, states[0], params["W"], params["U"], params["b"], self.activation)
        return (h,), cache

    def step_backward(self, dstates, cache):
        dx, dh_prev, dW, dU, db = rnn_step_backward(dstates[0], cache)
        return dx, (dh_prev,), {"W": dW, "U": dU, "b": db}

    def random_params(self, D, H, rng=None, dtype=np.float64):
        return random_rnn_params(D, H, rng, dtype)


@dataclass(frozen=True)
class LSTMCell(Cell):
    """The LSTM of ``lstm``, any ``LSTMVariant`` (params W, U, b and peepholes); states (h, c)."""

    variant: LSTMVariant = VANILLA
    num_states: int = field(default=2, init=False)

    def forward(self, x, states0, params):
        h, cache = lstm_variant_forward(x, states0[0], params, self.variant, states0[1])
        return h, (h[:, -1], cache.c[-1]), cache

    def backward(self, dh, cache, dfinal=None):
        dc_last = None if dfinal is None else dfinal[1]
        g = lstm_variant_backward(_fold_final_h(dh, dfinal), cache, dc_last)
        return g.dx, (g.dh0, g.dc0), g.dparams

    def step_forward(self, x_t, states, params):
        h, c, cache = lstm_variant_step_forward(x_t, states[0], states[1], params, self.variant)
        return (h, c), cache

    def step_backward(self, dstates, cache):
        g = lstm_variant_step_backward(dstates[0], dstates[1], cache)
        return g.dx, (g.dh_prev, g.dc_prev), g.dparams

    def random_params(self, D, H, rng=None, dtype=np.float64):
        return random_lstm_params(D, H, rng, dtype, variant=self.variant)


@dataclass(frozen=True)
class GRUCell(Cell):
    """The GRU of ``gru`` (params W, U, b; b is (2, 3H) with ``reset_after``)."""

    reset_after: bool = True
    num_states: int = field(default=1, init=False)

    def forward(self, x, states0, params):
        h, cache = gru_forward(x, states0[0], params["W"], params["U"], params["b"], self.reset_after)
        return h, (h[:, -1],), cache

    def backward(self, dh, cache, dfinal=None):
        dx, dh0, dW, dU, db = gru_backward(_fold_final_h(dh, dfinal), cache)
        return dx, (dh0,), {"W": dW, "U": dU, "b": db}

    def step_forward(self, x_t, states, params):
        h, cache = gru_step_forward(x_t, states[0], params["W"], params["U"], params["b"], self.reset_after)
        return (h,), cache

    def step_backward(self, dstates, cache):
        dx, dh_prev, dW, dU, db = gru_step_backward(dstates[0], cache)
        return dx, (dh_prev,), {"W": dW, "U": dU, "b": db}

    def random_params(self, D, H, rng=None, dtype=np.float64):
        return random_gru_params(D, H, rng, dtype, reset_after=self.reset_after)


@dataclass(frozen=True)
class Bidirectional:
    """A bidirectional layer of ``cell`` for ``stacked_forward``; params {"forward", "backward"}."""

    cell: Cell
    merge_mode: str = "concat"

    def __post_init__(self) -> None:
        _check_merge_mode("Bidirectional", self.merge_mode)


Layer = Cell | Bidirectional


# ---------------------------------------------------------------------------- one direction

class RecurrentCache(NamedTuple):
    """What ``recurrent_backward`` needs from ``recurrent_forward``."""

    cell: Cell
    inner: Any                 # the cell's sequence cache, or a MaskedCache
    masked: bool
    go_backwards: bool
    return_sequences: bool
    final_states: States       # states after the last processed step
    T: int


def _check_cell(func: str, cell: Any) -> Cell:
    if not isinstance(cell, Cell):
        raise ValueError(f"{func}: cell must be an RNNCell, LSTMCell or GRUCell, got {type(cell).__name__}")
    return cell


def recurrent_forward(
    cell: Cell,
    x: np.ndarray,
    params: dict,
    initial_states: States | None = None,
    mask: np.ndarray | None = None,
    return_sequences: bool = True,
    go_backwards: bool = False,
    zero_output_for_mask: bool = False,
) -> tuple[np.ndarray, RecurrentCache]:
    """One recurrent layer, as Keras's ``RNN`` / ``LSTM`` / ``GRU`` layers run it.

    Args:
        cell: an ``RNNCell``, ``LSTMCell`` or ``GRUCell``.
        x: inputs, shape (N, T, D).
        params: the cell's parameters (W, U, b, ...).
        initial_states: (h0,) or (h0, c0), each (N, H); zeros when None.
        mask: boolean (N, T), True where a step is real; None for full sequences.
        return_sequences: return every output (N, T, H), else the last one (N, H).
        go_backwards: process the sequence in reverse; like Keras, outputs stay in the order
            they were produced (reversed).
        zero_output_for_mask: masked steps output zeros instead of the previous output.

    Returns:
        y: (N, T, H) or (N, H).
        cache: a ``RecurrentCache`` (``cache.final_states`` holds the final states).
    """
    func = "recurrent_forward"
    cell = _check_cell(func, cell)
    check = ShapeChecker(func)
    x = check("x", x, ("N", "T", "D"))
    N, T, _ = x.shape
    H = cell.hidden_size(params)
    if initial_states is None:
        initial_states = tuple(np.zeros((N, H), dtype=x.dtype) for _ in range(cell.num_states))
    elif len(initial_states) != cell.num_states:
        raise ValueError(f"{func}: initial_states must hold {cell.num_states} arrays (N, H) for "
                         f"{type(cell).__name__}, got {len(initial_states)}")
    if go_backwards:
        x = x[:, ::-1]
    if mask is None:
        outputs, final_states, inner = cell.forward(x, tuple(initial_states), params)
    else:
        mask = check_mask(func, mask, N, T)
        if go_backwards:
            mask = mask[:, ::-1]
        check_float_dtypes(func, x=x, **{f"initial_states[{k}]": s for k, s in enumerate(initial_states)})
        outputs, final_states, inner = masked_forward(cell, x, tuple(initial_states), params, mask,
                                                      zero_output_for_mask)
    y = outputs if return_sequences else outputs[:, -1]
    return y, RecurrentCache(cell, inner, mask is not None, go_backwards, return_sequences,
                             final_states, T)


def recurrent_backward(
    dy: np.ndarray, cache: RecurrentCache, dfinal_states: States | None = None
) -> tuple[np.ndarray, States, dict]:
    """Backward pass of ``recurrent_forward``.

    Args:
        dy: gradient with respect to y, shaped like y.
        cache: the ``RecurrentCache``.
        dfinal_states: gradients with respect to ``cache.final_states`` (None: zeros).

    Returns:
        dx (N, T, D), dstates0 (like the initial states), dparams (like params).
    """
    cell, inner, masked, go_backwards, return_sequences, final_states, T = cache
    N, H = final_states[0].shape
    check = ShapeChecker("recurrent_backward", N=N, T=T, H=H)
    if return_sequences:
        d_outputs = check("dy", dy, ("N", "T", "H"))
    else:
        dy = check("dy", dy, ("N", "H"))
        d_outputs = np.zeros((N, T, H), dtype=dy.dtype)
        d_outputs[:, -1] = dy
    if masked:
        dx, dstates0, dparams = masked_backward(d_outputs, inner, dfinal_states)
    else:
        dx, dstates0, dparams = cell.backward(d_outputs, inner, dfinal_states)
    if go_backwards:
        dx = np.ascontiguousarray(dx[:, ::-1])
    return dx, dstates0, dparams


# --------------------------------------------------------------------------- bidirectional

def _check_merge_mode(func: str, merge_mode: str) -> str:
    if merge_mode not in MERGE_MODES:
        raise ValueError(f"{func}: merge_mode must be one of {list(MERGE_MODES)}, got {merge_mode!r}")
    return merge_mode


class BidirectionalCache(NamedTuple):
    """What ``bidirectional_backward`` needs."""

    forward: RecurrentCache
    backward: RecurrentCache
    y_forward: np.ndarray      # forward outputs, time order
    y_backward: np.ndarray     # backward outputs, flipped back to time order when sequences
    merge_mode: str
    return_sequences: bool


def _check_bidirectional_params(func: str, params: Any) -> dict:
    if not isinstance(params, dict) or set(params) != {"forward", "backward"}:
        got = sorted(params) if isinstance(params, dict) else type(params).__name__
        raise ValueError(f"{func}: params must be a dict with keys ['backward', 'forward'] (one "
                         f"parameter dict per direction), got {got}")
    return params


def bidirectional_forward(
    cell: Cell,
    x: np.ndarray,
    params: dict,
    mask: np.ndarray | None = None,
    merge_mode: str = "concat",
    return_sequences: bool = True,
) -> tuple[np.ndarray, BidirectionalCache]:
    """A bidirectional layer, as ``keras.layers.Bidirectional(layer, merge_mode)``.

    The forward direction reads x_1 .. x_T, the backward one x_T .. x_1 (its outputs are flipped
    back into time order when returning sequences). Like Keras, when a mask is given and
    sequences are returned, masked steps output zeros in both directions.

    Args:
        cell: the cell of both directions (each has its own parameters).
        x: inputs, shape (N, T, D).
        params: ``{"forward": params, "backward": params}``.
        mask: boolean (N, T), or None.
        merge_mode: "concat" (Keras default, output 2H wide), "sum", "ave" or "mul".
        return_sequences: every step (N, T, H') or the last outputs of each direction (N, H').

    Returns:
        y: (N, T, H') or (N, H'), H' = 2H for "concat", else H.
        cache: a ``BidirectionalCache``.
    """
    func = "bidirectional_forward"
    cell = _check_cell(func, cell)
    params = _check_bidirectional_params(func, params)
    merge_mode = _check_merge_mode(func, merge_mode)
    zero = return_sequences
    y_f, cache_f = recurrent_forward(cell, x, params["forward"], mask=mask,
                                     return_sequences=return_sequences, zero_output_for_mask=zero)
    y_b, cache_b = recurrent_forward(cell, x, params["backward"], mask=mask,
                                     return_sequences=return_sequences, go_backwards=True,
                                     zero_output_for_mask=zero)
    if return_sequences:
        y_b = y_b[:, ::-1]
    if merge_mode == "concat":
        y = np.concatenate([y_f, y_b], axis=-1)
    elif merge_mode == "sum":
        y = y_f + y_b
    elif merge_mode == "ave":
        y = (y_f + y_b) / 2
    else:
        y = y_f * y_b
    return y, BidirectionalCache(cache_f, cache_b, y_f, y_b, merge_mode, return_sequences)


def bidirectional_backward(dy: np.ndarray, cache: BidirectionalCache) -> tuple[np.ndarray, dict]:
    """Backward pass of ``bidirectional_forward``.

    Args:
        dy: gradient with respect to y, shaped like y.
        cache: the ``BidirectionalCache``.

    Returns:
        dx (N, T, D) and dparams ``{"forward": ..., "backward": ...}``.
    """
    cache_f, cache_b, y_f, y_b, merge_mode, return_sequences = cache
    width = 2 * y_f.shape[-1] if merge_mode == "concat" else y_f.shape[-1]
    expected = y_f.shape[:-1] + (width,)
    dy = np.asarray(dy)
    if dy.shape != expected:
        raise ValueError(f"bidirectional_backward: dy must have the shape of y, {expected}, got {dy.shape}")
    H = y_f.shape[-1]
    if merge_mode == "concat":
        dy_f, dy_b = dy[..., :H], dy[..., H:]
    elif merge_mode == "sum":
        dy_f, dy_b = dy, dy
    elif merge_mode == "ave":
        dy_f = dy_b = dy / 2
    else:
        dy_f, dy_b = dy * y_b, dy * y_f
    if return_sequences:
        dy_b = dy_b[:, ::-1]
    dx_f, _, dparams_f = recurrent_backward(np.ascontiguousarray(dy_f), cache_f)
    dx_b, _, dparams_b = recurrent_backward(np.ascontiguousarray(dy_b), cache_b)
    return dx_f + dx_b, {"forward": dparams_f, "backward": dparams_b}


# --------------------------------------------------------------------------------- stacked

class StackedCache(NamedTuple):
    """What ``stacked_backward`` needs: one cache per layer."""

    layers: tuple
    caches: list


def _layer_forward(layer: Layer, x, params, mask, return_sequences):
    if isinstance(layer, Bidirectional):
        return bidirectional_forward(layer.cell, x, params, mask, layer.merge_mode, return_sequences)
    return recurrent_forward(layer, x, params, mask=mask, return_sequences=return_sequences)


def stacked_forward(
    layers: Sequence[Layer],
    x: np.ndarray,
    params: Sequence[dict],
    mask: np.ndarray | None = None,
    return_sequences: bool = True,
) -> tuple[np.ndarray, StackedCache]:
    """A deep RNN: each layer reads the whole output sequence of the one below.

    Every layer but the last returns sequences; the mask (if any) applies to every layer, as
    Keras propagates it through recurrent layers that return sequences.

    Args:
        layers: cells (``RNNCell``, ``LSTMCell``, ``GRUCell``) and ``Bidirectional`` layers.
        x: inputs, shape (N, T, D).
        params: one parameter dict per layer (``{"forward", "backward"}`` for bidirectional).
        mask: boolean (N, T), or None.
        return_sequences: for the last layer.

    Returns:
        y: the last layer's output, (N, T, H') or (N, H').
        cache: a ``StackedCache``.

    Example:
        >>> layers = [LSTMCell(), Bidirectional(GRUCell(), "sum")]
        >>> params = random_stacked_params(layers, D=3, units=[4, 5], rng=0)
        >>> y, _ = stacked_forward(layers, np.ones((2, 6, 3)), params)
        >>> y.shape
        (2, 6, 5)
    """
    func = "stacked_forward"
    if len(layers) == 0:
        raise ValueError(f"{func}: layers must hold at least one layer, got none")
    if len(params) != len(layers):
        raise ValueError(f"{func}: params must hold one dict per layer ({len(layers)}), got {len(params)}")
    caches = []
    y = x
    for depth, (layer, p) in enumerate(zip(layers, params)):
        last = depth == len(layers) - 1
        y, cache = _layer_forward(layer, y, p, mask, return_sequences or not last)
        caches.append(cache)
    return y, StackedCache(tuple(layers), caches)


def stacked_backward(dy: np.ndarray, cache: StackedCache) -> tuple[np.ndarray, list]:
    """Backward pass of ``stacked_forward``.

    Returns:
        dx (N, T, D) and a list of parameter gradients, one per layer.
    """
    dparams = []
    for layer, layer_cache in zip(reversed(cache.layers), reversed(cache.caches)):
        if isinstance(layer, Bidirectional):
            dy, d = bidirectional_backward(dy, layer_cache)
        else:
            dy, _, d = recurrent_backward(dy, layer_cache)
        dparams.append(d)
    return dy, dparams[::-1]


def layer_output_size(layer: Layer, units: int) -> int:
    """The width of a layer's output: 2 * units for a concatenating bidirectional layer."""
    if isinstance(layer, Bidirectional) and layer.merge_mode == "concat":
        return 2 * units
    return units


def random_stacked_params(
    layers: Sequence[Layer],
    D: int,
    units: Sequence[int],
    rng: np.random.Generator | int | None = None,
    dtype: np.dtype | type = np.float64,
) -> list[dict]:
    """Random parameters for ``stacked_forward``: layer k has ``units[k]`` hidden units.

    Returns:
        One dict per layer (``{"forward": ..., "backward": ...}`` for bidirectional layers).
    """
    func = "random_stacked_params"
    if len(units) != len(layers):
        raise ValueError(f"{func}: units must give one size per layer ({len(layers)}), got {len(units)}")
    rng = np.random.default_rng(rng)
    params = []
    width = check_positive_int(func, "D", D)
    for layer, H in zip(layers, units):
        H = check_positive_int(func, "units", H)
        if isinstance(layer, Bidirectional):
            params.append({"forward": layer.cell.random_params(width, H, rng, dtype),
                           "backward": layer.cell.random_params(width, H, rng, dtype)})
        else:
            params.append(_check_cell(func, layer).random_params(width, H, rng, dtype))
        width = layer_output_size(layer, H)
    return params
