"""A real parallel corpus for the translation chapter's GPU presets: English-Spanish sentence pairs.

The pairs are the Tatoeba sentences collected by manythings.org from the Anki flash-card sets,
``spa-eng.zip`` as TensorFlow's storage serves it (the file of the keras-io and TensorFlow
translation tutorials): one ``English<TAB>Spanish`` pair per line in ``spa-eng/spa.txt``
(about 118,000 pairs, from "Go." to long sentences). Licence: CC BY 2.0 FR (Tatoeba).

:func:`load_parallel_corpus` downloads the zip once with
``course_pkg.data.sources.cached_download`` (checked against a SHA-256, cached under
``$RNN_COURSE_DATA`` or ``~/.cache/rnn_course``), reads the pairs, normalises them (Unicode NFC,
lower case, spaces around punctuation: the keras-io preprocessing), and splits them, without
repeating a source sentence across splits, into train / validation / test. Nothing downloads at
build or test time: the book trains on dates (``course_pkg.data.dates``) and the tests read a
small local zip through ``url="file://..."``.

A SHA-256 of ``spa-eng.zip`` could not be found in any offline source (keras-io, TensorFlow and
tensorflow-datasets pin none), so :data:`SPA_ENG` carries none: pass the checksum you computed
(``sha256sum spa-eng.zip``) as ``sha256=`` or set ``$RNN_COURSE_SPA_ENG_SHA256``. The loader
refuses to read an unchecked file rather than trust it silently.

Example:
    >>> corpus = load_parallel_corpus(max_pairs=50_000)          # doctest: +SKIP
    >>> corpus.train.sources[0], corpus.train.targets[0]         # doctest: +SKIP
    ('i m sorry .', 'lo siento .')
"""

from __future__ import annotations

import dataclasses
import os
import re
import unicodedata
import zipfile
from pathlib import Path
from typing import Sequence

import numpy as np

from course_pkg.data.dates import CharVocab, Split, arrays
from course_pkg.data.sources import MissingDataSourceError, RemoteSource, cached_download

__all__ = ["SPA_ENG", "SHA256_ENV", "ParallelCorpus", "normalise", "read_pairs",
           "load_parallel_corpus", "WordVocab"]

#: Environment variable holding the SHA-256 of spa-eng.zip (see the module docstring).
SHA256_ENV = "RNN_COURSE_SPA_ENG_SHA256"

#: The manythings/Tatoeba English-Spanish pairs (``sha256`` empty: none was found offline).
SPA_ENG = RemoteSource(
    name="spa-eng",
    url="https://storage.googleapis.com/download.tensorflow.org/data/spa-eng.zip",
    sha256="",
    filename="spa-eng.zip",
    licence="CC BY 2.0 FR (Tatoeba sentences, via manythings.org/anki)",
    homepage="https://www.manythings.org/anki/",
    sha256_env=SHA256_ENV,
)
_MEMBER = "spa-eng/spa.txt"


def normalise(text: str) -> str:
    """NFC, lower case, one space around punctuation, ``¿`` and ``¡`` kept as tokens."""
    text = unicodedata.normalize("NFC", text).lower().strip()
    text = re.sub(r"([?.!,¿¡\"])", r" \1 ", text)
    return re.sub(r"\s+", " ", text).strip()


def read_pairs(path: str | os.PathLike, member: str = _MEMBER) -> list[tuple[str, str]]:
    """The (English, Spanish) pairs of a manythings file: a zip holding ``member`` or a .txt/.tsv.

    Lines with fewer than two tab-separated fields are skipped; a third field (the Tatoeba
    attribution in the files of manythings.org) is ignored.
    """
    path = Path(path)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            name = member if member in names else next(
                (n for n in names if n.endswith((".txt", ".tsv")) and "_about" not in n), None)
            if name is None:
                raise ValueError(f"read_pairs: {path} holds no .txt or .tsv file of pairs")
            text = archive.read(name).decode("utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    pairs = []
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) >= 2 and fields[0].strip() and fields[1].strip():
            pairs.append((fields[0].strip(), fields[1].strip()))
    return pairs


@dataclasses.dataclass(frozen=True)
class WordVocab(CharVocab):
    """A word vocabulary (``CharVocab`` over word tokens); unknown words map to ``<unk>`` (id 3)."""

    @classmethod
    def from_texts(cls, texts: Sequence[str], max_words: int | None = None) -> "WordVocab":
        counts: dict[str, int] = {}
        for text in texts:
            for word in text.split():
                counts[word] = counts.get(word, 0) + 1
        words = sorted(counts, key=lambda w: (-counts[w], w))[:max_words]
        return cls(("<unk>", *words))

    def encode(self, texts, length=None, *, start=False, end=False, reverse=False):
        known = set(self.chars)
        tokens = [[w if w in known else "<unk>" for w in t.split()] for t in texts]
        return super().encode(tokens, length, start=start, end=end, reverse=reverse)

    def decode(self, ids, sep: str = " ") -> str:
        return super().decode(ids, sep)


@dataclasses.dataclass(frozen=True)
class ParallelCorpus:
    """Normalised sentence pairs in three splits with word vocabularies."""

    train: Split
    val: Split
    test: Split
    source_vocab: WordVocab
    target_vocab: WordVocab
    provenance: dict

    def arrays(self, split: str, *, reverse: bool = False, max_len: int | None = None):
        """Teacher-forcing arrays (see ``course_pkg.data.dates.arrays``)."""
        part = getattr(self, split)
        return arrays(part, self.source_vocab, self.target_vocab, reverse=reverse,
                      source_length=max_len, target_length=None if max_len is None
                      else max_len + 1)


def load_parallel_corpus(*, max_pairs: int | None = None, max_words: int = 15,
                         vocab_size: int = 10_000, val_fraction: float = 0.05,
                         test_fraction: float = 0.05, seed: int = 0, sha256: str | None = None,
                         url: str | None = None, cache: str | os.PathLike | None = None
                         ) -> ParallelCorpus:
    """Download (once) and split the English-Spanish pairs.

    Args:
        max_pairs: keep this many pairs at most (a seeded random subset), None for all.
        max_words: drop pairs with a sentence longer than this many tokens.
        vocab_size: most frequent words kept per language (the rest read ``<unk>``).
        val_fraction, test_fraction: shares of distinct English sentences held out.
        seed: seeds the subset and the split.
        sha256: the file's SHA-256 (default: ``$RNN_COURSE_SPA_ENG_SHA256``, else
            ``SPA_ENG.sha256``); a file that differs is refused.
        url: fetch from here instead (tests: a ``file://`` URL to a small zip).
        cache: the cache folder.

    Raises:
        MissingDataSourceError: no checksum is known, or the file could not be fetched.
        DataChecksumError: the file is not the one the checksum names.
    """
    source = SPA_ENG.checked(sha256)
    path = cached_download(source, cache, url=url)
    pairs = [(normalise(e), normalise(s)) for e, s in read_pairs(path)]
    pairs = [(e, s) for e, s in pairs
             if len(e.split()) <= max_words and len(s.split()) <= max_words]
    rng = np.random.default_rng(seed)
    if max_pairs is not None and len(pairs) > max_pairs:
        keep = np.sort(rng.permutation(len(pairs))[:max_pairs])
        pairs = [pairs[i] for i in keep]
    english = sorted({e for e, _ in pairs})
    order = rng.permutation(len(english))
    n_test = max(1, int(round(test_fraction * len(english))))
    n_val = max(1, int(round(val_fraction * len(english))))
    split_of = {}
    for rank, i in enumerate(order):
        split_of[english[i]] = "test" if rank < n_test else "val" if rank < n_test + n_val else "train"
    parts: dict[str, tuple[list, list, list]] = {k: ([], [], []) for k in ("train", "val", "test")}
    for e, s in pairs:
        src, tgt, kind = parts[split_of[e]]
        src.append(e)
        tgt.append(s)
        kind.append("pair")
    splits = {k: Split(*v) for k, v in parts.items()}
    return ParallelCorpus(
        splits["train"], splits["val"], splits["test"],
        WordVocab.from_texts(splits["train"].sources, vocab_size),
        WordVocab.from_texts(splits["train"].targets, vocab_size),
        {**source.provenance(), "pairs": len(pairs), "max_words": max_words})
