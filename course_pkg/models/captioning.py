"""Image-captioning models: a small CNN encoder and an LSTM decoder, three ways to join them.

Every model reads ``{"image": (B, H, W, 3) float, "caption_in": (B, T) int}`` (the caption shifted
right, ``<s>`` first: teacher forcing) and predicts the next word at every step, (B, T, V) float32
probabilities. The CNN (:func:`cnn_encoder`) turns the image into a grid of H' x W' feature
vectors, each with its (row, column) coordinates appended so that a vector says where it is.

- ``"init"``, Show and Tell (Vinyals et al., 2015): the image enters the decoder only before the
  first word, as the LSTM's initial state, ``h_0 = tanh(W_h v)``, ``c_0 = W_c v`` with
  ``v = W_v flatten(grid)``. The decoder sees the image through its state alone.
- ``"every"``: the image embedding ``v`` is concatenated to the word embedding at *every* step,
  ``x_t = [E y_{t-1}; v]``, and the LSTM starts from zeros (the variant Vinyals et al. report as
  worse: "feeding the image at each time step ... yields inferior results").
- ``"attention"``, after Show, Attend and Tell (Xu et al., 2015): the initial state comes from the
  mean grid vector, and at every step the decoder state scores each of the H'W' grid vectors with
  :class:`course_pkg.models.translation.Attention`; the weights ``alpha_t`` (a distribution over the
  grid, the attention map) average the grid into a context ``z_t``, and
  ``p(y_t) = softmax(tanh([z_t; h_t] W_c) W_o)``. As in the translation chapter the context is
  computed after the LSTM (Luong et al.'s order; Xu et al. feed ``z_t`` into the LSTM's input),
  so the whole caption runs through the fused LSTM kernel in one call.

Inference (:func:`captioner`) splits a trained model into an encoder ``image -> (memory,
initial states)`` and a one-step decoder; :func:`greedy_caption` takes the most likely word at
each step (and returns the attention maps), :func:`beam_caption` runs the translation chapter's
:func:`course_pkg.models.translation.beam_search` through a small adapter.

Example:
    >>> model = captioning_model(20, (32, 32, 3), kind="attention", units=16, embed_dim=8)
    >>> model.output_shape
    (None, None, 20)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import keras
import numpy as np
from keras import ops

from course_pkg.models.translation import Attention, StepLogProbs, beam_search

__all__ = ["KINDS", "GridCoordinates", "RepeatOverTime", "cnn_encoder", "captioning_model",
           "Captioner", "captioner", "greedy_caption", "beam_caption", "EXAMPLE_MODELS"]

#: The ways the image enters the decoder.
KINDS = ("init", "every", "attention")


@keras.saving.register_keras_serializable(package="course_pkg")
class GridCoordinates(keras.layers.Layer):
    """(B, H, W, C) feature map -> (B, H*W, C + 2): the grid vectors in row-major order, each with
    its row and column scaled to [-1, 1] appended (so an average of them says where it looked)."""

    def build(self, input_shape):
        h, w = int(input_shape[1]), int(input_shape[2])
        rows, cols = np.meshgrid(np.linspace(-1, 1, h), np.linspace(-1, 1, w), indexing="ij")
        self._coords = np.stack([rows.ravel(), cols.ravel()], axis=-1).astype("float32")
        self.grid_shape = (h, w)

    def call(self, features):
        h, w = self.grid_shape
        flat = ops.reshape(features, (-1, h * w, ops.shape(features)[-1]))
        coords = ops.cast(ops.convert_to_tensor(self._coords), flat.dtype)
        coords = ops.zeros_like(flat[:, :, :1]) + coords[None, :, :]
        return ops.concatenate([flat, coords], axis=-1)

    def compute_output_shape(self, input_shape):
        h, w = input_shape[1], input_shape[2]
        return (input_shape[0], None if h is None or w is None else h * w, input_shape[3] + 2)


@keras.saving.register_keras_serializable(package="course_pkg")
class RepeatOverTime(keras.layers.Layer):
    """``(v (B, E), sequence (B, T, D)) -> (B, T, E)``: ``v`` repeated at each of the T steps."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, vector, sequence):
        return ops.zeros_like(sequence[:, :, :1]) + ops.cast(vector, sequence.dtype)[:, None, :]

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, vector_shape, sequence_shape):
        return (sequence_shape[0], sequence_shape[1], vector_shape[-1])


def cnn_encoder(image_shape: tuple[int, int, int], filters: tuple[int, ...] = (16, 32, 32),
                pools: int = 2, name: str = "image_encoder") -> keras.Model:
    """A small CNN: 3 x 3 ReLU convolutions with ``filters`` channels, a 2 x 2 max-pool after each
    of the first ``pools``; returns the grid (B, H / 2**pools, W / 2**pools, filters[-1])."""
    if pools > len(filters):
        raise ValueError(f"cnn_encoder: pools={pools} exceeds the {len(filters)} convolutions")
    image = keras.Input(image_shape, name="image")
    x = image
    for i, f in enumerate(filters):
        x = keras.layers.Conv2D(f, 3, padding="same", activation="relu", name=f"conv_{i + 1}")(x)
        if i < pools:
            x = keras.layers.MaxPooling2D(2, name=f"pool_{i + 1}")(x)
    return keras.Model(image, x, name=name)


def captioning_model(vocab_size: int, image_shape: tuple[int, int, int] = (32, 32, 3), *,
                     kind: str = "attention", units: int = 64, embed_dim: int = 32,
                     filters: tuple[int, ...] = (16, 32, 32), pools: int = 2,
                     score: str = "general", name: str | None = None) -> keras.Model:
    """The teacher-forcing training model (see the module docstring for the three kinds).

    Args:
        vocab_size: word ids, 0 being padding.
        image_shape: (H, W, channels).
        kind: one of :data:`KINDS`.
        units: LSTM units.
        embed_dim: width of the word embeddings and of the image embedding ``v``.
        filters, pools: the CNN (:func:`cnn_encoder`).
        score: the attention score (``"dot"`` needs ``units == filters[-1] + 2``).

    Inputs: ``{"image": (B, H, W, C), "caption_in": (B, T) int}``.
    Output: (B, T, vocab_size) float32 probabilities of the next word.
    """
    for arg, value in (("vocab_size", vocab_size), ("units", units), ("embed_dim", embed_dim)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"captioning_model: argument {arg} expected a positive integer, "
                             f"got {value!r}")
    if kind not in KINDS:
        raise ValueError(f"captioning_model: argument kind expected one of {list(KINDS)}, "
                         f"got {kind!r}")
    image = keras.Input(tuple(image_shape), name="image")
    caption_in = keras.Input((None,), dtype="int32", name="caption_in")
    grid = cnn_encoder(tuple(image_shape), tuple(filters), pools)(image)
    memory = GridCoordinates(name="grid")(grid)                          # (B, S, C + 2)
    words = keras.layers.Embedding(vocab_size, embed_dim, mask_zero=True,
                                   name="word_embedding")(caption_in)
    lstm = keras.layers.LSTM(units, return_sequences=True, return_state=True,
                             name="decoder_lstm")
    if kind in ("init", "every"):
        flat = keras.layers.Flatten(name="flatten")(memory)
        v = keras.layers.Dense(embed_dim, activation="relu", name="image_embedding")(flat)
    if kind == "init":
        h0 = keras.layers.Dense(units, activation="tanh", name="init_h")(v)
        c0 = keras.layers.Dense(units, name="init_c")(v)
        seq = lstm(words, initial_state=[h0, c0])[0]
    elif kind == "every":
        repeated = RepeatOverTime(name="image_every_step")(v, words)
        x = keras.layers.Concatenate(name="word_and_image")([words, repeated])
        seq = lstm(x)[0]
    else:
        mean = keras.layers.GlobalAveragePooling1D(name="mean_grid")(memory)
        h0 = keras.layers.Dense(units, activation="tanh", name="init_h")(mean)
        c0 = keras.layers.Dense(units, name="init_c")(mean)
        seq = lstm(words, initial_state=[h0, c0])[0]
        context, _ = Attention(score, name="attention")(seq, memory)
        seq = keras.layers.Concatenate(name="context_and_state")([context, seq])
        seq = keras.layers.Dense(units, activation="tanh", name="attentional")(seq)
    probs = keras.layers.Dense(vocab_size, activation="softmax", dtype="float32",
                               name="next_word")(seq)
    default = {"init": "show_and_tell", "every": "image_every_step",
               "attention": "show_attend_and_tell"}[kind]
    return keras.Model({"image": image, "caption_in": caption_in}, probs, name=name or default)


# --------------------------------------------------------------------------- inference


@dataclass
class Captioner:
    """The inference halves of a trained :func:`captioning_model`.

    Attributes:
        encoder: ``image -> [memory, h_0, c_0]``; memory is the grid (B, S, C) for attention,
            the image embedding (B, E) otherwise.
        step: ``[previous word (B, 1), memory (not for "init": its steps never see the
            image), h, c] -> [log probabilities (B, V), attention weights (B, S) (attention
            only), h, c]``.
        kind: the model's kind.
        grid_shape: (H', W') of the attention grid.
    """

    encoder: keras.Model
    step: keras.Model
    kind: str
    grid_shape: tuple[int, int]

    def encode(self, images: np.ndarray):
        out = self.encoder.predict_on_batch(np.asarray(images, dtype="float32"))
        return np.asarray(out[0]), [np.asarray(s) for s in out[1:]]

    def step_fn(self, memory: np.ndarray) -> Callable:
        """The adapter :func:`course_pkg.models.translation.beam_search` expects:
        ``(tokens (R,), states, rows (R,)) -> (log probs (R, V), weights (R, S), states)``."""
        attention = self.kind == "attention"

        def step(tokens, states, rows):
            inputs = [tokens[:, None].astype("int32")]
            inputs += [] if self.kind == "init" else [memory[rows]]
            out = self.step.predict_on_batch([*inputs, *states])
            out = [np.asarray(o) for o in out]
            if attention:
                return out[0], out[1], out[2:]
            return out[0], np.zeros((len(rows), 0), np.float32), out[1:]

        return step


def captioner(model: keras.Model) -> Captioner:
    """Build the encoder and the one-step decoder of a trained model from its named layers."""
    names = {layer.name for layer in model.layers}
    kind = ("attention" if "attention" in names else "every" if "image_every_step" in names
            else "init")
    image = keras.Input(tuple(model.input["image"].shape[1:]), name="image")
    cnn = next(layer for layer in model.layers if layer.name == "image_encoder")
    memory = model.get_layer("grid")(cnn(image))
    grid_shape = tuple(int(d) for d in cnn.output.shape[1:3])
    units = int(model.get_layer("decoder_lstm").units)
    if kind == "attention":
        mean = model.get_layer("mean_grid")(memory)
        states = [model.get_layer("init_h")(mean), model.get_layer("init_c")(mean)]
        mem_out = memory
    else:
        v = model.get_layer("image_embedding")(model.get_layer("flatten")(memory))
        if kind == "init":
            states = [model.get_layer("init_h")(v), model.get_layer("init_c")(v)]
        else:
            zeros = keras.layers.Lambda(lambda t: ops.zeros((ops.shape(t)[0], units), t.dtype),
                                        name="zero_state")
            states = [zeros(v), zeros(v)]
        mem_out = v
    encoder = keras.Model(image, [mem_out, *states], name="caption_encoder")

    prev = keras.Input((1,), dtype="int32", name="previous")
    mem_in = keras.Input(tuple(mem_out.shape[1:]), name="memory")
    h_in, c_in = keras.Input((units,), name="h"), keras.Input((units,), name="c")
    words = model.get_layer("word_embedding")(prev)
    if kind == "every":
        repeated = model.get_layer("image_every_step")(mem_in, words)
        words = model.get_layer("word_and_image")([words, repeated])
    seq, h, c = model.get_layer("decoder_lstm")(words, initial_state=[h_in, c_in])
    outputs = []
    if kind == "attention":
        context, weights = model.get_layer("attention")(seq, mem_in)
        seq = model.get_layer("context_and_state")([context, seq])
        seq = model.get_layer("attentional")(seq)
        outputs = [keras.layers.Reshape((-1,), name="weights")(weights)]
    logp = StepLogProbs(name="log_probs")(model.get_layer("next_word")(seq))
    inputs = [prev, h_in, c_in] if kind == "init" else [prev, mem_in, h_in, c_in]
    step = keras.Model(inputs, [logp, *outputs, h, c], name="caption_step")
    return Captioner(encoder, step, kind, grid_shape)


def greedy_caption(cap: Captioner, images: np.ndarray, max_len: int, *, start: int = 1,
                   end: int = 2, batch_size: int = 512, return_weights: bool = False):
    """Caption a batch by taking the most likely word at every step.

    Returns:
        (N, max_len) int32 word ids (0 after ``</s>``), and with ``return_weights`` the attention
        maps (N, max_len, H', W') (zeros for a model without attention and after ``</s>``).
    """
    out_ids, out_w = [], []
    h, w = cap.grid_shape
    for lo in range(0, len(images), batch_size):
        batch = np.asarray(images[lo:lo + batch_size])
        n = len(batch)
        memory, states = cap.encode(batch)
        step = cap.step_fn(memory)
        rows = np.arange(n)
        prev = np.full(n, start, np.int32)
        done = np.zeros(n, bool)
        ids = np.zeros((n, max_len), np.int32)
        maps = np.zeros((n, max_len, h * w), np.float32)
        for t in range(max_len):
            logp, weights, states = step(prev, states, rows)
            prev = np.argmax(logp, axis=-1).astype(np.int32)
            ids[:, t] = np.where(done, 0, prev)
            if weights.shape[1]:
                maps[:, t] = np.where(done[:, None], 0.0, weights)
            done |= prev == end
            if done.all():
                break
        out_ids.append(ids)
        out_w.append(maps.reshape(n, max_len, h, w))
    ids = np.concatenate(out_ids)
    return (ids, np.concatenate(out_w)) if return_weights else ids


def beam_caption(cap: Captioner, images: np.ndarray, max_len: int, *, k: int = 3,
                 alpha: float = 1.0, start: int = 1, end: int = 2, batch_size: int = 512):
    """Beam-search captions: :func:`course_pkg.models.translation.beam_search` over this model's
    steps. With ``k = 1`` the result equals :func:`greedy_caption`'s.

    Returns:
        (N, max_len) int32 word ids of the best hypothesis per image.
    """
    out = []
    for lo in range(0, len(images), batch_size):
        batch = np.asarray(images[lo:lo + batch_size])
        memory, states = cap.encode(batch)
        ids, _ = beam_search(cap.step_fn(memory), states, len(batch), k=k, max_len=max_len,
                             start=start, end=end, alpha=alpha)
        out.append(ids)
    return np.concatenate(out)


def _example(kind: str) -> Callable[[], keras.Model]:
    return lambda: captioning_model(20, (16, 16, 3), kind=kind, units=16, embed_dim=8,
                                    filters=(8, 8), pools=1)


#: Every model variant this module offers, at a small size (the lead's structural test).
EXAMPLE_MODELS: dict[str, Callable[[], keras.Model]] = {
    "show_and_tell": _example("init"),
    "image_every_step": _example("every"),
    "show_attend_and_tell": _example("attention"),
}
