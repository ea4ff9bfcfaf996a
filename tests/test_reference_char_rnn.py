"""The NumPy character language model: gradients, overfitting "hello", training, sampling."""

import numpy as np
import pytest

from course_pkg.reference import (
    PARAM_NAMES,
    Adagrad,
    Adam,
    CharRNN,
    CharVocab,
    char_rnn_logits,
    char_rnn_loss_and_grads,
    format_gradient_check,
    gradient_check,
    sample_ids,
    sample_text,
    train_char_rnn,
)


def test_char_rnn_gradients_match_centred_differences(rng):
    model = CharRNN.init(vocab_size=5, hidden_size=6, rng=0, dtype=np.float64)
    model.b[:] = rng.standard_normal(6)
    model.c[:] = rng.standard_normal(5)
    inputs, targets = rng.integers(0, 5, (3, 7)), rng.integers(0, 5, (3, 7))
    h0 = rng.standard_normal((3, 6))
    loss, grads, h_last = char_rnn_loss_and_grads(model, inputs, targets, h0)

    def loss_fn(q):
        return char_rnn_loss_and_grads(CharRNN(**q), inputs, targets, h0)[0]

    errors = gradient_check(loss_fn, model.params, grads)
    print("\nCharRNN\n" + format_gradient_check(errors))
    assert max(errors.values()) <= 1e-7
    logits, h_check = char_rnn_logits(model, inputs, h0)
    np.testing.assert_allclose(h_last, h_check, atol=1e-13)


def _overfit_hello(optimizer, steps):
    vocab = CharVocab.from_text("helo")
    model = CharRNN.init(vocab.size, hidden_size=16, rng=0, vocab=vocab)
    inputs, targets = vocab.encode("hell")[None], vocab.encode("ello")[None]
    losses = []
    for _ in range(steps):
        loss, grads, _ = char_rnn_loss_and_grads(model, inputs, targets, model.initial_state(1))
        optimizer.step(model.params, grads)
        losses.append(loss)
    logits, _ = char_rnn_logits(model, inputs)
    return vocab.decode(logits[0].argmax(-1)), losses


@pytest.mark.parametrize("optimizer", [Adam(lr=1e-2), Adagrad(lr=0.1)], ids=["adam", "adagrad"])
def test_overfits_hello(optimizer):
    predicted, losses = _overfit_hello(optimizer, steps=300)
    print(f"\n{type(optimizer).__name__}: loss {losses[0]:.3f} -> {losses[-1]:.4f}, predicts {predicted!r}")
    assert predicted == "ello"
    assert losses[0] > 5.0 and losses[-1] < 0.05      # 4 steps: starts near 4 ln 4 = 5.5


def test_training_loss_falls_and_samples_the_pattern():
    text = "hello world. " * 80
    model, history = train_char_rnn(text, steps=250, seq_len=13, batch_size=4, hidden_size=32,
                                    lr=1e-2, seed=0, log_every=0)
    print(f"\ntrain_char_rnn: {history[0]:.3f} -> {history[-10:].mean():.4f} nats/char")
    assert history.shape == (250,) and model.W.dtype == np.float32
    assert history[0] > 2.0 and history[-10:].mean() < 0.01      # 9 characters: ln 9 = 2.20 at start
    assert sample_text(model, "hello", 20, temperature=0.1, rng=np.random.default_rng(0)) == " world. hello world."


def test_sampling_is_reproducible_and_temperature_checked():
    model = CharRNN.init(6, 8, rng=1)
    a = sample_ids(model, [0, 1], 30, temperature=1.0, rng=np.random.default_rng(5))
    b = sample_ids(model, [0, 1], 30, temperature=1.0, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)
    assert a.shape == (30,) and a.min() >= 0 and a.max() < 6
    with pytest.raises(ValueError, match=r"sample_ids: temperature must be a positive number \(> 0\), got 0"):
        sample_ids(model, [0], 5, temperature=0)
    with pytest.raises(ValueError, match=r"sample_text: model.vocab is None"):
        sample_text(model, "a", 5)


def test_training_refuses_a_text_too_short_for_the_batch():
    with pytest.raises(ValueError, match=r"train_char_rnn: the text has 20 characters, too few for batch_size=4"):
        train_char_rnn("abcd" * 5, steps=1, seq_len=10, batch_size=4)


def test_charrnn_checks_its_shapes():
    model = CharRNN.init(4, 3, rng=0)
    with pytest.raises(ValueError, match=r"CharRNN: V must have shape \(H, K\) = \(3, 4\), got \(3, 5\)"):
        CharRNN(model.W, model.U, model.b, np.zeros((3, 5), np.float32), model.c)
    assert set(model.params) == set(PARAM_NAMES)
