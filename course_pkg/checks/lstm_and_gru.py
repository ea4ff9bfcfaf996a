"""Checks for the ``lstm_and_gru`` assignment.

Every check builds float64 inputs from its parameters and seed with pure NumPy, so capture mode
never needs :mod:`course_pkg.reference` -- except the inputs that hold forward values (the
step cache of ``lstm_step_backward``, the states of ``gradient_norms``): nothing here computes
them, they come in as data (:mod:`course_pkg.checks.inputs`, built by
:mod:`course_pkg.forward_inputs`); the expected outputs are computed with the reference,
imported inside the ``_ref_*`` functions (visible mode only). Keras is imported only inside
:func:`run_peephole_cell`, when a peephole cell is checked.

The student-facing conventions they pin (stated again in the notebook). Gate blocks sit side by
side in Keras order, LSTM ``i, f, c, o`` and GRU ``z, r, h``; H is the hidden size.

- ``lstm_step_forward(x, h_prev, c_prev, W, U, b) -> (h_next, c_next, cache)``; x (N, D),
  h_prev and c_prev (N, H), W (D, 4H), U (H, 4H), b (4H,);
  ``cache = (x, h_prev, c_prev, W, U, b, i, f, g, o, c_next)`` where i, f, g, o (N, H) are the
  input gate, forget gate, candidate and output gate.
- ``lstm_step_backward(dh_next, dc_next, cache) -> (dx, dh_prev, dc_prev, dW, dU, db)``.
- ``lstm_forward(x, h0, W, U, b) -> (h, cache)``; x (N, T, D), h (N, T, H), c0 = 0, ``cache`` is
  the list of the T step caches.
- ``gru_step_forward(x, h_prev, W, U, b) -> (h_next, cache)``, Keras's ``reset_after=True``:
  W (D, 3H), U (H, 3H), b (2, 3H) (row 0 input bias, row 1 recurrent bias),
  ``h_next = z * h_prev + (1 - z) * hh`` and ``cache = (x, h_prev, W, U, b, z, r, hh, h_next)``.
- ``PeepholeLSTMCell(units)``: a ``keras.layers.Layer`` cell with weights ``kernel`` (D, 4H),
  ``recurrent_kernel`` (H, 4H), ``bias`` (4H,) and ``p_i``, ``p_f``, ``p_o`` (H,), run inside
  ``keras.layers.RNN``; it must match the reference ``LSTMVariant(peephole=True)``.
- ``gradient_norms(h, U) -> norms``: h (N, T, H) the states h_1 .. h_T of a tanh RNN, norms (T,)
  with ``norms[k]`` the Frobenius norm of dL/dh_{T-k} for L = sum(h_T).
- the vanishing-gradient experiment: ``ratios[j] = norms[DISTANCE] / norms[0]`` for the RNN
  ``make_rnn(RHOS[j])`` of :func:`make_rnn`.

Gradients of weights with gate blocks are compared block by block (outputs ``dW_i``, ``dW_f``,
``dW_c``, ``dW_o`` and likewise for dU and db), so that a message names the wrong gate.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course_pkg.checks.core import (
    Check,
    OutputFormatError,
    as_numeric_array,
    register,
    run_check,
    unpack_tuple,
)
from course_pkg.checks.inputs import data_inputs
from course_pkg.checks.seeded import seeded_rng

LSTM_GATES = ("i", "f", "c", "o")
GRU_GATES = ("z", "r", "h")
LSTM_GATE_NAMES = {"i": "input-gate", "f": "forget-gate", "c": "candidate", "o": "output-gate"}
PEEPHOLE_WEIGHTS = ("kernel", "recurrent_kernel", "bias", "p_i", "p_f", "p_o")

#: The vanishing-gradient experiment: spectral radii, the distance compared and the RNN's sizes.
RHOS = (0.5, 1.0, 3.0)
DISTANCE = 20
EXPERIMENT_SIZES = {"H": 32, "D": 8, "T": 30}

# ---------------------------------------------------------------------------------------------
# Deterministic inputs (pure NumPy; no reference)
# ---------------------------------------------------------------------------------------------


def _lstm_weights(rng: np.random.Generator, D: int, H: int) -> tuple[np.ndarray, ...]:
    # Scaled so that no gate saturates and every term of every gradient matters.
    W = rng.normal(scale=0.5, size=(D, 4 * H))
    U = rng.normal(scale=0.5, size=(H, 4 * H))
    b = rng.normal(scale=0.2, size=(4 * H,))
    return W, U, b


def _inputs_lstm_step_forward(p: dict[str, Any]) -> tuple[Any, ...]:
    rng = seeded_rng(p["seed"])
    x = rng.normal(size=(p["N"], p["D"]))
    h_prev = rng.normal(scale=0.5, size=(p["N"], p["H"]))
    c_prev = rng.normal(size=(p["N"], p["H"]))
    W, U, b = _lstm_weights(rng, p["D"], p["H"])
    return (x, h_prev, c_prev, W, U, b)


def _inputs_lstm_forward(p: dict[str, Any]) -> tuple[Any, ...]:
    rng = seeded_rng(p["seed"])
    x = rng.normal(size=(p["N"], p["T"], p["D"]))
    h0 = rng.normal(scale=0.5, size=(p["N"], p["H"]))
    W, U, b = _lstm_weights(rng, p["D"], p["H"])
    return (x, h0, W, U, b)


def _inputs_gru_step_forward(p: dict[str, Any]) -> tuple[Any, ...]:
    rng = seeded_rng(p["seed"])
    N, D, H = p["N"], p["D"], p["H"]
    x = rng.normal(size=(N, D))
    h_prev = rng.normal(scale=0.5, size=(N, H))
    W = rng.normal(scale=0.5, size=(D, 3 * H))
    U = rng.normal(scale=0.5, size=(H, 3 * H))
    b = rng.normal(scale=0.3, size=(2, 3 * H))   # row 0 input bias, row 1 recurrent bias
    return (x, h_prev, W, U, b)


def _as_float32_values(a: np.ndarray) -> np.ndarray:
    """Float64 values that float32 represents exactly: Keras and the reference see the same."""
    return a.astype(np.float32).astype(np.float64)


def _inputs_peephole(p: dict[str, Any]) -> tuple[Any, ...]:
    rng = seeded_rng(p["seed"])
    N, T, D, H = p["N"], p["T"], p["D"], p["H"]
    x = rng.normal(size=(N, T, D))
    h0 = rng.normal(scale=0.5, size=(N, H))
    c0 = rng.normal(size=(N, H))           # non-zero, so that p_i and p_f matter at t = 1
    W, U, b = _lstm_weights(rng, D, H)
    params = {"W": W, "U": U, "b": b}
    params.update({name: rng.normal(scale=0.5, size=(H,)) for name in ("p_i", "p_f", "p_o")})
    params = {k: _as_float32_values(v) for k, v in params.items()}
    return (_as_float32_values(x), _as_float32_values(h0), _as_float32_values(c0), params)


def make_rnn(
    rho: float, H: int = 32, D: int = 8, T: int = 30, seed: int = 0
) -> tuple[np.ndarray, ...]:
    """A tanh RNN whose recurrent matrix has spectral radius ``rho``, and an input sequence.

    U is ``rho`` times a random orthogonal matrix, so that every singular value (and every
    eigenvalue's modulus) of U is ``rho``. The notebook shows the same function.

    Returns:
        x (1, T, D), h0 (1, H) zeros, W (D, H), U (H, H), b (H,) zeros.
    """
    rng = np.random.default_rng(seed)
    q, r = np.linalg.qr(rng.normal(size=(H, H)))
    U = rho * q * np.sign(np.diag(r))
    W = rng.normal(scale=1.0 / np.sqrt(D), size=(D, H))
    x = rng.normal(size=(1, T, D))
    return x, np.zeros((1, H)), W, U, np.zeros(H)


# The inputs of lstm_step_backward (a step cache) and gradient_norms (an RNN's states) hold
# forward values: they come in as data, built by course_pkg.forward_inputs on the trusted side.


# ---------------------------------------------------------------------------------------------
# Unpacking the student's return values
# ---------------------------------------------------------------------------------------------


def _split_blocks(
    check_name: str, name: str, value: Any, gates: tuple[str, ...]
) -> dict[str, np.ndarray]:
    """``{f"{name}_{gate}": block}``: ``value`` split into its gate blocks along the last axis."""
    try:
        arr = as_numeric_array(value)
    except TypeError as exc:
        raise OutputFormatError(f"{check_name}: {name} is not a numeric array: {exc}") from None
    G = len(gates)
    if arr.ndim == 0 or arr.shape[-1] % G:
        raise OutputFormatError(
            f"{check_name}: {name} has shape {arr.shape}, expected its last axis to hold the "
            f"{G} gate blocks {', '.join(gates)} side by side ({G}H columns)"
        )
    return {f"{name}_{gate}": block for gate, block in zip(gates, np.split(arr, G, axis=-1))}


def _step_cache_items(check_name: str, cache: Any, length: int, what: str) -> tuple[Any, ...]:
    if not isinstance(cache, (tuple, list)) or len(cache) != length:
        got = f"{len(cache)} items" if isinstance(cache, (tuple, list)) else type(cache).__name__
        raise OutputFormatError(
            f"{check_name}: the cache must be the tuple {what} ({length} items), got {got}"
        )
    return tuple(cache)


LSTM_CACHE = "(x, h_prev, c_prev, W, U, b, i, f, g, o, c_next)"
GRU_CACHE = "(x, h_prev, W, U, b, z, r, hh, h_next)"


def _unpack_lstm_step_forward(value: Any) -> dict[str, Any]:
    name = "lstm_step_forward"
    out = unpack_tuple(value, ("h_next", "c_next", "cache"), check_name=name)
    cache = _step_cache_items(name, out.pop("cache"), 11, LSTM_CACHE)
    return {**out, **dict(zip(("i", "f", "g", "o"), cache[6:10]))}


def _unpack_lstm_step_backward(value: Any) -> dict[str, Any]:
    name = "lstm_step_backward"
    out = unpack_tuple(value, ("dx", "dh_prev", "dc_prev", "dW", "dU", "db"), check_name=name)
    for key in ("dW", "dU", "db"):
        out.update(_split_blocks(name, key, out.pop(key), LSTM_GATES))
    return out


def _unpack_lstm_forward(value: Any) -> dict[str, Any]:
    name = "lstm_forward"
    out = unpack_tuple(value, ("h", "cache"), check_name=name)
    caches = out.pop("cache")
    if not isinstance(caches, (tuple, list)) or not caches:
        raise OutputFormatError(
            f"{name}: the cache must be the list of the T step caches of lstm_step_forward, "
            f"got {type(caches).__name__}"
        )
    steps = [_step_cache_items(name, c, 11, LSTM_CACHE) for c in caches]
    try:
        out["c"] = np.stack([as_numeric_array(step[10]) for step in steps], axis=1)
    except (TypeError, ValueError) as exc:
        raise OutputFormatError(f"{name}: the c_next of the step caches do not stack: {exc}") from None
    return out


def _unpack_gru_step_forward(value: Any) -> dict[str, Any]:
    name = "gru_step_forward"
    out = unpack_tuple(value, ("h_next", "cache"), check_name=name)
    cache = _step_cache_items(name, out.pop("cache"), 9, GRU_CACHE)
    return {**out, **dict(zip(("z", "r", "hh"), cache[5:8]))}


# ---------------------------------------------------------------------------------------------
# Running a student's Keras cell
# ---------------------------------------------------------------------------------------------

PEEPHOLE_RUNS = {
    "h_no_peepholes": (),
    "h_only_p_i": ("p_i",),
    "h_only_p_f": ("p_f",),
    "h_only_p_o": ("p_o",),
    "h": ("p_i", "p_f", "p_o"),
}
"""Output name -> the peephole vectors switched on (the others are zero) in that run."""

_KERAS_NAMES = {"kernel": "W", "recurrent_kernel": "U", "bias": "b",
                "p_i": "p_i", "p_f": "p_f", "p_o": "p_o"}


def _peephole_params(params: dict[str, np.ndarray], on: tuple[str, ...]) -> dict[str, np.ndarray]:
    """``params`` with the peephole vectors not in ``on`` set to zero."""
    return {k: (v if not k.startswith("p_") or k in on else np.zeros_like(v))
            for k, v in params.items()}


def run_peephole_cell(
    cell_class: Callable[..., Any],
    x: np.ndarray,
    h0: np.ndarray,
    c0: np.ndarray,
    params: dict[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """Run ``cell_class(H)`` inside ``keras.layers.RNN`` with the given weights, on the CPU.

    Args:
        cell_class: the student's cell class; ``cell_class(H)`` must create the weights
            ``kernel`` (D, 4H), ``recurrent_kernel`` (H, 4H), ``bias`` (4H,), ``p_i``, ``p_f``,
            ``p_o`` (H,) when built.
        x: inputs, shape (N, T, D). h0, c0: initial states, shape (N, H).
        params: ``W``, ``U``, ``b``, ``p_i``, ``p_f``, ``p_o`` (the reference's names).

    Returns:
        The hidden states (N, T, H) of one run per entry of :data:`PEEPHOLE_RUNS` (float32 in
        Keras, returned as float64), and ``c_last``, the final cell state (N, H) of the run with
        every peephole on.

    Raises:
        OutputFormatError: the cell lacks a weight or has one of the wrong shape.
        Exception: whatever the student's cell raised.
    """
    import keras

    N, T, D = x.shape
    H = h0.shape[1]
    x32, h32, c32 = (np.asarray(a, dtype=np.float32) for a in (x, h0, c0))
    shapes = {"kernel": (D, 4 * H), "recurrent_kernel": (H, 4 * H), "bias": (4 * H,),
              "p_i": (H,), "p_f": (H,), "p_o": (H,)}
    with keras.device("cpu:0"):  # no TF32 on GPUs: the comparison stays tight
        cell = cell_class(H)
        layer = keras.layers.RNN(cell, return_sequences=True, return_state=True)
        layer(x32, initial_state=[h32, c32])  # builds the cell's weights
        weights = {getattr(w, "name", ""): w for w in cell.weights}
        missing = [n for n in PEEPHOLE_WEIGHTS if n not in weights]
        if missing:
            raise OutputFormatError(
                f"{getattr(cell_class, '__name__', 'the cell')} has no weight(s) named "
                f"{missing}; it must create {', '.join(PEEPHOLE_WEIGHTS)} in build() "
                f"(it has {sorted(weights)})"
            )
        for name, shape in shapes.items():
            got = tuple(weights[name].shape)
            if got != shape:
                raise OutputFormatError(f"weight {name!r} has shape {got}, expected {shape} "
                                        f"(D={D}, H={H})")
        out: dict[str, np.ndarray] = {}
        for run, on in PEEPHOLE_RUNS.items():
            values = _peephole_params(params, on)
            for name in PEEPHOLE_WEIGHTS:
                weights[name].assign(np.asarray(values[_KERAS_NAMES[name]], dtype=np.float32))
            seq, _, c_last = layer(x32, initial_state=[h32, c32])
            out[run] = keras.ops.convert_to_numpy(seq)
        out["c_last"] = keras.ops.convert_to_numpy(c_last)
    return out


# ---------------------------------------------------------------------------------------------
# Expected outputs (visible mode only: the reference is imported here, lazily)
# ---------------------------------------------------------------------------------------------


def _reference():
    from course_pkg import reference

    return reference


def _ref_lstm_step_forward(args, p) -> dict[str, np.ndarray]:
    h_next, c_next, cache = _reference().lstm_step_forward(*args)
    gates = cache.gates[0]                                  # (N, 4, H) in the order i, f, c, o
    return {"h_next": h_next, "c_next": c_next,
            "i": gates[:, 0], "f": gates[:, 1], "g": gates[:, 2], "o": gates[:, 3]}


def _ref_lstm_step_backward(args, p) -> dict[str, np.ndarray]:
    ref = _reference()
    dh_next, dc_next, cache = args
    _, _, ref_cache = ref.lstm_step_forward(*cache[:6])
    dx, dh_prev, dc_prev, dW, dU, db = ref.lstm_step_backward(dh_next, dc_next, ref_cache)
    out = {"dx": dx, "dh_prev": dh_prev, "dc_prev": dc_prev}
    for key, grad in (("dW", dW), ("dU", dU), ("db", db)):
        out.update(_split_blocks("reference", key, grad, LSTM_GATES))
    return out


def _ref_lstm_forward(args, p) -> dict[str, np.ndarray]:
    h, cache = _reference().lstm_forward(*args)
    return {"h": h, "c": cache.c.transpose(1, 0, 2)}


def _ref_gru_step_forward(args, p) -> dict[str, np.ndarray]:
    h_next, cache = _reference().gru_step_forward(*args, reset_after=True)
    return {"h_next": h_next, "z": cache.z[0], "r": cache.r[0], "hh": cache.hh[0]}


def _ref_peephole(args, p) -> dict[str, np.ndarray]:
    ref = _reference()
    x, h0, c0, params = args
    variant = ref.LSTMVariant(peephole=True)
    out = {}
    for run, on in PEEPHOLE_RUNS.items():
        h, cache = ref.lstm_variant_forward(x, h0, _peephole_params(params, on), variant, c0=c0)
        out[run] = h
    out["c_last"] = cache.c[-1]
    return out


def _ref_gradient_norms(args, p) -> dict[str, np.ndarray]:
    """Backpropagate L = sum(h_T) with the reference's rnn_step_backward, one step at a time."""
    ref = _reference()
    h, U = args
    N, T, H = h.shape
    g = np.ones((N, H))
    norms = [np.linalg.norm(g)]
    for t in reversed(range(1, T)):
        # The cache of the step that made h[:, t]; dh_prev needs only its h_next and U.
        cache = ref.RNNStepCache(x=np.zeros((N, 1)), h_prev=h[:, t - 1], W=np.zeros((1, H)),
                                 U=U, h_next=h[:, t], activation="tanh")
        _, g, _, _, _ = ref.rnn_step_backward(g, cache)
        norms.append(np.linalg.norm(g))
    return {"norms": np.asarray(norms)}


def expected_vanishing_ratios() -> np.ndarray:
    """The experiment's answer, computed with the reference RNN: ratios[j] for RHOS[j]."""
    ref = _reference()
    ratios = []
    for rho in RHOS:
        x, h0, W, U, b = make_rnn(rho, **EXPERIMENT_SIZES)
        h, _ = ref.rnn_forward(x, h0, W, U, b)
        norms = _ref_gradient_norms((h, U), {})["norms"]
        ratios.append(norms[DISTANCE] / norms[0])
    return np.asarray(ratios)


# ---------------------------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------------------------


def _block_hints(grad: str, where: str, formula: str) -> dict[str, str]:
    """Hints for the four gate blocks of ``grad`` (dW, dU or db)."""
    da = {
        "i": "da_i = dc * g * i * (1 - i)",
        "f": "da_f = dc * c_prev * f * (1 - f)",
        "c": "da_c = dc * i * (1 - g**2)",
        "o": "da_o = dh_next * tanh(c_next) * o * (1 - o)",
    }
    cols = {"i": "0:H", "f": "H:2H", "c": "2H:3H", "o": "3H:4H"}
    return {
        f"{grad}_{gate}": (
            f"this is {grad}'s {LSTM_GATE_NAMES[gate]} block, {where.format(cols[gate])} = "
            f"{formula.format(gate)} with {da[gate]}"
            + (", where dc = dc_next + dh_next * o * (1 - tanh(c_next)**2)" if gate != "o" else "")
            + "."
        )
        for gate in LSTM_GATES
    }


_STEP_SHAPES = ("N", "D", "H")

lstm_step_forward = register(Check(
    name="lstm_step_forward",
    output_names=("h_next", "c_next", "i", "f", "g", "o"),
    defaults={"N": 3, "D": 4, "H": 5, "seed": 0},
    build_inputs=_inputs_lstm_step_forward,
    unpack=_unpack_lstm_step_forward,
    reference=_ref_lstm_step_forward,
    hints={
        "h_next": "h_next = o * tanh(c_next): the output gate times tanh of the NEW cell state.",
        "c_next": "check the forget gate multiplies c_prev and the input gate the candidate: "
        "c_next = f * c_prev + i * g.",
        "i": "the input gate is i = sigmoid(a[:, 0:H]), the FIRST block of "
        "a = x @ W + h_prev @ U + b (Keras order i, f, c, o).",
        "f": "the forget gate is f = sigmoid(a[:, H:2H]), the SECOND block of "
        "a = x @ W + h_prev @ U + b.",
        "g": "the candidate is g = tanh(a[:, 2H:3H]), the THIRD block, with tanh (not sigmoid).",
        "o": "the output gate is o = sigmoid(a[:, 3H:4H]), the FOURTH block.",
    },
    shape_params=_STEP_SHAPES,
))

lstm_step_backward = register(Check(
    name="lstm_step_backward",
    output_names=("dx", "dh_prev", "dc_prev",
                  *(f"{g}_{k}" for g in ("dW", "dU", "db") for k in LSTM_GATES)),
    defaults={"N": 3, "D": 4, "H": 5, "seed": 0},
    build_inputs=data_inputs("lstm_step_backward"),
    unpack=_unpack_lstm_step_backward,
    reference=_ref_lstm_step_backward,
    hints={
        "dx": "dx = da @ W.T, where da (N, 4H) holds da_i, da_f, da_c, da_o side by side in "
        "Keras order.",
        "dh_prev": "dh_prev = da @ U.T (U transposed); h_prev reaches the loss only through "
        "the four gates' pre-activations.",
        "dc_prev": "it is the forget-gate term alone, dc_prev = dc * f, where "
        "dc = dc_next + dh_next * o * (1 - tanh(c_next)**2) is the whole gradient reaching "
        "c_next (from the next step AND through h_next).",
        **_block_hints("dW", "dW[:, {}]", "x.T @ da_{}"),
        **_block_hints("dU", "dU[:, {}]", "h_prev.T @ da_{}"),
        **_block_hints("db", "db[{}]", "da_{} summed over the batch (axis 0)"),
    },
    shape_params=_STEP_SHAPES,
))

lstm_forward = register(Check(
    name="lstm_forward",
    output_names=("h", "c"),
    defaults={"N": 2, "T": 4, "D": 3, "H": 5, "seed": 0},
    build_inputs=_inputs_lstm_forward,
    unpack=_unpack_lstm_forward,
    reference=_ref_lstm_forward,
    hints={
        "h": "start from h0 and c0 = zeros, feed each step the h_next AND c_next of the "
        "previous step, and store h_t in h[:, t, :] (batch first: (N, T, H)).",
        "c": "the cell state must be carried from step to step: c_prev of step t is the "
        "c_next of step t - 1, starting from c0 = zeros (N, H).",
    },
    shape_params=("N", "T", "D", "H"),
))

gru_step_forward = register(Check(
    name="gru_step_forward",
    output_names=("h_next", "z", "r", "hh"),
    defaults={"N": 3, "D": 4, "H": 5, "seed": 0},
    build_inputs=_inputs_gru_step_forward,
    unpack=_unpack_gru_step_forward,
    reference=_ref_gru_step_forward,
    hints={
        "h_next": "Keras's convention is h_next = z * h_prev + (1 - z) * hh: z near 1 KEEPS the "
        "old state (the lectures' z is our 1 - z).",
        "z": "the update gate is z = sigmoid(x @ W[:, 0:H] + b[0, 0:H] + h_prev @ U[:, 0:H] + "
        "b[1, 0:H]): the FIRST block, with both bias rows.",
        "r": "the reset gate is r = sigmoid(x @ W[:, H:2H] + b[0, H:2H] + h_prev @ U[:, H:2H] + "
        "b[1, H:2H]): the SECOND block, with both bias rows.",
        "hh": "with reset_after=True the reset gate multiplies the whole recurrent term, bias "
        "included: hh = tanh(x @ W_h + b[0, 2H:] + r * (h_prev @ U_h + b[1, 2H:])).",
    },
    shape_params=_STEP_SHAPES,
))

_PEEPHOLE = register(Check(
    name="peephole_lstm_cell",
    output_names=(*PEEPHOLE_RUNS, "c_last"),
    defaults={"N": 2, "T": 4, "D": 3, "H": 5, "seed": 0},
    build_inputs=_inputs_peephole,
    unpack=lambda v: v,
    reference=_ref_peephole,
    hints={
        "h_no_peepholes": "with p_i = p_f = p_o = 0 your cell must be Keras's LSTM: "
        "a = x @ kernel + h_prev @ recurrent_kernel + bias, blocks i, f, c, o; "
        "c = f * c_prev + i * g; h = o * tanh(c).",
        "h_only_p_i": "the input gate's peephole: add p_i * c_prev (the PREVIOUS cell state) "
        "to the input gate's pre-activation.",
        "h_only_p_f": "the forget gate's peephole: add p_f * c_prev (the PREVIOUS cell state) "
        "to the forget gate's pre-activation.",
        "h_only_p_o": "the output gate's peephole looks at the NEW cell state: add p_o * c, "
        "after c is updated, to the output gate's pre-activation.",
        "h": "with every peephole on at once: check each gate's peephole term.",
        "c_last": "the second returned state must be the new cell state: return h, [h, c] "
        "(the order of state_size).",
    },
    shape_params=("N", "T", "D", "H"),
    rtol=1e-4,   # Keras runs in float32
    atol=1e-5,
))

_GRADIENT_NORMS = register(Check(
    name="gradient_norms",
    output_names=("norms",),
    defaults={"N": 1, "T": 8, "D": 3, "H": 6, "rho": 0.9, "seed": 0},
    build_inputs=data_inputs("gradient_norms"),
    unpack=lambda v: {"norms": v},
    reference=_ref_gradient_norms,
    hints={
        "norms": "start from g = dL/dh_T = ones (N, H), so norms[0] = sqrt(N * H); one step "
        "back is g = (g * (1 - h_t**2)) @ U.T, with the tanh derivative of the LATER state h_t; "
        "norms[k] = np.linalg.norm(g) after k steps, for k = 0 .. T - 1.",
    },
    shape_params=("N", "T", "H", "rho"),
))

_VANISHING = register(Check(
    name="vanishing_experiment",
    output_names=("ratios",),
    defaults={"seed": 0},
    build_inputs=lambda p: (),
    unpack=lambda v: {"ratios": v},
    reference=lambda args, p: {"ratios": expected_vanishing_ratios()},
    hints={
        "ratios": f"ratios[j] = norms[{DISTANCE}] / norms[0] for the RNN make_rnn(RHOS[j]), "
        "run forward from its h0 with tanh_rnn_forward, norms from your gradient_norms "
        "(which must pass its own test first).",
    },
    rtol=1e-4,
    atol=1e-12,
))


def peephole_lstm_cell(cell_class: Callable[..., Any], **params: Any) -> None:
    """Check a Keras peephole LSTM cell class against the reference peephole LSTM.

    Each call runs ``cell_class(H)`` inside ``keras.layers.RNN`` five times (no peephole, each
    peephole alone, all three) from non-zero initial states; a wrong output names the term.

    Args:
        cell_class: the cell class (not an instance).
        **params: N, T, D, H, seed (defaults 2, 4, 3, 5, 0).
    """
    run_check(_PEEPHOLE, lambda *args: run_peephole_cell(cell_class, *args), params)


def gradient_norms(student_fn: Callable[..., Any], **params: Any) -> None:
    """Check ``gradient_norms(h, U) -> norms`` on a tanh RNN (N, T, D, H, rho, seed)."""
    run_check(_GRADIENT_NORMS, student_fn, params)


def vanishing_experiment(ratios: Any) -> None:
    """Check the experiment's answer: ``ratios[j] = norms[DISTANCE] / norms[0]`` for RHOS[j].

    Visible mode compares with the reference's value (relative tolerance 1e-4); capture mode
    records ``ratios`` for the trusted side, which compares it with the instructor's run.
    """
    run_check(_VANISHING, lambda: ratios, {})
