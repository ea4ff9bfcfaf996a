"""CTC in NumPy: the forward (alpha) recursion of the loss of one label, and greedy decoding.

The solution of the CTC part of the ``sequence_models`` assignment, with the conventions of
Keras 3 (``keras.ops.ctc_loss`` and ``keras.ops.ctc_decode`` with ``mask_index=0``): class 0 is
the blank, the labels use the ids 1 .. C-1, and a network gives one distribution per frame.

- ``log_probs`` (T, C): log probabilities of the C classes at each of the T frames (rows of a
  log-softmax).
- The extended label ``l'`` of a label ``l`` of length L puts blanks around and between its
  characters: ``l' = (blank, l_1, blank, l_2, ..., l_L, blank)``, S = 2L + 1 states.
- ``log_alpha[t, s]`` (T, S): the log of the total probability of the paths of frames 0..t that
  end in state s and collapse to the start of ``l`` that state s stands for; ``-inf`` where no
  path can be. The recursion adds three transitions into state s: stay (s), advance (s - 1), and
  skip (s - 2) when ``l'_s`` is not the blank and differs from ``l'_{s-2}`` (a blank between
  two equal characters may not be skipped).
- The loss is ``-log(alpha[T-1, S-1] + alpha[T-1, S-2])``: a path ends on the last character or
  on the blank after it.

Greedy decoding takes the most probable class at each frame, merges runs of the same class and
drops the blanks (in that order: ``a - a`` is ``a a``, ``a a`` is ``a``).

Example:
    >>> log_probs = np.log(np.full((3, 3), 1 / 3))
    >>> round(float(ctc_forward(log_probs, [1, 2])[0]), 4)  # 5 of the 27 paths give "1 2"
    1.6864
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

BLANK = 0
"""The blank's class id, as in Keras (``mask_index=0``)."""


def extended_label(label: Sequence[int], blank: int = BLANK) -> np.ndarray:
    """``(blank, l_1, blank, ..., l_L, blank)``: the 2L + 1 states of the recursion."""
    ext = np.full(2 * len(label) + 1, blank, dtype=np.int64)
    ext[1::2] = np.asarray(label, dtype=np.int64)
    return ext


def ctc_forward(log_probs: np.ndarray, label: Sequence[int], blank: int = BLANK
                ) -> tuple[float, np.ndarray]:
    """The CTC loss of one label, by the forward recursion in log space.

    Args:
        log_probs: (T, C) log probabilities per frame.
        label: L class ids, none of them the blank (L >= 1).
        blank: the blank's class id.

    Returns:
        loss: ``-log P(label | frames)`` (``inf`` when T is too short for the label).
        log_alpha: (T, 2L + 1), ``-inf`` at unreachable states; the dtype of ``log_probs``.
    """
    log_probs = np.asarray(log_probs)
    ext = extended_label(label, blank)
    T, S = log_probs.shape[0], len(ext)
    emit = log_probs[:, ext]                                   # (T, S): log p_t(l'_s)
    log_alpha = np.full((T, S), -np.inf, dtype=log_probs.dtype)
    log_alpha[0, :2] = emit[0, :2]
    skip = np.zeros(S, dtype=bool)
    skip[2:] = (ext[2:] != blank) & (ext[2:] != ext[:-2])
    with np.errstate(divide="ignore", invalid="ignore"):
        for t in range(1, T):
            prev = log_alpha[t - 1]
            stay = prev
            advance = np.concatenate([[-np.inf], prev[:-1]])
            jump = np.where(skip, np.concatenate([[-np.inf, -np.inf], prev[:-2]]), -np.inf)
            log_alpha[t] = np.logaddexp(np.logaddexp(stay, advance), jump) + emit[t]
        total = np.logaddexp(log_alpha[-1, -1], log_alpha[-1, -2] if S > 1 else -np.inf)
    return float(-total), log_alpha


def ctc_greedy_decode(log_probs: np.ndarray, lengths: Sequence[int], blank: int = BLANK
                      ) -> list[list[int]]:
    """Best path decoding of a batch: argmax per frame, merge repeats, drop blanks.

    Args:
        log_probs: (N, T, C) log probabilities (or logits: only their argmax counts).
        lengths: (N,) frames of each example; frames at or after ``lengths[n]`` are padding.
        blank: the blank's class id.

    Returns:
        N lists of class ids.
    """
    best = np.argmax(np.asarray(log_probs), axis=-1)
    out = []
    for n, length in enumerate(np.asarray(lengths, dtype=np.int64)):
        path = best[n, :length]
        keep = np.ones(len(path), dtype=bool)
        keep[1:] = path[1:] != path[:-1]
        out.append([int(c) for c in path[keep] if c != blank])
    return out


def keras_ctc(log_probs: np.ndarray, labels: Sequence[Sequence[int]], lengths: Sequence[int]
              ) -> tuple[np.ndarray, list[list[int]]]:
    """``keras.ops.ctc_loss`` of each label and ``keras.ops.ctc_decode`` (greedy), blank 0.

    Args:
        log_probs: (N, T, C), the frames of N examples (``lengths`` of them real).
        labels: N labels, or ``[]`` for no loss.
        lengths: (N,) frames of each example.

    Returns:
        The N losses (float64; Keras computes in float32 on the CPU) and the N decoded labels.
    """
    import keras

    x = np.asarray(log_probs, dtype=np.float32)
    lengths = np.asarray(lengths, dtype=np.int32)
    with keras.device("cpu:0"):
        losses = np.zeros(0)
        if labels:
            width = max(len(label) for label in labels)
            target = np.zeros((len(labels), width), dtype=np.int32)
            for n, label in enumerate(labels):
                target[n, :len(label)] = label
            losses = keras.ops.convert_to_numpy(keras.ops.ctc_loss(
                target, x, np.array([len(label) for label in labels], dtype=np.int32), lengths,
                mask_index=BLANK)).astype(np.float64)
        decoded, _ = keras.ops.ctc_decode(x, lengths, strategy="greedy", mask_index=BLANK)
        decoded = keras.ops.convert_to_numpy(decoded)[0]
    return losses, [[int(c) for c in row if c >= 0] for row in decoded]
