"""Video classifiers: one frame, the frames averaged, the frames in order (LRCN), and per frame.

Every model sees a frame through the same small CNN, :func:`frame_encoder`::

    frame (S, S, 1) -> Conv 3x3 stride 2 (F1, ReLU) -> Conv 3x3 stride 2 (F2, ReLU)
                    -> Flatten -> Dense(E, ReLU) -> phi(frame) (E,)

Flatten (not global pooling) keeps *where* the digit is, which motion needs. Then:

- :func:`per_frame_cnn`: one frame -> phi -> Dense(K, softmax): what a single image can tell.
- :func:`frame_averaging`: TimeDistributed(phi) over the T frames -> mean over time ->
  Dense(K, softmax). The mean forgets the order of the frames.
- :func:`lrcn` (Donahue et al., 2015): TimeDistributed(phi) -> LSTM -> h_T -> Dense(K, softmax).
- :func:`frame_tagger`: TimeDistributed(phi) -> BiLSTM (return_sequences) -> one softmax per
  frame (synced many-to-many).
- :func:`sensor_gru`: a GRU reading (T, C) sensor series -> Dense(K, softmax) (BasicMotions).

The recurrent layers keep the cuDNN-eligible configuration (``course_pkg.models.recurrent_layer``)
and every output layer computes in float32, as mixed precision needs.

Example:
    >>> lrcn(frames=10, size=24, classes=4).output_shape
    (None, 4)
    >>> frame_tagger(frames=10, size=24, tags=2).output_shape
    (None, 10, 2)
"""

from __future__ import annotations

from typing import Any, Callable

import keras

from .recurrent_layers import recurrent_layer

__all__ = ["EXAMPLE_MODELS", "frame_averaging", "frame_encoder", "frame_tagger", "lrcn",
           "per_frame_cnn", "sensor_gru"]


def _positive(fn: str, **values: Any) -> None:
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"{fn}: argument {name} expected a positive integer, got {value!r}")


def frame_encoder(size: int, *, filters: tuple[int, int] = (8, 16), features: int = 32,
                  name: str = "frame_encoder") -> keras.Model:
    """The CNN phi: a (S, S, 1) frame -> (E,) features that keep the digit's position."""
    _positive("frame_encoder", size=size, features=features)
    frame = keras.Input((size, size, 1), name="frame")
    h = frame
    for i, f in enumerate(filters):
        h = keras.layers.Conv2D(f, 3, strides=2, padding="same", activation="relu",
                                name=f"conv{i + 1}")(h)
    h = keras.layers.Flatten(name="flatten")(h)
    h = keras.layers.Dense(features, activation="relu", name="features")(h)
    return keras.Model(frame, h, name=name)


def _softmax(k: int, name: str = "softmax") -> keras.layers.Layer:
    return keras.layers.Dense(k, activation="softmax", dtype="float32", name=name)


def per_frame_cnn(size: int, classes: int, *, filters=(8, 16), features: int = 32) -> keras.Model:
    """One frame (N, S, S, 1) -> class probabilities (N, K)."""
    _positive("per_frame_cnn", classes=classes)
    frame = keras.Input((size, size, 1), name="frame")
    h = frame_encoder(size, filters=filters, features=features)(frame)
    return keras.Model(frame, _softmax(classes)(h), name="per_frame_cnn")


def _clip_features(frames: int, size: int, filters, features: int):
    _positive("video model", frames=frames)
    clip = keras.Input((frames, size, size, 1), name="clip")
    encoder = frame_encoder(size, filters=filters, features=features)
    return clip, keras.layers.TimeDistributed(encoder, name="per_frame")(clip)


def frame_averaging(frames: int, size: int, classes: int, *, filters=(8, 16),
                    features: int = 32) -> keras.Model:
    """A clip (N, T, S, S, 1) -> phi per frame -> mean over time -> (N, K). Order-blind."""
    _positive("frame_averaging", classes=classes)
    clip, h = _clip_features(frames, size, filters, features)
    h = keras.layers.GlobalAveragePooling1D(name="mean_over_time")(h)
    return keras.Model(clip, _softmax(classes)(h), name="frame_averaging")


def lrcn(frames: int, size: int, classes: int, *, units: int = 32, kind: str = "lstm",
         filters=(8, 16), features: int = 32) -> keras.Model:
    """LRCN: a clip (N, T, S, S, 1) -> phi per frame -> LSTM (or GRU) -> h_T -> (N, K)."""
    _positive("lrcn", classes=classes, units=units)
    clip, h = _clip_features(frames, size, filters, features)
    h = recurrent_layer(kind, units, name=kind)(h)
    return keras.Model(clip, _softmax(classes)(h), name="lrcn")


def frame_tagger(frames: int, size: int, tags: int, *, units: int = 16, kind: str = "lstm",
                 bidirectional: bool = True, filters=(8, 16), features: int = 32) -> keras.Model:
    """A clip (N, T, S, S, 1) -> phi per frame -> (Bi)LSTM, every step -> (N, T, tags)."""
    _positive("frame_tagger", tags=tags, units=units)
    clip, h = _clip_features(frames, size, filters, features)
    layer = recurrent_layer(kind, units, return_sequences=True, name=kind)
    h = keras.layers.Bidirectional(layer, name=f"bi{kind}")(h) if bidirectional else layer(h)
    return keras.Model(clip, _softmax(tags, "frame_softmax")(h), name="frame_tagger")


def sensor_gru(steps: int, channels: int, classes: int, *, units: int = 32,
               dropout: float = 0.0) -> keras.Model:
    """Sensor series (N, T, C) -> GRU -> h_T -> (N, K)."""
    _positive("sensor_gru", steps=steps, channels=channels, classes=classes, units=units)
    series = keras.Input((steps, channels), name="series")
    h = recurrent_layer("gru", units, name="gru")(series)
    if dropout:
        h = keras.layers.Dropout(dropout, name="dropout")(h)
    return keras.Model(series, _softmax(classes)(h), name="sensor_gru")


#: Every model of this module at a small size (the models test walks their layers).
EXAMPLE_MODELS: dict[str, Callable[[], keras.Model]] = {
    "per_frame_cnn": lambda: per_frame_cnn(16, 4, filters=(4, 8), features=8),
    "frame_averaging": lambda: frame_averaging(5, 16, 4, filters=(4, 8), features=8),
    "lrcn": lambda: lrcn(5, 16, 4, units=8, filters=(4, 8), features=8),
    "lrcn_gru": lambda: lrcn(5, 16, 4, units=8, kind="gru", filters=(4, 8), features=8),
    "frame_tagger": lambda: frame_tagger(5, 16, 2, units=4, filters=(4, 8), features=8),
    "sensor_gru": lambda: sensor_gru(20, 6, 4, units=8),
}
