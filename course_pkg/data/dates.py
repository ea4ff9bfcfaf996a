"""Dates written the way people write them, to translate into ISO 8601 (the translation chapter).

Every source string is a real locale format from the Unicode CLDR as the `babel` package ships it
(``babel.dates.format_date`` with the locale's short / medium / long / full pattern): "2/1/24",
"1 févr. 2024", "Donnerstag, 1. Februar 2024", "quinta-feira, 1 de fevereiro de 2024"... The
target is the same day in ISO 8601, "2024-02-01". Nothing is downloaded: the data are generated
by code, and :func:`dates_provenance` records the babel and CLDR versions that wrote them.

Two choices make the task well posed:

- Days run from 1969-01-01 to 2068-12-31, so that a two-digit year ("24") names one year, with the
  pivot POSIX ``strptime("%y")`` uses: 69-99 are 1969-1999 and 00-68 are 2000-2068.
- A string must name one day. "1/2/24" is 2 January in the United States and 1 February in Spain:
  :func:`date_styles` drops the locale formats whose strings collide with an earlier one's for a
  different day (the first locale in ``locales`` keeps its format).

The split holds out *days*: no rendering of a test day, in any locale, is seen in training.

Example:
    >>> from course_pkg.data.dates import load_dates
    >>> data = load_dates(n_train=1000, n_val=100, n_test=100, seed=0)
    >>> data.train.sources[0], data.train.targets[0]      # doctest: +SKIP
    ('mercredi 14 juin 2034', '2034-06-14')
    >>> x = data.source_vocab.encode(data.train.sources)   # (N, S) int32, 0 = padding
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Sequence

import numpy as np

__all__ = [
    "LOCALES", "FORMATS", "FIRST_DAY", "LAST_DAY", "DateStyle", "CharVocab", "Split",
    "DatesData", "date_styles", "render", "load_dates", "dates_provenance", "iso",
    "reverse_tokens", "NumbersData", "load_numbers", "number_words", "arrays",
]

#: Locales whose date formats the data use, in priority order (see :func:`date_styles`).
LOCALES: tuple[str, ...] = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "pt_BR",
                            "nl_NL")
#: The CLDR format lengths, shortest first.
FORMATS: tuple[str, ...] = ("short", "medium", "long", "full")
#: The first and last day of the data: a hundred years around the two-digit-year pivot.
FIRST_DAY = _dt.date(1969, 1, 1)
LAST_DAY = _dt.date(2068, 12, 31)

# Years on which date_styles checks for collisions: the day/month order shows in any year; these
# include both ends of the range, a leap year and years whose two digits read as a day or month.
_CHECK_YEARS = (1969, 1999, 2000, 2004, 2012, 2031, 2068)


def _babel():
    try:
        import babel
        import babel.dates
    except ModuleNotFoundError as exc:  # pragma: no cover - babel comes with the book extras
        raise ModuleNotFoundError(
            "course_pkg.data.dates needs the babel package (CLDR date formats): "
            "pip install babel") from exc
    return babel


@dataclass(frozen=True)
class DateStyle:
    """One way of writing a date: a locale and a CLDR format length, with its pattern.

    Attributes:
        locale: e.g. ``"de_DE"``.
        format: ``"short"``, ``"medium"``, ``"long"`` or ``"full"``.
        pattern: the CLDR pattern babel applies, e.g. ``"dd.MM.yy"``.
    """

    locale: str
    format: str
    pattern: str

    @property
    def name(self) -> str:
        """``"de_DE/short"``."""
        return f"{self.locale}/{self.format}"


@lru_cache(maxsize=None)
def _compiled(locale: str, fmt: str):
    babel = _babel()
    loc = babel.Locale.parse(locale)
    pattern = loc.date_formats[fmt]
    text = getattr(pattern, "pattern", str(pattern))
    return loc, babel.dates.parse_pattern(text), text


def render(day: _dt.date, style: DateStyle | tuple[str, str]) -> str:
    """``day`` written in ``style`` (a DateStyle or a ``(locale, format)`` pair) by babel."""
    locale, fmt = (style.locale, style.format) if isinstance(style, DateStyle) else style
    if fmt not in FORMATS:
        raise ValueError(f"render: format expected one of {list(FORMATS)}, got {fmt!r}")
    loc, pattern, _ = _compiled(locale, fmt)
    return pattern.apply(day, loc)


def iso(day: _dt.date) -> str:
    """ISO 8601 calendar date, ``YYYY-MM-DD`` (always 10 characters in the data's range)."""
    return day.isoformat()


@lru_cache(maxsize=None)
def date_styles(locales: Sequence[str] = LOCALES, formats: Sequence[str] = FORMATS
                ) -> tuple[DateStyle, ...]:
    """The (locale, format) styles of the data, without those that make a string ambiguous.

    Styles are taken in the order of ``locales`` (then ``formats``); a style is dropped when one
    of its strings, on the days of a few check years, is also a string of an already kept style
    for a *different* day (e.g. es_ES "1/2/24" = 1 February against en_US "1/2/24" = 2 January).

    Returns:
        The kept styles, in order.
    """
    locales, formats = tuple(locales), tuple(formats)
    for fmt in formats:
        if fmt not in FORMATS:
            raise ValueError(f"date_styles: format expected one of {list(FORMATS)}, got {fmt!r}")
    days = [d for year in _CHECK_YEARS for d in _days(_dt.date(year, 1, 1), _dt.date(year, 12, 31))]
    seen: dict[str, _dt.date] = {}
    kept = []
    for locale in locales:
        for fmt in formats:
            strings = {render(d, (locale, fmt)): d for d in days}
            if len(strings) < len(days) or any(seen.get(s, d) != d for s, d in strings.items()):
                continue  # ambiguous within itself or against a kept style
            seen.update(strings)
            kept.append(DateStyle(locale, fmt, _compiled(locale, fmt)[2]))
    return tuple(kept)


def _days(first: _dt.date, last: _dt.date) -> list[_dt.date]:
    return [first + _dt.timedelta(days=i) for i in range((last - first).days + 1)]


# --------------------------------------------------------------------------- vocabularies


@dataclass(frozen=True)
class CharVocab:
    """A character vocabulary with padding (id 0), start (1) and end (2) symbols.

    Attributes:
        chars: the characters, in id order from 3 (a string; or a tuple of word tokens, for a
            word vocabulary: then encode lists of words).
    """

    chars: str | tuple
    PAD: int = 0
    START: int = 1
    END: int = 2
    _index: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if len(set(self.chars)) != len(self.chars):
            raise ValueError("CharVocab: chars must not repeat a character")
        object.__setattr__(self, "_index", {c: i + 3 for i, c in enumerate(self.chars)})

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> "CharVocab":
        """The sorted set of characters of ``texts``."""
        return cls("".join(sorted(set("".join(texts)))))

    @property
    def size(self) -> int:
        """Number of ids, the three symbols included."""
        return len(self.chars) + 3

    def tokens(self) -> list[str]:
        """The printable token of every id: ``<pad>``, ``<s>``, ``</s>``, then the characters."""
        return ["<pad>", "<s>", "</s>", *self.chars]

    def encode(self, texts: Sequence[str], length: int | None = None, *, start: bool = False,
               end: bool = False, reverse: bool = False) -> np.ndarray:
        """Encode strings as right-padded id arrays.

        Args:
            texts: N strings.
            length: columns of the result (default: the longest encoded string).
            start, end: put ``<s>`` first / ``</s>`` last.
            reverse: reverse each string's characters (Sutskever et al.'s reversed source); the
                padding stays on the right.

        Returns:
            int32 array (N, length); a character not in the vocabulary raises a KeyError.
        """
        rows = []
        for text in texts:
            ids = [self._index[c] for c in (text[::-1] if reverse else text)]
            rows.append(([self.START] if start else []) + ids + ([self.END] if end else []))
        width = max((len(r) for r in rows), default=0) if length is None else length
        out = np.zeros((len(rows), width), dtype=np.int32)
        for i, row in enumerate(rows):
            if len(row) > width:
                raise ValueError(f"encode: text {i} needs {len(row)} ids, more than length={width}")
            out[i, :len(row)] = row
        return out

    def decode(self, ids: Iterable[int], sep: str = "") -> str:
        """The characters of ``ids`` up to the first ``</s>``, skipping ``<pad>`` and ``<s>``,
        joined by ``sep``."""
        chars = []
        for i in ids:
            i = int(i)
            if i == self.END:
                break
            if i >= 3:
                chars.append(self.chars[i - 3])
        return sep.join(chars)


def reverse_tokens(ids: np.ndarray) -> np.ndarray:
    """Reverse each row's non-padding ids, keeping the padding (0) on the right.

    Args:
        ids: (N, S) right-padded id array.
    """
    out = np.zeros_like(ids)
    for i, row in enumerate(ids):
        n = int(np.count_nonzero(row))
        out[i, :n] = row[:n][::-1]
    return out


# --------------------------------------------------------------------------- the data


@dataclass(frozen=True)
class Split:
    """Source strings, target strings and the style (or kind) of every example."""

    sources: list[str]
    targets: list[str]
    styles: list[str]

    def __len__(self) -> int:
        return len(self.sources)


@dataclass(frozen=True)
class DatesData:
    """Train / validation / test splits on disjoint days, with their vocabularies.

    Attributes:
        train, val, test: the splits.
        source_vocab, target_vocab: character vocabularies (built from every style's strings and
            from digits and "-").
        styles: the date styles used.
        provenance: see :func:`dates_provenance`.
    """

    train: Split
    val: Split
    test: Split
    source_vocab: CharVocab
    target_vocab: CharVocab
    styles: tuple[DateStyle, ...]
    provenance: dict

    def arrays(self, split: str, *, reverse: bool = False) -> tuple[dict, np.ndarray]:
        """``({"source", "target_in"}, target_out)`` int32 arrays of a split for teacher forcing.

        ``target_in`` is ``<s>`` + the target, ``target_out`` the target + ``</s>``.
        """
        part = getattr(self, split)
        return arrays(part, self.source_vocab, self.target_vocab, reverse=reverse)


def arrays(part: Split, source_vocab: CharVocab, target_vocab: CharVocab, *,
           reverse: bool = False, source_length: int | None = None,
           target_length: int | None = None) -> tuple[dict, np.ndarray]:
    """Teacher-forcing arrays of a split (see :meth:`DatesData.arrays`)."""
    source = source_vocab.encode(part.sources, source_length, reverse=reverse)
    target_in = target_vocab.encode(part.targets, target_length, start=True)
    target_out = target_vocab.encode(part.targets, target_length, end=True)
    width = max(target_in.shape[1], target_out.shape[1])
    target_in = np.pad(target_in, ((0, 0), (0, width - target_in.shape[1])))
    target_out = np.pad(target_out, ((0, 0), (0, width - target_out.shape[1])))
    return {"source": source, "target_in": target_in}, target_out


def _sample(days: list[_dt.date], styles: Sequence[DateStyle], n: int,
            rng: np.random.Generator) -> Split:
    pick_day = rng.integers(0, len(days), size=n)
    pick_style = rng.integers(0, len(styles), size=n)
    sources, targets, names = [], [], []
    for d, s in zip(pick_day, pick_style):
        day, style = days[d], styles[s]
        sources.append(render(day, style))
        targets.append(iso(day))
        names.append(style.name)
    return Split(sources, targets, names)


def dates_provenance(styles: Sequence[DateStyle] | None = None) -> dict:
    """What wrote the data: babel's and CLDR's versions, the styles and their patterns, the range.

    ``sha256`` fingerprints the renderings of a fixed set of days in every style, so two
    installs that write the same data have the same value (a babel upgrade that changes a
    format changes it).
    """
    babel = _babel()
    styles = date_styles() if styles is None else tuple(styles)
    check = hashlib.sha256()
    for year in _CHECK_YEARS:
        for day in _days(_dt.date(year, 1, 1), _dt.date(year, 12, 31))[::7]:
            for style in styles:
                check.update(f"{style.name}\t{render(day, style)}\n".encode())
    cldr = babel.core.get_cldr_version() if hasattr(babel.core, "get_cldr_version") else None
    return {
        "package": "babel", "version": babel.__version__, "cldr": cldr,
        "licence": "babel: BSD-3-Clause; CLDR data: Unicode License v3",
        "generator": "course_pkg.data.dates", "first_day": iso(FIRST_DAY),
        "last_day": iso(LAST_DAY),
        "styles": {s.name: s.pattern for s in styles}, "sha256": check.hexdigest(),
    }


def load_dates(n_train: int = 20_000, n_val: int = 1_000, n_test: int = 2_000, seed: int = 0,
               *, locales: Sequence[str] = LOCALES, formats: Sequence[str] = FORMATS,
               val_fraction: float = 0.05, test_fraction: float = 0.1) -> DatesData:
    """Generate the dates data: each example is a random day written in a random style.

    Args:
        n_train, n_val, n_test: examples per split.
        seed: seeds the day split and the sampling.
        locales, formats: the styles (ambiguous ones dropped, see :func:`date_styles`).
        val_fraction, test_fraction: fractions of the days held out for validation and test;
            those days never appear in training.

    Returns:
        A :class:`DatesData`.
    """
    for name, value in (("n_train", n_train), ("n_val", n_val), ("n_test", n_test)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"load_dates: {name} expected a positive integer, got {value!r}")
    if not (0 < val_fraction and 0 < test_fraction and val_fraction + test_fraction < 1):
        raise ValueError("load_dates: val_fraction and test_fraction must be positive and sum "
                         f"below 1, got {val_fraction!r} and {test_fraction!r}")
    styles = date_styles(tuple(locales), tuple(formats))
    rng = np.random.default_rng(seed)
    days = _days(FIRST_DAY, LAST_DAY)
    order = rng.permutation(len(days))
    n_test_days = int(round(test_fraction * len(days)))
    n_val_days = int(round(val_fraction * len(days)))
    test_days = sorted(days[i] for i in order[:n_test_days])
    val_days = sorted(days[i] for i in order[n_test_days:n_test_days + n_val_days])
    train_days = sorted(days[i] for i in order[n_test_days + n_val_days:])
    train = _sample(train_days, styles, n_train, rng)
    val = _sample(val_days, styles, n_val, rng)
    test = _sample(test_days, styles, n_test, rng)
    # the vocabulary covers every character any style can write (all month and weekday names)
    all_chars = [render(_dt.date(2000, m, d), s) for s in styles for m in range(1, 13)
                 for d in (3, 4, 5, 6, 7, 8, 9, 10)]
    source_vocab = CharVocab.from_texts(all_chars + train.sources)
    target_vocab = CharVocab("-0123456789")
    return DatesData(train, val, test, source_vocab, target_vocab, styles,
                     dates_provenance(styles))


# --------------------------------------------------------------------------- a monotonic task

#: Number of digits of the numbers of :func:`load_numbers`: 3 to 12 (100 to 999,999,999,999).
#: Not fewer: there are only 10 one-digit and 90 two-digit numbers, and a test set that holds
#: its numbers out of training would take nearly all of them.
MIN_DIGITS, MAX_DIGITS = 3, 12


def number_words(text: str) -> list[str]:
    """The word tokens of a number written by num2words: words and commas, hyphens dropped.

    ``"sixty-seven million, three hundred"`` -> ``["sixty", "seven", "million", ",", "three",
    "hundred"]``.
    """
    return re.findall(r"[a-z]+|,", text.replace("-", " "))


@dataclass(frozen=True)
class NumbersData:
    """Numbers written in English words -> their digits: a task whose alignment is monotonic.

    Sources are word sequences (:func:`number_words`), targets digit strings; the source vocabulary
    holds words, the target vocabulary the ten digits.
    """

    train: Split
    val: Split
    test: Split
    source_vocab: CharVocab
    target_vocab: CharVocab
    provenance: dict

    def arrays(self, split: str, *, reverse: bool = False) -> tuple[dict, np.ndarray]:
        """As :meth:`DatesData.arrays`, the source tokenised into words (reversed if asked)."""
        part = getattr(self, split)
        words = Split([number_words(s) for s in part.sources], part.targets, part.styles)
        return arrays(words, self.source_vocab, self.target_vocab, reverse=reverse)


def _numbers(n: int, rng: np.random.Generator, exclude: set | None = None) -> Split:
    from course_pkg.colab import ensure_packages

    ensure_packages("num2words")
    from num2words import num2words

    digits = rng.integers(MIN_DIGITS, MAX_DIGITS + 1, size=4 * n + 64)
    sources, targets, kinds = [], [], []
    for k in digits:
        value = int(rng.integers(10 ** (int(k) - 1), 10 ** int(k)))
        if exclude is not None and value in exclude:
            continue
        sources.append(num2words(value, lang="en"))
        targets.append(str(value))
        kinds.append(f"{len(str(value))} digits")
        if len(sources) == n:
            break
    return Split(sources, targets, kinds)


def load_numbers(n_train: int = 20_000, n_val: int = 500, n_test: int = 2_000,
                 seed: int = 0) -> NumbersData:
    """Numbers of 3 to 12 digits (as many of each length) in English words, by ``num2words``.

    Source: ``"three hundred and four thousand, ..."`` as word tokens; target: ``"304..."``. Each
    output digit comes from the words at the same place in the sentence, so the alignment is
    monotonic (the reversed-source experiment needs that). Test and validation numbers are not
    among the training numbers.
    """
    try:
        import num2words
    except ModuleNotFoundError as exc:  # pragma: no cover
        raise ModuleNotFoundError("load_numbers needs num2words: pip install num2words") from exc
    from importlib.metadata import version

    rng = np.random.default_rng(seed)
    test = _numbers(n_test, rng)
    val = _numbers(n_val, rng, exclude={int(t) for t in test.targets})
    train = _numbers(n_train, rng, exclude={int(t) for t in test.targets + val.targets})
    words = sorted({w for s in train.sources + val.sources + test.sources
                    for w in number_words(s)})
    return NumbersData(train, val, test, CharVocab(tuple(words)), CharVocab("0123456789"),
                       {"package": "num2words", "version": version("num2words"),
                        "licence": "LGPL-2.1", "generator": "course_pkg.data.dates.load_numbers",
                        "digits": [MIN_DIGITS, MAX_DIGITS], "seed": seed})
