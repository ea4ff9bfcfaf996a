"""Characters as data: a vocabulary, one-hot vectors, and sampling with a temperature."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np

from ._validation import check_float_dtypes, check_ids, check_positive, check_positive_int
from .activations import softmax


@dataclass(frozen=True)
class CharVocab:
    """A character vocabulary: id ``i`` stands for ``chars[i]``.

    Args:
        chars: the distinct characters, in id order.

    Example:
        >>> vocab = CharVocab.from_text("hello")
        >>> vocab.chars, vocab.size
        (('e', 'h', 'l', 'o'), 4)
        >>> vocab.encode("hell").tolist(), vocab.decode([1, 0, 2, 2, 3])
        ([1, 0, 2, 2], 'hello')
    """

    chars: tuple[str, ...]
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        chars = tuple(self.chars)
        if any(not isinstance(ch, str) or len(ch) != 1 for ch in chars):
            raise ValueError("CharVocab: chars must be single characters")
        if len(set(chars)) != len(chars):
            raise ValueError("CharVocab: chars must be distinct")
        if not chars:
            raise ValueError("CharVocab: chars must not be empty")
        object.__setattr__(self, "chars", chars)
        object.__setattr__(self, "_index", {ch: i for i, ch in enumerate(chars)})

    @classmethod
    def from_text(cls, text: str) -> "CharVocab":
        """The sorted set of characters of ``text``."""
        return cls(tuple(sorted(set(text))))

    @property
    def size(self) -> int:
        """Number of characters, K."""
        return len(self.chars)

    def __len__(self) -> int:
        return self.size

    def encode(self, text: str) -> np.ndarray:
        """Text -> int64 ids, shape (len(text),)."""
        try:
            return np.fromiter((self._index[ch] for ch in text), dtype=np.int64, count=len(text))
        except KeyError as error:
            raise ValueError(f"CharVocab.encode: character {error.args[0]!r} is not in the vocabulary") from None

    def decode(self, ids: Iterable[int]) -> str:
        """Ids (any int sequence or 1-D array) -> text."""
        ids = check_ids("CharVocab.decode", "ids", np.asarray(list(ids), dtype=np.int64), self.size)
        return "".join(self.chars[i] for i in ids)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict; ``CharVocab.from_dict`` reverses it."""
        return {"chars": list(self.chars)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CharVocab":
        """Rebuild a vocabulary saved with ``to_dict``."""
        return cls(tuple(data["chars"]))


def one_hot(ids: np.ndarray, size: int, dtype: np.dtype | type = np.float32) -> np.ndarray:
    """One-hot vectors: ``ids`` of shape S -> array of shape S + (size,).

    Args:
        ids: integer ids in [0, size), any shape, e.g. (N, T).
        size: number of classes K.
        dtype: float32 (default) or float64.
    """
    size = check_positive_int("one_hot", "size", size)
    ids = check_ids("one_hot", "ids", ids, size)
    out = np.zeros(ids.shape + (size,), dtype=dtype)
    np.put_along_axis(out, ids[..., None], 1, axis=-1)
    return out


def softmax_with_temperature(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """``softmax(logits / temperature)`` along the last axis, in float64.

    Temperature 1 is the model's own distribution; below 1 it sharpens towards the argmax,
    above 1 it flattens towards uniform.
    """
    temperature = check_positive("softmax_with_temperature", "temperature", temperature)
    return softmax(np.asarray(logits, dtype=np.float64) / temperature)


def sample_index(
    logits: np.ndarray,
    temperature: float = 1.0,
    rng: np.random.Generator | int | None = None,
) -> int | np.ndarray:
    """Draw class ids from ``softmax(logits / temperature)``.

    Args:
        logits: shape (K,) for one draw, or (N, K) for one draw per row.
        temperature: > 0; as it goes to 0 the draw becomes the argmax.
        rng: a ``numpy.random.Generator`` (or a seed) for reproducible draws.

    Returns:
        An int for (K,) logits, an int64 array (N,) for (N, K) logits.
    """
    temperature = check_positive("sample_index", "temperature", temperature)
    logits = np.asarray(logits)
    if logits.ndim not in (1, 2):
        raise ValueError(f"sample_index: logits must have shape (K,) or (N, K), got {logits.shape}")
    check_float_dtypes("sample_index", logits=logits)
    rng = np.random.default_rng(rng)
    probs = np.atleast_2d(softmax_with_temperature(logits, temperature))
    cdf = np.cumsum(probs, axis=-1)
    u = rng.random((probs.shape[0], 1)) * cdf[:, -1:]
    ids = np.minimum((cdf <= u).sum(axis=-1), probs.shape[1] - 1).astype(np.int64)
    return int(ids[0]) if logits.ndim == 1 else ids
