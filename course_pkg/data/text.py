"""Offline English texts for character-level language models.

The texts live in ``course_pkg/data/texts/`` as ``NAME.txt`` with a ``NAME.json`` beside each one
(title, author, source, licence, size and SHA-256). Nothing is downloaded: the files ship inside the
package, and :func:`load_text` refuses a file whose checksum does not match its metadata.

Example:
    >>> from course_pkg.data import load_text, available_texts
    >>> available_texts()
    ['moby_dick']
    >>> text = load_text("moby_dick")
    >>> text[:20]
    'CHAPTER 1. Loomings.'
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

__all__ = ["TextInfo", "available_texts", "text_info", "load_text", "TextChecksumError"]

_PACKAGE = "course_pkg.data"
_FOLDER = "texts"


class TextChecksumError(RuntimeError):
    """Raised when a shipped text does not match the SHA-256 recorded in its metadata."""


@dataclass(frozen=True)
class TextInfo:
    """Metadata of a shipped text, read from ``texts/NAME.json``.

    Attributes:
        name: the name given to :func:`load_text`.
        file: the text file's name inside ``course_pkg/data/texts``.
        title: title of the work (and which part of it is shipped).
        author: author of the work.
        first_published: year of first publication.
        chars: number of characters (Unicode code points) in the file.
        sha256: hex SHA-256 of the file's bytes.
        licence: why the text may be redistributed.
        source: where the file came from.
    """

    name: str
    file: str
    title: str
    author: str
    first_published: int
    chars: int
    sha256: str
    licence: str
    source: str


def _texts_dir():
    return resources.files(_PACKAGE).joinpath(_FOLDER)


def available_texts() -> list[str]:
    """Return the sorted names of the texts shipped with the package (e.g. ``['moby_dick']``)."""
    names = []
    for entry in _texts_dir().iterdir():
        if entry.name.endswith(".json"):
            names.append(entry.name[: -len(".json")])
    return sorted(names)


def _check_name(name: str) -> None:
    if not isinstance(name, str):
        raise TypeError(f"name: expected a string, got {type(name).__name__}")
    known = available_texts()
    if name not in known:
        raise KeyError(f"name: unknown text {name!r}; available texts: {', '.join(known)}")


def text_info(name: str) -> TextInfo:
    """Return the metadata of the shipped text ``name``.

    Raises:
        KeyError: ``name`` is not one of :func:`available_texts`.
    """
    _check_name(name)
    raw = json.loads(_texts_dir().joinpath(f"{name}.json").read_text(encoding="utf-8"))
    fields = TextInfo.__dataclass_fields__
    return TextInfo(**{key: raw[key] for key in fields})


@lru_cache(maxsize=None)
def _load_checked(name: str) -> str:
    info = text_info(name)
    data = _texts_dir().joinpath(info.file).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != info.sha256:
        raise TextChecksumError(
            f"text {name!r}: file {info.file} has SHA-256 {digest}, expected {info.sha256}; "
            "the packaged file is damaged or was edited without updating its .json"
        )
    text = data.decode("utf-8")
    if len(text) != info.chars:
        raise TextChecksumError(f"text {name!r}: expected {info.chars} characters, got {len(text)}")
    return text


def load_text(name: str = "moby_dick", max_chars: int | None = None) -> str:
    """Load a shipped English text after checking its SHA-256.

    Args:
        name: one of :func:`available_texts` (default ``"moby_dick"``: Melville's *Moby-Dick*,
            chapters 1 to 30, 263,314 characters, public domain).
        max_chars: if given, return only the first ``max_chars`` characters (a positive integer).

    Returns:
        The text as a ``str`` (newlines ``"\\n"``, UTF-8 decoded).

    Raises:
        KeyError: unknown ``name`` (the message lists the available texts).
        ValueError: ``max_chars`` is not a positive integer.
        TextChecksumError: the file does not match the checksum in its metadata.
    """
    if max_chars is not None and (
        isinstance(max_chars, bool) or not isinstance(max_chars, int) or max_chars <= 0
    ):
        raise ValueError(f"max_chars: expected a positive integer or None, got {max_chars!r}")
    text = _load_checked(name)
    return text if max_chars is None else text[:max_chars]
