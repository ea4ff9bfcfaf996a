"""The NumPy LSTM and its variants: float64 gradient checks, steps against sequences, initialisers,
dtypes and error messages."""

import numpy as np
import pytest

from course_pkg.reference import (
    LSTM_VARIANTS,
    LSTMVariant,
    format_gradient_check,
    gradient_check,
    init_lstm_params,
    lstm_backward,
    lstm_forward,
    lstm_step_backward,
    lstm_step_forward,
    lstm_variant_backward,
    lstm_variant_forward,
    lstm_variant_step_backward,
    lstm_variant_step_forward,
    random_lstm_params,
    sigmoid,
)
from course_pkg.reference.lstm import _sigmoid_in_place

TOL = 1e-7
N, T, D, H = 3, 4, 3, 5

# Every variant of the study, with and without peepholes, and the forget-bias initialisation.
VARIANTS = {**LSTM_VARIANTS,
            "peephole+coupled": LSTMVariant(peephole=True, coupled=True),
            "peephole+no_forget_gate": LSTMVariant(peephole=True, forget_gate=False),
            "peephole+no_output_gate": LSTMVariant(peephole=True, output_gate=False)}


def _report(title, errors):
    print(f"\n{title}\n{format_gradient_check(errors, TOL)}")
    worst = max(errors, key=errors.get)
    assert errors[worst] <= TOL, f"{title}: gradient of {worst} is wrong (relative error {errors[worst]:.2e})"


@pytest.mark.parametrize("name", list(VARIANTS))
def test_lstm_variant_sequence_gradients_match_centred_differences(rng, name):
    variant = VARIANTS[name]
    p = random_lstm_params(D, H, rng, variant=variant)
    point = {"x": rng.standard_normal((N, T, D)), "h0": rng.standard_normal((N, H)),
             "c0": rng.standard_normal((N, H)), **p}
    dh, dc_last = rng.standard_normal((N, T, H)), rng.standard_normal((N, H))

    def loss(q):  # uses every h_t and the final cell state
        h, cache = lstm_variant_forward(q["x"], q["h0"], {k: q[k] for k in p}, variant, q["c0"])
        return float(np.sum(h * dh) + np.sum(cache.c[-1] * dc_last))

    _, cache = lstm_variant_forward(point["x"], point["h0"], p, variant, point["c0"])
    g = lstm_variant_backward(dh, cache, dc_last)
    assert set(g.dparams) == set(variant.param_names)
    grads = {"x": g.dx, "h0": g.dh0, "c0": g.dc0, **g.dparams}
    _report(f"lstm sequence ({name})", gradient_check(loss, point, grads))


@pytest.mark.parametrize("name", ["vanilla", "peephole", "coupled", "no_output_gate"])
def test_lstm_variant_step_gradients_match_centred_differences(rng, name):
    variant = VARIANTS[name]
    p = random_lstm_params(D, H, rng, variant=variant)
    point = {"x": rng.standard_normal((N, D)), "h_prev": rng.standard_normal((N, H)),
             "c_prev": rng.standard_normal((N, H)), **p}
    dh_next, dc_next = rng.standard_normal((N, H)), rng.standard_normal((N, H))

    def loss(q):
        h, c, _ = lstm_variant_step_forward(q["x"], q["h_prev"], q["c_prev"], {k: q[k] for k in p}, variant)
        return float(np.sum(h * dh_next) + np.sum(c * dc_next))

    *_, cache = lstm_variant_step_forward(point["x"], point["h_prev"], point["c_prev"], p, variant)
    g = lstm_variant_step_backward(dh_next, dc_next, cache)
    grads = {"x": g.dx, "h_prev": g.dh_prev, "c_prev": g.dc_prev, **g.dparams}
    _report(f"lstm step ({name})", gradient_check(loss, point, grads))


def test_forget_bias_initialisation_gradients_match_centred_differences(rng):
    # Keras's unit_forget_bias=True: b_f = 1 (here 2.0 to show the value is used), the rest as Keras.
    p = {k: v.astype(np.float64) for k, v in init_lstm_params(D, H, rng, forget_bias=2.0).items()}
    np.testing.assert_array_equal(p["b"][H:2 * H], 2.0)
    np.testing.assert_array_equal(np.delete(p["b"], np.s_[H:2 * H]), 0.0)
    point = {"x": rng.standard_normal((N, T, D)), "h0": rng.standard_normal((N, H)), **p}
    dh = rng.standard_normal((N, T, H))

    def loss(q):
        h, _ = lstm_forward(q["x"], q["h0"], q["W"], q["U"], q["b"])
        return float(np.sum(h * dh))

    _, cache = lstm_forward(point["x"], point["h0"], p["W"], p["U"], p["b"])
    grads = dict(zip(["x", "h0", "W", "U", "b"], lstm_backward(dh, cache)))
    _report("lstm (forget bias 2.0)", gradient_check(loss, point, grads))


def test_plain_lstm_functions_are_the_vanilla_variant(rng):
    p = random_lstm_params(D, H, rng)
    x, h0, c0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H)), rng.standard_normal((N, H))
    dh = rng.standard_normal((N, T, H))
    h, cache = lstm_forward(x, h0, p["W"], p["U"], p["b"], c0=c0)
    h_v, cache_v = lstm_variant_forward(x, h0, p, None, c0)
    np.testing.assert_array_equal(h, h_v)
    dx, dh0, dW, dU, db = lstm_backward(dh, cache)
    g = lstm_variant_backward(dh, cache_v)
    for got, want in zip((dx, dh0, dW, dU, db), (g.dx, g.dh0, g.dparams["W"], g.dparams["U"], g.dparams["b"])):
        np.testing.assert_array_equal(got, want)
    assert g.dc0.shape == (N, H) and np.abs(g.dc0).max() > 0


def test_lstm_forward_equals_a_loop_of_steps_and_backward_a_loop_of_step_backwards(rng):
    p = random_lstm_params(D, H, rng)
    x, h0, dh = rng.standard_normal((N, T, D)), rng.standard_normal((N, H)), rng.standard_normal((N, T, H))
    h, cache = lstm_forward(x, h0, p["W"], p["U"], p["b"])
    dx, dh0, dW, dU, db = lstm_backward(dh, cache)

    caches, h_t, c_t = [], h0, np.zeros((N, H))
    for t in range(T):
        h_t, c_t, step_cache = lstm_step_forward(x[:, t], h_t, c_t, p["W"], p["U"], p["b"])
        np.testing.assert_allclose(h[:, t], h_t, rtol=0, atol=1e-14)
        caches.append(step_cache)
    np.testing.assert_allclose(cache.c[-1], c_t, rtol=0, atol=1e-14)
    dh_next, dc_next = np.zeros((N, H)), np.zeros((N, H))
    sums = [np.zeros_like(p[k]) for k in "WUb"]
    for t in reversed(range(T)):
        dx_t, dh_next, dc_next, *d = lstm_step_backward(dh[:, t] + dh_next, dc_next, caches[t])
        np.testing.assert_allclose(dx[:, t], dx_t, atol=1e-13)
        sums = [s + g for s, g in zip(sums, d)]
    np.testing.assert_allclose(dh0, dh_next, atol=1e-13)
    for got, want in zip((dW, dU, db), sums):
        np.testing.assert_allclose(got, want, atol=1e-12)


def test_lstm_equations_by_hand_for_one_step(rng):
    # The page's equations written out with the shared sigmoid, block by block (i, f, c, o).
    p = random_lstm_params(D, H, rng)
    x, h_prev, c_prev = rng.standard_normal((N, D)), rng.standard_normal((N, H)), rng.standard_normal((N, H))
    a = x @ p["W"] + h_prev @ p["U"] + p["b"]
    i, f, g, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), np.tanh(a[:, 2 * H:3 * H]), sigmoid(a[:, 3 * H:])
    c = f * c_prev + i * g
    h_next, c_next, _ = lstm_step_forward(x, h_prev, c_prev, p["W"], p["U"], p["b"])
    np.testing.assert_allclose(c_next, c, atol=1e-14, err_msg="the cell state c_t is wrong")
    np.testing.assert_allclose(h_next, o * np.tanh(c), atol=1e-14, err_msg="the output h_t is wrong")


def test_variants_change_exactly_their_equation(rng):
    x, h_prev, c_prev = rng.standard_normal((N, D)), rng.standard_normal((N, H)), rng.standard_normal((N, H))
    # Coupled: i = 1 - f, blocks f, c, o.
    p = random_lstm_params(D, H, rng, variant=LSTM_VARIANTS["coupled"])
    a = x @ p["W"] + h_prev @ p["U"] + p["b"]
    f, g, o = sigmoid(a[:, :H]), np.tanh(a[:, H:2 * H]), sigmoid(a[:, 2 * H:])
    c = f * c_prev + (1 - f) * g
    h, c_next, _ = lstm_variant_step_forward(x, h_prev, c_prev, p, LSTM_VARIANTS["coupled"])
    np.testing.assert_allclose(c_next, c, atol=1e-14)
    np.testing.assert_allclose(h, o * np.tanh(c), atol=1e-14)
    # Peephole: p_i, p_f see c_{t-1}, p_o sees c_t.
    v = LSTM_VARIANTS["peephole"]
    p = random_lstm_params(D, H, rng, variant=v)
    a = x @ p["W"] + h_prev @ p["U"] + p["b"]
    i = sigmoid(a[:, :H] + p["p_i"] * c_prev)
    f = sigmoid(a[:, H:2 * H] + p["p_f"] * c_prev)
    c = f * c_prev + i * np.tanh(a[:, 2 * H:3 * H])
    o = sigmoid(a[:, 3 * H:] + p["p_o"] * c)
    h, c_next, _ = lstm_variant_step_forward(x, h_prev, c_prev, p, v)
    np.testing.assert_allclose(c_next, c, atol=1e-14)
    np.testing.assert_allclose(h, o * np.tanh(c), atol=1e-14)
    # No forget gate (blocks i, c, o): c_t = c_{t-1} + i g.
    v = LSTM_VARIANTS["no_forget_gate"]
    p = random_lstm_params(D, H, rng, variant=v)
    a = x @ p["W"] + h_prev @ p["U"] + p["b"]
    i, g, o = sigmoid(a[:, :H]), np.tanh(a[:, H:2 * H]), sigmoid(a[:, 2 * H:])
    c = c_prev + i * g
    h, c_next, _ = lstm_variant_step_forward(x, h_prev, c_prev, p, v)
    np.testing.assert_allclose(c_next, c, atol=1e-14)
    np.testing.assert_allclose(h, o * np.tanh(c), atol=1e-14)
    # No output gate (blocks i, f, c): h_t = tanh(c_t).
    v = LSTM_VARIANTS["no_output_gate"]
    p = random_lstm_params(D, H, rng, variant=v)
    a = x @ p["W"] + h_prev @ p["U"] + p["b"]
    i, f, g = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), np.tanh(a[:, 2 * H:])
    c = f * c_prev + i * g
    h, c_next, _ = lstm_variant_step_forward(x, h_prev, c_prev, p, v)
    np.testing.assert_allclose(c_next, c, atol=1e-14)
    np.testing.assert_allclose(h, np.tanh(c), atol=1e-14)


def test_variant_layouts_and_names():
    shapes = {name: v.param_shapes(D, H) for name, v in VARIANTS.items()}
    assert shapes["vanilla"] == {"W": (D, 4 * H), "U": (H, 4 * H), "b": (4 * H,)}
    assert shapes["coupled"] == {"W": (D, 3 * H), "U": (H, 3 * H), "b": (3 * H,)}
    assert shapes["peephole"] == {"W": (D, 4 * H), "U": (H, 4 * H), "b": (4 * H,),
                                  "p_i": (H,), "p_f": (H,), "p_o": (H,)}
    assert VARIANTS["peephole+coupled"].peepholes == ("p_f", "p_o")
    assert VARIANTS["peephole+no_forget_gate"].peepholes == ("p_i", "p_o")
    assert LSTM_VARIANTS["no_output_gate"].gates == ("i", "f", "c")
    assert [v.name for v in LSTM_VARIANTS.values()] == list(LSTM_VARIANTS)
    with pytest.raises(ValueError, match="coupled=True needs the forget gate"):
        LSTMVariant(coupled=True, forget_gate=False)


def test_init_lstm_params_follows_keras(rng):
    p = init_lstm_params(6, 8, rng)
    assert {k: (v.shape, v.dtype) for k, v in p.items()} == {
        "W": ((6, 32), np.float32), "U": ((8, 32), np.float32), "b": ((32,), np.float32)}
    np.testing.assert_allclose(p["U"] @ p["U"].T, np.eye(8), atol=1e-5)       # orthogonal rows
    assert np.abs(p["W"]).max() <= np.sqrt(6 / (6 + 32))                      # Glorot-uniform bound
    np.testing.assert_array_equal(p["b"], np.r_[np.zeros(8), np.ones(8), np.zeros(16)])
    no_bias = init_lstm_params(6, 8, rng, unit_forget_bias=False)
    np.testing.assert_array_equal(no_bias["b"], 0.0)
    coupled = init_lstm_params(6, 8, rng, variant=LSTM_VARIANTS["coupled"])
    np.testing.assert_array_equal(coupled["b"], np.r_[np.ones(8), np.zeros(16)])   # blocks f, c, o


def test_sigmoid_in_place_equals_the_shared_sigmoid(rng):
    a = rng.standard_normal(1000) * 10
    np.testing.assert_array_equal(_sigmoid_in_place(a.copy()), sigmoid(a))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_output_keeps_the_input_dtype(rng, dtype):
    v = LSTMVariant(peephole=True)
    p = random_lstm_params(D, H, rng, dtype=dtype, variant=v)
    x, h0 = rng.standard_normal((N, T, D)).astype(dtype), np.zeros((N, H), dtype)
    h, cache = lstm_variant_forward(x, h0, p, v)
    g = lstm_variant_backward(np.ones_like(h), cache)
    assert {a.dtype for a in (h, cache.c, g.dx, g.dh0, g.dc0, *g.dparams.values())} == {np.dtype(dtype)}


def test_float32_forward_agrees_with_float64(rng):
    p = random_lstm_params(D, H, rng)
    x, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    h64, _ = lstm_forward(x, h0, p["W"], p["U"], p["b"])
    p32 = {k: v.astype(np.float32) for k, v in p.items()}
    h32, _ = lstm_forward(x.astype(np.float32), h0.astype(np.float32), p32["W"], p32["U"], p32["b"])
    assert np.abs(h32 - h64).max() < 1e-5


def test_wrong_shapes_are_named_with_expected_and_received(rng):
    p = random_lstm_params(D, H, rng)
    x, h0 = np.zeros((N, T, D)), np.zeros((N, H))
    with pytest.raises(ValueError, match=r"lstm_forward: W must have shape \(D, 4H\) = \(3, 20\), got \(3, 15\)"):
        lstm_forward(x, h0, np.zeros((D, 3 * H)), p["U"], p["b"])
    with pytest.raises(ValueError, match=r"lstm_forward: U must have shape \(H, 4H\) = \(5, 20\), got \(5, 5\)"):
        lstm_forward(x, h0, p["W"], np.zeros((H, H)), p["b"])
    with pytest.raises(ValueError, match=r"lstm_forward: b must have shape \(4H,\) = \(20,\), got \(5,\)"):
        lstm_forward(x, h0, p["W"], p["U"], np.zeros(H))
    with pytest.raises(ValueError, match=r"lstm_forward: c0 must have shape \(N, H\) = \(3, 5\), got \(3, 4\)"):
        lstm_forward(x, h0, p["W"], p["U"], p["b"], c0=np.zeros((N, 4)))
    with pytest.raises(ValueError, match=r"lstm_step_forward: x must be a 2-D array of shape \(N, D\)"):
        lstm_step_forward(x, h0, h0, p["W"], p["U"], p["b"])
    coupled = LSTM_VARIANTS["coupled"]
    with pytest.raises(ValueError, match=r"lstm_variant_forward: W must have shape \(D, 3H\) = \(3, 15\), got \(3, 20\)"):
        lstm_variant_forward(x, h0, p, coupled)
    with pytest.raises(ValueError, match=r"params of the peephole LSTM must have keys \['W', 'U', 'b', "
                                         r"'p_i', 'p_f', 'p_o'\], missing \['p_i', 'p_f', 'p_o'\]"):
        lstm_variant_forward(x, h0, p, LSTM_VARIANTS["peephole"])
    with pytest.raises(ValueError, match="lstm_forward: mixed dtypes"):
        lstm_forward(x.astype(np.float32), h0, p["W"], p["U"], p["b"])
    h, cache = lstm_forward(x, h0, p["W"], p["U"], p["b"])
    with pytest.raises(ValueError, match=r"lstm_backward: dh must have shape \(N, T, H\) = \(3, 4, 5\), got \(3, 4, 6\)"):
        lstm_backward(np.zeros((N, T, H + 1)), cache)


def test_plain_backward_refuses_a_variant_cache(rng):
    v = LSTM_VARIANTS["peephole"]
    p = random_lstm_params(D, H, rng, variant=v)
    h, cache = lstm_variant_forward(np.zeros((N, T, D)), np.zeros((N, H)), p, v)
    with pytest.raises(ValueError, match="lstm_backward: cache comes from the peephole LSTM; use lstm_variant_backward"):
        lstm_backward(h, cache)
