"""The plain LSTM and GRU steps the pages show (lstm_cell, gru_cell): they agree with the fast
sequence code to 1e-12 in float64, forward and backward over a sequence driven step by step, and
their backward passes match centred differences."""

import numpy as np
import pytest

from course_pkg.reference import (
    format_gradient_check,
    gradient_check,
    gru_backward,
    gru_cell_backward,
    gru_cell_forward,
    gru_cell_reset_before_backward,
    gru_cell_reset_before_forward,
    gru_forward,
    lstm_cell_backward,
    lstm_cell_forward,
    lstm_variant_backward,
    lstm_variant_forward,
    random_gru_params,
    random_lstm_params,
)

AGREE = 1e-12          # plain step against the fast sequence code, float64
TOL = 1e-7             # centred differences, float64
N, T, D, H = 3, 6, 4, 5
GRU_FORMS = {  # name: (step forward, step backward, reset_after)
    "reset_after": (gru_cell_forward, gru_cell_backward, True),
    "reset_before": (gru_cell_reset_before_forward, gru_cell_reset_before_backward, False),
}


def _max_difference(title, pairs):
    """The largest |a - b| over named pairs of arrays, printed and returned."""
    worst = {name: float(np.abs(np.asarray(a) - np.asarray(b)).max()) for name, (a, b) in pairs.items()}
    print(f"\n{title}: max |plain step - fast sequence| = {max(worst.values()):.1e} "
          f"({', '.join(f'{k} {v:.0e}' for k, v in worst.items())})")
    return worst


def _check_agreement(title, pairs):
    worst = _max_difference(title, pairs)
    wrong = {name: err for name, err in worst.items() if err > AGREE}
    assert not wrong, f"{title}: the plain step and the fast code differ in {wrong} (more than {AGREE})"


def _report(title, errors):
    print(f"\n{title}\n{format_gradient_check(errors, TOL)}")
    worst = max(errors, key=errors.get)
    assert errors[worst] <= TOL, f"{title}: gradient of {worst} is wrong (relative error {errors[worst]:.2e})"


def test_lstm_cell_steps_agree_with_the_fast_sequence_code(rng):
    p = random_lstm_params(D, H, rng, forget_bias=1.0)
    x, h0, c0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H)), rng.standard_normal((N, H))
    dh, dc_last = rng.standard_normal((N, T, H)), rng.standard_normal((N, H))

    h_fast, cache_fast = lstm_variant_forward(x, h0, p, None, c0)
    fast = lstm_variant_backward(dh, cache_fast, dc_last)

    h_t, c_t, caches, hs, cs = h0, c0, [], [], []
    for t in range(T):
        h_t, c_t, cache = lstm_cell_forward(x[:, t], h_t, c_t, p["W"], p["U"], p["b"])
        caches.append(cache)
        hs.append(h_t)
        cs.append(c_t)
    dh_next, dc_next = np.zeros((N, H)), dc_last
    dxs, dW, dU, db = [None] * T, 0, 0, 0
    for t in reversed(range(T)):
        g = lstm_cell_backward(dh[:, t] + dh_next, dc_next, caches[t])
        dxs[t], dh_next, dc_next = g.dx, g.dh_prev, g.dc_prev
        dW, dU, db = dW + g.dW, dU + g.dU, db + g.db

    gates = {name: (np.stack([getattr(c, name) for c in caches]), cache_fast.gates[:, :, k])
             for k, name in enumerate("ifgo")}
    _check_agreement("lstm forward", {"h": (np.stack(hs, axis=1), h_fast),
                                      "c": (np.stack(cs), cache_fast.c), **gates})
    _check_agreement("lstm backward", {
        "dx": (np.stack(dxs, axis=1), fast.dx), "dh0": (dh_next, fast.dh0), "dc0": (dc_next, fast.dc0),
        "dW": (dW, fast.dparams["W"]), "dU": (dU, fast.dparams["U"]), "db": (db, fast.dparams["b"])})


def test_lstm_cell_backward_matches_centred_differences(rng):
    p = random_lstm_params(D, H, rng)
    point = {"x": rng.standard_normal((N, D)), "h_prev": rng.standard_normal((N, H)),
             "c_prev": rng.standard_normal((N, H)), **p}
    dh, dc = rng.standard_normal((N, H)), rng.standard_normal((N, H))

    def loss(q):  # uses both outputs of the step
        h, c, _ = lstm_cell_forward(q["x"], q["h_prev"], q["c_prev"], q["W"], q["U"], q["b"])
        return float(np.sum(h * dh) + np.sum(c * dc))

    *_, cache = lstm_cell_forward(point["x"], point["h_prev"], point["c_prev"], p["W"], p["U"], p["b"])
    g = lstm_cell_backward(dh, dc, cache)
    grads = {"x": g.dx, "h_prev": g.dh_prev, "c_prev": g.dc_prev, "W": g.dW, "U": g.dU, "b": g.db}
    _report("lstm_cell_backward", gradient_check(loss, point, grads))


@pytest.mark.parametrize("form", list(GRU_FORMS))
def test_gru_cell_steps_agree_with_the_fast_sequence_code(rng, form):
    step_forward, step_backward, reset_after = GRU_FORMS[form]
    p = random_gru_params(D, H, rng, reset_after=reset_after)
    x, h0, dh = rng.standard_normal((N, T, D)), rng.standard_normal((N, H)), rng.standard_normal((N, T, H))

    h_fast, cache_fast = gru_forward(x, h0, p["W"], p["U"], p["b"], reset_after)
    dx_fast, dh0_fast, dW_fast, dU_fast, db_fast = gru_backward(dh, cache_fast)

    h_t, caches, hs = h0, [], []
    for t in range(T):
        h_t, cache = step_forward(x[:, t], h_t, p["W"], p["U"], p["b"])
        caches.append(cache)
        hs.append(h_t)
    dh_next, dxs, dW, dU, db = np.zeros((N, H)), [None] * T, 0, 0, 0
    for t in reversed(range(T)):
        g = step_backward(dh[:, t] + dh_next, caches[t])
        dxs[t], dh_next = g.dx, g.dh_prev
        dW, dU, db = dW + g.dW, dU + g.dU, db + g.db

    stacked = {name: np.stack([getattr(c, name) for c in caches]) for name in ("z", "r", "hh")}
    _check_agreement(f"gru forward ({form})", {
        "h": (np.stack(hs, axis=1), h_fast), "z": (stacked["z"], cache_fast.z),
        "r": (stacked["r"], cache_fast.r), "hh": (stacked["hh"], cache_fast.hh)})
    _check_agreement(f"gru backward ({form})", {
        "dx": (np.stack(dxs, axis=1), dx_fast), "dh0": (dh_next, dh0_fast),
        "dW": (dW, dW_fast), "dU": (dU, dU_fast), "db": (db, db_fast)})


@pytest.mark.parametrize("form", list(GRU_FORMS))
def test_gru_cell_backward_matches_centred_differences(rng, form):
    step_forward, step_backward, reset_after = GRU_FORMS[form]
    p = random_gru_params(D, H, rng, reset_after=reset_after)
    point = {"x": rng.standard_normal((N, D)), "h_prev": rng.standard_normal((N, H)), **p}
    dh = rng.standard_normal((N, H))

    def loss(q):
        h, _ = step_forward(q["x"], q["h_prev"], q["W"], q["U"], q["b"])
        return float(np.sum(h * dh))

    _, cache = step_forward(point["x"], point["h_prev"], p["W"], p["U"], p["b"])
    g = step_backward(dh, cache)
    grads = {"x": g.dx, "h_prev": g.dh_prev, "W": g.dW, "U": g.dU, "b": g.db}
    _report(f"{step_backward.__name__}", gradient_check(loss, point, grads))


def test_cell_steps_name_the_argument_with_the_wrong_shape(rng):
    p = random_lstm_params(D, H, rng)
    x, h = rng.standard_normal((N, D)), rng.standard_normal((N, H))
    with pytest.raises(ValueError, match=r"lstm_cell_forward: c_prev must have shape \(N, H\) = \(3, 5\), "
                                         r"got \(3, 4\)"):
        lstm_cell_forward(x, h, h[:, :4], p["W"], p["U"], p["b"])
    g = random_gru_params(D, H, rng, reset_after=True)
    with pytest.raises(ValueError, match=r"gru_cell_forward: b must be a 2-D array of shape \(2, 3H\)"):
        gru_cell_forward(x, h, g["W"], g["U"], g["b"][0])
    with pytest.raises(ValueError, match=r"gru_cell_reset_before_forward: b must be a 1-D array"):
        gru_cell_reset_before_forward(x, h, g["W"], g["U"], g["b"])
    _, cache = gru_cell_forward(x, h, g["W"], g["U"], g["b"])
    with pytest.raises(ValueError, match=r"gru_cell_backward: dh must have shape \(N, H\) = \(3, 5\)"):
        gru_cell_backward(h[:, :2], cache)
    with pytest.raises(ValueError, match=r"lstm_cell_forward: mixed dtypes"):
        lstm_cell_forward(x.astype(np.float32), h, h, p["W"], p["U"], p["b"])

