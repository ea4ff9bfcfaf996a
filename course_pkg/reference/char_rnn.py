"""A character-level language model in NumPy (min-char-rnn, batched).

The model reads one-hot characters x_t and predicts the next character::

    h_t = tanh(x_t @ W + h_{t-1} @ U + b)      W (K, H), U (H, H), b (H,)
    y_t = h_t @ V + c                          V (H, K), c (K,)
    L   = (1/N) sum_n sum_t -log softmax(y_{n,t})[next char]

Training cuts the text into ``batch_size`` parallel streams and walks through them in chunks of
``seq_len`` characters, carrying the last hidden state of each chunk into the next (TBPTT with
k1 = k2 = seq_len); after each chunk the gradient is clipped and one optimizer step is taken.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ._validation import ShapeChecker, check_ids, check_positive, check_positive_int
from .activations import tanh
from .clipping import clip_by_global_norm
from .losses import PARAM_NAMES, many_to_many_loss
from .text import CharVocab, one_hot, sample_index


@dataclass
class CharRNN:
    """Parameters of a character RNN (and, optionally, its vocabulary).

    Attributes:
        W: input weights (K, H): row k is the input projection of character k.
        U: recurrent weights (H, H).
        b: hidden bias (H,).
        V: output weights (H, K).
        c: output bias (K,).
        vocab: the ``CharVocab`` the ids refer to, when known.

    Example:
        >>> model = CharRNN.init(vocab_size=4, hidden_size=8, rng=0)
        >>> model.W.shape, model.V.shape
        ((4, 8), (8, 4))
    """

    W: np.ndarray
    U: np.ndarray
    b: np.ndarray
    V: np.ndarray
    c: np.ndarray
    vocab: CharVocab | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        check = ShapeChecker("CharRNN")
        check("W", self.W, ("K", "H"))
        check("U", self.U, ("H", "H"))
        check("b", self.b, ("H",))
        check("V", self.V, ("H", "K"))
        check("c", self.c, ("K",))
        if self.vocab is not None and self.vocab.size != self.W.shape[0]:
            raise ValueError(f"CharRNN: vocab has {self.vocab.size} characters but W has "
                             f"{self.W.shape[0]} rows")

    @classmethod
    def init(
        cls,
        vocab_size: int,
        hidden_size: int,
        rng: np.random.Generator | int | None = None,
        dtype: np.dtype | type = np.float32,
        vocab: CharVocab | None = None,
    ) -> "CharRNN":
        """Random initial parameters.

        W ~ N(0, 0.1^2) (a small embedding per character), U orthogonal (as Keras initialises
        recurrent kernels), V ~ N(0, 1/H), biases zero.
        """
        K = check_positive_int("CharRNN.init", "vocab_size", vocab_size)
        H = check_positive_int("CharRNN.init", "hidden_size", hidden_size)
        rng = np.random.default_rng(rng)
        q, r = np.linalg.qr(rng.standard_normal((H, H)))
        U = q * np.sign(np.diag(r))
        params = {
            "W": 0.1 * rng.standard_normal((K, H)),
            "U": U,
            "b": np.zeros(H),
            "V": rng.standard_normal((H, K)) / np.sqrt(H),
            "c": np.zeros(K),
        }
        return cls(**{k: v.astype(dtype) for k, v in params.items()}, vocab=vocab)

    @property
    def vocab_size(self) -> int:
        return self.W.shape[0]

    @property
    def hidden_size(self) -> int:
        return self.W.shape[1]

    @property
    def params(self) -> dict[str, np.ndarray]:
        """The parameter arrays by name (the same arrays, not copies)."""
        return {name: getattr(self, name) for name in PARAM_NAMES}

    def initial_state(self, batch_size: int) -> np.ndarray:
        """Zeros of shape (batch_size, H) in the model's dtype."""
        return np.zeros((batch_size, self.hidden_size), dtype=self.W.dtype)


def char_rnn_loss_and_grads(
    model: CharRNN, inputs: np.ndarray, targets: np.ndarray, h0: np.ndarray
) -> tuple[float, dict[str, np.ndarray], np.ndarray]:
    """Loss and gradients over a batch of character sequences.

    Args:
        model: a ``CharRNN``.
        inputs: character ids, shape (N, T).
        targets: the next character of each input, shape (N, T).
        h0: initial hidden state, shape (N, H).

    Returns:
        loss: cross-entropy summed over the T steps, averaged over the N sequences
            (divide by T for nats per character).
        grads: W, U, b, V, c.
        h_last: the final hidden state (N, H), to carry into the next chunk.
    """
    inputs = check_ids("char_rnn_loss_and_grads", "inputs", inputs, model.vocab_size)
    x = one_hot(inputs, model.vocab_size, dtype=model.W.dtype)
    result = many_to_many_loss(model.params, x, h0, targets)
    return result.loss, {name: result.grads[name] for name in PARAM_NAMES}, result.h_last


def char_rnn_logits(
    model: CharRNN, inputs: np.ndarray, h0: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Next-character logits for every position.

    Args:
        model: a ``CharRNN``.
        inputs: ids, shape (N, T).
        h0: initial state (N, H); zeros when None.

    Returns:
        logits (N, T, K) and the final hidden state (N, H).
    """
    inputs = check_ids("char_rnn_logits", "inputs", np.atleast_2d(inputs), model.vocab_size)
    N, T = inputs.shape
    h = model.initial_state(N) if h0 is None else h0
    logits = np.empty((N, T, model.vocab_size), dtype=model.W.dtype)
    for t in range(T):
        h = tanh(model.W[inputs[:, t]] + h @ model.U + model.b)
        logits[:, t] = h @ model.V + model.c
    return logits, h


class Adam:
    """Adam (Kingma & Ba, 2015): per-parameter steps from running moments of the gradient.

    Args:
        lr: learning rate.
        beta1, beta2: decay rates of the first and second moment estimates.
        eps: added to the denominator.
    """

    def __init__(self, lr: float = 2e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.lr = check_positive("Adam", "lr", lr)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.m: dict[str, np.ndarray] = {}
        self.v: dict[str, np.ndarray] = {}
        self.t = 0

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Update ``params`` in place from ``grads`` (same keys)."""
        self.t += 1
        correction1 = 1 - self.beta1 ** self.t
        correction2 = 1 - self.beta2 ** self.t
        for name, p in params.items():
            g = grads[name]
            m = self.m.setdefault(name, np.zeros_like(p))
            v = self.v.setdefault(name, np.zeros_like(p))
            m *= self.beta1
            m += (1 - self.beta1) * g
            v *= self.beta2
            v += (1 - self.beta2) * g * g
            p -= (self.lr / correction1) * m / (np.sqrt(v / correction2) + self.eps)


class Adagrad:
    """Adagrad (Duchi et al., 2011), the optimizer of min-char-rnn.

    Args:
        lr: learning rate.
        eps: added to the denominator.
    """

    def __init__(self, lr: float = 0.1, eps: float = 1e-8):
        self.lr = check_positive("Adagrad", "lr", lr)
        self.eps = eps
        self.memory: dict[str, np.ndarray] = {}

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Update ``params`` in place from ``grads`` (same keys)."""
        for name, p in params.items():
            g = grads[name]
            mem = self.memory.setdefault(name, np.zeros_like(p))
            mem += g * g
            p -= self.lr * g / (np.sqrt(mem) + self.eps)


OPTIMIZERS = {"adam": Adam, "adagrad": Adagrad}


def _batch_streams(ids: np.ndarray, batch_size: int, seq_len: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut ids into batch_size contiguous streams: inputs and next-character targets (N, L)."""
    L = (len(ids) - 1) // batch_size
    if L < seq_len:
        raise ValueError(
            f"train_char_rnn: the text has {len(ids)} characters, too few for batch_size="
            f"{batch_size} streams of at least seq_len={seq_len} + 1 characters "
            f"(need >= {batch_size * seq_len + 1})"
        )
    inputs = ids[: batch_size * L].reshape(batch_size, L)
    targets = ids[1 : batch_size * L + 1].reshape(batch_size, L)
    return inputs, targets


def train_char_rnn(
    text_or_ids: str | np.ndarray,
    *,
    steps: int = 1500,
    seq_len: int = 50,
    batch_size: int = 32,
    hidden_size: int = 128,
    lr: float = 2e-3,
    clip: float | None = 5.0,
    seed: int = 0,
    log_every: int = 0,
    optimizer: str = "adam",
    dtype: np.dtype | type = np.float32,
    vocab: CharVocab | None = None,
    model: CharRNN | None = None,
    log: Callable[[str], None] = print,
) -> tuple[CharRNN, np.ndarray]:
    """Train a ``CharRNN`` with truncated BPTT over consecutive chunks.

    The text is cut into ``batch_size`` contiguous streams. Step i feeds the next ``seq_len``
    characters of every stream, starting from the hidden state the previous chunk ended with
    (zeros at the start and whenever the streams wrap around), clips the gradient to global
    norm ``clip`` and takes one optimizer step.

    Args:
        text_or_ids: the training text, or an int array of ids (then give ``vocab`` or the
            vocabulary size is taken as max(id) + 1).
        steps: number of parameter updates.
        seq_len: characters per chunk, T (= k1 = k2 of TBPTT).
        batch_size: parallel streams, N.
        hidden_size: H.
        lr: learning rate.
        clip: maximum global norm of the gradient, or None for no clipping.
        seed: seeds the initialisation.
        log_every: print the mean loss of the last ``log_every`` steps every ``log_every``
            steps (0: silent).
        optimizer: "adam" or "adagrad".
        dtype: float32 (default, fast) or float64.
        vocab: the vocabulary (built from the text when None and a text is given).
        model: continue training this model instead of initialising a new one.
        log: where the progress lines go.

    Returns:
        model: the trained ``CharRNN`` (with ``vocab`` attached when known).
        history: loss in nats per character at every step, shape (steps,).
    """
    func = "train_char_rnn"
    steps = check_positive_int(func, "steps", steps)
    seq_len = check_positive_int(func, "seq_len", seq_len)
    batch_size = check_positive_int(func, "batch_size", batch_size)
    if clip is not None:
        clip = check_positive(func, "clip", clip)
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"{func}: optimizer must be one of {sorted(OPTIMIZERS)}, got {optimizer!r}")

    if isinstance(text_or_ids, str):
        vocab = vocab or CharVocab.from_text(text_or_ids)
        ids = vocab.encode(text_or_ids)
    else:
        ids = check_ids(func, "text_or_ids", np.asarray(text_or_ids).ravel(),
                        vocab.size if vocab else np.iinfo(np.int64).max)
    vocab_size = vocab.size if vocab else (model.vocab_size if model else int(ids.max()) + 1)
    if model is None:
        model = CharRNN.init(vocab_size, hidden_size, rng=seed, dtype=dtype, vocab=vocab)
    elif model.vocab_size != vocab_size:
        raise ValueError(f"{func}: model has vocab_size {model.vocab_size}, the data needs {vocab_size}")

    inputs, targets = _batch_streams(ids, batch_size, seq_len)
    chunks = inputs.shape[1] // seq_len
    opt = OPTIMIZERS[optimizer](lr=lr)
    params = model.params
    history = np.empty(steps)
    h = model.initial_state(batch_size)
    start = time.perf_counter()
    for step in range(steps):
        chunk = step % chunks
        if chunk == 0:
            h = model.initial_state(batch_size)          # streams wrap around: forget
        cols = slice(chunk * seq_len, (chunk + 1) * seq_len)
        loss, grads, h = char_rnn_loss_and_grads(model, inputs[:, cols], targets[:, cols], h)
        if clip is not None:
            grads, _ = clip_by_global_norm(grads, clip)
        opt.step(params, grads)
        history[step] = loss / seq_len
        if log_every and (step + 1) % log_every == 0:
            recent = history[step + 1 - log_every : step + 1].mean()
            log(f"step {step + 1:5d}  loss {recent:.3f} nats/char  "
                f"({time.perf_counter() - start:.1f} s)")
    return model, history


def sample_ids(
    model: CharRNN,
    prime: np.ndarray | list[int],
    length: int,
    temperature: float = 1.0,
    rng: np.random.Generator | int | None = None,
) -> np.ndarray:
    """Generate ``length`` ids after reading the ``prime`` ids.

    Args:
        model: a trained ``CharRNN``.
        prime: at least one id to start from.
        length: how many ids to generate.
        temperature: > 0; near 0 always picks the most likely character.
        rng: a ``numpy.random.Generator`` or seed for reproducible samples.

    Returns:
        The generated ids (not including the prime), shape (length,).
    """
    temperature = check_positive("sample_ids", "temperature", temperature)
    prime = check_ids("sample_ids", "prime", np.asarray(prime, dtype=np.int64).ravel(), model.vocab_size)
    if prime.size == 0:
        raise ValueError("sample_ids: prime must hold at least one id, got 0")
    rng = np.random.default_rng(rng)
    logits, h = char_rnn_logits(model, prime[None, :])
    next_logits = logits[0, -1]
    out = np.empty(length, dtype=np.int64)
    for i in range(length):
        out[i] = sample_index(next_logits, temperature, rng)
        h = tanh(model.W[out[i]] + h @ model.U + model.b)
        next_logits = (h @ model.V + model.c)[0]
    return out


def sample_text(
    model: CharRNN,
    prime: str,
    length: int,
    temperature: float = 1.0,
    rng: np.random.Generator | int | None = None,
) -> str:
    """Generate ``length`` characters after ``prime`` with the model's vocabulary.

    Returns:
        The generated text, not including the prime.
    """
    if model.vocab is None:
        raise ValueError("sample_text: model.vocab is None; use sample_ids or attach a CharVocab")
    return model.vocab.decode(sample_ids(model, model.vocab.encode(prime), length, temperature, rng))
