"""CTC recognisers: a (Bi)GRU that writes one character distribution per frame, and its decoders.

The same network reads speech and images of digit strings, many-to-many with a shorter output::

    frames (N, T, F) -> Conv1D(C, k, strides=s, relu)  -> (N, T/s, C)     optional front end
                     -> Bi(GRU(H)) x layers             -> (N, T/s, 2H)
                     -> Dense(V + 1)                    -> logits (N, T/s, V + 1)

F is 40 log-mel bands for speech (one frame every 20 ms) or 8 pixel rows for an image strip read
column by column. Class 0 of the V + 1 outputs is the CTC blank, class i the alphabet's
character i - 1. The model outputs logits (the softmax is part of ``keras.losses.CTC`` and of the
decoders); the output layer computes in float32, as mixed precision needs. The convolution's stride
halves the frames the GRU reads (the cost of a recurrent layer grows with T); with 20 ms frames
a spoken digit still spans about 10 GRU steps, far more than CTC's one step per character.

Training: ``model.compile(loss=keras.losses.CTC())``, targets 0-padded int labels
(``course_pkg.data.speech.encode_labels``): Keras's CTC loss counts a target's non-zero ids as its
length and takes every output frame as valid (padding frames are silence, which the network learns
to call blank). Decoding: :func:`ctc_decode_strings`, greedy (best class per frame, then
collapse) or beam search, both ``keras.ops.ctc_decode`` (on PyTorch, which has no CTC beam search in
Keras, the beam search is ``course_pkg.models.ctc.ctc_prefix_beam_search``).

Example:
    >>> model = ctc_recognizer(40, 10, units=64)
    >>> model.output_shape
    (None, None, 11)
"""

from __future__ import annotations

from typing import Callable, Sequence

import keras
import numpy as np

from .recurrent_layers import recurrent_layer

__all__ = ["EXAMPLE_MODELS", "ctc_decode_strings", "ctc_recognizer"]


def _positive_int(name: str, value, zero_ok: bool = False) -> None:
    low = 0 if zero_ok else 1
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        what = "a non-negative" if zero_ok else "a positive"
        raise ValueError(f"ctc_recognizer: argument {name} expected {what} integer, got {value!r}")


def ctc_recognizer(
    n_features: int,
    n_characters: int,
    *,
    units: int = 64,
    layers: int = 1,
    bidirectional: bool = True,
    conv_filters: int = 64,
    conv_kernel: int = 5,
    conv_stride: int = 2,
    dropout: float = 0.0,
) -> keras.Model:
    """Build (not compile) a CTC recogniser: optional Conv1D, (Bi)GRU layers, per-frame logits.

    Args:
        n_features: F, the features per frame (40 mel bands, 8 pixel rows).
        n_characters: V, the alphabet's size; the model outputs V + 1 classes (0 = blank).
        units: H, the GRU units (per direction).
        layers: how many recurrent layers are stacked.
        bidirectional: read each sequence both ways and concatenate (N, T', 2H).
        conv_filters: C, filters of the front-end Conv1D; 0 leaves it out (then T' = T).
        conv_kernel: its width in frames.
        conv_stride: its stride s: T' = ceil(T / s).
        dropout: dropout rate before the output layer.

    Returns:
        A ``keras.Model`` mapping (N, T, F) float features to (N, T', V + 1) float32 logits.
    """
    for name, value in (("n_features", n_features), ("n_characters", n_characters),
                        ("units", units), ("layers", layers), ("conv_kernel", conv_kernel),
                        ("conv_stride", conv_stride)):
        _positive_int(name, value)
    _positive_int("conv_filters", conv_filters, zero_ok=True)
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"ctc_recognizer: argument dropout expected a rate in [0, 1), "
                         f"got {dropout!r}")
    inputs = keras.Input(shape=(None, n_features), name="frames")
    x = inputs
    if conv_filters:
        x = keras.layers.Conv1D(conv_filters, conv_kernel, strides=conv_stride, padding="same",
                                activation="relu", name="front_end")(x)
    for i in range(layers):
        layer = recurrent_layer("gru", units, return_sequences=True, name=f"gru_{i + 1}")
        if bidirectional:
            layer = keras.layers.Bidirectional(layer, name=f"bigru_{i + 1}")
        x = layer(x)
    if dropout:
        x = keras.layers.Dropout(dropout, name="dropout")(x)
    logits = keras.layers.Dense(n_characters + 1, dtype="float32", name="logits")(x)
    return keras.Model(inputs, logits, name="ctc_recognizer")


def ctc_decode_strings(logits, alphabet: str, strategy: str = "greedy", beam_width: int = 16,
                       lengths: Sequence[int] | None = None) -> list[str]:
    """Decode per-frame logits (N, T, V + 1) into N strings with ``keras.ops.ctc_decode``.

    Greedy: the most likely class at each frame, repeats merged, blanks (class 0) dropped. Beam
    search: the ``beam_width`` most likely prefixes are kept frame by frame, each prefix's
    probability summing over all its alignments.

    Args:
        logits: the model's output (N, T, V + 1).
        alphabet: class i (i >= 1) is ``alphabet[i - 1]``.
        strategy: ``"greedy"`` or ``"beam_search"``.
        beam_width: prefixes kept by the beam search.
        lengths: the valid frames of each example (default: all T).
    """
    from course_pkg.data.speech import decode_labels

    if strategy not in ("greedy", "beam_search"):
        raise ValueError(f"ctc_decode_strings: strategy must be 'greedy' or 'beam_search', "
                         f"got {strategy!r}")
    logits = keras.ops.convert_to_numpy(logits).astype(np.float32)
    if lengths is None:
        lengths = np.full(len(logits), logits.shape[1], dtype=np.int32)
    if strategy == "beam_search" and keras.backend.backend() == "torch":
        # Keras's torch backend has no CTC beam search: the same search, in NumPy.
        from course_pkg.models.ctc import ctc_prefix_beam_search

        shifted = logits - logits.max(axis=-1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        return [decode_labels(ctc_prefix_beam_search(lp[:n], beam_width), alphabet)
                for lp, n in zip(log_probs, lengths)]
    decoded, _ = keras.ops.ctc_decode(logits, np.asarray(lengths, dtype=np.int32),
                                      strategy=strategy, beam_width=beam_width, mask_index=0)
    ids = keras.ops.convert_to_numpy(decoded)[0]
    return [decode_labels(row, alphabet) for row in ids]


EXAMPLE_MODELS: dict[str, Callable[[], keras.Model]] = {
    "speech_bigru": lambda: ctc_recognizer(40, 10, units=8, conv_filters=8),
    "speech_gru_two_layers": lambda: ctc_recognizer(40, 10, units=8, layers=2,
                                                    bidirectional=False, conv_filters=8,
                                                    dropout=0.2),
    "digit_strips": lambda: ctc_recognizer(8, 10, units=8, conv_filters=8, conv_kernel=3,
                                           conv_stride=1),
}
