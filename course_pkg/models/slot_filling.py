"""Slot-filling taggers: one tag per word (synced many-to-many), with an optional intent head.

Three ways to read the sentence, two ways to feed it a word::

    word ids (N, T) -> one-hot (identity lookup, frozen) or learned Embedding (mask_zero=True)
                    -> "feedforward": Dense(H, relu) on each word alone, no memory
                       "unidirectional": GRU / LSTM, h_t from x_1..x_t
                       "bidirectional": forward and backward GRU / LSTM, [h_t ; g_t] from all x
                    -> Dense(n_tags, softmax) on every step         -> tags   (N, T, n_tags)
                    -> masked average over t, Dense(n_intents, softmax) -> intent (N, n_intents)

A one-hot vector times a matrix picks one of its rows: ``one_hot(w) @ W == W[w]``. The one-hot
input is therefore written as an ``Embedding`` whose table is the identity and stays frozen; the
first layer after it then holds one row of input weights per word, as in the lectures. The
learned embedding inserts a smaller table (E columns) before that layer.

Padding is id 0 and masked; the recurrent layers keep the cuDNN-eligible configuration
(``course_pkg.models.recurrent_layers``), the masks are right-padded, and the softmax outputs
compute in float32 so that mixed precision keeps them stable.

Example:
    >>> model = slot_tagger(vocab_size=50, n_tags=7, n_intents=3, kind="bidirectional", units=8)
    >>> [o.shape for o in model.outputs]
    [(None, None, 7), (None, 3)]
"""

from __future__ import annotations

from typing import Callable

import keras

from .recurrent_layers import recurrent_layer

__all__ = ["EXAMPLE_MODELS", "INPUTS", "KINDS", "slot_tagger"]

#: How the tagger reads the sentence.
KINDS = ("feedforward", "unidirectional", "bidirectional")
#: How a word enters the model.
INPUTS = ("embedding", "one_hot")


def _positive(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"slot_tagger: argument {name} expected a positive integer, got {value!r}")


def slot_tagger(vocab_size: int, n_tags: int, n_intents: int | None = None, *,
                kind: str = "bidirectional", inputs: str = "embedding", units: int = 64,
                embedding_dim: int = 64, cell: str = "gru", max_len: int | None = None,
                name: str | None = None) -> keras.Model:
    """Build (not compile) a slot tagger.

    Args:
        vocab_size: V, word ids 0..V-1 (0 is padding and is masked).
        n_tags: number of BIO tags (the output size of every step).
        n_intents: number of intents; None for no intent head.
        kind: "feedforward", "unidirectional" or "bidirectional".
        inputs: "embedding" (learned, ``embedding_dim`` columns) or "one_hot" (V columns, frozen).
        units: H, hidden units (per direction for the bidirectional tagger).
        embedding_dim: E, for ``inputs="embedding"``.
        cell: "gru" or "lstm" (the recurrent kinds).
        max_len: T, or None for any length.
        name: the model's name (default ``<kind>_<cell>_<inputs>``).

    Returns:
        A ``keras.Model`` from ``words`` (N, T) int to ``tags`` (N, T, n_tags) and, with an
        intent head, ``intent`` (N, n_intents): a list of two outputs.
    """
    _positive("vocab_size", vocab_size)
    _positive("n_tags", n_tags)
    _positive("units", units)
    _positive("embedding_dim", embedding_dim)
    if n_intents is not None:
        _positive("n_intents", n_intents)
    if kind not in KINDS:
        raise ValueError(f"slot_tagger: argument kind expected one of {list(KINDS)}, got {kind!r}")
    if inputs not in INPUTS:
        raise ValueError(f"slot_tagger: argument inputs expected one of {list(INPUTS)}, "
                         f"got {inputs!r}")
    if cell not in ("gru", "lstm"):
        raise ValueError(f"slot_tagger: argument cell expected 'gru' or 'lstm', got {cell!r}")

    words = keras.Input((max_len,), dtype="int32", name="words")
    if inputs == "one_hot":
        x = keras.layers.Embedding(vocab_size, vocab_size, embeddings_initializer="identity",
                                   trainable=False, mask_zero=True, name="one_hot")(words)
    else:
        x = keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=True,
                                   name="embedding")(words)
    if kind == "feedforward":
        h = keras.layers.Dense(units, activation="relu", name="per_word")(x)
    elif kind == "unidirectional":
        h = recurrent_layer(cell, units, return_sequences=True, name=cell)(x)
    else:
        h = keras.layers.Bidirectional(recurrent_layer(cell, units, return_sequences=True),
                                       name=f"bi_{cell}")(x)
    tags = keras.layers.Dense(n_tags, activation="softmax", dtype="float32", name="tags")(h)
    outputs = [tags]
    if n_intents is not None:
        pooled = keras.layers.GlobalAveragePooling1D(name="mean_over_words")(h)
        outputs.append(keras.layers.Dense(n_intents, activation="softmax", dtype="float32",
                                          name="intent")(pooled))
    label = name or (f"{kind}_{inputs}" if kind == "feedforward" else f"{kind}_{cell}_{inputs}")
    return keras.Model(words, outputs if len(outputs) > 1 else tags, name=label)


#: Every variant at a small size, for structure tests (V = 40 words, 13 tags, 3 intents).
EXAMPLE_MODELS: dict[str, Callable[[], keras.Model]] = {}
for _kind in KINDS:
    for _inputs in INPUTS:
        for _cell in (("gru", "lstm") if _kind != "feedforward" else ("gru",)):
            _key = f"{_kind}_{_inputs}" if _kind == "feedforward" else f"{_kind}_{_cell}_{_inputs}"
            EXAMPLE_MODELS[_key] = (lambda kind=_kind, cell=_cell, inputs=_inputs: slot_tagger(
                40, 13, 3, kind=kind, inputs=inputs, cell=cell, units=8, embedding_dim=8))
del _kind, _inputs, _cell, _key
