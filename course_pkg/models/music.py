"""A character-level LSTM language model of ABC tunes: the Keras twin of ``reference.char_rnn``.

The model reads character ids and predicts the next character at every step::

    ids (N, T) -> Embedding(K, E) -> LSTM(H) [x layers] -> Dense(K, float32) -> logits (N, T, K)

Two versions share the same weights:

- :func:`char_lstm` with ``stateful=False`` trains on independent windows or evaluates;
- :func:`char_lstm` with ``stateful=True`` and a fixed batch of N parallel streams keeps each
  layer's ``(h, c)`` in variables between calls, so batch ``c`` starts where batch ``c - 1``
  stopped: truncated BPTT (with k1 = k2 = T) as ``reference.char_rnn.train_char_rnn`` does by
  hand. ``course_pkg.recipes.training.fit(..., shuffle=False)`` resets the states every epoch.

:func:`sample_tunes` copies trained weights into a stateful model with one row per sample and
generates one character at a time, drawing from ``softmax(logits / temperature)``.

The LSTM layers keep the cuDNN-eligible configuration (tanh/sigmoid, no recurrent dropout, not
unrolled, biases); the output layer computes in float32 so that the softmax of the loss stays in
float32 under a mixed-precision policy.

Example:
    >>> model = char_lstm(vocab_size=35, units=64, embedding_dim=16)
    >>> model.count_params()
    23571
"""

from __future__ import annotations

from typing import Callable, Sequence

import keras
import numpy as np

from course_pkg.reference.text import CharVocab, sample_index

__all__ = ["EXAMPLE_MODELS", "ReplicaStateLSTM", "char_lstm", "compile_char_lstm", "copy_weights",
           "next_char_probabilities", "sample_ids_batch", "sample_tunes", "stateful_twin"]


def _positive_int(func: str, name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{func}: argument {name} expected a positive integer, got {value!r}")
    return int(value)


try:  # the scope in which Keras's own RNN creates its state variables untracked (not weights)
    from keras.src.utils.tracking import no_automatic_dependency_tracking as _untracked
except ImportError:  # pragma: no cover - a Keras without it tracks the states as weights
    def _untracked(fn):
        return fn


@keras.saving.register_keras_serializable(package="course_pkg")
class ReplicaStateLSTM(keras.layers.LSTM):
    """A ``keras.layers.LSTM`` whose carried states (``stateful=True``) belong to each replica.

    Under ``tf.distribute.MirroredStrategy`` every replica trains on its own slice of the batch,
    so each must carry its own slice of the states. Keras creates the state variables mirrored
    (one value for all replicas); this layer creates them synchronised on read instead, as
    metrics are, so a replica's update stays on that replica. Build it with the *per-replica*
    batch size. Everything else, the cuDNN path included, is ``keras.layers.LSTM``'s.
    """

    @_untracked
    def _create_state_variables(self, batch_size):
        with keras.name_scope(self.name, caller=self):
            self.states = [
                keras.Variable(value, trainable=False, dtype=self.variable_dtype,
                               name="rnn_state", synchronization="on_read", aggregation="mean")
                for value in self.get_initial_state(batch_size)
            ]


def _tf_replicas() -> int:
    """Replicas of the tf.distribute strategy in scope (1 outside one, or on other backends)."""
    if keras.backend.backend() != "tensorflow":
        return 1
    import tensorflow as tf

    return tf.distribute.get_strategy().num_replicas_in_sync if tf.distribute.has_strategy() else 1


def char_lstm(
    vocab_size: int,
    units: int = 256,
    embedding_dim: int = 32,
    layers: int = 1,
    *,
    dropout: float = 0.0,
    stateful: bool = False,
    batch_size: int | None = None,
    seq_len: int | None = None,
    name: str = "char_lstm",
) -> keras.Model:
    """Build (not compile) the character LSTM: ids (N, T) -> logits (N, T, K).

    Args:
        vocab_size: K, the number of characters.
        units: H, LSTM units per layer.
        embedding_dim: E, the size of a character's embedding (a learned one-hot projection).
        layers: stacked LSTM layers.
        dropout: dropout rate between layers and before the output (a Dropout layer, not the
            LSTM's ``recurrent_dropout``, which would leave the cuDNN path).
        stateful: keep each LSTM's state between batches (needs ``batch_size``).
        batch_size: N, fixed; required when ``stateful``. Inside a TensorFlow data-parallel
            scope with R replicas each replica's model holds N / R streams
            (:class:`ReplicaStateLSTM`); JAX's data parallelism keeps the global N.
        seq_len: T, or None for any length.
        name: the model's name.

    Returns:
        A functional ``keras.Model`` with int32 input (N, T) and float32 logits (N, T, K).
    """
    func = "char_lstm"
    vocab_size = _positive_int(func, "vocab_size", vocab_size)
    units = _positive_int(func, "units", units)
    embedding_dim = _positive_int(func, "embedding_dim", embedding_dim)
    layers = _positive_int(func, "layers", layers)
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"{func}: argument dropout expected a number in [0, 1), got {dropout!r}")
    lstm_class = keras.layers.LSTM
    if stateful:
        batch_size = _positive_int(func, "batch_size (required when stateful=True)", batch_size)
        replicas = _tf_replicas()
        if replicas > 1:   # TensorFlow data parallelism: each replica carries its own streams
            if batch_size % replicas:
                raise ValueError(f"{func}: batch_size {batch_size} is not a multiple of the "
                                 f"{replicas} replicas that share it")
            batch_size //= replicas
            lstm_class = ReplicaStateLSTM
    if seq_len is not None:
        seq_len = _positive_int(func, "seq_len", seq_len)

    inputs = keras.Input(batch_shape=(batch_size, seq_len), dtype="int32", name="chars")
    x = keras.layers.Embedding(vocab_size, embedding_dim, name="embedding")(inputs)
    for i in range(layers):
        x = lstm_class(units, return_sequences=True, stateful=stateful, name=f"lstm_{i + 1}")(x)
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"dropout_{i + 1}")(x)
    logits = keras.layers.Dense(vocab_size, dtype="float32", name="logits")(x)
    return keras.Model(inputs, logits, name=name)


def compile_char_lstm(model: keras.Model, learning_rate: float = 3e-3, clipnorm: float = 5.0,
                      jit_compile: bool | str = False) -> keras.Model:
    """Compile with Adam (gradient clipped to global norm ``clipnorm``) and the cross-entropy
    of the next character in nats, from logits."""
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate, global_clipnorm=clipnorm),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        jit_compile=jit_compile,
    )
    return model


def _config_of(model: keras.Model) -> dict:
    lstms = [layer for layer in model.layers if isinstance(layer, keras.layers.LSTM)]
    embedding = model.get_layer("embedding")
    dropouts = [layer for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
    return {"vocab_size": embedding.input_dim, "units": lstms[0].units,
            "embedding_dim": embedding.output_dim, "layers": len(lstms),
            "dropout": dropouts[0].rate if dropouts else 0.0}


def copy_weights(source: keras.Model, target: keras.Model) -> keras.Model:
    """Copy ``source``'s weights into ``target`` (same architecture; the stateful layers' carried
    states are not weights and are not copied). Returns ``target``."""
    target.set_weights([np.asarray(w) for w in source.get_weights()])
    return target


def stateful_twin(model: keras.Model, batch_size: int = 1) -> keras.Model:
    """A stateful copy of a :func:`char_lstm` model, one row per stream, holding its weights.

    Feed it one chunk (or one character) at a time: each LSTM continues from the state the
    previous call left. ``reset`` the states with ``layer.reset_state()`` of each LSTM.
    """
    batch_size = _positive_int("stateful_twin", "batch_size", batch_size)
    twin = char_lstm(**_config_of(model), stateful=True, batch_size=batch_size,
                     name=f"{model.name}_stateful")
    return copy_weights(model, twin)


def _reset(model: keras.Model) -> None:
    for layer in model.layers:
        if getattr(layer, "stateful", False):
            layer.reset_state()


def sample_ids_batch(
    model: keras.Model,
    prime: Sequence[int],
    length: int,
    temperatures: Sequence[float],
    seed: int | None = 0,
    stop: Callable[[np.ndarray], np.ndarray] | None = None,
) -> np.ndarray:
    """Generate ``length`` ids for each temperature, in parallel, after reading ``prime``.

    Args:
        model: a stateful :func:`char_lstm` whose batch size is ``len(temperatures)``.
        prime: ids read first (at least one); the states start from zero.
        length: ids to generate per row.
        temperatures: one temperature > 0 per row.
        seed: seeds the draws (one ``numpy`` generator for all rows).
        stop: optional ``stop(generated (B, t)) -> bool (B,)``; generation ends once every row
            has stopped (the remaining ids are still returned, drawn as usual).

    Returns:
        int64 array (B, length') with length' <= length (shorter when every row stopped).
    """
    temperatures = [float(t) for t in temperatures]
    rows = len(temperatures)
    prime = np.asarray(prime, dtype=np.int32).ravel()
    if prime.size == 0:
        raise ValueError("sample_ids_batch: argument prime expected at least one id, got 0")
    batch = model.inputs[0].shape[0]
    if batch != rows:
        raise ValueError(f"sample_ids_batch: the stateful model's batch size is {batch}, but "
                         f"{rows} temperatures were given (one row each)")
    rng = np.random.default_rng(seed)
    _reset(model)
    logits = keras.ops.convert_to_numpy(model(np.tile(prime, (rows, 1)), training=False))[:, -1]
    out = np.empty((rows, length), dtype=np.int64)
    for t in range(length):
        for row, tau in enumerate(temperatures):
            out[row, t] = sample_index(logits[row].astype(np.float64), tau, rng)
        if stop is not None and np.all(stop(out[:, : t + 1])):
            return out[:, : t + 1]
        step_input = out[:, t : t + 1].astype(np.int32)
        logits = keras.ops.convert_to_numpy(model(step_input, training=False))[:, -1]
    return out


def sample_tunes(
    model: keras.Model,
    vocab: CharVocab,
    temperatures: Sequence[float] = (0.5, 0.8, 1.0, 1.3),
    *,
    per_temperature: int = 1,
    prime: str = "\n\nM:",
    max_chars: int = 400,
    seed: int = 0,
    separator: str = "\n\n",
) -> list[dict]:
    """Sample tunes from a trained model at several temperatures.

    Copies the weights of ``model`` (trained, stateful or not) into a stateful twin with one row
    per sample, reads ``prime`` (by default a blank line, where a tune starts, and ``M:``), then
    draws characters until each row writes ``separator`` (the end of a tune) or ``max_chars``.

    Returns:
        One dict per sample, in temperature order: ``{"temperature", "abc", "finished"}`` where
        ``abc`` is the tune's text (the prime's ``M:`` included, the separator not) and
        ``finished`` says whether the model ended the tune itself.
    """
    temperatures = [float(t) for t in temperatures for _ in range(per_temperature)]
    twin = stateful_twin(model, batch_size=len(temperatures))
    sep = vocab.encode(separator)
    start = prime.rfind(separator)
    head = prime[start + len(separator):] if start >= 0 else prime

    done = np.zeros(len(temperatures), dtype=bool)

    def ended(generated: np.ndarray) -> np.ndarray:
        if generated.shape[1] >= len(sep):
            done[:] |= (generated[:, -len(sep):] == sep).all(axis=1)
        return done

    ids = sample_ids_batch(twin, vocab.encode(prime), max_chars, temperatures, seed,
                           stop=ended if len(sep) else None)
    samples = []
    for tau, row in zip(temperatures, ids):
        text = vocab.decode(row)
        cut = text.find(separator)
        samples.append({"temperature": tau, "abc": head + (text[:cut] if cut >= 0 else text),
                        "finished": cut >= 0})
    return samples


def next_char_probabilities(
    model: keras.Model,
    vocab: CharVocab,
    texts: Sequence[str],
    prefix: str = "\n\n",
    batch_size: int = 64,
) -> tuple[np.ndarray, np.ndarray]:
    """The model's distribution of every character of each text, each text read on its own.

    Every text is read from zero states after ``prefix`` (by default the blank line that ends the
    previous tune), so character ``j`` of a text is predicted from ``prefix + text[:j]``; the
    texts are batched, right-padded, through a stateless copy of ``model``.

    Args:
        model: a trained :func:`char_lstm` (stateful or not).
        vocab: its vocabulary.
        texts: the texts to score (e.g. ``tune.abc + "\n\n"`` of the held-out tunes).
        prefix: read before each text, not scored (at least one character).
        batch_size: texts per forward pass.

    Returns:
        targets: int64 (n,), every character of every text, in order.
        probs: float64 (n, K), the predicted distribution of each (rows sum to 1).
    """
    if not prefix:
        raise ValueError("next_char_probabilities: argument prefix expected at least one "
                         "character, got ''")
    reader = copy_weights(model, char_lstm(**_config_of(model), name=f"{model.name}_reader"))
    pre = vocab.encode(prefix)
    targets, probs = [], []
    for start in range(0, len(texts), batch_size):
        encoded = [vocab.encode(t) for t in texts[start:start + batch_size]]
        width = len(pre) + max(len(e) for e in encoded) - 1
        x = np.zeros((len(encoded), width), dtype=np.int32)
        for row, ids in enumerate(encoded):
            seq = np.concatenate([pre, ids])[:-1]
            x[row, : len(seq)] = seq
        logits = np.asarray(reader.predict_on_batch(x), dtype=np.float64)
        logits -= logits.max(axis=-1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=-1, keepdims=True)
        for row, ids in enumerate(encoded):
            targets.append(ids)
            probs.append(p[row, len(pre) - 1 : len(pre) - 1 + len(ids)])
    return np.concatenate(targets), np.concatenate(probs)


def _example_stateful() -> keras.Model:
    return char_lstm(vocab_size=35, units=32, embedding_dim=8, stateful=True, batch_size=4,
                     seq_len=16, name="char_lstm_stateful")


#: Every model variant this module builds, at a small size (a test checks each layer).
EXAMPLE_MODELS: dict[str, Callable[[], keras.Model]] = {
    "char_lstm": lambda: char_lstm(vocab_size=35, units=32, embedding_dim=8),
    "char_lstm_2_layers": lambda: char_lstm(vocab_size=35, units=32, embedding_dim=8, layers=2,
                                            dropout=0.1, name="char_lstm_2_layers"),
    "char_lstm_stateful": _example_stateful,
}
