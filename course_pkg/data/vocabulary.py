"""Token <-> integer-id vocabularies for the word-level application chapters.

One class serves the sentiment reviews (words, most frequent first) and the slot-filling corpus
(words, and the BIO tags it predicts): the tokens in id order, the special ones first, and the
token that unknown words map to. The translation chapter's ``CharVocab`` (``course_pkg.data.dates``)
is the character-level counterpart with start and end symbols.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

__all__ = ["Vocabulary"]


@dataclass(frozen=True)
class Vocabulary:
    """Tokens and their ids: ``tokens[i]`` has id ``i``.

    Attributes:
        tokens: every token once, in id order; the special ones (padding, unknown) first.
        unknown: the token an unknown one maps to (``None``: an unknown token is a ``KeyError``,
            as for tags, which are never unknown).
    """

    tokens: tuple[str, ...]
    unknown: str | None = None
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = {token: i for i, token in enumerate(self.tokens)}
        if len(index) != len(self.tokens):
            repeated = sorted({t for t in self.tokens if self.tokens.count(t) > 1})
            raise ValueError(f"Vocabulary: tokens must not repeat, got {repeated} twice")
        if self.unknown is not None and self.unknown not in index:
            raise ValueError(f"Vocabulary: the unknown token {self.unknown!r} is not in tokens")
        object.__setattr__(self, "_index", index)

    @classmethod
    def from_tokens(cls, tokens: Iterable[str], specials: Sequence[str] = (),
                    unknown: str | None = None) -> "Vocabulary":
        """``specials`` then ``tokens`` in order of first appearance, each once."""
        return cls(tuple(dict.fromkeys([*specials, *tokens])), unknown)

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token: object) -> bool:
        return token in self._index

    def id(self, token: str) -> int:
        """The id of ``token``; the unknown token's id when it is not in the vocabulary.

        Raises:
            KeyError: ``token`` is unknown and the vocabulary has no unknown token.
        """
        found = self._index.get(token)
        if found is not None:
            return found
        if self.unknown is None:
            raise KeyError(f"Vocabulary: {token!r} is unknown and there is no unknown token")
        return self._index[self.unknown]

    def ids(self, tokens: Iterable[str]) -> list[int]:
        """The id of each token (see :meth:`id`)."""
        return [self.id(t) for t in tokens]

    def decode(self, ids: Iterable[int], skip: Iterable[int] = (0,), sep: str = " ") -> str:
        """The tokens of ``ids`` joined by ``sep``, leaving out the ids in ``skip`` (padding)."""
        skipped = {int(i) for i in skip}
        return sep.join(self.tokens[int(i)] for i in ids if int(i) not in skipped)
