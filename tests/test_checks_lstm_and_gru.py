"""The lstm_and_gru checks in visible and capture mode: correct answers pass, wrong terms are named.

The correct answers are the instructor's source notebook itself (its helper and answer cells
are executed here), so these tests also pin that the solutions pass every check. Each planted
bug is a mistake students make; the test asserts which outputs the message names and which
it does not.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

import course_pkg.checks as check
from course_pkg.checks import capture, compare_outputs, get_check
from course_pkg import forward_inputs
from course_pkg.checks import lstm_and_gru as lg

pytestmark = pytest.mark.keras

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "assignments" / "source" / "lstm_and_gru" / "lstm_and_gru.ipynb"
EXECUTED_READONLY = ("helpers", "vanishing_helpers")


def load_answers(path: Path = SOURCE) -> dict:
    """Execute the notebook's helper and answer cells; return their namespace."""
    import keras
    from keras import ops

    nb = nbformat.read(path, as_version=4)
    namespace: dict = {"np": np, "keras": keras, "ops": ops}
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type == "code" and (cell.source.startswith("# graded-cell:")
                                         or grade_id in EXECUTED_READONLY):
            exec(compile(cell.source, str(path), "exec"), namespace)
    return namespace


@pytest.fixture(scope="module")
def answers() -> dict:
    return load_answers()


def failures_of(run) -> str:
    with pytest.raises(AssertionError) as info:
        run()
    return str(info.value)


def named(message: str) -> set[str]:
    """The outputs a failure message names as wrong (``  - <name> is wrong: ...``)."""
    return {line.split()[1] for line in message.splitlines() if line.startswith("  - ")}


def with_cache_item(fn, index: int, delta: float = 0.1):
    """Wrap a step forward so that item ``index`` of its cache is off by ``delta``."""

    def wrong(*args):
        *states, cache = fn(*args)
        cache = list(cache)
        cache[index] = cache[index] + delta
        return (*states, tuple(cache))

    return wrong


GRADED = {
    "lstm_step_forward": "lstm_step_forward",
    "lstm_step_backward": "lstm_step_backward",
    "lstm_forward": "lstm_forward",
    "gru_step_forward": "gru_step_forward",
    "peephole_lstm_cell": "PeepholeLSTMCell",
    "gradient_norms": "gradient_norms",
    "vanishing_experiment": "ratios",
}


# ---------------------------------------------------------------------------------------------
# Correct answers
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(GRADED))
def test_correct_answer_passes_with_one_stdout_line_and_no_stderr(name, answers, visible, capsys):
    getattr(check, name)(answers[GRADED[name]])
    out, err = capsys.readouterr()
    assert err == ""
    assert out.count("\n") == 1
    assert out.startswith(f"{name}: ") and "match" in out


@pytest.mark.parametrize("name,params", [
    ("lstm_step_forward", {"N": 1, "D": 1, "H": 1, "seed": 3}),
    ("lstm_step_backward", {"N": 1, "D": 2, "H": 1, "seed": 4}),
    ("lstm_forward", {"N": 1, "T": 1, "D": 1, "H": 2, "seed": 5}),
    ("gru_step_forward", {"N": 1, "D": 1, "H": 1, "seed": 6}),
    ("gradient_norms", {"N": 2, "T": 1, "H": 4, "rho": 2.0, "seed": 7}),
])
def test_correct_answers_pass_at_the_smallest_sizes(name, params, answers, visible, capsys):
    getattr(check, name)(answers[GRADED[name]], **params)
    assert "match" in capsys.readouterr().out


def test_success_lines_name_the_sizes(answers, visible, capsys):
    check.lstm_step_backward(answers["lstm_step_backward"])
    check.peephole_lstm_cell(answers["PeepholeLSTMCell"], N=1, T=1, D=2, H=3)
    assert capsys.readouterr().out == (
        "lstm_step_backward: all 15 outputs match (N=3, D=4, H=5)\n"
        "peephole_lstm_cell: all 6 outputs match (N=1, T=1, D=2, H=3)\n"
    )


# ---------------------------------------------------------------------------------------------
# lstm_step_forward: the gates are read from the cache, so the wrong gate is named
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("index,gate,words", [
    (6, "i", "the input gate is i = sigmoid(a[:, 0:H])"),
    (7, "f", "the forget gate is f = sigmoid(a[:, H:2H])"),
    (8, "g", "the candidate is g = tanh(a[:, 2H:3H])"),
    (9, "o", "the output gate is o = sigmoid(a[:, 3H:4H])"),
])
def test_lstm_step_forward_names_exactly_the_wrong_gate(index, gate, words, answers, visible):
    message = failures_of(lambda: check.lstm_step_forward(
        with_cache_item(answers["lstm_step_forward"], index)))
    assert named(message) == {gate}
    assert f"{gate} is wrong: {words}" in message


def test_lstm_step_forward_with_swapped_gates_in_the_cell_update(answers, visible):
    def swapped(x, h_prev, c_prev, W, U, b):
        _, _, cache = answers["lstm_step_forward"](x, h_prev, c_prev, W, U, b)
        i, f, g, o = cache[6:10]
        c_next = i * c_prev + f * g               # the gates exchanged
        h_next = o * np.tanh(c_next)
        return h_next, c_next, (*cache[:10], c_next)

    message = failures_of(lambda: check.lstm_step_forward(swapped))
    assert named(message) == {"h_next", "c_next"}
    assert "c_next is wrong: check the forget gate multiplies c_prev" in message


def test_lstm_step_forward_with_a_sigmoid_candidate_names_g(answers, visible):
    sigmoid = answers["sigmoid"]

    def sigmoid_candidate(x, h_prev, c_prev, W, U, b):
        H = h_prev.shape[1]
        a = x @ W + h_prev @ U + b
        i, f, g, o = (sigmoid(a[:, k * H:(k + 1) * H]) for k in range(4))
        c_next = f * c_prev + i * g
        h_next = o * np.tanh(c_next)
        return h_next, c_next, (x, h_prev, c_prev, W, U, b, i, f, g, o, c_next)

    message = failures_of(lambda: check.lstm_step_forward(sigmoid_candidate))
    assert named(message) == {"h_next", "c_next", "g"}
    assert "with tanh (not sigmoid)" in message


def test_lstm_step_forward_with_h_from_the_old_cell_names_h_next(answers, visible):
    def old_cell(x, h_prev, c_prev, W, U, b):
        _, c_next, cache = answers["lstm_step_forward"](x, h_prev, c_prev, W, U, b)
        return cache[9] * np.tanh(c_prev), c_next, cache

    message = failures_of(lambda: check.lstm_step_forward(old_cell))
    assert named(message) == {"h_next"}
    assert "tanh of the NEW cell state" in message


def test_lstm_step_forward_with_a_short_cache_is_an_output_format_error(answers, visible):
    def short(*args):
        h, c, cache = answers["lstm_step_forward"](*args)
        return h, c, cache[:10]

    with pytest.raises(AssertionError, match=r"the cache must be the tuple \(x, h_prev, c_prev, "
                       r"W, U, b, i, f, g, o, c_next\) \(11 items\), got 10 items"):
        check.lstm_step_forward(short)


# ---------------------------------------------------------------------------------------------
# lstm_step_backward: gradients of W, U, b are compared gate block by gate block
# ---------------------------------------------------------------------------------------------


def _perturbed_backward(fn, index: int, block: int | None = None, delta: float = 0.1):
    def wrong(dh_next, dc_next, cache):
        out = [np.array(a, dtype=float) for a in fn(dh_next, dc_next, cache)]
        if block is None:
            out[index] = out[index] + delta
        else:
            H = dh_next.shape[1]
            out[index][..., block * H:(block + 1) * H] += delta
        return tuple(out)

    return wrong


@pytest.mark.parametrize("index,name", [(0, "dx"), (1, "dh_prev"), (2, "dc_prev")])
def test_lstm_step_backward_names_exactly_the_wrong_state_gradient(index, name, answers, visible):
    message = failures_of(lambda: check.lstm_step_backward(
        _perturbed_backward(answers["lstm_step_backward"], index)))
    assert named(message) == {name}
    assert "1 of 15 output(s) wrong" in message


@pytest.mark.parametrize("index,grad", [(3, "dW"), (4, "dU"), (5, "db")])
@pytest.mark.parametrize("block,gate,label", [
    (0, "i", "input-gate"), (1, "f", "forget-gate"), (2, "c", "candidate"), (3, "o", "output-gate"),
])
def test_lstm_step_backward_names_the_wrong_gate_block(index, grad, block, gate, label,
                                                       answers, visible):
    message = failures_of(lambda: check.lstm_step_backward(
        _perturbed_backward(answers["lstm_step_backward"], index, block)))
    assert named(message) == {f"{grad}_{gate}"}
    assert f"{grad}_{gate} is wrong: this is {grad}'s {label} block" in message


def _backward_with(**changes):
    """The solution's lstm_step_backward with some local gradients computed differently."""

    def backward(dh_next, dc_next, cache):
        x, h_prev, c_prev, W, U, b, i, f, g, o, c_next = cache
        tanh_c = np.tanh(c_next)
        dc = changes.get("dc", lambda: dc_next + dh_next * o * (1 - tanh_c ** 2))()
        da = {
            "i": dc * g * i * (1 - i),
            "f": changes.get("da_f", lambda: dc * c_prev * f * (1 - f))(),
            "c": dc * i * (1 - g ** 2),
            "o": changes.get("da_o", lambda: dh_next * tanh_c * o * (1 - o))(),
        }
        da = np.concatenate([da[k] for k in "ifco"], axis=1)
        dc_prev = changes.get("dc_prev", lambda: dc * f)()
        return da @ W.T, da @ U.T, dc_prev, x.T @ da, h_prev.T @ da, da.sum(axis=0)

    return backward


def test_lstm_step_backward_forget_gate_with_the_new_cell_names_the_forget_blocks(answers, visible):
    def backward(dh_next, dc_next, cache):
        x, h_prev, c_prev, W, U, b, i, f, g, o, c_next = cache
        dc = dc_next + dh_next * o * (1 - np.tanh(c_next) ** 2)
        return _backward_with(da_f=lambda: dc * c_next * f * (1 - f))(dh_next, dc_next, cache)

    message = failures_of(lambda: check.lstm_step_backward(backward))
    assert named(message) == {"dx", "dh_prev", "dW_f", "dU_f", "db_f"}
    assert "dU_f is wrong: this is dU's forget-gate block, dU[:, H:2H] = h_prev.T @ da_f" in message
    assert "da_f = dc * c_prev * f * (1 - f)" in message


def test_lstm_step_backward_dc_prev_from_dc_next_only_gets_the_forget_term_hint(answers, visible):
    def backward(dh_next, dc_next, cache):
        f = cache[7]
        return _backward_with(dc_prev=lambda: dc_next * f)(dh_next, dc_next, cache)

    message = failures_of(lambda: check.lstm_step_backward(backward))
    assert named(message) == {"dc_prev"}
    assert "dc_prev is wrong: it is the forget-gate term alone, dc_prev = dc * f" in message


def test_lstm_step_backward_without_the_tanh_in_da_o_names_the_output_blocks(answers, visible):
    def backward(dh_next, dc_next, cache):
        o = cache[9]
        return _backward_with(da_o=lambda: dh_next * o * (1 - o))(dh_next, dc_next, cache)

    message = failures_of(lambda: check.lstm_step_backward(backward))
    assert named(message) == {"dx", "dh_prev", "dW_o", "dU_o", "db_o"}


def test_lstm_step_backward_with_a_transposed_du_reports_the_shape(answers, visible):
    def transposed(*args):
        dx, dh_prev, dc_prev, dW, dU, db = answers["lstm_step_backward"](*args)
        return dx, dh_prev, dc_prev, dW, dU.T, db

    with pytest.raises(AssertionError, match=r"dU has shape \(20, 5\), expected its last axis "
                       r"to hold the 4 gate blocks i, f, c, o side by side"):
        check.lstm_step_backward(transposed)


# ---------------------------------------------------------------------------------------------
# lstm_forward, gru_step_forward
# ---------------------------------------------------------------------------------------------


def test_lstm_forward_that_does_not_carry_the_cell_names_c(answers, visible):
    step = answers["lstm_step_forward"]

    def fresh_cell(x, h0, W, U, b):
        h = np.zeros((x.shape[0], x.shape[1], h0.shape[1]))
        cache, h_t = [], h0
        for t in range(x.shape[1]):
            h_t, _, c = step(x[:, t], h_t, np.zeros_like(h0), W, U, b)  # c0 at every step
            h[:, t] = h_t
            cache.append(c)
        return h, cache

    message = failures_of(lambda: check.lstm_forward(fresh_cell))
    assert named(message) == {"h", "c"}
    assert "c is wrong: the cell state must be carried from step to step" in message
    check.lstm_forward(fresh_cell, T=1)  # with one step there is nothing to carry


def test_gru_with_the_lectures_convention_names_only_h_next(answers, visible):
    def cho(x, h_prev, W, U, b):
        _, cache = answers["gru_step_forward"](x, h_prev, W, U, b)
        z, hh = cache[5], cache[7]
        h_next = (1 - z) * h_prev + z * hh
        return h_next, (*cache[:8], h_next)

    message = failures_of(lambda: check.gru_step_forward(cho))
    assert named(message) == {"h_next"}
    assert "h_next is wrong: Keras's convention is h_next = z * h_prev + (1 - z) * hh" in message


def test_gru_with_the_reset_before_the_product_names_hh(answers, visible):
    sigmoid = answers["sigmoid"]

    def reset_before(x, h_prev, W, U, b):
        H = h_prev.shape[1]
        xw, hu = x @ W + b[0], h_prev @ U + b[1]
        z = sigmoid(xw[:, :H] + hu[:, :H])
        r = sigmoid(xw[:, H:2 * H] + hu[:, H:2 * H])
        hh = np.tanh(xw[:, 2 * H:] + (r * h_prev) @ U[:, 2 * H:] + b[1, 2 * H:])
        h_next = z * h_prev + (1 - z) * hh
        return h_next, (x, h_prev, W, U, b, z, r, hh, h_next)

    message = failures_of(lambda: check.gru_step_forward(reset_before))
    assert named(message) == {"h_next", "hh"}
    assert "hh is wrong: with reset_after=True the reset gate multiplies" in message


def test_gru_without_the_recurrent_bias_names_every_gate(answers, visible):
    def one_bias(x, h_prev, W, U, b):
        return answers["gru_step_forward"](x, h_prev, W, U, np.stack([b[0], 0 * b[1]]))

    message = failures_of(lambda: check.gru_step_forward(one_bias))
    assert named(message) == {"h_next", "z", "r", "hh"}
    assert "with both bias rows" in message


# ---------------------------------------------------------------------------------------------
# The Keras peephole cell: one run per peephole term
# ---------------------------------------------------------------------------------------------


def _cell_with_call(answers, call):
    """A subclass of the solution's PeepholeLSTMCell with another ``call``."""
    return type("PeepholeLSTMCell", (answers["PeepholeLSTMCell"],), {"call": call})


def _peephole_call(order="ifco", p_o_sees="new", p_f=True, states="hc"):
    from keras import ops

    def call(self, inputs, states_in):
        h_prev, c_prev = states_in
        a = ops.matmul(inputs, self.kernel) + ops.matmul(h_prev, self.recurrent_kernel) + self.bias
        blocks = dict(zip(order, ops.split(a, 4, axis=-1)))
        i = ops.sigmoid(blocks["i"] + self.p_i * c_prev)
        f = ops.sigmoid(blocks["f"] + (self.p_f * c_prev if p_f else 0.0))
        c = f * c_prev + i * ops.tanh(blocks["c"])
        o = ops.sigmoid(blocks["o"] + self.p_o * (c if p_o_sees == "new" else c_prev))
        h = o * ops.tanh(c)
        return h, ([h, c] if states == "hc" else [c, h])

    return call


@pytest.mark.parametrize("kwargs,wrong,words", [
    ({"p_o_sees": "old"}, {"h_only_p_o", "h", "c_last"}, "looks at the NEW cell state"),
    ({"p_f": False}, {"h_only_p_f", "h", "c_last"}, "add p_f * c_prev"),
    ({"order": "fico"}, set(lg.PEEPHOLE_RUNS) | {"c_last"}, "blocks i, f, c, o"),
    ({"states": "ch"}, set(lg.PEEPHOLE_RUNS) | {"c_last"}, "return h, [h, c]"),
])
def test_peephole_cell_names_the_wrong_term(kwargs, wrong, words, answers, visible):
    cell = _cell_with_call(answers, _peephole_call(**kwargs))
    message = failures_of(lambda: check.peephole_lstm_cell(cell))
    assert named(message) == wrong
    assert words in message


def test_peephole_cell_with_one_time_step_still_sees_c_prev(answers, visible):
    # The initial states are not zero, so a missing p_f shows even when T = 1.
    cell = _cell_with_call(answers, _peephole_call(p_f=False))
    message = failures_of(lambda: check.peephole_lstm_cell(cell, N=1, T=1, D=2, H=3))
    assert "h_only_p_f is wrong" in message


def test_peephole_cell_without_a_weight_is_named(answers, visible):
    base = answers["PeepholeLSTMCell"]

    def renamed_p_o(self, input_shape):
        D, H = input_shape[-1], self.units
        self.kernel = self.add_weight(shape=(D, 4 * H), name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(H, 4 * H), name="recurrent_kernel")
        self.bias = self.add_weight(shape=(4 * H,), name="bias")
        self.p_i = self.add_weight(shape=(H,), name="p_i")
        self.p_f = self.add_weight(shape=(H,), name="p_f")
        self.p_o = self.add_weight(shape=(H,), name="peephole_o")

    cell = type("PeepholeLSTMCell", (base,), {"build": renamed_p_o})
    with pytest.raises(AssertionError, match=r"PeepholeLSTMCell has no weight\(s\) named \['p_o'\]"):
        check.peephole_lstm_cell(cell)


def test_peephole_stub_fails_naming_not_implemented(answers, visible):
    def stub(self, inputs, states):
        raise NotImplementedError()

    cell = _cell_with_call(answers, stub)
    with pytest.raises(AssertionError, match=r"peephole_lstm_cell raised NotImplementedError"):
        check.peephole_lstm_cell(cell)


# ---------------------------------------------------------------------------------------------
# The vanishing-gradient experiment
# ---------------------------------------------------------------------------------------------


def test_notebook_helpers_are_the_checks_helpers(answers):
    assert answers["RHOS"] == lg.RHOS and answers["DISTANCE"] == lg.DISTANCE
    for rho in lg.RHOS:
        ours, theirs = lg.make_rnn(rho, **lg.EXPERIMENT_SIZES), answers["make_rnn"](rho)
        for a, b in zip(ours, theirs):
            np.testing.assert_array_equal(a, b)
        x, h0, W, U, b = ours
        np.testing.assert_array_equal(forward_inputs.tanh_rnn_forward(x, h0, W, U, b),
                                      answers["tanh_rnn_forward"](x, h0, W, U, b))
        assert np.allclose(np.linalg.svd(U, compute_uv=False), rho)


def test_expected_ratios_show_vanishing_and_exploding(answers):
    ratios = lg.expected_vanishing_ratios()
    print("ratios:", dict(zip(lg.RHOS, ratios)))
    np.testing.assert_allclose(ratios, answers["ratios"], rtol=1e-12)
    assert ratios[0] < 1e-9 < ratios[1] < 1e-3 and ratios[2] > 10.0


def test_gradient_norms_with_the_earlier_state_gets_the_hint(answers, visible):
    def off_by_one(h, U):
        N, T, H = h.shape
        g, norms = np.ones((N, H)), [np.sqrt(N * H)]
        for k in range(1, T):
            h_t = h[:, T - k - 1] if T - k - 1 >= 0 else np.zeros((N, H))
            g = (g * (1 - h_t ** 2)) @ U.T
            norms.append(np.linalg.norm(g))
        return np.array(norms)

    message = failures_of(lambda: check.gradient_norms(off_by_one))
    assert "norms is wrong: start from g = dL/dh_T = ones" in message
    assert "tanh derivative of the LATER state h_t" in message


def test_vanishing_experiment_tolerance_and_hint(answers, visible, capsys):
    ratios = answers["ratios"]
    check.vanishing_experiment(ratios * (1 + 5e-5))
    assert capsys.readouterr().out == "vanishing_experiment: the output matches\n"
    message = failures_of(lambda: check.vanishing_experiment(1.0 / ratios))
    assert "ratios is wrong: ratios[j] = norms[20] / norms[0]" in message
    message = failures_of(lambda: check.vanishing_experiment(np.round(ratios, 3)))
    assert "ratios is wrong" in message
    message = failures_of(lambda: check.vanishing_experiment(np.full(3, np.nan)))
    assert "ratios contains NaN or inf" in message


# ---------------------------------------------------------------------------------------------
# Capture mode: plain data for the trusted side, the same messages
# ---------------------------------------------------------------------------------------------


def _expected(name: str, params: dict) -> dict:
    c = get_check(name)
    p = c.resolve_params(params)
    return c.reference(c.build_inputs(p), p)


@pytest.mark.parametrize("name", list(GRADED))
def test_capture_records_what_visible_mode_compares(name, answers, capture_dir, capsys):
    capture.set_current_cell(f"test_{name}")
    getattr(check, name)(answers[GRADED[name]])
    assert capsys.readouterr() == ("", "")
    (record,) = capture.read_records(capture_dir)
    assert record["cell"] == f"test_{name}" and record["error"] is None
    assert record["output_names"] == list(get_check(name).output_names)
    outputs = capture.load_outputs(capture_dir, record)
    assert sorted(outputs) == sorted(get_check(name).output_names)
    assert compare_outputs(name, outputs, _expected(name, record["params"])) == []


def test_capture_of_a_wrong_block_gives_the_visible_message(answers, capture_dir):
    check.lstm_step_backward(_perturbed_backward(answers["lstm_step_backward"], 4, block=1), N=2)
    (record,) = capture.read_records(capture_dir)
    failures = compare_outputs("lstm_step_backward", capture.load_outputs(capture_dir, record),
                               _expected("lstm_step_backward", record["params"]))
    assert len(failures) == 1
    assert failures[0].startswith("dU_f is wrong: this is dU's forget-gate block, dU[:, H:2H]")


def test_capture_of_a_broken_cell_records_the_error(answers, capture_dir):
    def stub(self, inputs, states):
        raise NotImplementedError()

    check.peephole_lstm_cell(_cell_with_call(answers, stub), N=1, T=1, D=2, H=3, seed=1234)
    (record,) = capture.read_records(capture_dir)
    assert record["params"] == {"N": 1, "T": 1, "D": 2, "H": 3, "seed": 1234}
    assert record["error"].startswith("NotImplementedError") and record["outputs"] is None


def test_capture_mode_never_imports_the_reference(tmp_path):
    """Every check in capture mode, in a fresh process where course_pkg.reference is blocked."""
    script = f"""
import sys
sys.modules["course_pkg.reference"] = None  # any import of it now raises ImportError
sys.path.insert(0, {str(Path(__file__).parent)!r})
from test_checks_lstm_and_gru import GRADED, load_answers
import course_pkg.checks as check
from course_pkg.checks import capture
answers = load_answers()
capture.set_current_cell("cell-a")
for name, answer in GRADED.items():
    getattr(check, name)(answers[answer])
records = capture.read_records({str(tmp_path)!r})
print(len(records), sum(r["error"] is None for r in records))
"""
    env = {**os.environ, check.CAPTURE_ENV: str(tmp_path), "TF_CPP_MIN_LOG_LEVEL": "2"}
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[-2:] == [str(len(GRADED))] * 2


def test_checks_module_imports_neither_keras_nor_the_reference():
    script = ("import sys, course_pkg.checks; "
              "print('keras' in sys.modules, 'course_pkg.reference' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "False False", proc.stderr


def test_inputs_are_deterministic_and_float32_exact_for_keras():
    c = get_check("peephole_lstm_cell")
    p = c.resolve_params({"seed": 5})
    (x1, _, c1, params1), (x2, _, _, params2) = c.build_inputs(p), c.build_inputs(p)
    np.testing.assert_array_equal(x1, x2)
    assert x1.dtype == np.float64 and x1.shape == (2, 4, 3)
    for name, value in params1.items():
        np.testing.assert_array_equal(value, params2[name])
        np.testing.assert_array_equal(value, value.astype(np.float32))
    assert sorted(params1) == ["U", "W", "b", "p_f", "p_i", "p_o"]
    assert np.abs(c1).min() > 0  # non-zero initial cell: the peepholes act at t = 1


def test_the_solution_cell_passes_on_the_jax_backend_too():
    """The Keras answer uses keras.ops only: the same check passes on JAX."""
    script = f"""
import sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
from test_checks_lstm_and_gru import load_answers
import keras
import course_pkg.checks as check
cell = load_answers()["PeepholeLSTMCell"]
print(keras.backend.backend())
check.peephole_lstm_cell(cell, N=3, T=7, D=4, H=6, seed=9)
"""
    env = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "2"}
    env.pop(check.CAPTURE_ENV, None)
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-2:] == [
        "jax", "peephole_lstm_cell: all 6 outputs match (N=3, T=7, D=4, H=6)"]
