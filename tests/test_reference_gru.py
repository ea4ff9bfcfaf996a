"""The NumPy GRU in both of Keras's forms: float64 gradient checks, the equations by hand, steps
against sequences, dtypes and error messages."""

import numpy as np
import pytest

from course_pkg.reference import (
    format_gradient_check,
    gradient_check,
    gru_backward,
    gru_forward,
    gru_step_backward,
    gru_step_forward,
    random_gru_params,
    sigmoid,
)

TOL = 1e-7
N, T, D, H = 3, 4, 3, 5
MODES = {"reset_after": True, "reset_before": False}


def _report(title, errors):
    print(f"\n{title}\n{format_gradient_check(errors, TOL)}")
    worst = max(errors, key=errors.get)
    assert errors[worst] <= TOL, f"{title}: gradient of {worst} is wrong (relative error {errors[worst]:.2e})"


@pytest.mark.parametrize("mode", list(MODES))
def test_gru_sequence_gradients_match_centred_differences(rng, mode):
    reset_after = MODES[mode]
    p = random_gru_params(D, H, rng, reset_after=reset_after)
    point = {"x": rng.standard_normal((N, T, D)), "h0": rng.standard_normal((N, H)), **p}
    dh = rng.standard_normal((N, T, H))

    def loss(q):
        h, _ = gru_forward(q["x"], q["h0"], q["W"], q["U"], q["b"], reset_after)
        return float(np.sum(h * dh))

    _, cache = gru_forward(point["x"], point["h0"], p["W"], p["U"], p["b"], reset_after)
    grads = dict(zip(["x", "h0", "W", "U", "b"], gru_backward(dh, cache)))
    _report(f"gru sequence ({mode})", gradient_check(loss, point, grads))


@pytest.mark.parametrize("mode", list(MODES))
def test_gru_step_gradients_match_centred_differences(rng, mode):
    reset_after = MODES[mode]
    p = random_gru_params(D, H, rng, reset_after=reset_after)
    point = {"x": rng.standard_normal((N, D)), "h_prev": rng.standard_normal((N, H)), **p}
    dh_next = rng.standard_normal((N, H))

    def loss(q):
        h, _ = gru_step_forward(q["x"], q["h_prev"], q["W"], q["U"], q["b"], reset_after)
        return float(np.sum(h * dh_next))

    _, cache = gru_step_forward(point["x"], point["h_prev"], p["W"], p["U"], p["b"], reset_after)
    grads = dict(zip(["x", "h_prev", "W", "U", "b"], gru_step_backward(dh_next, cache)))
    _report(f"gru step ({mode})", gradient_check(loss, point, grads))


def test_gru_equations_by_hand_in_both_modes(rng):
    x, h_prev = rng.standard_normal((N, D)), rng.standard_normal((N, H))
    blocks = lambda a: (a[..., :H], a[..., H:2 * H], a[..., 2 * H:])   # z, r, h

    p = random_gru_params(D, H, rng, reset_after=True)
    (xz, xr, xh), (uz, ur, uh) = blocks(x @ p["W"] + p["b"][0]), blocks(h_prev @ p["U"] + p["b"][1])
    z, r = sigmoid(xz + uz), sigmoid(xr + ur)
    hh = np.tanh(xh + r * uh)
    h, _ = gru_step_forward(x, h_prev, p["W"], p["U"], p["b"], reset_after=True)
    np.testing.assert_allclose(h, z * h_prev + (1 - z) * hh, atol=1e-14,
                               err_msg="reset_after=True: h_t = z h_{t-1} + (1 - z) tanh(x W_h + b_h + r (h U_h + b'_h))")

    p = random_gru_params(D, H, rng, reset_after=False)
    (xz, xr, xh), U = blocks(x @ p["W"] + p["b"]), p["U"]
    z, r = sigmoid(xz + h_prev @ U[:, :H]), sigmoid(xr + h_prev @ U[:, H:2 * H])
    hh = np.tanh(xh + (r * h_prev) @ U[:, 2 * H:])
    h, _ = gru_step_forward(x, h_prev, p["W"], p["U"], p["b"], reset_after=False)
    np.testing.assert_allclose(h, z * h_prev + (1 - z) * hh, atol=1e-14,
                               err_msg="reset_after=False: the candidate is tanh(x W_h + b_h + (r h_{t-1}) U_h)")


def test_update_gate_near_one_keeps_the_state_keras_convention(rng):
    # Keras: h_t = z h_{t-1} + (1 - z) hh_t. A large update-gate bias (z ~ 1) keeps h_{t-1}.
    p = random_gru_params(D, H, rng)
    p["b"][0, :H] = 50.0
    h_prev = rng.standard_normal((N, H))
    h, _ = gru_step_forward(rng.standard_normal((N, D)), h_prev, p["W"], p["U"], p["b"])
    np.testing.assert_allclose(h, h_prev, atol=1e-12)


@pytest.mark.parametrize("mode", list(MODES))
def test_gru_forward_equals_a_loop_of_steps(rng, mode):
    reset_after = MODES[mode]
    p = random_gru_params(D, H, rng, reset_after=reset_after)
    x, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    h, _ = gru_forward(x, h0, p["W"], p["U"], p["b"], reset_after)
    h_t = h0
    for t in range(T):
        h_t, _ = gru_step_forward(x[:, t], h_t, p["W"], p["U"], p["b"], reset_after)
        np.testing.assert_allclose(h[:, t], h_t, rtol=0, atol=1e-14)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_output_keeps_the_input_dtype(rng, dtype):
    p = random_gru_params(D, H, rng, dtype=dtype)
    x, h0 = rng.standard_normal((N, T, D)).astype(dtype), np.zeros((N, H), dtype)
    h, cache = gru_forward(x, h0, p["W"], p["U"], p["b"])
    assert {a.dtype for a in (h, *gru_backward(np.ones_like(h), cache))} == {np.dtype(dtype)}


def test_wrong_shapes_are_named_with_expected_and_received(rng):
    p = random_gru_params(D, H, rng)
    x, h0 = np.zeros((N, T, D)), np.zeros((N, H))
    with pytest.raises(ValueError, match=r"gru_forward: W must have shape \(D, 3H\) = \(3, 15\), got \(3, 20\)"):
        gru_forward(x, h0, np.zeros((D, 4 * H)), p["U"], p["b"])
    with pytest.raises(ValueError, match=r"gru_forward: b must be a 1-D array of shape \(3H,\) = \(15,\), got a "
                                         r"2-D array of shape \(2, 15\) \(reset_after=False uses one bias, \(3H,\)\)"):
        gru_forward(x, h0, p["W"], p["U"], p["b"], reset_after=False)
    with pytest.raises(ValueError, match=r"gru_step_forward: b must be a 2-D array of shape \(2, 3H\) = \(2, 15\), "
                                         r"got a 1-D array of shape \(15,\) \(reset_after=True uses an input and a "
                                         r"recurrent bias, \(2, 3H\)\)"):
        gru_step_forward(x[:, 0], h0, p["W"], p["U"], p["b"][0])
    with pytest.raises(ValueError, match="gru_forward: reset_after must be True or False, got 'yes'"):
        gru_forward(x, h0, p["W"], p["U"], p["b"], reset_after="yes")
    _, cache = gru_forward(x, h0, p["W"], p["U"], p["b"])
    with pytest.raises(ValueError, match=r"gru_backward: dh must have shape \(N, T, H\) = \(3, 4, 5\), got \(3, 5, 5\)"):
        gru_backward(np.zeros((N, T + 1, H)), cache)
    with pytest.raises(ValueError, match=r"gru_step_backward: cache must come from a step forward \(T = 1\), got T = 4"):
        gru_step_backward(h0, cache)
