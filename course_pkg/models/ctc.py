"""Connectionist temporal classification by hand: alignments, collapsing, and their probability.

CTC (Graves et al., 2006) lets a network that outputs one distribution per frame (T frames) be
trained on a label of L <= T characters without saying which frame holds which character. An
*alignment* is one symbol per frame, from the alphabet plus a *blank* ``-``; collapsing it
(:func:`ctc_collapse`: merge runs of the same symbol, then drop blanks) gives a label. The CTC
probability of the label is the sum, over every alignment that collapses to it, of the product of
the per-frame probabilities:

    P(label | x) = sum over a in B^-1(label) of prod_t p_t(a_t)

and the CTC loss is -log P(label | x). :func:`ctc_alignments` lists the alignments by brute force
(fine for the lecture's "HI" over a handful of frames) and :func:`brute_force_ctc_loss` sums them,
to be compared with ``keras.ops.ctc_loss``, which computes the same sum with the forward
(alpha) recursion in O(T L) steps.

Example:
    >>> ctc_collapse("HH-I")
    'HI'
    >>> ctc_collapse("HEL-LO"), ctc_collapse("HELLO")
    ('HELLO', 'HELO')
    >>> len(ctc_alignments("HI", 4))
    15
"""

from __future__ import annotations

import itertools
from typing import Sequence

import numpy as np

__all__ = ["alignment_probability", "brute_force_ctc_loss", "ctc_alignments", "ctc_collapse",
           "ctc_prefix_beam_search"]


def ctc_collapse(path: Sequence, blank="-"):
    """The label an alignment stands for: merge each run of a repeated symbol, then drop blanks.

    Args:
        path: one symbol per frame (a string, or a sequence of ids).
        blank: the blank symbol (``"-"``, or an id such as 0).

    Returns:
        A string when ``path`` is a string, else a list.
    """
    out = [s for i, s in enumerate(path) if s != blank and (i == 0 or s != path[i - 1])]
    return "".join(out) if isinstance(path, str) else out


def ctc_alignments(label: Sequence, T: int, blank="-") -> list:
    """Every alignment of T frames that collapses to ``label``, in lexicographic order.

    Brute force over (distinct symbols of the label + blank) ** T paths: meant for the small
    examples of the book (3 ** 5 = 243 paths for "HI" over 5 frames).

    Args:
        label: the target, e.g. ``"HI"`` or ``[8, 9]``.
        T: the number of frames.
        blank: the blank symbol.

    Returns:
        The alignments, as strings when ``label`` is a string, else as tuples.

    Raises:
        ValueError: T is not a positive integer, or the label contains the blank.
    """
    if not isinstance(T, (int, np.integer)) or T < 1:
        raise ValueError(f"ctc_alignments: T must be a positive integer, got {T!r}")
    if blank in label:
        raise ValueError(f"ctc_alignments: the label {label!r} contains the blank {blank!r}")
    target = list(label)
    symbols = [blank] + sorted(set(target), key=target.index)
    paths = [p for p in itertools.product(symbols, repeat=int(T))
             if list(ctc_collapse(p, blank)) == target]
    return ["".join(p) for p in paths] if isinstance(label, str) else paths


def alignment_probability(path: Sequence, probs: np.ndarray, symbols: Sequence) -> float:
    """prod_t probs[t, index of path[t]]: the probability of one alignment.

    Args:
        path: one symbol per frame (T,).
        probs: per-frame distributions (T, V), rows summing to 1.
        symbols: the symbol of each of the V columns, e.g. ``"-HI"``.
    """
    columns = [list(symbols).index(s) for s in path]
    return float(np.prod(np.asarray(probs)[np.arange(len(columns)), columns]))


def brute_force_ctc_loss(label: Sequence, probs: np.ndarray, symbols: Sequence, blank="-"
                         ) -> tuple[float, list]:
    """-log of the summed probability of every alignment of ``label`` (and the alignments).

    Args:
        label: the target.
        probs: per-frame distributions (T, V) (a softmax output).
        symbols: the symbol of each column of ``probs``, the blank among them.
        blank: the blank symbol.

    Returns:
        ``(loss, alignments)``.
    """
    paths = ctc_alignments(label, len(probs), blank)
    total = sum(alignment_probability(p, probs, symbols) for p in paths)
    return float(-np.log(total)), paths


def ctc_prefix_beam_search(log_probs: np.ndarray, beam_width: int = 16, blank: int = 0) -> list[int]:
    """The most likely label by CTC prefix beam search over one example's frames.

    Each prefix (a label so far) keeps two log probabilities, of its alignments ending in a blank
    and ending in its last symbol, so that every alignment collapsing to the prefix is counted
    once; after each frame the ``beam_width`` most likely prefixes are kept. The decoding of
    ``keras.ops.ctc_decode(strategy="beam_search")``, which Keras's PyTorch backend lacks.

    Args:
        log_probs: (T, C) per-frame log probabilities (log-softmax of the logits); T is the valid
            frames only.
        beam_width: prefixes kept after each frame (a positive integer).
        blank: the blank class.

    Returns:
        The best prefix, class ids without blanks.
    """
    if isinstance(beam_width, bool) or not isinstance(beam_width, int) or beam_width <= 0:
        raise ValueError(f"ctc_prefix_beam_search: argument beam_width expected a positive "
                         f"integer, got {beam_width!r}")
    log_probs = np.asarray(log_probs, dtype=np.float64)
    if log_probs.ndim != 2:
        raise ValueError(f"ctc_prefix_beam_search: argument log_probs expected shape (T, C), "
                         f"got {log_probs.shape}")
    neg_inf = -np.inf
    beams: dict[tuple, tuple[float, float]] = {(): (0.0, neg_inf)}   # prefix -> (blank, symbol)
    for frame in log_probs:
        nxt: dict[tuple, list[float]] = {}

        def add(prefix, k, value):
            entry = nxt.setdefault(prefix, [neg_inf, neg_inf])
            entry[k] = np.logaddexp(entry[k], value)

        for prefix, (p_blank, p_symbol) in beams.items():
            total = np.logaddexp(p_blank, p_symbol)
            add(prefix, 0, total + frame[blank])
            for c, p in enumerate(frame):
                if c == blank:
                    continue
                if prefix and prefix[-1] == c:
                    add(prefix, 1, p_symbol + p)           # a repeat merges into the prefix
                    add(prefix + (c,), 1, p_blank + p)     # a blank in between: a new symbol
                else:
                    add(prefix + (c,), 1, total + p)
        ranked = sorted(nxt.items(), key=lambda kv: -np.logaddexp(*kv[1]))
        beams = {prefix: (b, s) for prefix, (b, s) in ranked[:beam_width]}
    return list(max(beams.items(), key=lambda kv: np.logaddexp(*kv[1]))[0])
