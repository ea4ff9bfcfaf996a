"""Checks for the ``seq2seq_attention`` assignment.

Every check builds its inputs from its parameters and seed with pure NumPy (no input holds a
forward value: the backward check runs the student's own forward first), so capture mode never
needs :mod:`course_pkg.reference`; the expected outputs are computed with
:mod:`course_pkg.reference.attention`, imported inside the ``_ref_*`` functions (visible mode
only). Keras is imported only by the visible-mode reference of :func:`attention_keras`
(``course_pkg.reference.attention.keras_attention``), never while grading.

The student-facing conventions they pin (stated again in the notebook): batch first; ``query``
(N, Hq) the decoder state, ``enc`` (N, S, H) the encoder states (keys and values), ``mask``
(N, S) boolean, True at real source positions.

- ``score_dot(query, enc)``, ``score_general(query, enc, W_a)``,
  ``score_additive(query, enc, W_1, W_2, v)`` -> scores (N, S);
- ``masked_softmax(scores, mask)`` -> weights (N, S): 0 at padding, all zeros for a row without
  a real position, the dtype of ``scores`` kept;
- ``attention(query, enc, mask, score, params) -> (context (N, H), weights (N, S), cache)``,
  ``score`` one of ``"dot"``, ``"general"``, ``"additive"`` and ``params`` a dict (``{}``,
  ``{"W_a": ...}``, ``{"W_1": ..., "W_2": ..., "v": ...}``);
- ``attention_backward(d_context, cache) -> grads``, a dict with ``"scores"``, ``"query"``,
  ``"enc"`` and the score's parameters;
- ``decoder_step(x, s_prev, enc, mask, params) -> (log_probs, s, h_att, weights)``;
- ``beam_search(step, state0, k, max_len, alpha) -> (tokens, score)``.

Parameters every check takes: sizes, ``seed`` and ``dtype`` (``"float64"`` or ``"float32"``:
the dtype of the inputs); the masks of ``masked_softmax``, ``attention`` and
``attention_backward`` also take ``empty_rows``, the number of leading rows with no real
position. Float32 inputs are float32 values exactly, so the float64 reference sees the same.
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
from course_pkg.checks.seeded import requested_dtype, seeded_rng

SCORES = ("dot", "general", "additive")
SCORE_PARAMS = {"dot": (), "general": ("W_a",), "additive": ("W_1", "W_2", "v")}
DTYPES = ("float64", "float32")
RTOL, ATOL = 1e-4, 1e-6  # float32 inputs: the float32 rounding of a correct answer passes


# ---------------------------------------------------------------------------------------------
# Deterministic inputs (pure NumPy; no reference)
# ---------------------------------------------------------------------------------------------


def _cast(p: dict[str, Any], *arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    dtype = requested_dtype(p, DTYPES)
    return tuple(a.astype(dtype) for a in arrays)


def make_mask(rng: np.random.Generator, N: int, S: int, empty_rows: int = 0) -> np.ndarray:
    """(N, S) boolean mask, True at real positions, padding on the right: row lengths drawn in
    1..S (the last row always full), the first ``empty_rows`` rows with no real position."""
    lengths = rng.integers(1, S + 1, size=N)
    lengths[-1] = S
    lengths[:empty_rows] = 0
    return np.arange(S)[None, :] < lengths[:, None]


def _score_params(rng: np.random.Generator, score: str, Hq: int, H: int, A: int) -> dict:
    if score == "general":
        return {"W_a": rng.normal(scale=0.5, size=(Hq, H))}
    if score == "additive":
        return {"W_1": rng.normal(scale=0.5, size=(Hq, A)), "W_2": rng.normal(scale=0.5, size=(H, A)),
                "v": rng.normal(size=(A,))}
    return {}


def _inputs_scores(score: str) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    def build(p: dict[str, Any]) -> tuple[Any, ...]:
        rng = seeded_rng(p["seed"])
        Hq = p["H"] if score == "dot" else p["Hq"]
        query = rng.normal(size=(p["N"], Hq))
        enc = rng.normal(size=(p["N"], p["S"], p["H"]))
        params = _score_params(rng, score, Hq, p["H"], p.get("A", 1))
        return _cast(p, query, enc, *(params[k] for k in SCORE_PARAMS[score]))
    return build


def _inputs_masked_softmax(p: dict[str, Any]) -> tuple[Any, ...]:
    rng = seeded_rng(p["seed"])
    scores = p["scale"] * rng.normal(size=(p["N"], p["S"]))
    return (*_cast(p, scores), make_mask(rng, p["N"], p["S"], p["empty_rows"]))


def _inputs_attention(p: dict[str, Any]) -> tuple[Any, ...]:
    """``(query, enc, mask, score, params)`` of one attention step."""
    rng = seeded_rng(p["seed"])
    score = p["score"]
    if score not in SCORES:
        raise ValueError(f"score must be one of {list(SCORES)}, got {score!r}")
    Hq = p["H"] if score == "dot" else p["Hq"]
    query = rng.normal(size=(p["N"], Hq))
    enc = rng.normal(size=(p["N"], p["S"], p["H"]))
    mask = make_mask(rng, p["N"], p["S"], p["empty_rows"])
    params = _score_params(rng, score, Hq, p["H"], p["A"])
    query, enc = _cast(p, query, enc)
    return (query, enc, mask, score, {k: _cast(p, v)[0] for k, v in params.items()})


def _inputs_attention_backward(p: dict[str, Any]) -> tuple[Any, ...]:
    """``(query, enc, mask, score, params, d_context)``."""
    d_context = seeded_rng(p["seed"] + 1).normal(size=(p["N"], p["H"]))
    return (*_inputs_attention(p), *_cast(p, d_context))


def _as_float32_values(a: np.ndarray) -> np.ndarray:
    return a.astype(np.float32).astype(np.float64)


def _inputs_keras(p: dict[str, Any]) -> tuple[Any, ...]:
    """``(query, enc, mask)`` in float32 values, every row with at least one real position."""
    rng = seeded_rng(p["seed"])
    query = _as_float32_values(rng.normal(size=(p["N"], p["H"])))
    enc = _as_float32_values(rng.normal(size=(p["N"], p["S"], p["H"])))
    return (query, enc, make_mask(rng, p["N"], p["S"]))


DECODER_PARAMS = ("W_x", "W_s", "b", "W_a", "W_c", "W_o", "b_o")


def _inputs_decoder_step(p: dict[str, Any]) -> tuple[Any, ...]:
    """``(x, s_prev, enc, mask, params)`` of one decoder step."""
    rng = seeded_rng(p["seed"])
    N, S, E, Hd, H, Hc, V = (p[k] for k in ("N", "S", "E", "Hd", "H", "Hc", "V"))
    x = rng.normal(size=(N, E))
    s_prev = rng.normal(scale=0.5, size=(N, Hd))
    enc = rng.normal(size=(N, S, H))
    mask = make_mask(rng, N, S, p["empty_rows"])
    shapes = {"W_x": (E, Hd), "W_s": (Hd, Hd), "b": (Hd,), "W_a": (Hd, H), "W_c": (H + Hd, Hc),
              "W_o": (Hc, V), "b_o": (V,)}
    params = {k: _cast(p, rng.normal(scale=0.5, size=shapes[k]))[0] for k in DECODER_PARAMS}
    x, s_prev, enc = _cast(p, x, s_prev, enc)
    return (x, s_prev, enc, mask, params)


def make_step(V: int, H: int, seed: int, dtype: str = "float64"
              ) -> tuple[Callable[[int, np.ndarray], tuple[np.ndarray, np.ndarray]], np.ndarray]:
    """A tiny RNN language model as a step function, and its initial state.

    ``step(token, state) -> (log_probs (V,), new_state (H,))`` with
    ``new_state = tanh(E[token] + state @ U)`` and ``log_probs = log_softmax(new_state @ O)``;
    the arrays are of ``dtype``. Deterministic given its arguments; no two tokens tie.
    """
    rng = seeded_rng(seed)
    dt = np.dtype(dtype)
    E = rng.normal(size=(V, H)).astype(dt)
    U = rng.normal(scale=0.8, size=(H, H)).astype(dt)
    O = rng.normal(scale=1.5, size=(H, V)).astype(dt)
    state0 = rng.normal(scale=0.5, size=(H,)).astype(dt)

    def step(token: int, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if not 0 <= int(token) < V:
            raise ValueError(f"step: token must be an id in 0..{V - 1}, got {token!r}")
        new_state = np.tanh(E[int(token)] + np.asarray(state) @ U)
        logits = new_state @ O
        m = logits.max()
        return logits - m - np.log(np.exp(logits - m).sum()), new_state

    return step, state0


def _inputs_beam_search(p: dict[str, Any]) -> tuple[Any, ...]:
    step, state0 = make_step(p["V"], p["H"], p["seed"], requested_dtype(p, DTYPES).name)
    return (step, state0, p["k"], p["max_len"], p["alpha"])


# ---------------------------------------------------------------------------------------------
# Unpacking the student's return values
# ---------------------------------------------------------------------------------------------


def _array(check_name: str, name: str, value: Any) -> np.ndarray:
    try:
        return np.asarray(value)
    except Exception as exc:  # noqa: BLE001 - ragged lists and the like
        raise OutputFormatError(f"{check_name}: {name} is not an array: {exc}") from None


def _dtype_bits(check_name: str, name: str, value: Any) -> int:
    arr = _array(check_name, name, value)
    if arr.dtype.kind != "f":
        raise OutputFormatError(f"{check_name}: {name} has dtype {arr.dtype}, expected floats")
    return arr.dtype.itemsize * 8


def _unpack_weights(check_name: str, weights: Any, mask: np.ndarray) -> dict[str, Any]:
    """``weights`` and the diagnostics that name the wrong term: its row sums (over the source
    axis) and its values at the padded positions."""
    arr = _array(check_name, "weights", weights)
    out: dict[str, Any] = {"weights": weights}
    if arr.shape == mask.shape and arr.dtype.kind in "fiub":
        out["row_sums"] = arr.astype(np.float64).sum(axis=1)
        out["padded_weights"] = np.where(mask, 0.0, arr.astype(np.float64))
        out["dtype_bits"] = _dtype_bits(check_name, "weights", arr)
    return out


def _unpack_masked_softmax(value: Any) -> dict[str, Any]:
    weights, mask = value
    return _unpack_weights("masked_softmax", weights, mask)


def _unpack_attention(value: Any) -> dict[str, Any]:
    returned, mask = value
    out = unpack_tuple(returned, ("context", "weights"), check_name="attention", total=3)
    context = out.pop("context")
    out = {"context": context, **_unpack_weights("attention", out["weights"], mask)}
    out.pop("dtype_bits", None)
    out["dtype_bits"] = _dtype_bits("attention", "context", context)
    return out


def _unpack_backward(score: str) -> Callable[[Any], dict[str, Any]]:
    keys = ("scores", "query", "enc", *SCORE_PARAMS[score])

    def unpack(grads: Any) -> dict[str, Any]:
        if not isinstance(grads, dict):
            raise OutputFormatError(
                f"attention_backward returned a {type(grads).__name__}, expected a dict with the "
                f"keys {', '.join(repr(k) for k in keys)}"
            )
        missing = [k for k in keys if k not in grads]
        if missing:
            raise OutputFormatError(
                f"attention_backward ({score} score): the gradients lack the key(s) "
                f"{', '.join(repr(k) for k in missing)}"
            )
        return {f"d_{k}": grads[k] for k in keys}

    return unpack


def _unpack_decoder_step(value: Any) -> dict[str, Any]:
    return unpack_tuple(value, ("log_probs", "s", "h_att", "weights"), check_name="decoder_step")


def _unpack_beam_search(value: Any, max_len: int) -> dict[str, Any]:
    out = unpack_tuple(value, ("tokens", "score"), check_name="beam_search")
    try:
        tokens = as_numeric_array(out["tokens"]).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise OutputFormatError(f"beam_search: tokens is not a sequence of token ids: {exc}") from None
    if tokens.dtype.kind != "i" or not 1 <= tokens.size <= max_len:
        raise OutputFormatError(
            f"beam_search: tokens must be 1 to max_len={max_len} integer ids, got {tokens.size} "
            f"of dtype {tokens.dtype}"
        )
    padded = np.full(max_len, -1, dtype=np.int64)
    padded[:tokens.size] = tokens
    return {"tokens": padded, "length": tokens.size, "score": out["score"]}


# ---------------------------------------------------------------------------------------------
# Expected outputs (visible mode only)
# ---------------------------------------------------------------------------------------------


def _f64(args: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(a.astype(np.float64) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a
                 for a in args)


def _ref_scores(score: str) -> Callable[..., dict[str, np.ndarray]]:
    def ref(args: tuple[Any, ...], p: dict[str, Any]) -> dict[str, np.ndarray]:
        from course_pkg.reference import attention as ref_attention

        fn = getattr(ref_attention, f"score_{score}")
        return {"scores": fn(*_f64(args))}
    return ref


def _weights_outputs(weights: np.ndarray, mask: np.ndarray, dtype_bits: int) -> dict[str, Any]:
    return {"weights": weights, "row_sums": weights.sum(axis=1),
            "padded_weights": np.where(mask, 0.0, weights), "dtype_bits": dtype_bits}


def _ref_masked_softmax(args: tuple[Any, ...], p: dict[str, Any]) -> dict[str, np.ndarray]:
    from course_pkg.reference.attention import masked_softmax

    scores, mask = args
    return _weights_outputs(masked_softmax(scores.astype(np.float64), mask), mask,
                            requested_dtype(p, DTYPES).itemsize * 8)


def _ref_attention(args: tuple[Any, ...], p: dict[str, Any]) -> dict[str, np.ndarray]:
    from course_pkg.reference.attention import attention

    query, enc, mask, score, params = args
    context, weights, _ = attention(*_f64((query, enc)), mask, score,
                                    dict(zip(params, _f64(tuple(params.values())))))
    return {"context": context, **_weights_outputs(weights, mask, requested_dtype(p, DTYPES).itemsize * 8)}


def _ref_backward(args: tuple[Any, ...], p: dict[str, Any]) -> dict[str, np.ndarray]:
    """Centred differences (float64) of ``L = sum(d_context * context)`` of the reference
    forward, for every input; ``d_scores`` differentiates through the masked softmax alone."""
    from course_pkg.reference.attention import attention, masked_softmax, scores_of
    from course_pkg.reference.gradcheck import numerical_gradient

    query, enc, mask, score, params, d_context = _f64(args[:4]) + (
        {k: v.astype(np.float64) for k, v in args[4].items()}, args[5].astype(np.float64))
    inputs = {"query": query, "enc": enc, **params}

    def loss(name: str) -> Callable[[np.ndarray], float]:
        def f(x: np.ndarray) -> float:
            values = {**inputs, name: x}
            q, e = values.pop("query"), values.pop("enc")
            return float(np.sum(d_context * attention(q, e, mask, score, values)[0]))
        return f

    out = {f"d_{name}": numerical_gradient(loss(name), value) for name, value in inputs.items()}
    scores = scores_of(query, enc, score, params)
    out["d_scores"] = numerical_gradient(
        lambda e: float(np.sum(d_context * np.einsum("ns,nsh->nh", masked_softmax(e, mask), enc))),
        scores)
    return out


def _student_keras_runs(attention_fn: Callable[..., Any]) -> Callable[..., dict[str, Any]]:
    def run(query: np.ndarray, enc: np.ndarray, mask: np.ndarray) -> dict[str, Any]:
        H = query.shape[1]
        out = {}
        for name, params in (("dot", {}),
                             ("additive", {"W_1": np.eye(H), "W_2": np.eye(H), "v": np.ones(H)})):
            got = unpack_tuple(attention_fn(query, enc, mask, name, params), ("context", "weights"),
                               check_name="attention", total=3)
            out[f"context_{name}"], out[f"weights_{name}"] = got["context"], got["weights"]
        return out
    return run


def _ref_keras(args: tuple[Any, ...], p: dict[str, Any]) -> dict[str, np.ndarray]:
    from course_pkg.reference.attention import keras_attention

    return keras_attention(*args)


def _ref_decoder_step(args: tuple[Any, ...], p: dict[str, Any]) -> dict[str, np.ndarray]:
    from course_pkg.reference.attention import decoder_step

    x, s_prev, enc, mask, params = args
    out = decoder_step(*_f64((x, s_prev, enc)), mask,
                       {k: v.astype(np.float64) for k, v in params.items()})
    return dict(zip(("log_probs", "s", "h_att", "weights"), out))


def _ref_beam_search(args: tuple[Any, ...], p: dict[str, Any]) -> dict[str, np.ndarray]:
    """Exhaustive search when the beam can hold every hypothesis, greedy search for k = 1, the
    reference beam search otherwise."""
    from course_pkg.reference import attention as ref

    step, state0, k, max_len, alpha = args
    if k >= p["V"] ** max_len:
        tokens, score = ref.exhaustive_search(step, state0, max_len, alpha)
    elif k == 1:
        tokens, score = ref.greedy_search(step, state0, max_len)
        score = score / len(tokens) ** alpha if alpha else score
    else:
        tokens, score = ref.beam_search(step, state0, k, max_len, alpha)
    return _unpack_beam_search((tokens, score), max_len)


# ---------------------------------------------------------------------------------------------
# The registered checks
# ---------------------------------------------------------------------------------------------

_WEIGHT_HINTS = {
    "weights": "a_s = exp(e_s) / sum over the REAL positions s' of exp(e_s'), for each row "
    "separately.",
    "row_sums": "each row of weights must sum to 1 over the source positions (axis=1), or to 0 "
    "for a row with no real position: softmax over axis=1, not over the batch (axis=0).",
    "padded_weights": "padded positions (mask False) must get weight exactly 0: did you apply "
    "the mask before the softmax (and give a row with no real position all zeros, not NaN)?",
    "dtype_bits": "keep the dtype of the inputs: float32 scores give float32 weights (np.zeros "
    "without dtype= or a float64 constant array turns them into float64).",
}

_COMMON = {"seed": 0, "dtype": "float64"}

SCORE_CHECKS = {
    "dot": register(Check(
        name="score_dot",
        output_names=("scores",),
        defaults={"N": 2, "S": 5, "H": 4, **_COMMON},
        build_inputs=_inputs_scores("dot"),
        unpack=lambda v: {"scores": v},
        reference=_ref_scores("dot"),
        hints={"scores": "e[n, s] = query[n] . enc[n, s] (np.einsum('nh,nsh->ns', ...)): one "
               "score per source position of each row, shape (N, S)."},
        shape_params=("N", "S", "H", "dtype"),
        rtol=RTOL, atol=ATOL,
    )),
    "general": register(Check(
        name="score_general",
        output_names=("scores",),
        defaults={"N": 2, "S": 5, "Hq": 3, "H": 4, **_COMMON},
        build_inputs=_inputs_scores("general"),
        unpack=lambda v: {"scores": v},
        reference=_ref_scores("general"),
        hints={"scores": "e[n, s] = (query[n] @ W_a) . enc[n, s] with W_a of shape (Hq, H): "
               "multiply the query by W_a first, then take the dot product with each enc[n, s]."},
        shape_params=("N", "S", "Hq", "H", "dtype"),
        rtol=RTOL, atol=ATOL,
    )),
    "additive": register(Check(
        name="score_additive",
        output_names=("scores",),
        defaults={"N": 2, "S": 5, "Hq": 3, "H": 4, "A": 6, **_COMMON},
        build_inputs=_inputs_scores("additive"),
        unpack=lambda v: {"scores": v},
        reference=_ref_scores("additive"),
        hints={"scores": "e[n, s] = v . tanh(query[n] @ W_1 + enc[n, s] @ W_2): broadcast "
               "(query @ W_1)[:, None, :] (N, 1, A) against enc @ W_2 (N, S, A), tanh, then @ v."},
        shape_params=("N", "S", "Hq", "H", "A", "dtype"),
        rtol=RTOL, atol=ATOL,
    )),
}

_MASKED_SOFTMAX = register(Check(
    name="masked_softmax",
    output_names=("weights", "row_sums", "padded_weights", "dtype_bits"),
    defaults={"N": 4, "S": 6, "scale": 1.0, "empty_rows": 0, **_COMMON},
    build_inputs=_inputs_masked_softmax,
    unpack=_unpack_masked_softmax,
    reference=_ref_masked_softmax,
    hints={**_WEIGHT_HINTS, "weights": _WEIGHT_HINTS["weights"] + " Subtract each row's "
           "largest real score before np.exp, or large scores overflow to inf."},
    shape_params=("N", "S", "scale", "empty_rows", "dtype"),
    rtol=RTOL, atol=ATOL, exact=("dtype_bits",),
))

_ATTENTION = register(Check(
    name="attention",
    output_names=("context", "weights", "row_sums", "padded_weights", "dtype_bits"),
    defaults={"score": "general", "N": 3, "S": 5, "Hq": 3, "H": 4, "A": 6, "empty_rows": 0,
              **_COMMON},
    build_inputs=_inputs_attention,
    unpack=_unpack_attention,
    reference=_ref_attention,
    hints={**_WEIGHT_HINTS,
           "weights": "weights = masked_softmax(scores, mask), the scores from the score "
           "function that `score` names, with its parameters from `params`.",
           "context": "context[n] = sum_s weights[n, s] * enc[n, s] (np.einsum('ns,nsh->nh', "
           "...)): a weighted average of the encoder states, shape (N, H).",
           "dtype_bits": "keep the dtype of the inputs: float32 query and enc give a float32 "
           "context."},
    shape_params=("score", "N", "S", "H", "empty_rows", "dtype"),
    rtol=RTOL, atol=ATOL, exact=("dtype_bits",),
))

_KERAS = register(Check(
    name="attention_keras",
    output_names=("context_dot", "weights_dot", "context_additive", "weights_additive"),
    defaults={"N": 3, "S": 6, "H": 4, "seed": 0},
    build_inputs=_inputs_keras,
    unpack=lambda v: v,
    reference=_ref_keras,
    hints={
        "context_dot": "keras.layers.Attention(use_scale=False) gives context = weights @ enc "
        "with the dot score: check score_dot and the weighted sum.",
        "weights_dot": "keras.layers.Attention(use_scale=False) gives softmax(q . h_s) over the "
        "unmasked positions: check score_dot and masked_softmax.",
        "context_additive": "keras.layers.AdditiveAttention(use_scale=False) is your additive "
        "attention with W_1 = W_2 = identity and v = ones.",
        "weights_additive": "keras.layers.AdditiveAttention(use_scale=False) scores "
        "sum(tanh(q + h_s)): your score_additive with W_1 = W_2 = identity and v = ones.",
    },
    shape_params=("N", "S", "H"),
    rtol=1e-4, atol=1e-5,  # Keras runs in float32
))

_BACKWARD_HINTS = {
    "d_scores": "the softmax backward: with d_a[n, s] = d_context[n] . enc[n, s], "
    "d_e = a * (d_a - sum_s a * d_a) (sum over the source axis of each row); padded positions "
    "and empty rows get 0.",
    "d_query": "the query reaches the loss only through the scores: d_query = sum_s d_e[n, s] "
    "* (d e_s / d query).",
    "d_enc": "enc is used TWICE: as the values (d_enc += a[n, s] * d_context[n]) and inside the "
    "scores (d_enc += d_e[n, s] * d e_s / d enc[n, s]): add both terms.",
    "d_W_a": "d_W_a = query.T @ (sum_s d_e[n, s] enc[n, s]), summed over the batch.",
    "d_W_1": "with u = tanh(query @ W_1 + enc @ W_2) and d_pre = d_e[..., None] * v * (1 - u**2): "
    "d_W_1 = query.T @ d_pre.sum(axis=1).",
    "d_W_2": "d_W_2 = sum over n and s of outer(enc[n, s], d_pre[n, s]) "
    "(np.einsum('nsh,nsa->ha', enc, d_pre)).",
    "d_v": "d_v = sum over n and s of d_e[n, s] * u[n, s] (u = tanh(query @ W_1 + enc @ W_2)).",
}

BACKWARD_CHECKS = {
    score: register(Check(
        name=f"attention_backward_{score}",
        output_names=tuple(f"d_{k}" for k in ("scores", "query", "enc", *SCORE_PARAMS[score])),
        defaults={"score": score, "N": 3, "S": 5, "Hq": 3, "H": 4, "A": 6, "empty_rows": 0,
                  **_COMMON},
        build_inputs=_inputs_attention_backward,
        unpack=_unpack_backward(score),
        reference=_ref_backward,
        hints={k: v for k, v in _BACKWARD_HINTS.items()
               if k in ("d_scores", "d_query", "d_enc") or k[2:] in SCORE_PARAMS[score]},
        shape_params=("score", "N", "S", "H", "empty_rows", "dtype"),
        rtol=RTOL, atol=ATOL,
    ))
    for score in SCORES
}

_DECODER = register(Check(
    name="decoder_step",
    output_names=("s", "weights", "h_att", "log_probs"),
    defaults={"N": 3, "S": 5, "E": 3, "Hd": 4, "H": 4, "Hc": 5, "V": 7, "empty_rows": 0,
              **_COMMON},
    build_inputs=_inputs_decoder_step,
    unpack=_unpack_decoder_step,
    reference=_ref_decoder_step,
    hints={
        "s": "the decoder's RNN step comes first: s = tanh(x @ W_x + s_prev @ W_s + b).",
        "weights": "attend with the NEW state s (not s_prev) as the query: attention(s, enc, "
        "mask, 'general', {'W_a': W_a}).",
        "h_att": "h_att = tanh(concatenate([context, s], axis=1) @ W_c): the context FIRST, "
        "then s.",
        "log_probs": "log_probs = log_softmax(h_att @ W_o + b_o) over the vocabulary (axis=1): "
        "logits minus the log of the sum of their exponentials (subtract the max first).",
    },
    shape_params=("N", "S", "Hd", "H", "V", "empty_rows", "dtype"),
    rtol=RTOL, atol=ATOL,
))

_BEAM = register(Check(
    name="beam_search",
    output_names=("tokens", "length", "score"),
    defaults={"V": 3, "H": 4, "k": 2, "max_len": 4, "alpha": 0.0, **_COMMON},
    build_inputs=_inputs_beam_search,
    unpack=lambda v: v,
    reference=_ref_beam_search,
    hints={
        "tokens": "keep the k candidates with the best score / length ** alpha at every step: "
        "extend each unfinished hypothesis by every token (calling step with its own last token "
        "and state), carry finished ones (they emitted end) over unchanged, stop when all are "
        "finished or after max_len steps. The tokens exclude start and include end.",
        "length": "a hypothesis ends with the first end token it emits (included), or after "
        "max_len tokens.",
        "score": "return the best hypothesis's sum of log probabilities divided by "
        "length ** alpha (length normalisation; length counts its tokens, end included).",
    },
    shape_params=("V", "k", "max_len", "alpha", "dtype"),
    rtol=1e-5, atol=1e-5, exact=("tokens", "length"),
))


# ---------------------------------------------------------------------------------------------
# What the notebook calls
# ---------------------------------------------------------------------------------------------


def score_dot(student_fn: Callable[..., Any], **params: Any) -> None:
    """Check ``score_dot(query, enc) -> scores`` (N, S, H, seed, dtype)."""
    run_check(SCORE_CHECKS["dot"], student_fn, params)


def score_general(student_fn: Callable[..., Any], **params: Any) -> None:
    """Check ``score_general(query, enc, W_a) -> scores`` (N, S, Hq, H, seed, dtype)."""
    run_check(SCORE_CHECKS["general"], student_fn, params)


def score_additive(student_fn: Callable[..., Any], **params: Any) -> None:
    """Check ``score_additive(query, enc, W_1, W_2, v) -> scores`` (N, S, Hq, H, A, seed, dtype)."""
    run_check(SCORE_CHECKS["additive"], student_fn, params)


def masked_softmax(student_fn: Callable[..., Any], **params: Any) -> None:
    """Check ``masked_softmax(scores, mask) -> weights`` (N, S, scale, empty_rows, seed, dtype);
    the outputs compared are the weights, their row sums, their padded entries and their dtype."""
    run_check(_MASKED_SOFTMAX, lambda scores, mask: (student_fn(scores, mask), mask), params)


def attention(student_fn: Callable[..., Any], **params: Any) -> None:
    """Check ``attention(query, enc, mask, score, params) -> (context, weights, cache)``
    (score, N, S, Hq, H, A, empty_rows, seed, dtype)."""
    def run(query, enc, mask, score, score_params):
        return student_fn(query, enc, mask, score, score_params), mask
    run_check(_ATTENTION, run, params)


def attention_keras(student_fn: Callable[..., Any], **params: Any) -> None:
    """Check ``attention`` against ``keras.layers.Attention`` (dot score) and
    ``keras.layers.AdditiveAttention`` (additive score, W_1 = W_2 = I, v = 1) (N, S, H, seed)."""
    run_check(_KERAS, _student_keras_runs(student_fn), params)


def attention_backward(forward_fn: Callable[..., Any], backward_fn: Callable[..., Any],
                       **params: Any) -> None:
    """Check ``attention_backward(d_context, cache) -> grads`` on the cache of the student's own
    ``attention`` (score, N, S, Hq, H, A, empty_rows, seed, dtype); visible mode compares with
    centred differences (float64) of the reference forward."""
    score = params.get("score", "general")
    if score not in BACKWARD_CHECKS:
        raise ValueError(f"score must be one of {list(SCORES)}, got {score!r}")

    def run(query, enc, mask, score_name, score_params, d_context):
        returned = forward_fn(query, enc, mask, score_name, score_params)
        if not isinstance(returned, (tuple, list)) or len(returned) != 3:
            raise OutputFormatError("attention_backward: attention must return (context, "
                                    "weights, cache) for the backward to receive its cache")
        return backward_fn(d_context, returned[2])

    run_check(BACKWARD_CHECKS[score], run, params)


def decoder_step(student_fn: Callable[..., Any], **params: Any) -> None:
    """Check ``decoder_step(x, s_prev, enc, mask, params) -> (log_probs, s, h_att, weights)``
    (N, S, E, Hd, H, Hc, V, empty_rows, seed, dtype)."""
    run_check(_DECODER, student_fn, params)


def beam_search(student_fn: Callable[..., Any], **params: Any) -> None:
    """Check ``beam_search(step, state0, k, max_len, alpha) -> (tokens, score)`` on a tiny RNN
    language model (V, H, k, max_len, alpha, seed, dtype). Visible mode compares with an
    exhaustive search when ``k >= V ** max_len``, with greedy search when ``k = 1``."""
    max_len = _BEAM.resolve_params(params)["max_len"]
    run_check(_BEAM, lambda *args: _unpack_beam_search(student_fn(*args), max_len), params)
