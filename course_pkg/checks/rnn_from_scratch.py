"""Checks for the ``rnn_from_scratch`` assignment.

Each check builds float64 inputs from its parameters and seed with pure NumPy (so capture mode
never needs :mod:`course_pkg.reference`) and computes the expected outputs with the reference,
imported inside the ``_ref_*`` functions (visible mode only). The backward checks' inputs hold
a forward pass's step caches: nothing here computes them; they come in as data
(:mod:`course_pkg.checks.inputs`, built by :mod:`course_pkg.forward_inputs`).

The student-facing conventions they pin (stated again in the notebook):

- ``rnn_step_forward(x, h_prev, W, U, b) -> (h_next, cache)`` with
  ``cache = (x, h_prev, W, U, b, h_next)``; x (N, D), h_prev (N, H), W (D, H), U (H, H), b (H,).
- ``rnn_step_backward(dh_next, cache) -> (dx, dh_prev, dW, dU, db)``.
- ``rnn_forward(x, h0, W, U, b) -> (h, cache)``; x (N, T, D), h (N, T, H), ``cache`` is the list
  of the T step caches.
- ``rnn_backward(dh, cache) -> (dx, dh0, dW, dU, db)``; dh (N, T, H) is dLoss/dh_t from above.
- ``clip_by_global_norm(grads, max_norm) -> (clipped, global_norm)``; grads and clipped are
  dicts with the same keys.
- ``sample_next_char(logits, temperature, rng) -> (probs, idx)``; logits (N, V); exactly one
  ``u = rng.random(N)`` and ``idx[i]`` is the first index whose cumulative probability exceeds
  ``u[i]`` (what ``rng.choice(V, p=probs[i])`` does for one row).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course_pkg.checks.core import Check, OutputFormatError, register, unpack_tuple
from course_pkg.checks.inputs import data_inputs
from course_pkg.checks.seeded import seeded_rng

# ---------------------------------------------------------------------------------------------
# Deterministic inputs (pure NumPy; no reference)
# ---------------------------------------------------------------------------------------------


def _weights(rng: np.random.Generator, D: int, H: int) -> tuple[np.ndarray, ...]:
    # Scaled so that tanh stays away from saturation and every term matters.
    W = rng.normal(scale=0.5, size=(D, H))
    U = rng.normal(scale=0.5, size=(H, H))
    b = rng.normal(scale=0.2, size=(H,))
    return W, U, b


def _inputs_forward(p: dict[str, Any]) -> tuple[Any, ...]:
    rng = seeded_rng(p["seed"])
    x = rng.normal(size=(p["N"], p["T"], p["D"]))
    h0 = rng.normal(scale=0.5, size=(p["N"], p["H"]))
    W, U, b = _weights(rng, p["D"], p["H"])
    return (x, h0, W, U, b)


def _inputs_step_forward(p: dict[str, Any]) -> tuple[Any, ...]:
    rng = seeded_rng(p["seed"])
    x = rng.normal(size=(p["N"], p["D"]))
    h_prev = rng.normal(scale=0.5, size=(p["N"], p["H"]))
    W, U, b = _weights(rng, p["D"], p["H"])
    return (x, h_prev, W, U, b)


# The backward checks' inputs hold a forward pass's caches: they come in as data, built by
# course_pkg.forward_inputs on the trusted side (see course_pkg.checks.inputs).


def _inputs_clip(p: dict[str, Any]) -> tuple[Any, ...]:
    rng = seeded_rng(p["seed"])
    scale = float(p["grad_scale"])
    grads = {
        "dW": scale * rng.normal(size=(p["D"], p["H"])),
        "dU": scale * rng.normal(size=(p["H"], p["H"])),
        "db": scale * rng.normal(size=(p["H"],)),
    }
    return (grads, float(p["max_norm"]))


def _inputs_sample(p: dict[str, Any]) -> tuple[Any, ...]:
    logits = float(p["logit_scale"]) * seeded_rng(p["seed"]).normal(size=(p["N"], p["V"]))
    sampling_rng = np.random.default_rng([int(p["seed"]), 1])
    return (logits, float(p["temperature"]), sampling_rng)


# ---------------------------------------------------------------------------------------------
# Unpacking the student's return values
# ---------------------------------------------------------------------------------------------


def _unpack_clip(value: Any) -> dict[str, Any]:
    out = unpack_tuple(value, ("clipped", "global_norm"), check_name="clip_by_global_norm")
    clipped = out["clipped"]
    if not isinstance(clipped, dict):
        raise OutputFormatError(
            "clip_by_global_norm must return (clipped, global_norm) with clipped a dict like "
            f"grads, got clipped of type {type(clipped).__name__}"
        )
    named = {k: clipped[k] for k in ("dW", "dU", "db") if k in clipped}
    named["global_norm"] = out["global_norm"]
    return named


# ---------------------------------------------------------------------------------------------
# Expected outputs (visible mode only: the reference is imported here, lazily)
# ---------------------------------------------------------------------------------------------


def _reference():
    from course_pkg import reference

    return reference


def _ref_step_forward(args, p) -> dict[str, np.ndarray]:
    h_next, _ = _reference().rnn_step_forward(*args)
    return {"h_next": h_next}


def _ref_step_backward(args, p) -> dict[str, np.ndarray]:
    ref = _reference()
    dh_next, (x, h_prev, W, U, b, _) = args
    _, cache = ref.rnn_step_forward(x, h_prev, W, U, b)
    return dict(zip(("dx", "dh_prev", "dW", "dU", "db"), ref.rnn_step_backward(dh_next, cache)))


def _ref_forward(args, p) -> dict[str, np.ndarray]:
    h, _ = _reference().rnn_forward(*args)
    return {"h": h}


def _ref_backward(args, p) -> dict[str, np.ndarray]:
    ref = _reference()
    dh, caches = args
    x = np.stack([c[0] for c in caches], axis=1)
    h0, W, U, b = caches[0][1], caches[0][2], caches[0][3], caches[0][4]
    _, cache = ref.rnn_forward(x, h0, W, U, b)
    return dict(zip(("dx", "dh0", "dW", "dU", "db"), ref.rnn_backward(dh, cache)))


def _ref_clip(args, p) -> dict[str, np.ndarray]:
    grads, max_norm = args
    clipped, norm = _reference().clip_by_global_norm(grads, max_norm)
    return {**{k: clipped[k] for k in ("dW", "dU", "db")}, "global_norm": np.asarray(norm)}


def _ref_sample(args, p) -> dict[str, np.ndarray]:
    ref = _reference()
    logits, temperature, rng = args
    probs = ref.softmax_with_temperature(logits, temperature)
    idx = np.asarray(ref.sample_index(logits, temperature, rng), dtype=np.int64)
    return {"probs": probs, "idx": idx}


# ---------------------------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------------------------

rnn_step_forward = register(Check(
    name="rnn_step_forward",
    output_names=("h_next",),
    defaults={"N": 3, "D": 4, "H": 5, "seed": 0},
    build_inputs=_inputs_step_forward,
    unpack=lambda v: unpack_tuple(v, ("h_next",), check_name="rnn_step_forward", total=2),
    reference=_ref_step_forward,
    hints={
        "h_next": "h_next = tanh(x @ W + h_prev @ U + b). Check the order of the products "
        "(x @ W with W of shape (D, H)) and that b is added before the tanh.",
    },
    shape_params=("N", "D", "H"),
))

rnn_step_backward = register(Check(
    name="rnn_step_backward",
    output_names=("dx", "dh_prev", "dW", "dU", "db"),
    defaults={"N": 3, "D": 4, "H": 5, "seed": 0},
    build_inputs=data_inputs("rnn_step_backward"),
    unpack=lambda v: unpack_tuple(
        v, ("dx", "dh_prev", "dW", "dU", "db"), check_name="rnn_step_backward"
    ),
    reference=_ref_step_backward,
    hints={
        "dx": "first form dz = dh_next * (1 - h_next**2) (the tanh derivative from the saved "
        "output), then dx = dz @ W.T.",
        "dh_prev": "dh_prev = dz @ U.T: U transposed, and dz already includes the tanh "
        "derivative 1 - h_next**2.",
        "dW": "dW = x.T @ dz, which sums over the batch.",
        "dU": "dU = h_prev.T @ dz: the PREVIOUS hidden state, not h_next.",
        "db": "db = dz summed over the batch axis (axis 0), shape (H,).",
    },
    shape_params=("N", "D", "H"),
))

rnn_forward = register(Check(
    name="rnn_forward",
    output_names=("h",),
    defaults={"N": 2, "T": 4, "D": 3, "H": 5, "seed": 0},
    build_inputs=_inputs_forward,
    unpack=lambda v: unpack_tuple(v, ("h",), check_name="rnn_forward", total=2),
    reference=_ref_forward,
    hints={
        "h": "start from h0, feed each step the state returned by the previous step, and "
        "store h_t in h[:, t, :] (batch first: h has shape (N, T, H)).",
    },
    shape_params=("N", "T", "D", "H"),
))

rnn_backward = register(Check(
    name="rnn_backward",
    output_names=("dx", "dh0", "dW", "dU", "db"),
    defaults={"N": 2, "T": 4, "D": 3, "H": 5, "seed": 0},
    build_inputs=data_inputs("rnn_backward"),
    unpack=lambda v: unpack_tuple(v, ("dx", "dh0", "dW", "dU", "db"), check_name="rnn_backward"),
    reference=_ref_backward,
    hints={
        "dx": "go backwards in time and give step t the TOTAL upstream gradient "
        "dh[:, t, :] + dh_prev from step t + 1.",
        "dh0": "dh0 is the dh_prev returned by the step at t = 0, after the whole loop.",
        "dW": "did you sum over time steps? W is shared by every step, so its gradient is the "
        "sum of the step gradients.",
        "dU": "did you sum over time steps? U is shared by every step, so its gradient is the "
        "sum of the step gradients.",
        "db": "did you sum over time steps? b is shared by every step, so its gradient is the "
        "sum of the step gradients.",
    },
    shape_params=("N", "T", "D", "H"),
))

clip_by_global_norm = register(Check(
    name="clip_by_global_norm",
    output_names=("dW", "dU", "db", "global_norm"),
    defaults={"D": 4, "H": 5, "max_norm": 1.0, "grad_scale": 1.0, "seed": 0},
    build_inputs=_inputs_clip,
    unpack=_unpack_clip,
    reference=_ref_clip,
    hints={
        "dW": "scale EVERY gradient by the same factor max_norm / global_norm, and only when "
        "global_norm > max_norm.",
        "dU": "scale EVERY gradient by the same factor max_norm / global_norm, and only when "
        "global_norm > max_norm.",
        "db": "scale EVERY gradient by the same factor max_norm / global_norm, and only when "
        "global_norm > max_norm.",
        "global_norm": "it is ONE number: the square root of the sum of squares of all entries "
        "of all gradients, computed before clipping.",
    },
    shape_params=("D", "H", "max_norm", "grad_scale"),
))

sample_next_char = register(Check(
    name="sample_next_char",
    output_names=("probs", "idx"),
    defaults={"N": 4, "V": 6, "temperature": 1.0, "logit_scale": 1.0, "seed": 0},
    build_inputs=_inputs_sample,
    unpack=lambda v: unpack_tuple(v, ("probs", "idx"), check_name="sample_next_char"),
    reference=_ref_sample,
    hints={
        "probs": "probs = softmax(logits / temperature) along the last axis; subtract each "
        "row's maximum before np.exp so that a small temperature cannot overflow.",
        "idx": "draw exactly once, u = rng.random(N), and take for each row the first index "
        "whose cumulative probability exceeds u[i]; any other use of rng gives other draws.",
    },
    shape_params=("N", "V", "temperature"),
    exact=("idx",),
))
