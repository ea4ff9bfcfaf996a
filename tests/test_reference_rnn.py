"""The vanilla RNN of course_pkg.reference: gradient checks, the lectures' example, float32."""

import numpy as np
import pytest

from course_pkg.reference import (
    format_gradient_check,
    gradient_check,
    random_rnn_params,
    rnn_backward,
    rnn_forward,
    rnn_step_backward,
    rnn_step_forward,
)

TOL = 1e-7
N, T, D, H = 3, 5, 4, 6


def _report(title, errors):
    print(f"\n{title}\n{format_gradient_check(errors, TOL)}")
    worst = max(errors, key=errors.get)
    assert errors[worst] <= TOL, f"{title}: gradient of {worst} is wrong (relative error {errors[worst]:.2e})"


@pytest.mark.parametrize("activation", ["tanh", "identity"])
def test_rnn_step_backward_matches_centred_differences(rng, activation):
    p = random_rnn_params(D, H, rng)
    point = {"x": rng.standard_normal((N, D)), "h_prev": rng.standard_normal((N, H)), **p}
    dh_next = rng.standard_normal((N, H))

    def loss(q):  # a scalar whose gradient with respect to h_next is dh_next
        h_next, _ = rnn_step_forward(q["x"], q["h_prev"], q["W"], q["U"], q["b"], activation)
        return float(np.sum(h_next * dh_next))

    _, cache = rnn_step_forward(point["x"], point["h_prev"], p["W"], p["U"], p["b"], activation)
    grads = dict(zip(["x", "h_prev", "W", "U", "b"], rnn_step_backward(dh_next, cache)))
    _report(f"rnn_step ({activation})", gradient_check(loss, point, grads))


@pytest.mark.parametrize("activation", ["tanh", "identity"])
def test_rnn_backward_matches_centred_differences(rng, activation):
    p = random_rnn_params(D, H, rng)
    point = {"x": rng.standard_normal((N, T, D)), "h0": rng.standard_normal((N, H)), **p}
    dh = rng.standard_normal((N, T, H))

    def loss(q):
        h, _ = rnn_forward(q["x"], q["h0"], q["W"], q["U"], q["b"], activation)
        return float(np.sum(h * dh))

    _, cache = rnn_forward(point["x"], point["h0"], p["W"], p["U"], p["b"], activation)
    grads = dict(zip(["x", "h0", "W", "U", "b"], rnn_backward(dh, cache)))
    _report(f"rnn sequence ({activation})", gradient_check(loss, point, grads))


def test_rnn_forward_equals_a_loop_of_steps(rng):
    p = random_rnn_params(D, H, rng)
    x, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    h, _ = rnn_forward(x, h0, p["W"], p["U"], p["b"])
    h_t = h0
    for t in range(T):
        h_t, _ = rnn_step_forward(x[:, t], h_t, p["W"], p["U"], p["b"])
        np.testing.assert_allclose(h[:, t], h_t, rtol=0, atol=1e-14)


def test_rnn_backward_equals_a_loop_of_step_backwards(rng):
    p = random_rnn_params(D, H, rng)
    x, h0, dh = rng.standard_normal((N, T, D)), rng.standard_normal((N, H)), rng.standard_normal((N, T, H))
    _, cache = rnn_forward(x, h0, p["W"], p["U"], p["b"])
    dx, dh0, dW, dU, db = rnn_backward(dh, cache)

    caches, h_t = [], h0
    for t in range(T):
        h_t, c = rnn_step_forward(x[:, t], h_t, p["W"], p["U"], p["b"])
        caches.append(c)
    dh_next, sums = np.zeros((N, H)), [np.zeros_like(p[k]) for k in "WUb"]
    for t in reversed(range(T)):
        dx_t, dh_next, *dparams = rnn_step_backward(dh[:, t] + dh_next, caches[t])
        np.testing.assert_allclose(dx[:, t], dx_t, atol=1e-13)
        sums = [s + d for s, d in zip(sums, dparams)]
    np.testing.assert_allclose(dh0, dh_next, atol=1e-13)
    for got, want in zip((dW, dU, db), sums):
        np.testing.assert_allclose(got, want, atol=1e-12)


def test_lectures_linear_example_all_weights_one():
    # The lectures' linear RNN: h_t = x_t W + h_{t-1} U, y_t = h_t V, every weight 1, h0 = 0.
    ones = np.ones((2, 2))
    x = np.array([[[1.0, 1.0], [1.0, 1.0], [2.0, 2.0]]])          # (N=1, T=3, D=2)
    h, _ = rnn_forward(x, np.zeros((1, 2)), ones, ones, np.zeros(2), activation="identity")
    y = h @ ones
    np.testing.assert_array_equal(h[0], [[2, 2], [6, 6], [16, 16]])
    np.testing.assert_array_equal(y[0], [[4, 4], [12, 12], [32, 32]])

    h_rev, _ = rnn_forward(x[:, ::-1], np.zeros((1, 2)), ones, ones, np.zeros(2), activation="identity")
    np.testing.assert_array_equal(h_rev[0], [[4, 4], [10, 10], [22, 22]])
    np.testing.assert_array_equal((h_rev @ ones)[0], [[8, 8], [20, 20], [44, 44]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_output_keeps_the_input_dtype(rng, dtype):
    p = random_rnn_params(D, H, rng, dtype=dtype)
    x, h0 = rng.standard_normal((N, T, D)).astype(dtype), np.zeros((N, H), dtype)
    h, cache = rnn_forward(x, h0, p["W"], p["U"], p["b"])
    grads = rnn_backward(np.ones_like(h), cache)
    step_h, step_cache = rnn_step_forward(x[:, 0], h0, p["W"], p["U"], p["b"])
    step_grads = rnn_step_backward(np.ones_like(step_h), step_cache)
    assert {a.dtype for a in (h, step_h, *grads, *step_grads)} == {np.dtype(dtype)}


def test_float32_forward_agrees_with_float64(rng):
    p = random_rnn_params(D, H, rng)
    x, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    h64, _ = rnn_forward(x, h0, p["W"], p["U"], p["b"])
    p32 = {k: v.astype(np.float32) for k, v in p.items()}
    h32, _ = rnn_forward(x.astype(np.float32), h0.astype(np.float32), p32["W"], p32["U"], p32["b"])
    assert np.abs(h32 - h64).max() < 1e-5


def test_random_rnn_params_shapes_scale_and_seed():
    p = random_rnn_params(3, 400, rng=0, dtype=np.float32, output_size=7)
    assert {k: v.shape for k, v in p.items()} == {"W": (3, 400), "U": (400, 400), "b": (400,),
                                                 "V": (400, 7), "c": (7,)}
    assert p["U"].dtype == np.float32
    assert abs(p["U"].std() - 1 / np.sqrt(400)) < 0.002
    np.testing.assert_array_equal(p["U"], random_rnn_params(3, 400, rng=0, dtype=np.float32)["U"])
