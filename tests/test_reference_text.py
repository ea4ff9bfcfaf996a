"""Character vocabulary, one-hot vectors and sampling with a temperature."""

import json

import numpy as np
import pytest

from course_pkg.reference import CharVocab, one_hot, sample_index, softmax, softmax_with_temperature


def test_vocab_round_trip_and_serialisation():
    vocab = CharVocab.from_text("hello world")
    assert vocab.chars == (" ", "d", "e", "h", "l", "o", "r", "w") and vocab.size == len(vocab) == 8
    ids = vocab.encode("hello")
    assert ids.dtype == np.int64 and ids.tolist() == [3, 2, 4, 4, 5]
    assert vocab.decode(ids) == "hello"
    restored = CharVocab.from_dict(json.loads(json.dumps(vocab.to_dict())))
    assert restored == vocab and restored.encode("world").tolist() == vocab.encode("world").tolist()


def test_vocab_errors_name_the_character():
    vocab = CharVocab.from_text("abc")
    with pytest.raises(ValueError, match=r"CharVocab.encode: character 'z' is not in the vocabulary"):
        vocab.encode("abz")
    with pytest.raises(ValueError, match=r"CharVocab.decode: ids must hold ids in \[0, 3\), got values in \[0, 3\]"):
        vocab.decode([0, 3])


def test_one_hot_shape_and_values():
    out = one_hot(np.array([[0, 2], [1, 1]]), 3)
    assert out.shape == (2, 2, 3) and out.dtype == np.float32
    np.testing.assert_array_equal(out[0], [[1, 0, 0], [0, 0, 1]])
    np.testing.assert_array_equal(out.sum(-1), 1)
    with pytest.raises(ValueError, match=r"one_hot: ids must hold ids in \[0, 3\), got values in \[-1, 1\]"):
        one_hot(np.array([-1, 1]), 3)


def test_sampling_is_reproducible_with_a_seeded_generator():
    logits = np.array([0.1, 1.0, -0.5, 0.7])
    draws_a = [sample_index(logits, 1.0, rng) for rng in [np.random.default_rng(7)] for _ in range(50)]
    rng_b = np.random.default_rng(7)
    draws_b = [sample_index(logits, 1.0, rng_b) for _ in range(50)]
    assert draws_a == draws_b and len(set(draws_a)) > 1


def test_low_temperature_approaches_argmax():
    logits = np.array([[0.1, 1.0, 0.99, 0.7], [2.0, -1.0, 1.5, 0.0]])
    rng = np.random.default_rng(0)
    draws = np.stack([sample_index(logits, 1e-3, rng) for _ in range(200)])
    assert (draws == [1, 0]).all()
    probs = softmax_with_temperature(logits[0], 0.01)
    assert probs[1] > 0.73 and probs[2] < 0.27       # exp(0.01/0.01) = e : 1 between the top two
    assert softmax_with_temperature(logits[0], 1e-4)[1] == pytest.approx(1.0, abs=1e-12)


def test_frequencies_at_temperature_one_match_softmax():
    logits = np.array([0.5, -1.0, 2.0, 0.0, 1.0])
    n = 20000
    draws = sample_index(np.tile(logits, (n, 1)), 1.0, np.random.default_rng(3))
    freq = np.bincount(draws, minlength=5) / n
    p = softmax(logits)
    # 5 standard errors of a binomial proportion
    np.testing.assert_array_less(np.abs(freq - p), 5 * np.sqrt(p * (1 - p) / n))


def test_high_temperature_flattens_towards_uniform():
    probs = softmax_with_temperature(np.array([3.0, 0.0, -3.0]), 1e4)
    np.testing.assert_allclose(probs, 1 / 3, atol=1e-3)


@pytest.mark.parametrize("temperature", [0, -0.5])
def test_temperature_must_be_positive(temperature):
    with pytest.raises(ValueError, match=rf"sample_index: temperature must be a positive number \(> 0\), got {temperature}"):
        sample_index(np.zeros(3), temperature)
