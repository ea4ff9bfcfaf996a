"""Encoder-decoder translation models, with and without attention, and their decoders.

The training model reads a source sequence and the target shifted right (teacher forcing) and
predicts the next target token at every step. Encoder and decoder are Keras GRUs (or LSTMs) in the
cuDNN-eligible configuration; the source is masked (id 0 is padding, on the right).

- Without attention (Sutskever et al., 2014): the decoder starts from the encoder's last state
  and sees the source only through it: ``p(y_t) = softmax(s_t W_o)``.
- With attention (Luong et al., 2015, "global attention"): at every target step t the decoder
  state s_t scores every encoder state h_s, the scores become weights
  ``alpha_ts = softmax_s(score(s_t, h_s))`` over the source positions (padding excluded), the
  context is ``c_t = sum_s alpha_ts h_s``, and ``p(y_t) = softmax(tanh([c_t; s_t] W_c) W_o)``.
  :class:`Attention` implements the three scores: dot ``s_t . h_s``, general ``s_t W_a h_s`` and
  additive ``v . tanh(s_t W_1 + h_s W_2)`` (Bahdanau et al., 2015).

Because the context is computed after the decoder GRU (no "input feeding"), the whole target runs
through the GRU in one call while training: the fast path.

Decoding uses two inference models built from the trained layers (:func:`inference_models`): an
encoder, and a one-step decoder ``(previous token, state, encoder outputs, source) -> (log
probabilities, state, attention weights)``. :func:`greedy_decode` takes the most likely token at
each step; :func:`beam_search` keeps the ``k`` best partial translations, ranked by their log
probability divided by ``length ** alpha`` (length normalisation).

Example:
    >>> model = translation_model(60, 14, units=32, attention="general")
    >>> model.output_shape
    (None, None, 14)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import keras
import numpy as np
from keras import ops

__all__ = ["SCORES", "Attention", "StepLogProbs", "translation_model", "inference_models", "Translator",
           "greedy_decode", "beam_search", "beam_decode", "EXAMPLE_MODELS"]

#: The attention scores :class:`Attention` offers.
SCORES = ("dot", "general", "additive")
_NEG = -1e9


@keras.saving.register_keras_serializable(package="course_pkg")
class Attention(keras.layers.Layer):
    """Global attention: weights over source positions and the context vector they give.

    ``alpha_ts = softmax_s(score(q_t, h_s))`` over the unmasked source positions s and
    ``c_t = sum_s alpha_ts h_s``, with

    - ``"dot"``: ``score = q_t . h_s`` (query and values of the same width);
    - ``"general"``: ``score = q_t W_a . h_s``;
    - ``"additive"``: ``score = v . tanh(q_t W_1 + h_s W_2)`` (``units`` wide).

    Scores and softmax are computed in float32, also under mixed precision.

    Args:
        score: one of ``SCORES``.
        units: width of the additive score's hidden layer (default: the values' width).

    Call arguments:
        query: (B, T, Hq) decoder states.
        values: (B, S, H) encoder states.
        source_mask: optional (B, S) boolean, False at padded source positions. It is an
            explicit argument, not Keras's implicit ``mask``: Keras would pass the mask of the
            first input (the target's), not the source's.

    Returns:
        ``(context (B, T, H), weights (B, T, S))``; each row of weights sums to one.

    Example:
        >>> layer = Attention("dot")
        >>> c, a = layer(np.ones((2, 3, 4)), np.ones((2, 5, 4)))
        >>> c.shape, a.shape
        ((2, 3, 4), (2, 3, 5))
    """

    def __init__(self, score: str = "dot", units: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if score not in SCORES:
            raise ValueError(f"Attention: argument score expected one of {list(SCORES)}, "
                             f"got {score!r}")
        if units is not None and (isinstance(units, bool) or not isinstance(units, int)
                                  or units < 1):
            raise ValueError(f"Attention: argument units expected a positive integer, got {units!r}")
        self.score = score
        self.units = units
        self.supports_masking = True

    def build(self, query_shape, values_shape=None):
        if values_shape is None:  # Keras may pass one list of shapes
            query_shape, values_shape = query_shape
        hq, hv = int(query_shape[-1]), int(values_shape[-1])
        if self.score == "dot" and hq != hv:
            raise ValueError(f"Attention('dot'): query width {hq} must equal values width {hv}")
        if self.score == "general":
            self.w_a = self.add_weight(name="w_a", shape=(hq, hv), initializer="glorot_uniform")
        elif self.score == "additive":
            units = self.units or hv
            self.w_1 = self.add_weight(name="w_1", shape=(hq, units), initializer="glorot_uniform")
            self.w_2 = self.add_weight(name="w_2", shape=(hv, units), initializer="glorot_uniform")
            self.v = self.add_weight(name="v", shape=(units,), initializer="glorot_uniform")

    def scores(self, query, values):
        """Raw scores (B, T, S) in float32."""
        q = ops.cast(query, "float32")
        h = ops.cast(values, "float32")
        if self.score == "dot":
            return ops.matmul(q, ops.swapaxes(h, 1, 2))
        if self.score == "general":
            return ops.matmul(ops.matmul(q, ops.cast(self.w_a, "float32")), ops.swapaxes(h, 1, 2))
        q1 = ops.matmul(q, ops.cast(self.w_1, "float32"))[:, :, None, :]   # (B, T, 1, U)
        h2 = ops.matmul(h, ops.cast(self.w_2, "float32"))[:, None, :, :]   # (B, 1, S, U)
        return ops.sum(ops.tanh(q1 + h2) * ops.cast(self.v, "float32"), axis=-1)

    def call(self, query, values, source_mask=None):
        scores = self.scores(query, values)
        if source_mask is not None:
            scores = ops.where(ops.cast(source_mask, "bool")[:, None, :], scores, _NEG)
        weights = ops.softmax(scores, axis=-1)
        context = ops.matmul(weights, ops.cast(values, "float32"))
        return ops.cast(context, self.compute_dtype), weights

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, query_shape, values_shape=None):
        if values_shape is None:
            query_shape, values_shape = query_shape
        return ((query_shape[0], query_shape[1], values_shape[-1]),
                (query_shape[0], query_shape[1], values_shape[1]))

    def get_config(self):
        return {**super().get_config(), "score": self.score, "units": self.units}


@keras.saving.register_keras_serializable(package="course_pkg")
class NotPadding(keras.layers.Layer):
    """``ids != 0``: True at the real (not padded) positions of an id sequence."""

    def call(self, ids):
        return ops.not_equal(ids, 0)

    def compute_output_shape(self, input_shape):
        return input_shape


class StepLogProbs(keras.layers.Layer):
    """(B, 1, V) probabilities -> (B, V) log probabilities: the one-step output of an inference
    decoder (translation and captioning) that beam search scores."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, probs):
        return ops.log(ops.maximum(ops.cast(probs[:, 0, :], "float32"), 1e-30))

    def compute_mask(self, inputs, mask=None):
        return None


class _NoWeights(keras.layers.Layer):
    """Zeros (B, S): the attention weights of a model without attention (inference only)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, source, memory):
        return ops.zeros(ops.shape(source), "float32") + 0.0 * ops.cast(memory[:, :, 0], "float32")

    def compute_mask(self, inputs, mask=None):
        return None


def _rnn(cell: str, units: int, name: str, **kwargs) -> keras.layers.Layer:
    layer = {"gru": keras.layers.GRU, "lstm": keras.layers.LSTM}[cell]
    return layer(units, name=name, **kwargs)  # defaults: cuDNN-eligible


def translation_model(source_vocab: int, target_vocab: int, *, units: int = 64,
                      embed_dim: int = 32, attention: str | None = "general",
                      bidirectional: bool = True, cell: str = "gru",
                      name: str | None = None) -> keras.Model:
    """The teacher-forcing training model.

    Args:
        source_vocab, target_vocab: vocabulary sizes (id 0 is padding in both).
        units: encoder units per direction; the decoder has ``units`` (unidirectional encoder) or
            ``2 * units`` (bidirectional: its initial state is the two final states side by side).
        embed_dim: width of the source and target embeddings.
        attention: one of ``SCORES``, or None for the plain encoder-decoder.
        bidirectional: read the source in both directions.
        cell: ``"gru"`` or ``"lstm"``.

    Inputs: ``{"source": (B, S) int, "target_in": (B, T) int}``.
    Output: (B, T, target_vocab) float32 probabilities of the next token.
    """
    for arg, value in (("source_vocab", source_vocab), ("target_vocab", target_vocab),
                       ("units", units), ("embed_dim", embed_dim)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"translation_model: argument {arg} expected a positive integer, "
                             f"got {value!r}")
    if attention is not None and attention not in SCORES:
        raise ValueError(f"translation_model: argument attention expected None or one of "
                         f"{list(SCORES)}, got {attention!r}")
    if cell not in ("gru", "lstm"):
        raise ValueError(f"translation_model: argument cell expected 'gru' or 'lstm', got {cell!r}")
    source = keras.Input((None,), dtype="int32", name="source")
    target_in = keras.Input((None,), dtype="int32", name="target_in")
    x = keras.layers.Embedding(source_vocab, embed_dim, mask_zero=True,
                               name="source_embedding")(source)
    enc = _rnn(cell, units, "encoder_rnn" if bidirectional else "encoder",
               return_sequences=True, return_state=True)
    if bidirectional:
        outputs = keras.layers.Bidirectional(enc, name="encoder")(x)
        enc_seq, states = outputs[0], outputs[1:]
        if cell == "gru":
            states = [keras.layers.Concatenate(name="encoder_state")(states)]
        else:  # LSTM: forward h, c, backward h, c
            states = [keras.layers.Concatenate(name="encoder_state")([states[0], states[2]]),
                      keras.layers.Concatenate(name="encoder_cell")([states[1], states[3]])]
        dec_units = 2 * units
    else:
        outputs = enc(x)
        enc_seq, states = outputs[0], list(outputs[1:])
        dec_units = units
    y = keras.layers.Embedding(target_vocab, embed_dim, mask_zero=True,
                               name="target_embedding")(target_in)
    dec = _rnn(cell, dec_units, "decoder_rnn", return_sequences=True, return_state=True)
    dec_seq = dec(y, initial_state=states)[0]
    if attention is not None:
        src_mask = NotPadding(name="source_mask")(source)
        context, _ = Attention(attention, name="attention")(dec_seq, enc_seq,
                                                            source_mask=src_mask)
        h = keras.layers.Concatenate(name="context_and_state")([context, dec_seq])
        h = keras.layers.Dense(dec_units, activation="tanh", name="attentional")(h)
    else:
        h = dec_seq
    probs = keras.layers.Dense(target_vocab, activation="softmax", dtype="float32",
                               name="next_token")(h)
    default = "encoder_decoder" + (f"_{attention}_attention" if attention else "")
    return keras.Model({"source": source, "target_in": target_in}, probs, name=name or default)


@dataclass
class Translator:
    """The inference halves of a trained :func:`translation_model`.

    Attributes:
        encoder: ``source (B, S) -> [encoder outputs (B, S, H), *initial states]``.
        step: ``[previous token (B, 1), source (B, S), encoder outputs, *states] ->
            [log probabilities (B, V), attention weights (B, S) (zeros without attention),
            *new states]``.
        n_states: 1 for a GRU decoder, 2 for an LSTM.
        reverse_source: the model was trained on reversed sources (encode them reversed too).
    """

    encoder: keras.Model
    step: keras.Model
    n_states: int
    reverse_source: bool = False


def inference_models(model: keras.Model, reverse_source: bool = False) -> Translator:
    """Build the encoder and one-step decoder of a trained model from its named layers.

    Works on a model returned by :func:`translation_model` or reloaded from a ``.keras`` file.
    """
    source = keras.Input((None,), dtype="int32", name="source")
    x = model.get_layer("source_embedding")(source)
    outputs = model.get_layer("encoder")(x)
    enc_seq, states = outputs[0], list(outputs[1:])
    names = [layer.name for layer in model.layers]
    if "encoder_state" in names:
        if len(states) == 2:
            states = [model.get_layer("encoder_state")(states)]
        else:
            states = [model.get_layer("encoder_state")([states[0], states[2]]),
                      model.get_layer("encoder_cell")([states[1], states[3]])]
    encoder = keras.Model(source, [enc_seq, *states], name="translation_encoder")

    dec = model.get_layer("decoder_rnn")
    n_states = len(states)
    h_dim = int(dec.units)
    prev = keras.Input((1,), dtype="int32", name="previous")
    src = keras.Input((None,), dtype="int32", name="source")
    memory = keras.Input((None, int(enc_seq.shape[-1])), name="encoder_outputs")
    state_in = [keras.Input((h_dim,), name=f"state_{i}") for i in range(n_states)]
    y = model.get_layer("target_embedding")(prev)
    out = dec(y, initial_state=state_in)
    dec_seq, state_out = out[0], list(out[1:])
    if "attention" in names:
        src_mask = NotPadding(name="source_mask")(src)
        context, weights = model.get_layer("attention")(dec_seq, memory, source_mask=src_mask)
        h = model.get_layer("context_and_state")([context, dec_seq])
        h = model.get_layer("attentional")(h)
        weights = keras.layers.Reshape((-1,), name="weights")(weights)
    else:
        h = dec_seq
        weights = _NoWeights(name="weights")(src, memory)
    probs = model.get_layer("next_token")(h)
    logp = StepLogProbs(name="log_probs")(probs)
    step = keras.Model([prev, src, memory, *state_in], [logp, weights, *state_out],
                       name="translation_step")
    return Translator(encoder, step, n_states, reverse_source)


def _encode(translator: Translator, source: np.ndarray):
    out = translator.encoder.predict_on_batch(source)  # a traced function: faster than a call
    return np.asarray(out[0]), [np.asarray(s) for s in out[1:]]


def _step_fn(translator: Translator, source: np.ndarray, memory: np.ndarray):
    """A step function ``(tokens (B,), states) -> (log probs (B, V), weights, states)`` whose
    rows follow ``rows`` (an index into the source batch, for beams)."""
    def step(tokens, states, rows):
        out = translator.step.predict_on_batch([tokens[:, None].astype("int32"), source[rows],
                                                memory[rows], *states])
        return np.asarray(out[0]), np.asarray(out[1]), [np.asarray(s) for s in out[2:]]
    return step


def greedy_decode(translator: Translator, source: np.ndarray, max_len: int, *, start: int = 1,
                  end: int = 2, batch_size: int = 1024, return_weights: bool = False):
    """Decode a batch by taking the most likely token at every step.

    Args:
        translator: from :func:`inference_models`.
        source: (N, S) int source ids (already reversed if the model was trained so).
        max_len: most tokens to emit (``</s>`` included).
        start, end: ids of ``<s>`` and ``</s>``.
        batch_size: rows decoded together.
        return_weights: also return the attention weights (N, max_len, S).

    Returns:
        (N, max_len) int32 ids (0 after ``</s>``), and the weights if asked.
    """
    tokens_out, weights_out = [], []
    for lo in range(0, len(source), batch_size):
        src = np.asarray(source[lo:lo + batch_size])
        memory, states = _encode(translator, src)
        step = _step_fn(translator, src, memory)
        rows = np.arange(len(src))
        prev = np.full(len(src), start, dtype=np.int32)
        done = np.zeros(len(src), dtype=bool)
        ids = np.zeros((len(src), max_len), dtype=np.int32)
        weights = np.zeros((len(src), max_len, src.shape[1]), dtype=np.float32)
        for t in range(max_len):
            logp, w, states = step(prev, states, rows)
            prev = np.argmax(logp, axis=-1).astype(np.int32)
            ids[:, t] = np.where(done, 0, prev)
            weights[:, t] = np.where(done[:, None], 0.0, w)
            done |= prev == end
            if done.all():
                break
        tokens_out.append(ids)
        weights_out.append(weights)
    ids = np.concatenate(tokens_out)
    return (ids, np.concatenate(weights_out)) if return_weights else ids


def beam_search(step: Callable, initial_states: Sequence[np.ndarray], batch: int, *,
                k: int, max_len: int, start: int = 1, end: int = 2, alpha: float = 0.0):
    """Batched beam search over any step function.

    Every hypothesis is ranked by ``score / length ** alpha``, where score is the sum of its
    tokens' log probabilities and length counts its tokens (``</s>`` included): ``alpha = 0``
    ranks by probability, which favours short outputs; ``alpha = 1`` by the mean log
    probability per token. A finished hypothesis (it emitted ``</s>``) stays in the beam with its
    score and length frozen; decoding stops when every beam is finished or after ``max_len``
    tokens. With ``k = 1`` this is greedy decoding.

    Args:
        step: ``step(tokens (R,), states, rows (R,)) -> (log_probs (R, V), weights, states)``,
            R rows, ``rows[r]`` the example row r belongs to; states are arrays with R rows.
        initial_states: states of the ``batch`` examples (arrays with ``batch`` rows).
        batch: number of examples.
        k: beam width (positive integer).
        max_len: most tokens per hypothesis.
        start, end: ids of ``<s>`` and ``</s>``.
        alpha: length-normalisation exponent (>= 0).

    Returns:
        ``(ids (batch, max_len) int32, 0 after </s>; scores (batch,) normalised)`` of the best
        hypothesis of each example.
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"beam_search: argument k expected a positive integer, got {k!r}")
    if alpha < 0:
        raise ValueError(f"beam_search: argument alpha expected a number >= 0, got {alpha!r}")
    n = batch
    rows = np.repeat(np.arange(n), k)                          # (n*k,) example of each beam
    states = [np.repeat(np.asarray(s), k, axis=0) for s in initial_states]
    score = np.full((n, k), -np.inf)
    score[:, 0] = 0.0                                          # one live hypothesis to start
    length = np.zeros((n, k))
    done = np.zeros((n, k), dtype=bool)
    seqs = np.zeros((n, k, 0), dtype=np.int32)
    prev = np.full(n * k, start, dtype=np.int32)

    def norm(s, ell):
        return s / np.maximum(ell, 1.0) ** alpha if alpha else s

    for _ in range(max_len):
        logp, _, new_states = step(prev, states, rows)
        v = logp.shape[-1]
        logp = logp.reshape(n, k, v).astype(np.float64)
        # a finished hypothesis extends only by padding, at no cost and no length
        frozen = np.full(v, -np.inf)
        frozen[0] = 0.0
        logp = np.where(done[:, :, None], frozen, logp)
        cand = score[:, :, None] + logp                        # (n, k, v)
        cand_len = np.broadcast_to(length[:, :, None] + (~done)[:, :, None], cand.shape)
        ranked = norm(cand, cand_len).reshape(n, k * v)
        ranked = np.where(np.isfinite(cand.reshape(n, k * v)), ranked, -np.inf)
        best = np.argsort(-ranked, axis=1, kind="stable")[:, :k]  # (n, k)
        beam, token = best // v, best % v
        pick = (np.arange(n)[:, None], beam)
        score = cand.reshape(n, k * v)[np.arange(n)[:, None], best]
        length = cand_len.reshape(n, k * v)[np.arange(n)[:, None], best]
        was_done = done[pick]
        done = was_done | (token == end)
        seqs = np.concatenate([seqs[pick], np.where(was_done, 0, token)[:, :, None]], axis=2)
        flat = (np.arange(n)[:, None] * k + beam).reshape(-1)
        states = [s[flat] for s in new_states]
        prev = np.where(was_done, end, token).reshape(-1).astype(np.int32)
        if done[np.isfinite(score)].all():
            break
    final = np.where(np.isfinite(score), norm(score, length), -np.inf)
    top = np.argmax(final, axis=1)
    ids = np.zeros((n, max_len), dtype=np.int32)
    best_seq = seqs[np.arange(n), top]
    ids[:, :best_seq.shape[1]] = best_seq
    return ids, final[np.arange(n), top]


def beam_decode(translator: Translator, source: np.ndarray, max_len: int, *, k: int = 4,
                alpha: float = 1.0, start: int = 1, end: int = 2, batch_size: int = 1024):
    """Beam-search decode a batch of sources with a :class:`Translator` (see :func:`beam_search`).

    Returns:
        (N, max_len) int32 ids of the best hypothesis of each source.
    """
    out = []
    for lo in range(0, len(source), batch_size):
        src = np.asarray(source[lo:lo + batch_size])
        memory, states = _encode(translator, src)
        ids, _ = beam_search(_step_fn(translator, src, memory), states, len(src), k=k,
                             max_len=max_len, start=start, end=end, alpha=alpha)
        out.append(ids)
    return np.concatenate(out)


def _example(attention: str | None, **kwargs) -> Callable[[], keras.Model]:
    return lambda: translation_model(40, 14, units=16, embed_dim=8, attention=attention, **kwargs)


#: Every model variant this module offers, at a small size (the lead's structural test).
EXAMPLE_MODELS: dict[str, Callable[[], keras.Model]] = {
    "encoder_decoder": _example(None),
    "encoder_decoder_unidirectional": _example(None, bidirectional=False),
    "attention_dot": _example("dot"),
    "attention_general": _example("general"),
    "attention_additive": _example("additive"),
    "attention_general_lstm": _example("general", cell="lstm"),
}
