"""Inputs of the checks that contain forward values or course data, built on the trusted side only.

A backward check needs the step cache of a forward pass (``h_next``, the gates, ``c_next``);
the gradient-norm check needs the hidden states of a tanh RNN. Computing them is computing a
graded answer, so this module is not part of :mod:`course_pkg.checks`: the autograder's sandbox
does not show it (see ``autograder/sandbox.py``, ``PACKAGE_VISIBLE``). The grader calls
:data:`BUILDERS` on its side and hands the result to the sandbox as read-only data
(:mod:`course_pkg.checks.inputs`); outside the grader the checks import this module themselves.

The tagger check of ``sequence_models`` trains on the slot-filling corpus of
:mod:`course_pkg.data.slot_filling`, which the sandbox does not show either: its builder hands
in the encoded training sentences and the held-out sentences' words; their tags stay here
(:func:`tagger_test_tags`, read by the check's judge on the trusted side).

Every builder takes the check's resolved parameters (sizes and ``seed``) and returns the tuple
of arguments of the student's function, exactly as the checks document them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np

from course_pkg.checks.lstm_and_gru import _inputs_lstm_step_forward, make_rnn
from course_pkg.checks.rnn_from_scratch import _inputs_forward, _inputs_step_forward
from course_pkg.checks.seeded import seeded_rng


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def rnn_step_cache(
    x: np.ndarray, h_prev: np.ndarray, W: np.ndarray, U: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, ...]:
    """The documented RNN step cache ``(x, h_prev, W, U, b, h_next)``: an input of the backward."""
    h_next = np.tanh(x @ W + h_prev @ U + b)
    return (x, h_prev, W, U, b, h_next)


def lstm_step_cache(
    x: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray,
    W: np.ndarray, U: np.ndarray, b: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """The documented LSTM step cache ``(x, h_prev, c_prev, W, U, b, i, f, g, o, c_next)``.

    x (N, D), h_prev and c_prev (N, H), W (D, 4H), U (H, 4H), b (4H,); the gates i, f, g, o and
    c_next are (N, H). This is the input of ``lstm_step_backward`` in the checks.
    """
    a_i, a_f, a_c, a_o = np.split(x @ W + h_prev @ U + b, 4, axis=1)
    i, f, g, o = _sigmoid(a_i), _sigmoid(a_f), np.tanh(a_c), _sigmoid(a_o)
    c_next = f * c_prev + i * g
    return (x, h_prev, c_prev, W, U, b, i, f, g, o, c_next)


def tanh_rnn_forward(
    x: np.ndarray, h0: np.ndarray, W: np.ndarray, U: np.ndarray, b: np.ndarray
) -> np.ndarray:
    """Hidden states h_1 .. h_T, shape (N, T, H), of h_t = tanh(x_t @ W + h_{t-1} @ U + b)."""
    N, T, _ = x.shape
    h = np.zeros((N, T, h0.shape[1]))
    h_t = h0
    for t in range(T):
        h_t = np.tanh(x[:, t] @ W + h_t @ U + b)
        h[:, t] = h_t
    return h


def rnn_step_backward_inputs(p: dict[str, Any]) -> tuple[Any, ...]:
    """``(dh_next, cache)`` for ``rnn_step_backward`` (N, D, H, seed)."""
    x, h_prev, W, U, b = _inputs_step_forward(p)
    dh_next = seeded_rng(p["seed"] + 1).normal(size=(p["N"], p["H"]))
    return (dh_next, rnn_step_cache(x, h_prev, W, U, b))


def rnn_backward_inputs(p: dict[str, Any]) -> tuple[Any, ...]:
    """``(dh, caches)`` for ``rnn_backward`` (N, T, D, H, seed): the T step caches in order."""
    x, h0, W, U, b = _inputs_forward(p)
    caches = []
    h = h0
    for t in range(p["T"]):
        cache = rnn_step_cache(x[:, t, :], h, W, U, b)
        caches.append(cache)
        h = cache[-1]
    dh = seeded_rng(p["seed"] + 1).normal(size=(p["N"], p["T"], p["H"]))
    return (dh, caches)


def lstm_step_backward_inputs(p: dict[str, Any]) -> tuple[Any, ...]:
    """``(dh_next, dc_next, cache)`` for ``lstm_step_backward`` (N, D, H, seed)."""
    cache = lstm_step_cache(*_inputs_lstm_step_forward(p))
    rng = seeded_rng(p["seed"] + 1)
    dh_next = rng.normal(size=(p["N"], p["H"]))
    dc_next = rng.normal(size=(p["N"], p["H"]))
    return (dh_next, dc_next, cache)


def gradient_norms_inputs(p: dict[str, Any]) -> tuple[Any, ...]:
    """``(h, U)`` for ``gradient_norms`` (N, T, D, H, rho, seed): h the states of a tanh RNN."""
    x, h0, W, U, b = make_rnn(float(p["rho"]), H=p["H"], D=p["D"], T=p["T"], seed=p["seed"])
    x = np.repeat(x, p["N"], axis=0) + seeded_rng(p["seed"] + 1).normal(size=(p["N"], p["T"], p["D"]))
    h = tanh_rnn_forward(x, np.zeros((p["N"], p["H"])), W, U, b)
    return (h, U)


@lru_cache(maxsize=4)
def _tagger_corpus(n_train: int, n_test: int, data_seed: int) -> tuple[Any, ...]:
    from course_pkg.data.slot_filling import (
        INTENTS,
        encode,
        make_corpus,
        tag_vocabulary,
        word_vocabulary,
    )

    corpus = make_corpus(n_train=n_train, n_test=n_test, n_targeted=2, seed=data_seed)
    words, tags = word_vocabulary(corpus.train), tag_vocabulary(corpus.train)
    T = max(len(u.tokens) for u in corpus.train + corpus.test)
    x_train, y_train, _ = encode(corpus.train, words, tags, INTENTS, T)
    x_test, y_test, _ = encode(corpus.test, words, tags, INTENTS, T)
    lengths = np.array([len(u.tokens) for u in corpus.test])
    return (x_train.astype(np.int64), y_train.astype(np.int64), len(words), len(tags),
            x_test.astype(np.int64), y_test.astype(np.int64), lengths, tuple(tags.tokens))


def tagger_inputs(p: dict[str, Any]) -> tuple[Any, ...]:
    """``(x_train (N, T), y_train (N, T), vocab_size, n_tags, x_test (M, T))`` for
    ``train_tagger`` (n_train, n_test, data_seed): word and tag ids of the slot-filling corpus,
    right-padded with 0; the held-out sentences come from templates never used in training."""
    return _tagger_corpus(p["n_train"], p["n_test"], p["data_seed"])[:5]


def tagger_test_tags(p: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """``(y_test (M, T) tag ids, lengths (M,), tag names)`` of the held-out sentences of
    :func:`tagger_inputs`: what the trained tagger is scored against."""
    return _tagger_corpus(p["n_train"], p["n_test"], p["data_seed"])[5:]


BUILDERS: dict[str, Callable[[dict[str, Any]], tuple[Any, ...]]] = {
    "rnn_step_backward": rnn_step_backward_inputs,
    "rnn_backward": rnn_backward_inputs,
    "lstm_step_backward": lstm_step_backward_inputs,
    "gradient_norms": gradient_norms_inputs,
    "train_tagger": tagger_inputs,
}
"""Check name -> its input builder, for every check whose inputs contain forward values."""
