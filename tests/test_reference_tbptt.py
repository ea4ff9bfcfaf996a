"""Truncated BPTT, TBPTT(k1, k2): equal to full BPTT when nothing is truncated, and each update
is the exact gradient of its chunk's losses with the state entering its window held constant."""

import numpy as np
import pytest

from course_pkg.reference import (
    PARAM_NAMES,
    TBPTTWindow,
    format_gradient_check,
    gradient_check,
    many_to_many_loss,
    many_to_one_loss,
    output_forward,
    random_rnn_params,
    rnn_forward,
    softmax_cross_entropy,
    tbptt_gradients,
    tbptt_windows,
)

N, T, D, H, K = 2, 12, 3, 5, 4


@pytest.fixture
def problem(rng):
    params = random_rnn_params(D, H, rng, output_size=K)
    return params, rng.standard_normal((N, T, D)), rng.standard_normal((N, H)), rng.integers(0, K, (N, T))


def test_tbptt_with_k1_equal_k2_equal_T_is_full_bptt(problem):
    params, x, h0, targets = problem
    full = many_to_many_loss(params, x, h0, targets)
    result = tbptt_gradients(params, x, h0, targets, k1=T, k2=T)
    assert len(result.updates) == 1 and result.windows == [TBPTTWindow(0, 0, T)]
    for name in PARAM_NAMES:
        np.testing.assert_allclose(result.updates[0][name], full.grads[name], rtol=0, atol=1e-12)
    assert result.total_loss == pytest.approx(full.loss, abs=1e-12)
    np.testing.assert_array_equal(result.h_last, full.h_last)


@pytest.mark.parametrize("k1", [1, 3, 5])
def test_updates_add_up_to_full_bptt_when_k2_covers_the_sequence(problem, k1):
    params, x, h0, targets = problem
    full = many_to_many_loss(params, x, h0, targets)
    result = tbptt_gradients(params, x, h0, targets, k1=k1, k2=T)
    assert len(result.updates) == -(-T // k1)
    accumulated = result.accumulated()
    for name in PARAM_NAMES:
        np.testing.assert_allclose(accumulated[name], full.grads[name], rtol=0, atol=1e-12)


def test_every_loss_is_counted_once(problem):
    params, x, h0, targets = problem
    result = tbptt_gradients(params, x, h0, targets, k1=5, k2=7)
    assert [tuple(w) for w in result.windows] == [(0, 0, 5), (3, 5, 10), (5, 10, 12)]
    assert result.total_loss == pytest.approx(many_to_many_loss(params, x, h0, targets).loss, abs=1e-12)


@pytest.mark.parametrize("k1,k2", [(4, 4), (3, 6), (5, 7)])
def test_each_update_is_the_gradient_of_its_chunk_with_the_window_state_held_constant(problem, k1, k2):
    params, x, h0, targets = problem
    result = tbptt_gradients(params, x, h0, targets, k1=k1, k2=k2)
    h_full, _ = rnn_forward(x, h0, params["W"], params["U"], params["b"])
    for update, (start, first, end), counted in zip(result.updates, result.windows, result.losses):
        h_start = h0 if start == 0 else h_full[:, start - 1]       # frozen at the base point

        def chunk_loss(q, start=start, first=first, end=end, h_start=h_start):
            h, _ = rnn_forward(x[:, start:end], h_start, q["W"], q["U"], q["b"])
            y, _ = output_forward(h, q["V"], q["c"])
            return sum(softmax_cross_entropy(y[:, t - start], targets[:, t])[0] for t in range(first, end))

        assert chunk_loss(params) == pytest.approx(counted, abs=1e-12)
        errors = gradient_check(chunk_loss, params, update)
        print(f"\nTBPTT({k1}, {k2}) window {start}..{end - 1}, losses {first}..{end - 1}\n"
              f"{format_gradient_check(errors)}")
        assert max(errors.values()) <= 1e-7


def test_truncation_changes_the_gradient(problem):
    params, x, h0, targets = problem
    full = many_to_many_loss(params, x, h0, targets).grads["U"]
    truncated = tbptt_gradients(params, x, h0, targets, k1=4, k2=4).accumulated()["U"]
    assert np.abs(truncated - full).max() > 1e-4


def test_many_to_one_tbptt_puts_the_whole_gradient_in_the_last_update(problem):
    params, x, h0, _ = problem
    target = np.array([1, 3])
    result = tbptt_gradients(params, x, h0, target, k1=4, k2=T, loss="many_to_one")
    full = many_to_one_loss(params, x, h0, target)
    assert result.losses[:2] == [0.0, 0.0] and result.losses[2] == pytest.approx(full.loss, abs=1e-12)
    for name in PARAM_NAMES:
        assert not result.updates[0][name].any()
        np.testing.assert_allclose(result.updates[-1][name], full.grads[name], rtol=0, atol=1e-12)


def test_k2_smaller_than_k1_is_refused(problem):
    params, x, h0, targets = problem
    with pytest.raises(ValueError, match=r"tbptt_gradients: k2 \(steps backpropagated\) must be >= k1 = 4, got 2"):
        tbptt_gradients(params, x, h0, targets, k1=4, k2=2)


def test_windows_cover_every_step_once_and_look_back_at_most_k2_steps():
    # T = 7, k1 = 3, k2 = 4: updates at steps 3, 6 and 7 (the last one shorter)
    assert tbptt_windows(7, 3, 4) == [TBPTTWindow(0, 0, 3), TBPTTWindow(2, 3, 6), TBPTTWindow(3, 6, 7)]
    for k1, k2 in [(1, 1), (3, 3), (3, 6), (5, 12)]:
        windows = tbptt_windows(T, k1, k2)
        assert [w.first for w in windows] == list(range(0, T, k1))
        assert [w.end for w in windows][-1] == T
        assert all(w.end - w.start <= k2 and w.start <= w.first for w in windows)
    with pytest.raises(ValueError, match=r"tbptt_windows: k2 \(steps backpropagated\) must be >= k1 = 3, got 1"):
        tbptt_windows(T, 3, 1)
