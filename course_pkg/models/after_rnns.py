"""After RNNs: a minGRU trained with a parallel scan, a small Transformer encoder, and an LSTM.

Three sequence classifiers for the same task, so that their cost and accuracy can be compared::

    tokens (N, T) -> Embedding (N, T, E) -> LSTM            -> h_T (N, H)    -> Dense(K) softmax
                                         -> MinGRU          -> h_T (N, H)    -> Dense(K) softmax
                                         -> + positions -> encoder block -> mean over t -> Dense(K)

**minGRU** (Feng et al., 2024, "Were RNNs all we needed?") drops the dependence of the GRU's
gates on h_{t-1}::

    z_t  = sigmoid(x_t W_z + b_z)
    h~_t = x_t W_h + b_h
    h_t  = (1 - z_t) * h_{t-1} + z_t * h~_t

so h_t = a_t * h_{t-1} + b_t with a_t = 1 - z_t and b_t = z_t * h~_t computed for every t at once.
Composing two such steps is again one (``combine_linear``), an associative operation, so all h_t
come out of a parallel prefix scan in O(log T) sequential steps (``parallel_linear_scan``) instead
of T (``sequential_linear_scan``, the loop an RNN runs). (The paper writes the update weight z_t on
the candidate, as the Sheng lecture does; Keras's GRU and the course's notation put z_t on h_{t-1}.)

``keras.ops.associative_scan`` is the scan on JAX (``jax.lax.associative_scan``). On TensorFlow,
Keras 3.13's version recurses forever when traced into a graph (keras-team/keras#22058, fixed in
later Keras), so ``parallel_linear_scan`` runs the same odd-even algorithm (Blelloch's) written
with ``keras.ops`` and Python-level branching on the static length, ``odd_even_scan``.

The Transformer block (Vaswani et al., 2017) is pre-LayerNorm: x + MHA(LN(x)), then
x + FFN(LN(x)), with learned positional embeddings. None of the three uses a mask: the task's
sequences have one fixed length.

Example:
    >>> model = build_classifier("min_gru", T=32, vocab=16, classes=8)
    >>> model.output_shape, [layer.__class__.__name__ for layer in model.layers][1:4]
    ((None, 8), ['Embedding', 'MinGRU', 'Dense'])
"""

from __future__ import annotations

from typing import Callable, Sequence

import keras
from keras import ops

__all__ = [
    "EXAMPLE_MODELS",
    "KINDS",
    "MinGRU",
    "PositionalEmbedding",
    "build_classifier",
    "combine_linear",
    "lstm_classifier",
    "min_gru_classifier",
    "odd_even_scan",
    "parallel_linear_scan",
    "sequential_linear_scan",
    "transformer_classifier",
]

#: The three model kinds, in the order the chapter shows them.
KINDS = ("lstm", "transformer", "min_gru")


def _check_positive(func: str, name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{func}: argument {name} expected a positive integer, got {value!r}")
    return value


# ----------------------------------------------------------------------------------------------
# The linear recurrence h_t = a_t * h_{t-1} + b_t, sequentially and as a parallel scan


def combine_linear(first, second):
    """Compose two steps of h -> a * h + b: first (a1, b1), then (a2, b2).

    a2 * (a1 * h + b1) + b2 = (a2 * a1) * h + (a2 * b1 + b2), so the result is the pair
    (a2 * a1, a2 * b1 + b2). The operation is associative (composition of affine maps), which is
    what a parallel prefix scan needs; it is not commutative.
    """
    a1, b1 = first
    a2, b2 = second
    return a2 * a1, a2 * b1 + b2


def sequential_linear_scan(a, b, h0=None):
    """h_t = a_t * h_{t-1} + b_t for t = 1..T, one step after another (the RNN's loop).

    Args:
        a, b: (N, T, H) tensors.
        h0: (N, H) initial state, zeros when None.

    Returns:
        h (N, T, H).
    """
    h = ops.zeros_like(b[:, 0]) if h0 is None else h0
    states = []
    for t in range(a.shape[1]):
        h = a[:, t] * h + b[:, t]
        states.append(h)
    return ops.stack(states, axis=1)


def _interleave(even, odd):
    """[e0 e1 e2 ...], [o0 o1 ...] -> [e0 o0 e1 o1 ...] along axis 1 (len(even) - len(odd) in 0, 1)."""
    n_odd = odd.shape[1]
    pairs = ops.stack([even[:, :n_odd], odd], axis=2)  # (N, n_odd, 2, ...)
    merged = ops.reshape(pairs, (-1, 2 * n_odd) + tuple(odd.shape[2:]))
    if even.shape[1] > n_odd:
        merged = ops.concatenate([merged, even[:, n_odd:]], axis=1)
    return merged


def odd_even_scan(fn: Callable, elems: Sequence):
    """Inclusive prefix scan of ``fn`` over axis 1 of every tensor in ``elems`` (static length).

    The odd-even (Blelloch-style) algorithm of ``jax.lax.associative_scan``: combine neighbouring
    pairs, scan the half-length sequence recursively (its results are the prefixes ending at odd
    positions), then fill in the even positions with one more combine. The recursion depth is
    log2(T) and every level is a handful of whole-tensor operations. Python ``if`` on the static
    length replaces the ``tf.cond`` of Keras 3.13's TensorFlow version, so it traces into graphs.

    Args:
        fn: associative ``fn(first, second) -> combined``, each a list/tuple like ``elems``.
        elems: tensors of shape (N, T, ...) with the same static T.

    Returns:
        A list of tensors of the same shapes: the prefix "sums" fn(e_0, ..., e_t) for every t.
    """
    elems = list(elems)
    n = elems[0].shape[1]
    if n is None:
        raise ValueError("odd_even_scan: the scanned axis 1 must have a static length, got None")
    if n < 2:
        return elems
    reduced = list(fn([e[:, 0:-1:2] for e in elems], [e[:, 1::2] for e in elems]))
    odd = odd_even_scan(fn, reduced)  # prefixes ending at positions 1, 3, 5, ...
    rest = [e[:, 2::2] for e in elems]  # positions 2, 4, ...
    if n % 2 == 0:
        even = list(fn([o[:, :-1] for o in odd], rest))
    else:
        even = list(fn(odd, rest))
    even = [ops.concatenate([e[:, :1], r], axis=1) for e, r in zip(elems, even)]
    return [_interleave(e, o) for e, o in zip(even, odd)]


def parallel_linear_scan(a, b, h0=None):
    """h_t = a_t * h_{t-1} + b_t for every t at once, by a parallel prefix scan.

    The pairs (a_t, b_t) are scanned with ``combine_linear``; the b part of the prefix ending at
    t is h_t when h_0 = 0. A non-zero h0 enters as b_1 + a_1 * h0.

    Args:
        a, b: (N, T, H) tensors (T static).
        h0: (N, H) initial state, zeros when None.

    Returns:
        h (N, T, H), equal to ``sequential_linear_scan(a, b, h0)`` up to rounding.
    """
    if h0 is not None:
        b = ops.concatenate([b[:, :1] + a[:, :1] * h0[:, None], b[:, 1:]], axis=1)
    if keras.backend.backend() == "tensorflow":
        _, h = odd_even_scan(combine_linear, (a, b))
    else:
        _, h = ops.associative_scan(combine_linear, (a, b), axis=1)
    return h


# ----------------------------------------------------------------------------------------------
# Layers


@keras.saving.register_keras_serializable(package="course_pkg")
class MinGRU(keras.layers.Layer):
    """minGRU (Feng et al., 2024): a GRU whose gate and candidate do not depend on h_{t-1}.

    z_t = sigmoid(x_t W_z + b_z), h~_t = x_t W_h + b_h, h_t = (1 - z_t) * h_{t-1} + z_t * h~_t,
    with h_0 = 0. Training computes every h_t with ``parallel_linear_scan``; ``step`` is the
    constant-cost update for one new input when streaming.

    Args:
        units: H, the number of hidden units.
        return_sequences: return h (N, T, H) instead of h_T (N, H).
        method: "scan" (parallel prefix scan, the default) or "loop" (one step after another,
            the same numbers; for checking and for timing the difference).
        gate_bias: initial b_z. A negative value starts z_t near 0, so h_t keeps h_{t-1} until an
            input opens the gate (the role of the LSTM's forget-gate bias of one); 0 by default.

    Call arguments:
        inputs: (N, T, D) with T static.

    Example:
        >>> layer = MinGRU(4, return_sequences=True)
        >>> tuple(layer(keras.ops.ones((2, 5, 3))).shape)
        (2, 5, 4)
    """

    def __init__(self, units: int, return_sequences: bool = False, method: str = "scan",
                 gate_bias: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.gate_bias = float(gate_bias)
        self.units = _check_positive("MinGRU", "units", units)
        if method not in ("scan", "loop"):
            raise ValueError(f"MinGRU: argument method expected 'scan' or 'loop', got {method!r}")
        self.return_sequences = bool(return_sequences)
        self.method = method

    def build(self, input_shape):
        D = input_shape[-1]
        # the gate and the candidate in one matrix, columns [z | h~], as Keras packs gate blocks
        self.kernel = self.add_weight(shape=(D, 2 * self.units), initializer="glorot_uniform",
                                      name="kernel")
        gate_bias, units = self.gate_bias, self.units

        def bias_initializer(shape, dtype=None):  # b_z = gate_bias, b_h = 0
            return ops.concatenate([ops.full((units,), gate_bias, dtype=dtype),
                                    ops.zeros((units,), dtype=dtype)])

        self.bias = self.add_weight(shape=(2 * self.units,), initializer=bias_initializer,
                                    name="bias")

    def gates(self, inputs):
        """(1 - z_t, z_t * h~_t): the a_t and b_t of h_t = a_t * h_{t-1} + b_t, (..., H) each."""
        zh = ops.matmul(inputs, self.kernel) + self.bias
        z = ops.sigmoid(zh[..., : self.units])
        candidate = zh[..., self.units:]
        return 1.0 - z, z * candidate

    def call(self, inputs):
        a, b = self.gates(inputs)
        scan = parallel_linear_scan if self.method == "scan" else sequential_linear_scan
        h = scan(a, b)
        return h if self.return_sequences else h[:, -1]

    def step(self, x_t, h_prev):
        """One streaming step: h_t from x_t (N, D) and h_{t-1} (N, H) in constant time."""
        a, b = self.gates(x_t)
        # h_prev may be a NumPy array: a tensor times an array is not defined on every backend.
        return a * ops.convert_to_tensor(h_prev, dtype=a.dtype) + b

    def compute_output_shape(self, input_shape):
        if self.return_sequences:
            return tuple(input_shape[:-1]) + (self.units,)
        return (input_shape[0], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "return_sequences": self.return_sequences, "method": self.method,
                "gate_bias": self.gate_bias}


@keras.saving.register_keras_serializable(package="course_pkg")
class PositionalEmbedding(keras.layers.Layer):
    """Token embedding plus a learned position embedding: e(x_t) + p_t, (N, T) -> (N, T, E).

    Args:
        vocab: number of token ids.
        maxlen: the longest sequence (positions 0 .. maxlen - 1).
        dim: E, the embedding size.
    """

    def __init__(self, vocab: int, maxlen: int, dim: int, **kwargs):
        super().__init__(**kwargs)
        self.vocab = _check_positive("PositionalEmbedding", "vocab", vocab)
        self.maxlen = _check_positive("PositionalEmbedding", "maxlen", maxlen)
        self.dim = _check_positive("PositionalEmbedding", "dim", dim)
        self.tokens = keras.layers.Embedding(vocab, dim, name="tokens")
        self.positions = keras.layers.Embedding(maxlen, dim, name="positions")

    def build(self, input_shape):
        self.tokens.build(input_shape)
        self.positions.build((None,))

    def call(self, inputs):
        T = ops.shape(inputs)[-1]
        return self.tokens(inputs) + self.positions(ops.arange(T))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.dim,)

    def get_config(self):
        return {**super().get_config(), "vocab": self.vocab, "maxlen": self.maxlen, "dim": self.dim}


# ----------------------------------------------------------------------------------------------
# Classifiers


def _head(h, classes: int):
    # float32 output so that mixed-precision training computes the softmax in float32
    return keras.layers.Dense(classes, activation="softmax", dtype="float32", name="classes")(h)


def lstm_classifier(T: int | None, vocab: int, classes: int, *, embed: int = 32, units: int = 64,
                    name: str = "lstm") -> keras.Model:
    """Embedding -> LSTM (cuDNN-eligible) -> h_T -> Dense(classes, softmax): (N, T) -> (N, K).

    T may be None (any length)."""
    inputs = keras.Input((T,), dtype="int32", name="tokens")
    x = keras.layers.Embedding(vocab, embed, name="embedding")(inputs)
    h = keras.layers.LSTM(units, name="lstm")(x)
    return keras.Model(inputs, _head(h, classes), name=f"{name}_classifier")


def min_gru_classifier(T: int, vocab: int, classes: int, *, embed: int = 32, units: int = 64,
                       method: str = "scan", gate_bias: float = -2.0,
                       name: str = "min_gru") -> keras.Model:
    """Embedding -> MinGRU (parallel scan) -> h_T -> Dense(classes, softmax): (N, T) -> (N, K)."""
    inputs = keras.Input((T,), dtype="int32", name="tokens")
    x = keras.layers.Embedding(vocab, embed, name="embedding")(inputs)
    h = MinGRU(units, method=method, gate_bias=gate_bias, name="min_gru")(x)
    return keras.Model(inputs, _head(h, classes), name=f"{name}_classifier")


def transformer_classifier(T: int | None, vocab: int, classes: int, *, embed: int = 32,
                           heads: int = 2, ffn: int = 64, blocks: int = 1, maxlen: int | None = None,
                           name: str = "transformer") -> keras.Model:
    """Positional embedding -> pre-LN encoder block(s) -> mean over t -> Dense(classes, softmax).

    Each block: x + MultiHeadAttention(LN(x)) (self-attention, every position attends to every
    position), then x + FFN(LN(x)) with FFN a ReLU layer of ``ffn`` units and a linear layer
    back to ``embed``. Key size per head: embed // heads. ``maxlen`` (default T) sizes the
    position table; with T None the model reads any length up to ``maxlen``.
    """
    _check_positive("transformer_classifier", "heads", heads)
    if embed % heads:
        raise ValueError(f"transformer_classifier: argument embed expected a multiple of heads = "
                         f"{heads}, got {embed}")
    maxlen = T if maxlen is None else maxlen
    if maxlen is None:
        raise ValueError("transformer_classifier: argument maxlen is needed when T is None")
    inputs = keras.Input((T,), dtype="int32", name="tokens")
    x = PositionalEmbedding(vocab, maxlen, embed, name="embedding")(inputs)
    for i in range(blocks):
        y = keras.layers.LayerNormalization(name=f"ln_attention_{i}")(x)
        y = keras.layers.MultiHeadAttention(heads, embed // heads, name=f"attention_{i}")(y, y)
        x = keras.layers.Add(name=f"residual_attention_{i}")([x, y])
        y = keras.layers.LayerNormalization(name=f"ln_ffn_{i}")(x)
        y = keras.layers.Dense(ffn, activation="relu", name=f"ffn_in_{i}")(y)
        y = keras.layers.Dense(embed, name=f"ffn_out_{i}")(y)
        x = keras.layers.Add(name=f"residual_ffn_{i}")([x, y])
    x = keras.layers.LayerNormalization(name="ln_final")(x)
    h = keras.layers.GlobalAveragePooling1D(name="mean_over_time")(x)
    return keras.Model(inputs, _head(h, classes), name=f"{name}_classifier")


_BUILDERS = {"lstm": lstm_classifier, "transformer": transformer_classifier,
             "min_gru": min_gru_classifier}


def build_classifier(kind: str, T: int | None, vocab: int, classes: int, **sizes) -> keras.Model:
    """One of the three classifiers by name ("lstm", "transformer", "min_gru"), not compiled.

    Args:
        kind: a name in ``KINDS``.
        T: the sequence length (the minGRU's scan needs it; the LSTM takes None for any length,
            the Transformer too when given ``maxlen``).
        vocab: number of token ids.
        classes: K, the number of classes.
        **sizes: ``embed``, and ``units`` (LSTM, minGRU) or ``heads``, ``ffn``, ``blocks``.

    Returns:
        A ``keras.Model`` mapping int tokens (N, T) to class probabilities (N, K).
    """
    if kind not in _BUILDERS:
        raise ValueError(f"build_classifier: argument kind expected one of {list(KINDS)}, got {kind!r}")
    for name, value in (("vocab", vocab), ("classes", classes)):
        _check_positive("build_classifier", name, value)
    if T is not None or kind == "min_gru":
        _check_positive("build_classifier", "T", T)
    return _BUILDERS[kind](T, vocab, classes, **sizes)


#: Every model variant of this module at a small size (the shared model tests walk their layers).
EXAMPLE_MODELS: dict[str, Callable[[], keras.Model]] = {
    "lstm": lambda: lstm_classifier(16, 12, 4, embed=8, units=8),
    "transformer": lambda: transformer_classifier(16, 12, 4, embed=8, heads=2, ffn=16),
    "min_gru": lambda: min_gru_classifier(16, 12, 4, embed=8, units=8),
}
