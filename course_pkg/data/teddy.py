""""Teddy Roosevelt" or "teddy bears": a tagging task where a word's tag depends on the next word.

Every sentence is ``<subject> <verb> teddy <next> [<ending>]``. The next word is a surname
(Roosevelt, Kennedy, Sheringham, Riner: "Teddy" is then a person, tag ``PER``) or ``bears`` /
``bear`` (a toy, tag ``O``), with probability one half each; the subject, the verb and the ending
are drawn independently of it, so that nothing *before* "teddy" says which it is. A tagger that
reads left to right must guess when it tags "teddy" (50 %); one that also reads right to left sees
the next word (the case for bidirectional RNNs in the lectures).

Tags: 0 padding, 1 ``O``, 2 ``PER`` (the surname is ``PER`` too). Words are encoded with
``course_pkg.data.parallel_corpus.WordVocab`` (id 0 is padding, right-padded). No download: the
sentences are drawn from a seed.

Example:
    >>> data = teddy_sentences(4, rng=0)
    >>> data.sentences[0].split()[2], data.x.shape == data.tags.shape
    ('teddy', True)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .parallel_corpus import WordVocab

__all__ = ["ENDINGS", "NOT_PERSON_NEXT", "PERSON_NEXT", "SUBJECTS", "TAGS", "TeddyData",
           "VERBS", "teddy_sentences", "teddy_vocab"]

SUBJECTS = ("i", "she", "he", "we", "they", "my sister", "the children", "our teacher")
VERBS = ("saw", "liked", "drew", "photographed", "talked about", "remembered", "loved", "found")
PERSON_NEXT = ("roosevelt", "kennedy", "sheringham", "riner")
NOT_PERSON_NEXT = ("bears", "bear")
ENDINGS = ("", "yesterday", "in the museum", "last summer", "again", "on television")
#: Tag names by id.
TAGS = ("<pad>", "O", "PER")


class TeddyData(NamedTuple):
    """Sentences, word ids x (N, T) and tags (N, T) (0 = padding), the position of "teddy" (N,)
    and whether it names a person (N,) bool."""

    sentences: list[str]
    x: np.ndarray
    tags: np.ndarray
    teddy_position: np.ndarray
    is_person: np.ndarray


def teddy_vocab() -> WordVocab:
    """The vocabulary of every word the generator can write (the same for every draw)."""
    words = [w for group in (SUBJECTS, VERBS, ("teddy",), PERSON_NEXT, NOT_PERSON_NEXT, ENDINGS)
             for phrase in group for w in phrase.split()]
    return WordVocab.from_texts([" ".join(sorted(set(words)))])


def teddy_sentences(n: int, rng=None, length: int | None = None) -> TeddyData:
    """Draw n sentences; ``length`` pads (or must fit) the id arrays, default the longest one."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"teddy_sentences: argument n expected an integer >= 1, got {n!r}")
    rng = np.random.default_rng(rng)
    sentences, tag_rows, positions = [], [], []
    is_person = rng.random(n) < 0.5
    for person in is_person:
        prefix = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)}".split()
        nxt = rng.choice(PERSON_NEXT if person else NOT_PERSON_NEXT)
        ending = str(rng.choice(ENDINGS)).split()
        words = [*prefix, "teddy", str(nxt), *ending]
        tag = 2 if person else 1
        tag_rows.append([1] * len(prefix) + [tag, tag] + [1] * len(ending))
        positions.append(len(prefix))
        sentences.append(" ".join(words))
    T = length or max(len(t) for t in tag_rows)
    if max(len(t) for t in tag_rows) > T:
        raise ValueError(f"teddy_sentences: argument length expected >= "
                         f"{max(len(t) for t in tag_rows)}, got {length}")
    x = np.asarray(teddy_vocab().encode(sentences, T), dtype=np.int32)
    tags = np.zeros((n, T), dtype=np.int32)
    for row, t in enumerate(tag_rows):
        tags[row, : len(t)] = t
    return TeddyData(sentences, x, tags, np.asarray(positions, dtype=np.int32), is_person)
