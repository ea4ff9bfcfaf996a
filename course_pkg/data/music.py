"""Folk tunes in ABC notation, as text for a character-level language model.

Two sources, one format:

- **Offline** (the book and the tests): the Essen folk-song collection that ships inside the
  ``music21`` wheel (``music21/corpus/essenFolksong/*.abc``, ABC encodings by Seymour Shlien of
  the EsAC database). The default is Ludwig Erk's *Deutscher Liederhort* (``erk5``, ``erk10``,
  ``erk20``, ``erk30``: 1,781 German folk songs). Each file is located with a
  :class:`~course_pkg.data.sources.PackagedSource` (music21 10.5.1, path, licence, SHA-256)
  without importing music21.
- **Colab scale**: the Nottingham Music Database (about 1,000 British and American folk tunes
  in ABC, edited by Seymour Shlien), a zip fetched once by
  :func:`~course_pkg.data.sources.cached_download` and checked against its SHA-256.

A tune keeps what a model needs to write music: its meter ``M:``, unit note length ``L:`` and
key ``K:`` lines, then the notes. Reference number, title, origin and comments are dropped, and
so are the spaces of the tune body (in ABC they only group notes under one beam)::

    M:2/4
    L:1/8
    K:F
    |A2GG|F2z
    C|AAGG|F2z

Tunes are split into training, validation and test sets by *song*: variants that share a title
go to the same set, so the held-out tunes are songs the model never saw. Joined with a blank line
(ABC's tune separator) they make one text per split.

Example:
    >>> data = load_folk_tunes()  # doctest: +SKIP
    >>> len(data.train), len(data.validation), len(data.test), data.vocab.size  # doctest: +SKIP
    (1425, 178, 178, 35)
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from course_pkg.reference.text import CharVocab

from .sources import PackagedSource, RemoteSource, cached_download

__all__ = [
    "DEFAULT_COLLECTIONS", "ESSEN_COLLECTIONS", "NOTTINGHAM", "TUNE_SEPARATOR", "MusicData",
    "Tune", "abc_notes", "bar_durations", "essen_source", "essen_tunes", "full_bars",
    "load_folk_tunes", "load_nottingham", "nottingham_tunes", "parse_abc", "parse_abc_tunes",
    "split_tunes", "stream_batches", "tune_statistics",
]

#: Between two tunes in a training text: a blank line, as in an ABC file.
TUNE_SEPARATOR = "\n\n"

_MUSIC21_VERSION = "10.5.1"
_ESSEN_LICENCE = (
    "music21 is BSD-3-Clause; the Essen folk-song ABC files are distributed with music21 by "
    "permission of Ewa Dahlig-Turek (EsAC) and Seymour Shlien (ABC encodings), see "
    "music21/corpus/essenFolksong/license.txt; the melodies are traditional"
)
_ESSEN_HOMEPAGE = "https://ifdo.ca/~seymour/runabc/esac/esacdatabase.html"

#: SHA-256 of the Essen collection files of music21 10.5.1 that the course may read.
ESSEN_COLLECTIONS: dict[str, str] = {
    "erk5": "223bd3e856b4bf61611c9f128b23019bb0f85f87c2d9759cc650a91cdc5ce50a",
    "erk10": "17e8c80c24cd274d8b76ca62b07020caedb350f4417db11e8ba078208cfbd03e",
    "erk20": "318244ab4c90d54a8f8b33fbf8263dd4a5e4bebf982a10e12b83f63444e10ee5",
    "erk30": "51a736589682412335fd76d2f078f7353eb995af0bda3a7b9c986c4a2293571d",
    "kinder0": "f4ac1846da34b9421c67844d1e99362abd4183b03ea34f8fcf655b65bc1759d6",
    "altdeu10": "e06c3ad76fa721c7f48610c14e6505710871ce377a952ec3b4c234e38ac8e5d0",
    "altdeu20": "cf42fdf69a85dd54406673bf06e44876766e912c3cde7af64dad403d233fb04f",
    "fink0": "48c7b54d6ff416dcc9e0504292374c630cc580bfcc5bd226719ad17aecfc7973",
    "boehme10": "aed0d90d8ecb79a59599857474b02ba4cd880301d0ac2a7adb7ccc4add934cbb",
    "boehme20": "d34e9679e845e410af478c8183841365734cc63d1ccda123458a09ed3742f2c3",
    "zuccal0": "2c655a1284379b1aae3d4f187d259a26e02dff2f63a36bcb77685b44df31581d",
    "dva0": "4d8ad890e8d43d3322944fd12eb0304a5e3db4161b7ea561c8638f078845e53a",
}

#: Ludwig Erk's collection: 1,781 German folk songs.
DEFAULT_COLLECTIONS: tuple[str, ...] = ("erk5", "erk10", "erk20", "erk30")

#: The Nottingham Music Database in ABC, as Seymour Shlien's site distributes it (the size and
#: SHA-256 are those recorded by MusPy's ``muspy.datasets.NottinghamDatabase``).
NOTTINGHAM = RemoteSource(
    name="nottingham",
    url="http://ifdo.ca/~seymour/nottingham/nottingham_database.zip",
    sha256="f79a4bffe78b16d630d4d69f9c62775a7aa246d0973c4d8714ab6c5139ff5a3b",
    filename="nottingham_database.zip",
    licence="Nottingham Music Database by Eric Foxley, ABC edition by Seymour Shlien; "
            "traditional tunes, distributed freely for research",
    homepage="https://ifdo.ca/~seymour/nottingham/nottingham.html",
    size=142934,
)


def essen_source(collection: str) -> PackagedSource:
    """The :class:`PackagedSource` of one Essen collection file of music21 (e.g. ``"erk10"``).

    Raises:
        ValueError: ``collection`` is not one of :data:`ESSEN_COLLECTIONS`.
    """
    if collection not in ESSEN_COLLECTIONS:
        raise ValueError(f"essen_source: argument collection expected one of "
                         f"{sorted(ESSEN_COLLECTIONS)}, got {collection!r}")
    return PackagedSource(
        name=f"essen_{collection}", distribution="music21", module="music21",
        version=_MUSIC21_VERSION, path=f"corpus/essenFolksong/{collection}.abc",
        licence=_ESSEN_LICENCE, sha256=ESSEN_COLLECTIONS[collection], homepage=_ESSEN_HOMEPAGE,
    )


@dataclass(frozen=True)
class Tune:
    """One tune: the header fields a model writes, and its notes.

    Attributes:
        collection: where it comes from (``"erk10"``, ``"nottingham/jigs"``...).
        number: its reference number ``X:`` in that file.
        title: its first title ``T:`` (kept for the reader, not given to the model).
        meter: ``M:`` (``"2/4"``, ``"6/8"``...).
        unit: ``L:``, the unit note length (``"1/8"``).
        key: ``K:`` (``"G"``, ``"Bb"``, ``"Am"``...).
        body: the notes, one line per ABC line, without spaces.
    """

    collection: str
    number: int
    title: str
    meter: str
    unit: str
    key: str
    body: str

    @property
    def abc(self) -> str:
        """What the model reads and writes: ``M:``, ``L:``, ``K:`` lines, then the body."""
        return f"M:{self.meter}\nL:{self.unit}\nK:{self.key}\n{self.body}"

    @property
    def full_abc(self) -> str:
        """A complete ABC tune (with ``X:`` and ``T:``) that ABC readers such as music21 accept."""
        return f"X:{self.number}\nT:{self.title}\n{self.abc}\n"


_FIELD = re.compile(r"^([A-Za-z]):\s*(.*?)\s*$")
_METER = re.compile(r"^\d+/\d+$")


def parse_abc_tunes(text: str, collection: str = "") -> list[Tune]:
    """The tunes of an ABC file's text, each reduced to meter, unit length, key and body.

    A tune starts at an ``X:`` line and ends at a blank line. Header fields other than ``M:``,
    ``L:`` and ``K:`` are dropped, as are ``%`` comments, field lines inside the body (``W:``
    words, ``P:`` parts) and spaces. Tunes without a numeric meter (``M:none``, free meter),
    without ``K:``, or without notes are skipped.

    Args:
        text: the contents of an ``.abc`` file.
        collection: recorded in each :class:`Tune`.
    """
    tunes = []
    for block in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        lines = [line for line in block.split("\n") if line.strip() and not line.startswith("%")]
        start = next((i for i, line in enumerate(lines) if line.startswith("X:")), None)
        if start is None:
            continue
        lines = lines[start:]
        head: dict[str, str] = {}
        body: list[str] = []
        for line in lines:
            match = _FIELD.match(line)
            if match and not body:
                head.setdefault(match.group(1), match.group(2))
                if match.group(1) == "K":   # K: ends the header
                    body.append("")
                continue
            if match:                        # a field inside the body (W:, P:, inline K:...)
                continue
            if body:
                body.append(line.split("%", 1)[0].replace(" ", "").replace("\t", ""))
        notes = "\n".join(line for line in body if line)
        meter = head.get("M", "").replace(" ", "")
        meter = {"C": "4/4", "C|": "2/2"}.get(meter, meter)
        if not notes or "K" not in head or not _METER.match(meter):
            continue
        number = re.match(r"\d+", head.get("X", "0"))
        # without L: the unit is 1/16 below a 3/4 meter and 1/8 from it on (the ABC standard)
        default_unit = "1/16" if _fraction(meter) < 0.75 else "1/8"
        tunes.append(Tune(collection=collection, number=int(number.group()) if number else 0,
                          title=head.get("T", ""), meter=meter,
                          unit=head.get("L", default_unit).replace(" ", ""),
                          key=head["K"].replace(" ", ""), body=notes))
    return tunes


@lru_cache(maxsize=None)
def _essen_collection(collection: str) -> tuple[Tune, ...]:
    path = essen_source(collection).locate()
    return tuple(parse_abc_tunes(path.read_text(encoding="utf-8"), collection))


def essen_tunes(collections: Sequence[str] = DEFAULT_COLLECTIONS) -> list[Tune]:
    """The tunes of the given Essen collections of music21, checked against their SHA-256.

    Raises:
        MissingDataSourceError: music21 10.5.1 is not installed (the message says how to).
        DataChecksumError: a collection file differs from the one the course checked.
    """
    if isinstance(collections, str):
        collections = (collections,)
    tunes: list[Tune] = []
    for collection in collections:
        tunes.extend(_essen_collection(collection))
    return tunes


def nottingham_tunes(cache: str | Path | None = None, url: str | None = None) -> list[Tune]:
    """The tunes of the Nottingham Music Database, downloaded once and cached (Colab scale).

    Args:
        cache: the cache folder (default ``$RNN_COURSE_DATA`` or ``~/.cache/rnn_course``).
        url: fetch from here instead (tests pass a ``file://`` URL to a small zip).

    Returns:
        The tunes of every ``.abc`` file of the zip, in file order; ``collection`` is
        ``"nottingham/<file name without .abc>"``.
    """
    path = cached_download(NOTTINGHAM, cache, url=url)
    tunes: list[Tune] = []
    with zipfile.ZipFile(path) as archive:
        for member in sorted(archive.namelist()):
            if not member.lower().endswith(".abc"):
                continue
            text = archive.read(member).decode("utf-8", errors="replace")
            tunes.extend(parse_abc_tunes(text, "nottingham/" + Path(member).stem))
    return tunes


def split_tunes(tunes: Sequence[Tune], fractions: Sequence[float] = (0.8, 0.1, 0.1),
                seed: int = 0) -> tuple[list[Tune], list[Tune], list[Tune]]:
    """Split tunes into training, validation and test sets by song.

    Tunes with the same title (case and punctuation ignored) are variants of one song and stay
    together. Songs are shuffled with ``seed`` and dealt out until each set holds its fraction of
    the tunes; inside a set the tunes keep their original order.
    """
    if len(fractions) != 3 or any(f < 0 for f in fractions) or abs(sum(fractions) - 1) > 1e-6:
        raise ValueError(f"split_tunes: argument fractions expected three non-negative numbers "
                         f"summing to 1, got {tuple(fractions)}")
    groups: dict[str, list[int]] = {}
    for index, tune in enumerate(tunes):
        key = re.sub(r"[^a-z0-9]", "", tune.title.lower()) or f"#{index}"
        groups.setdefault(key, []).append(index)
    order = np.random.default_rng(seed).permutation(len(groups))
    keys = list(groups)
    targets = np.cumsum(fractions[:2]) * len(tunes)
    sets: list[list[int]] = [[], [], []]
    taken = 0
    for g in order:
        which = 0 if taken < targets[0] else (1 if taken < targets[1] else 2)
        sets[which].extend(groups[keys[g]])
        taken += len(groups[keys[g]])
    return tuple([tunes[i] for i in sorted(s)] for s in sets)  # type: ignore[return-value]


@dataclass
class MusicData:
    """Tunes split by song, with the character vocabulary.

    Attributes:
        train, validation, test: the tunes of each set.
        vocab: every character of every tune (and the newline of the separator).
        provenance: where each file came from (package or download, version, path, SHA-256).
    """

    train: list[Tune]
    validation: list[Tune]
    test: list[Tune]
    vocab: CharVocab
    provenance: list[dict[str, Any]] = field(default_factory=list)

    def split(self, name: str) -> list[Tune]:
        """The tunes of ``"train"``, ``"validation"`` or ``"test"``."""
        if name not in ("train", "validation", "test"):
            raise ValueError(f"MusicData.split: argument name expected 'train', 'validation' or "
                             f"'test', got {name!r}")
        return getattr(self, name)

    def text(self, name: str) -> str:
        """The tunes of a set as one text, each followed by :data:`TUNE_SEPARATOR`."""
        return "".join(t.abc + TUNE_SEPARATOR for t in self.split(name))

    def ids(self, name: str) -> np.ndarray:
        """:meth:`text` as character ids, int64 (n_chars,)."""
        return self.vocab.encode(self.text(name))

    def summary(self) -> dict[str, int]:
        """Tunes and characters per set, and the vocabulary size."""
        out = {"vocab_size": self.vocab.size}
        for name in ("train", "validation", "test"):
            out[f"{name}_tunes"] = len(self.split(name))
            out[f"{name}_chars"] = len(self.text(name))
        return out


def _make_data(tunes: list[Tune], fractions, seed, provenance) -> MusicData:
    train, validation, test = split_tunes(tunes, fractions, seed)
    chars = set(TUNE_SEPARATOR)
    for tune in tunes:
        chars.update(tune.abc)
    return MusicData(train, validation, test, CharVocab(tuple(sorted(chars))), provenance)


def load_folk_tunes(collections: Sequence[str] = DEFAULT_COLLECTIONS, *,
                    fractions: Sequence[float] = (0.8, 0.1, 0.1), seed: int = 0,
                    max_tunes: int | None = None) -> MusicData:
    """Essen folk tunes from music21 (offline), split by song, with their vocabulary.

    Args:
        collections: names of :data:`ESSEN_COLLECTIONS` (default: Erk's 1,781 songs).
        fractions: shares of the training, validation and test sets.
        seed: seeds the split.
        max_tunes: keep only the first ``max_tunes`` tunes before splitting (for quick tests).
    """
    if isinstance(collections, str):
        collections = (collections,)
    tunes = essen_tunes(collections)
    if max_tunes is not None:
        tunes = tunes[:max_tunes]
    provenance = [essen_source(c).provenance() for c in collections]
    return _make_data(tunes, fractions, seed, provenance)


def load_nottingham(cache: str | Path | None = None, url: str | None = None, *,
                    fractions: Sequence[float] = (0.8, 0.1, 0.1), seed: int = 0) -> MusicData:
    """The Nottingham Music Database (cached download, Colab scale), split by song."""
    tunes = nottingham_tunes(cache, url)
    return _make_data(tunes, fractions, seed, [NOTTINGHAM.provenance()])


def stream_batches(ids: np.ndarray | Iterable[int], batch_size: int,
                   seq_len: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and next-character targets laid out for truncated BPTT with a stateful model.

    The text is cut into ``batch_size`` contiguous streams; row ``c * batch_size + n`` holds
    chunk ``c`` of stream ``n``. Fed in order, batch ``c`` continues every stream exactly where
    batch ``c - 1`` left it, so a stateful layer's carried state is the state of that stream.
    The tail that does not fill a whole chunk of every stream is dropped.

    Args:
        ids: the text as ids, shape (n_chars,).
        batch_size: parallel streams, N.
        seq_len: characters per chunk, T.

    Returns:
        x, y: int32 arrays of shape (C * N, T) with C = (n_chars - 1) // (N * T) chunks.

    Raises:
        ValueError: the text is shorter than one chunk of every stream.
    """
    ids = np.asarray(ids, dtype=np.int64).ravel()
    for name, value in (("batch_size", batch_size), ("seq_len", seq_len)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
            raise ValueError(f"stream_batches: argument {name} expected a positive integer, "
                             f"got {value!r}")
    chunks = (len(ids) - 1) // (batch_size * seq_len)
    if chunks < 1:
        raise ValueError(f"stream_batches: {len(ids)} characters are too few for {batch_size} "
                         f"streams of seq_len={seq_len} (need at least "
                         f"{batch_size * seq_len + 1})")
    length = chunks * seq_len
    x = ids[: batch_size * length].reshape(batch_size, chunks, seq_len)
    y = ids[1 : batch_size * length + 1].reshape(batch_size, chunks, seq_len)
    # (N, C, T) -> (C, N, T) -> (C * N, T): consecutive batches are consecutive chunks.
    x = x.transpose(1, 0, 2).reshape(chunks * batch_size, seq_len).astype(np.int32)
    y = y.transpose(1, 0, 2).reshape(chunks * batch_size, seq_len).astype(np.int32)
    return x, y


def _music21():
    """Import music21, and stop the hook it schedules when imported in a notebook: one second
    later it would switch matplotlib's inline figures to PNG, where the course shows SVG."""
    import music21

    timer = getattr(getattr(music21, "ipython21", None), "t", None)
    if hasattr(timer, "cancel"):
        timer.cancel()
    return music21


@lru_cache(maxsize=512)
def parse_abc(abc: str):
    """Parse a tune's ABC text (as :attr:`Tune.abc` or a sample) with music21; None if it fails.

    An ``X:`` line is added when missing. Results are cached, since parsing takes tens of
    milliseconds. music21 is imported here only (it is a dependency of the book, not of the
    loaders above).

    Returns:
        A ``music21.stream.Score`` with at least one note, or None when music21 raises, finds
        no notes, or the text has no ``K:`` line.
    """
    import warnings

    music21 = _music21()
    if "K:" not in abc:
        return None
    text = abc if abc.lstrip().startswith("X:") else "X:1\n" + abc
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            score = music21.converter.parse(text + "\n", format="abc")
        if not score.flatten().notes:
            return None
    except Exception:  # music21 raises many kinds of errors on malformed ABC
        return None
    return score


def abc_notes(abc: str) -> list[tuple[float, float, int]] | None:
    """The notes of an ABC tune: ``(onset, duration, MIDI pitch)``, in quarter notes, or None
    when :func:`parse_abc` cannot read it. Chords give one entry per pitch."""
    score = parse_abc(abc)
    if score is None:
        return None
    notes = []
    for element in score.flatten().notes:
        onset, duration = float(element.offset), float(element.quarterLength)
        for pitch in element.pitches:
            notes.append((onset, duration, int(pitch.midi)))
    return notes


_NOTE = re.compile(r"(?:\^{1,2}|_{1,2}|=)?[A-Ga-gz][,']*(\d*)(/*)(\d*)")


def _fraction(value: str | None) -> float | None:
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", value or "")
    if not match or int(match.group(2)) == 0:
        return None
    return int(match.group(1)) / int(match.group(2))


_TUPLET = {2: 3, 3: 2, 4: 3, 6: 2}   # (p: p notes in the time of q


def _bar_length(text: str, unit: float) -> float | None:
    """Total length of the notes and rests of ``text`` (whole notes), None if it holds more."""
    text = re.sub(r'"[^"]*"|![^!]*!|[~.<>]', "", text)   # chord symbols, decorations, broken rhythm
    text = re.sub(r"^\d+", "", text)                     # a repeat ending |1 or [2
    total, position, tuplet_left, tuplet_scale = 0.0, 0, 0, 1.0
    while position < len(text):
        tuplet = re.match(r"\((\d)", text[position:])
        if tuplet:
            p = int(tuplet.group(1))
            if p not in _TUPLET:
                return None
            tuplet_left, tuplet_scale = p, _TUPLET[p] / p
            position += tuplet.end()
            continue
        match = _NOTE.match(text, position)
        if match is None:
            return None
        number, slashes, denominator = match.groups()
        length = int(number) if number else 1
        if slashes:  # A/2 = A/ (half), A// (quarter), A3/4
            length /= int(denominator) if denominator else 2 ** len(slashes)
        if tuplet_left:
            length *= tuplet_scale
            tuplet_left -= 1
        total += length * unit
        position = match.end()
    return total


def bar_durations(abc: str) -> tuple[list[float | None], float | None]:
    """The length of every bar of an ABC tune, read from its text, in whole notes.

    Bars are what the bar lines ``|`` delimit; a line break ends a bar only when the bar is
    already as long as the meter (the Essen tunes break lines at phrase ends, inside bars or at
    their end, and write no bar line there). A note's length is
    its multiplier times ``L:`` (default 1/16 for meters below 3/4, else 1/8, as the ABC
    standard says). Only what folk tunes commonly use is understood: notes and rests with
    accidentals, octave marks and lengths (``^F,3/2``), ties ``-``, repeat marks and endings,
    triplets ``(3``, broken rhythm ``>``, chord symbols ``"G"`` and ``!decorations!``.

    Returns:
        durations: per bar, its length, or None where the bar holds something else.
        expected: the meter's bar length (``M:`` as a fraction), or None if it is not one.
    """
    header = dict(re.findall(r"^([MLK]):(.*)$", abc, flags=re.MULTILINE))
    meter = _fraction(header.get("M"))
    unit = _fraction(header.get("L"))
    if unit is None:
        unit = 1 / 16 if meter is not None and meter < 0.75 else 1 / 8
    durations: list[float | None] = []
    carried: float | None = 0.0       # the open bar's length so far (None: unreadable)
    for line in abc.split("\n"):
        if re.match(r"^[A-Za-z]:", line):
            continue
        cleaned = line.replace(":", "").replace("]", "").replace("[", "").replace("-", "")
        pieces = re.split(r"\|+", cleaned)
        for i, piece in enumerate(pieces):
            length = _bar_length(piece.strip(), unit)
            carried = None if carried is None or length is None else carried + length
            if i < len(pieces) - 1:                          # a bar line closes the bar
                if carried != 0.0:
                    durations.append(carried)
                carried = 0.0
        # In these tunes a line ends a phrase: it closes the bar when the bar is already full.
        if carried is not None and meter is not None and abs(carried - meter) < 1e-9:
            durations.append(carried)
            carried = 0.0
    if carried != 0.0:
        durations.append(carried)
    return durations, meter


def full_bars(abc: str) -> tuple[int, int]:
    """``(full, inner)``: the tune's inner bars (all but the first and the last, which may be a
    pickup and its complement) and how many of them last exactly what ``M:`` says
    (:func:`bar_durations`); ``(0, 0)`` without a meter."""
    durations, meter = bar_durations(abc)
    inner = durations[1:-1] if meter is not None else []
    return sum(d is not None and abs(d - meter) < 1e-9 for d in inner), len(inner)


def tune_statistics(abc: str) -> dict[str, Any]:
    """How well-formed a tune is: does music21 read it, and do its bars fill the meter?

    Returns:
        ``{"parsed", "notes", "bars", "full_bars", "bar_fraction"}``: whether music21 parsed it
        and how many notes it found; the bars of the text (:func:`bar_durations`) not counting
        the first and the last (a pickup and its complement may be short), how many of those
        last exactly what the meter ``M:`` says, and their share (None without such bars or
        without a meter).
    """
    score = parse_abc(abc)
    full, inner = full_bars(abc)
    return {"parsed": score is not None,
            "notes": len(score.flatten().notes) if score is not None else 0,
            "bars": inner, "full_bars": int(full), "bar_fraction": full / inner if inner else None}
