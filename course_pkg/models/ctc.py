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

__all__ = ["alignment_probability", "brute_force_ctc_loss", "ctc_alignments", "ctc_collapse"]


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
