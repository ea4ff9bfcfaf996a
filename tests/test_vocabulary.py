"""The shared token vocabulary of the word-level chapters (course_pkg.data.vocabulary)."""

import pytest

from course_pkg.data.vocabulary import Vocabulary


def test_ids_follow_the_tokens_and_unknown_words_map_to_the_unknown_token():
    vocab = Vocabulary.from_tokens(["fly", "to", "fly", "oulu"], ("<pad>", "<unk>"), "<unk>")
    assert vocab.tokens == ("<pad>", "<unk>", "fly", "to", "oulu")
    assert len(vocab) == 5 and "to" in vocab and "from" not in vocab
    assert vocab.ids(["fly", "from", "oulu"]) == [2, 1, 4]
    assert vocab.decode([2, 3, 4, 0, 0]) == "fly to oulu"
    assert vocab.decode([2, 3], skip=(), sep="_") == "fly_to"


def test_a_vocabulary_without_unknown_token_refuses_unknown_tokens():
    tags = Vocabulary.from_tokens(["B-city", "I-city"], ("O",))
    assert tags.id("I-city") == 2
    with pytest.raises(KeyError, match=r"'B-date' is unknown and there is no unknown token"):
        tags.id("B-date")


def test_repeated_tokens_and_a_missing_unknown_token_are_errors():
    with pytest.raises(ValueError, match=r"must not repeat, got \['a'\] twice"):
        Vocabulary(("a", "b", "a"))
    with pytest.raises(ValueError, match=r"the unknown token '<unk>' is not in tokens"):
        Vocabulary(("a", "b"), unknown="<unk>")
