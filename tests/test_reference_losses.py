"""Output projection and softmax cross-entropy: values and float64 gradient checks."""

import numpy as np
import pytest

from course_pkg.reference import (
    PARAM_NAMES,
    format_gradient_check,
    gradient_check,
    many_to_many_loss,
    many_to_one_loss,
    output_backward,
    output_forward,
    random_rnn_params,
    softmax_cross_entropy,
    temporal_softmax_cross_entropy,
)

TOL = 1e-7
N, T, D, H, K = 3, 5, 4, 6, 7


def _report(title, errors):
    print(f"\n{title}\n{format_gradient_check(errors, TOL)}")
    worst = max(errors, key=errors.get)
    assert errors[worst] <= TOL, f"{title}: gradient of {worst} is wrong (relative error {errors[worst]:.2e})"


def test_softmax_cross_entropy_of_uniform_logits_is_log_k():
    loss, dlogits = softmax_cross_entropy(np.zeros((4, K)), np.array([0, 1, 2, 3]))
    assert loss == pytest.approx(np.log(K), abs=1e-15)
    # gradient: (1/K - 1{target}) / N
    assert dlogits[0, 0] == pytest.approx((1 / K - 1) / 4)
    assert dlogits[0, 1] == pytest.approx(1 / K / 4)


def test_softmax_cross_entropy_is_stable_for_huge_logits():
    loss, dlogits = softmax_cross_entropy(np.array([[1000.0, 0.0]]), np.array([1]))
    assert loss == pytest.approx(1000.0)
    np.testing.assert_allclose(dlogits, [[1.0, -1.0]])


def test_temporal_loss_sums_over_time_and_averages_over_batch(rng):
    logits, targets = rng.standard_normal((N, T, K)), rng.integers(0, K, (N, T))
    loss, _ = temporal_softmax_cross_entropy(logits, targets)
    per_step = [softmax_cross_entropy(logits[:, t], targets[:, t])[0] for t in range(T)]
    assert loss == pytest.approx(sum(per_step), rel=1e-14)


def test_output_backward_matches_centred_differences(rng):
    point = {"h": rng.standard_normal((N, T, H)), "V": rng.standard_normal((H, K)), "c": rng.standard_normal(K)}
    dy = rng.standard_normal((N, T, K))
    _, cache = output_forward(point["h"], point["V"], point["c"])
    grads = dict(zip(["h", "V", "c"], output_backward(dy, cache)))
    errors = gradient_check(lambda q: float(np.sum(output_forward(q["h"], q["V"], q["c"])[0] * dy)), point, grads)
    _report("output projection", errors)


@pytest.mark.parametrize("activation", ["tanh", "identity"])
def test_many_to_many_loss_gradients(rng, activation):
    params = random_rnn_params(D, H, rng, output_size=K)
    point = {**params, "x": rng.standard_normal((N, T, D)), "h0": rng.standard_normal((N, H))}
    targets = rng.integers(0, K, (N, T))

    def loss(q):
        return many_to_many_loss({k: q[k] for k in PARAM_NAMES}, q["x"], q["h0"], targets, activation).loss

    result = many_to_many_loss(params, point["x"], point["h0"], targets, activation)
    assert set(result.grads) == {"x", "h0", *PARAM_NAMES}
    _report(f"many-to-many ({activation})", gradient_check(loss, point, result.grads))


def test_many_to_one_loss_gradients(rng):
    params = random_rnn_params(D, H, rng, output_size=K)
    point = {**params, "x": rng.standard_normal((N, T, D)), "h0": rng.standard_normal((N, H))}
    targets = rng.integers(0, K, N)

    def loss(q):
        return many_to_one_loss({k: q[k] for k in PARAM_NAMES}, q["x"], q["h0"], targets).loss

    result = many_to_one_loss(params, point["x"], point["h0"], targets)
    _report("many-to-one", gradient_check(loss, point, result.grads))


def test_many_to_one_reads_only_the_last_step(rng):
    params = random_rnn_params(D, H, rng, output_size=K)
    x, h0, targets = rng.standard_normal((N, T, D)), np.zeros((N, H)), rng.integers(0, K, N)
    result = many_to_one_loss(params, x, h0, targets)
    logits = result.h_last @ params["V"] + params["c"]
    assert result.loss == pytest.approx(softmax_cross_entropy(logits, targets)[0], rel=1e-14)
