"""Global attention for one decoder step, forward and backward, and beam search, in NumPy.

The solution of the ``seq2seq_attention`` assignment, with the conventions its notebook states
(batch first, row-vector weights, the scores of :mod:`course_pkg.models.translation`):

- ``query`` (N, Hq): the decoder state at this step; ``enc`` (N, S, H): the encoder states,
  which are both the keys and the values; ``mask`` (N, S): True (or 1) at real source
  positions, False (0) at padding.
- scores e (N, S): dot ``e_s = q . h_s`` (Hq = H); general ``e_s = (q W_a) . h_s`` with W_a
  (Hq, H); additive ``e_s = v . tanh(q W_1 + h_s W_2)`` with W_1 (Hq, A), W_2 (H, A), v (A,).
- weights a (N, S): the softmax of the scores over the real positions of each row; padded
  positions get exactly 0, and a row with no real position gets all zeros (so its context is 0).
- context c (N, H): ``c = sum_s a_s h_s``.

Every function keeps the dtype of its floating-point inputs (float32 in, float32 out).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

SCORES = ("dot", "general", "additive")
#: The parameters each score takes, in the order of its function's arguments.
SCORE_PARAMS = {"dot": (), "general": ("W_a",), "additive": ("W_1", "W_2", "v")}


def score_dot(query: np.ndarray, enc: np.ndarray) -> np.ndarray:
    """``e[n, s] = query[n] . enc[n, s]``: query (N, H), enc (N, S, H) -> (N, S)."""
    return np.einsum("nh,nsh->ns", query, enc)


def score_general(query: np.ndarray, enc: np.ndarray, W_a: np.ndarray) -> np.ndarray:
    """``e[n, s] = (query[n] @ W_a) . enc[n, s]``: query (N, Hq), W_a (Hq, H) -> (N, S)."""
    return np.einsum("nh,nsh->ns", query @ W_a, enc)


def score_additive(query: np.ndarray, enc: np.ndarray, W_1: np.ndarray, W_2: np.ndarray,
                   v: np.ndarray) -> np.ndarray:
    """``e[n, s] = v . tanh(query[n] @ W_1 + enc[n, s] @ W_2)``: W_1 (Hq, A), W_2 (H, A), v (A,)."""
    return np.tanh((query @ W_1)[:, None, :] + enc @ W_2) @ v


def masked_softmax(scores: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Softmax over the source axis (1) of ``scores`` (N, S), restricted to ``mask`` (N, S).

    Padded positions get 0; a row with no real position gets all zeros. Stable: each row's
    largest real score is subtracted before ``exp``.
    """
    keep = np.asarray(mask).astype(bool)
    shifted = np.where(keep, scores, -np.inf)
    row_max = np.max(shifted, axis=1, keepdims=True)
    row_max = np.where(np.isfinite(row_max), row_max, 0)
    e = np.where(keep, np.exp(np.where(keep, scores, row_max) - row_max), 0).astype(scores.dtype)
    total = e.sum(axis=1, keepdims=True)
    return e / np.where(total > 0, total, 1).astype(scores.dtype)


def scores_of(query: np.ndarray, enc: np.ndarray, score: str,
              params: Mapping[str, np.ndarray]) -> np.ndarray:
    """The raw scores (N, S) of ``score`` (one of :data:`SCORES`) with its ``params``."""
    if score not in SCORES:
        raise ValueError(f"score must be one of {list(SCORES)}, got {score!r}")
    fn = {"dot": score_dot, "general": score_general, "additive": score_additive}[score]
    return fn(query, enc, *(params[k] for k in SCORE_PARAMS[score]))


def attention(query: np.ndarray, enc: np.ndarray, mask: np.ndarray, score: str,
              params: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, tuple]:
    """One attention step.

    Returns:
        context (N, H), weights (N, S), and ``cache = (query, enc, mask, score, params,
        weights)`` for :func:`attention_backward`.
    """
    weights = masked_softmax(scores_of(query, enc, score, params), mask)
    context = np.einsum("ns,nsh->nh", weights, enc)
    return context, weights, (query, enc, mask, score, params, weights)


def attention_backward(d_context: np.ndarray, cache: tuple) -> dict[str, np.ndarray]:
    """Gradients of one attention step given ``d_context`` (N, H) = dL/dcontext.

    Returns:
        ``{"scores": (N, S), "query": (N, Hq), "enc": (N, S, H)}`` and the score's parameters
        (``"W_a"``; or ``"W_1"``, ``"W_2"``, ``"v"``), each shaped like the parameter.
    """
    query, enc, mask, score, params, a = cache
    d_a = np.einsum("nh,nsh->ns", d_context, enc)
    d_e = a * (d_a - np.sum(a * d_a, axis=1, keepdims=True))
    d_enc = a[:, :, None] * d_context[:, None, :]            # enc as the values
    grads: dict[str, np.ndarray] = {"scores": d_e}
    if score == "dot":
        grads["query"] = np.einsum("ns,nsh->nh", d_e, enc)
        d_enc = d_enc + d_e[:, :, None] * query[:, None, :]
    elif score == "general":
        W_a = params["W_a"]
        d_qw = np.einsum("ns,nsh->nh", d_e, enc)
        grads["query"] = d_qw @ W_a.T
        grads["W_a"] = query.T @ d_qw
        d_enc = d_enc + d_e[:, :, None] * (query @ W_a)[:, None, :]
    else:
        W_1, W_2, v = params["W_1"], params["W_2"], params["v"]
        u = np.tanh((query @ W_1)[:, None, :] + enc @ W_2)      # (N, S, A)
        d_pre = d_e[:, :, None] * v * (1 - u ** 2)
        grads["v"] = np.einsum("ns,nsa->a", d_e, u)
        grads["query"] = d_pre.sum(axis=1) @ W_1.T
        grads["W_1"] = query.T @ d_pre.sum(axis=1)
        grads["W_2"] = np.einsum("nsh,nsa->ha", enc, d_pre)
        d_enc = d_enc + d_pre @ W_2.T
    grads["enc"] = d_enc
    return grads


def keras_attention(query: np.ndarray, enc: np.ndarray, mask: np.ndarray) -> dict[str, np.ndarray]:
    """Keras's ``Attention`` (dot score) and ``AdditiveAttention`` on one query per row, no scale.

    ``AdditiveAttention(use_scale=False)`` scores ``sum(tanh(q + h_s))``: the additive score
    with ``W_1 = W_2 = I`` and ``v = 1``. Run in float32 on the CPU; returned as float64.
    """
    import keras

    q = query[:, None, :].astype(np.float32)
    h = enc.astype(np.float32)
    out = {}
    with keras.device("cpu:0"):
        for name, layer in (("dot", keras.layers.Attention(use_scale=False, score_mode="dot")),
                            ("additive", keras.layers.AdditiveAttention(use_scale=False))):
            context, weights = layer([q, h], mask=[None, mask], return_attention_scores=True)
            out[f"context_{name}"] = keras.ops.convert_to_numpy(context)[:, 0].astype(np.float64)
            out[f"weights_{name}"] = keras.ops.convert_to_numpy(weights)[:, 0].astype(np.float64)
    return out


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """``logits - logsumexp(logits)`` over the last axis."""
    m = np.max(logits, axis=-1, keepdims=True)
    return logits - m - np.log(np.sum(np.exp(logits - m), axis=-1, keepdims=True))


def decoder_step(x: np.ndarray, s_prev: np.ndarray, enc: np.ndarray, mask: np.ndarray,
                 params: Mapping[str, np.ndarray]) -> tuple[np.ndarray, ...]:
    """One decoder step with general attention (Luong et al., 2015, without input feeding).

    ``s = tanh(x W_x + s_prev W_s + b)``; ``context, weights = attention(s, ...)`` with the
    general score ``W_a``; ``h_att = tanh([context, s] W_c)``; ``log_probs =
    log_softmax(h_att W_o + b_o)``. Shapes: x (N, E), s_prev (N, Hd), enc (N, S, H), W_x (E, Hd),
    W_s (Hd, Hd), b (Hd,), W_a (Hd, H), W_c (H + Hd, Hc), W_o (Hc, V), b_o (V,).

    Returns:
        log_probs (N, V), s (N, Hd), h_att (N, Hc), weights (N, S).
    """
    p = params
    s = np.tanh(x @ p["W_x"] + s_prev @ p["W_s"] + p["b"])
    context, weights, _ = attention(s, enc, mask, "general", {"W_a": p["W_a"]})
    h_att = np.tanh(np.concatenate([context, s], axis=1) @ p["W_c"])
    return log_softmax(h_att @ p["W_o"] + p["b_o"]), s, h_att, weights


# --------------------------------------------------------------------------- beam search

Step = Callable[[int, Any], tuple[np.ndarray, Any]]


def _normalised(score: float, length: int, alpha: float) -> float:
    return score / max(length, 1) ** alpha if alpha else score


def beam_search(step: Step, state0: Any, k: int, max_len: int, alpha: float = 0.0,
                start: int = 1, end: int = 2) -> tuple[list[int], float]:
    """Beam search for one example over ``step(token, state) -> (log_probs (V,), state)``.

    A hypothesis is its tokens (``start`` not included), the sum of their log probabilities and
    the state after its last token; it is finished once it emitted ``end``. At each of at most
    ``max_len`` steps, every unfinished hypothesis of the beam is extended by each of the V
    tokens, finished ones are carried over unchanged, and the ``k`` candidates with the highest
    ``score / length ** alpha`` (length: the number of tokens, ``end`` included) form the new
    beam; the search stops early when every hypothesis of the beam is finished.

    Returns:
        The tokens of the best hypothesis of the final beam and its normalised score.
    """
    beam = [(0.0, [], state0, False)]
    for _ in range(max_len):
        candidates = []
        for score, tokens, state, done in beam:
            if done:
                candidates.append((score, tokens, state, done))
                continue
            log_probs, new_state = step(tokens[-1] if tokens else start, state)
            for token, lp in enumerate(np.asarray(log_probs, dtype=np.float64)):
                candidates.append((score + float(lp), tokens + [token], new_state, token == end))
        candidates.sort(key=lambda c: -_normalised(c[0], len(c[1]), alpha))
        beam = candidates[:k]
        if all(done for *_, done in beam):
            break
    best = max(beam, key=lambda c: _normalised(c[0], len(c[1]), alpha))
    return best[1], _normalised(best[0], len(best[1]), alpha)


def greedy_search(step: Step, state0: Any, max_len: int, start: int = 1,
                  end: int = 2) -> tuple[list[int], float]:
    """The most likely token at every step until ``end`` or ``max_len`` tokens (beam width 1,
    where length normalisation changes nothing): tokens and the sum of their log probabilities."""
    tokens: list[int] = []
    score, state, prev = 0.0, state0, start
    for _ in range(max_len):
        log_probs, state = step(prev, state)
        prev = int(np.argmax(log_probs))
        score += float(log_probs[prev])
        tokens.append(prev)
        if prev == end:
            break
    return tokens, score


def exhaustive_search(step: Step, state0: Any, max_len: int, alpha: float = 0.0,
                      start: int = 1, end: int = 2) -> tuple[list[int], float]:
    """The best of every possible output by ``score / length ** alpha``: each sequence that ends
    at its first ``end`` within ``max_len`` tokens, and each of ``max_len`` tokens without one."""
    best: tuple[float, list[int]] = (-np.inf, [])

    def extend(tokens: list[int], score: float, state: Any) -> None:
        nonlocal best
        log_probs, new_state = step(tokens[-1] if tokens else start, state)
        for token, lp in enumerate(np.asarray(log_probs, dtype=np.float64)):
            seq, total = tokens + [token], score + float(lp)
            if token == end or len(seq) == max_len:
                ranked = _normalised(total, len(seq), alpha)
                if ranked > best[0]:
                    best = (ranked, seq)
            else:
                extend(seq, total, new_state)

    extend([], 0.0, state0)
    return best[1], best[0]
