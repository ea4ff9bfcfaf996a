"""A dilated RNN (Chang et al., 2017): a stack of recurrent layers whose layer k connects h_t to
h_{t - d_k}, with dilations d_k = 1, 2, 4, ...

A recurrent layer with dilation d runs d independent chains, one per residue of t modulo d: step
t follows step t - d. Written with stock layers, that is a reshape of time::

    (N, T, D) -> (N, T/d, d, D) -> swap -> (N * d, T/d, D)        DilationSplit(d)
              -> GRU / LSTM (return_sequences=True)              d chains of T/d steps each
    (N * d, T/d, H) -> (N, d, T/d, H) -> swap -> (N, T, H)        DilationMerge(d)

so the recurrent layer itself is a plain Keras ``GRU`` or ``LSTM`` and keeps the cuDNN kernel.
With dilations 1, 2, 4, 8 a signal needs about T/8 recurrent steps of the top layer (plus a few
below) to cross T steps, instead of T: the gradient path is shorter. The plain stack of the same
layers (every dilation 1) has exactly the same parameters, so the comparison is fair.

Example:
    >>> model = dilated_classifier(vocab=16, classes=8, T=32, dilations=(1, 2, 4), units=8)
    >>> [type(layer).__name__ for layer in model.layers][2:5]
    ['GRU', 'DilationSplit', 'GRU']
"""

from __future__ import annotations

from typing import Callable, Sequence

import keras
from keras import ops

from .recurrent_layers import recurrent_layer

__all__ = ["DilationMerge", "DilationSplit", "EXAMPLE_MODELS", "dilated_classifier",
           "dilated_stack"]


def _check_dilation(cls: str, dilation) -> int:
    if isinstance(dilation, bool) or not isinstance(dilation, int) or dilation <= 0:
        raise ValueError(f"{cls}: argument dilation expected a positive integer, got {dilation!r}")
    return dilation


class _Dilation(keras.layers.Layer):
    """A reshape of time with a dilation d (no weights)."""

    def __init__(self, dilation: int, **kwargs):
        super().__init__(**kwargs)
        self.dilation = _check_dilation(type(self).__name__, dilation)

    def get_config(self):
        return {**super().get_config(), "dilation": self.dilation}


class DilationSplit(_Dilation):
    """(N, T, D) -> (N * d, T / d, D): row n * d + r holds steps r, r + d, r + 2d, ... of row n.

    T must be a multiple of d.
    """

    def call(self, x):
        d = self.dilation
        shape = ops.shape(x)
        steps, features = shape[1], shape[2]
        x = ops.reshape(x, (-1, steps // d, d, features))
        x = ops.transpose(x, (0, 2, 1, 3))
        return ops.reshape(x, (-1, steps // d, features))

    def compute_output_shape(self, input_shape):
        n, steps, features = input_shape
        d = self.dilation
        return (None if n is None else n * d, None if steps is None else steps // d, features)


class DilationMerge(_Dilation):
    """The inverse of ``DilationSplit``: (N * d, T / d, H) -> (N, T, H)."""

    def call(self, h):
        d = self.dilation
        shape = ops.shape(h)
        chain, units = shape[1], shape[2]
        h = ops.reshape(h, (-1, d, chain, units))
        h = ops.transpose(h, (0, 2, 1, 3))
        return ops.reshape(h, (-1, chain * d, units))

    def compute_output_shape(self, input_shape):
        n, chain, units = input_shape
        d = self.dilation
        return (None if n is None else n // d, None if chain is None else chain * d, units)


def dilated_stack(x, dilations: Sequence[int], units: int, cell: str = "gru"):
    """Apply one recurrent layer per dilation to x (N, T, D); return h (N, T, H) of the top one.

    A dilation of 1 is a plain layer (no reshape). T must be a multiple of every dilation.
    """
    if cell not in ("gru", "lstm"):
        raise ValueError(f"dilated_stack: argument cell expected 'gru' or 'lstm', got {cell!r}")
    for k, d in enumerate(dilations):
        layer = recurrent_layer(cell, units, return_sequences=True, name=f"{cell}_{k}_d{d}")
        if d == 1:
            x = layer(x)
        else:
            x = DilationMerge(d, name=f"merge_{k}")(layer(DilationSplit(d, name=f"split_{k}")(x)))
    return x


def dilated_classifier(vocab: int, classes: int, T: int, *, dilations: Sequence[int] = (1, 2, 4, 8),
                       units: int = 32, embed: int = 16, cell: str = "gru",
                       name: str | None = None) -> keras.Model:
    """Build (not compile) a sequence classifier: Embedding -> dilated stack -> the top layer's
    last step -> Dense(classes, softmax).

    Args:
        vocab, classes: token ids 0..vocab-1 and the number of classes.
        T: the sequence length (fixed: a multiple of every dilation).
        dilations: one recurrent layer per entry; all ones gives the plain stack.
        units, embed: H per layer and the embedding size.
        cell: "gru" or "lstm".
    """
    for d in dilations:
        _check_dilation("dilated_classifier", d)
        if T % d:
            raise ValueError(f"dilated_classifier: argument T expected a multiple of every "
                             f"dilation {list(dilations)}, got {T}")
    tokens = keras.Input((T,), dtype="int32", name="tokens")
    x = keras.layers.Embedding(vocab, embed, name="embedding")(tokens)
    h = dilated_stack(x, dilations, units, cell)
    last = h[:, -1, :]                       # the top layer at step T - 1 has seen every step
    probs = keras.layers.Dense(classes, activation="softmax", dtype="float32", name="class")(last)
    label = name or ("dilated_" if any(d > 1 for d in dilations) else "plain_") + cell
    return keras.Model(tokens, probs, name=label)


#: Small instances for the structure tests: the dilated stack and its plain twin.
EXAMPLE_MODELS: dict[str, Callable[[], keras.Model]] = {
    "dilated_gru": lambda: dilated_classifier(16, 8, 32, dilations=(1, 2, 4), units=8),
    "plain_gru": lambda: dilated_classifier(16, 8, 32, dilations=(1, 1, 1), units=8),
    "dilated_lstm": lambda: dilated_classifier(16, 8, 32, dilations=(1, 2, 4), units=8,
                                               cell="lstm"),
}
