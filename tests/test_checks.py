"""course_pkg.checks in both modes, and the trusted-side comparison.

The correct answers come from the instructor's source notebook itself (its answer cells are
executed here), so these tests also pin that the solutions pass every check.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

import course_pkg.checks as check
from course_pkg.checks import capture, compare_outputs, get_check

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "assignments" / "source" / "rnn_from_scratch" / "rnn_from_scratch.ipynb"


def load_answers(path: Path = SOURCE) -> dict:
    """Execute the notebook's answer cells (``# graded-cell:``) and return their namespace."""
    nb = nbformat.read(path, as_version=4)
    namespace: dict = {"np": np}
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith("# graded-cell:"):
            exec(compile(cell.source, str(path), "exec"), namespace)
    return namespace


@pytest.fixture(scope="module")
def answers() -> dict:
    return load_answers()


def perturb(fn, index: int, delta: float = 0.1):
    """Wrap ``fn`` so that its ``index``-th output is off by ``delta``."""

    def wrong(*args):
        out = list(fn(*args))
        out[index] = out[index] + delta
        return tuple(out)

    return wrong


# ---------------------------------------------------------------------------------------------
# Visible mode
# ---------------------------------------------------------------------------------------------

ALL_CHECKS = [
    "rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward",
    "clip_by_global_norm", "sample_next_char",
]


@pytest.mark.parametrize("name", ALL_CHECKS)
def test_correct_answer_passes_with_one_stdout_line_and_no_stderr(name, answers, visible, capsys):
    getattr(check, name)(answers[name])
    out, err = capsys.readouterr()
    assert err == ""
    assert out.count("\n") == 1
    assert out.startswith(f"{name}: ") and "match" in out


@pytest.mark.parametrize("params", [
    {"N": 1, "D": 2, "H": 3, "seed": 1234},
    {"N": 6, "D": 1, "H": 1, "seed": 3},
])
def test_step_backward_passes_on_other_sizes(params, answers, visible, capsys):
    check.rnn_step_backward(answers["rnn_step_backward"], **params)
    assert "(N=%d, D=%d, H=%d)" % (params["N"], params["D"], params["H"]) in capsys.readouterr().out


def test_success_line_names_the_sizes(answers, visible, capsys):
    check.rnn_step_backward(answers["rnn_step_backward"])
    assert capsys.readouterr().out == "rnn_step_backward: all 5 outputs match (N=3, D=4, H=5)\n"


@pytest.mark.parametrize("index,name", list(enumerate(("dx", "dh_prev", "dW", "dU", "db"))))
def test_step_backward_names_exactly_the_wrong_term(index, name, answers, visible):
    with pytest.raises(AssertionError) as info:
        check.rnn_step_backward(perturb(answers["rnn_step_backward"], index))
    message = str(info.value)
    assert f"{name} is wrong: " in message
    assert "1 of 5 output(s) wrong" in message
    others = {"dx", "dh_prev", "dW", "dU", "db"} - {name}
    assert not any(f"  - {o} " in message for o in others)


@pytest.mark.parametrize("index,name", list(enumerate(("dx", "dh0", "dW", "dU", "db"))))
def test_rnn_backward_names_exactly_the_wrong_term(index, name, answers, visible):
    with pytest.raises(AssertionError) as info:
        check.rnn_backward(perturb(answers["rnn_backward"], index), T=3)
    assert f"  - {name} is wrong: " in str(info.value)
    assert "1 of 5 output(s) wrong" in str(info.value)


def test_rnn_backward_without_summing_du_over_time_gets_the_du_hint(answers, visible):
    step_backward = answers["rnn_step_backward"]

    def last_step_du(dh, cache):
        dx, dh0, dW, dU, db = answers["rnn_backward"](dh, cache)
        _, _, _, dU_last, _ = step_backward(dh[:, -1, :], cache[-1])
        return dx, dh0, dW, dU_last, db  # dU of the last step only: no sum over time

    with pytest.raises(AssertionError) as info:
        check.rnn_backward(last_step_du)
    message = str(info.value)
    assert "dU is wrong: did you sum over time steps?" in message
    assert "dW is wrong" not in message and "dx is wrong" not in message


def test_rnn_backward_with_one_time_step_cannot_tell_a_missing_sum(answers, visible, capsys):
    # T = 1 is an edge case the hidden tests use: a forgotten sum is invisible there, a wrong
    # loop bound is not.
    def last_step_only(dh, cache):
        return answers["rnn_backward"](dh[:, -1:, :], cache[-1:])

    check.rnn_backward(last_step_only, T=1)
    assert "all 5 outputs match (N=2, T=1, D=3, H=5)" in capsys.readouterr().out


def test_student_exception_becomes_an_assertion_naming_the_exception(visible):
    def broken(dh_next, cache):
        raise TypeError("unsupported operand")

    with pytest.raises(AssertionError, match=r"rnn_step_backward raised TypeError: unsupported operand"):
        check.rnn_step_backward(broken)


def test_not_implemented_stub_fails_cleanly(visible):
    def stub(x, h_prev, W, U, b):
        raise NotImplementedError()

    with pytest.raises(AssertionError, match=r"rnn_step_forward \(N=3, D=4, H=5\): rnn_step_forward raised NotImplementedError"):
        check.rnn_step_forward(stub)


def test_wrong_shape_is_reported_with_both_shapes(answers, visible):
    def transposed_dw(dh_next, cache):
        dx, dh_prev, dW, dU, db = answers["rnn_step_backward"](dh_next, cache)
        return dx, dh_prev, dW.T, dU, db

    with pytest.raises(AssertionError, match=r"dW has shape \(5, 4\), expected \(4, 5\)"):
        check.rnn_step_backward(transposed_dw)


def test_wrong_number_of_outputs_is_reported(answers, visible):
    def four(dh_next, cache):
        return answers["rnn_step_backward"](dh_next, cache)[:4]

    with pytest.raises(AssertionError, match=r"rnn_step_backward returned 4 values, expected 5 \(dx, dh_prev, dW, dU, db\)"):
        check.rnn_step_backward(four)


def test_forward_returning_only_h_is_reported(answers, visible):
    with pytest.raises(AssertionError, match=r"rnn_forward returned a ndarray, expected a tuple of 2 values \(h, \.\.\.\)"):
        check.rnn_forward(lambda *a: answers["rnn_forward"](*a)[0])


def test_clip_without_the_condition_fails_only_when_norm_is_small(answers, visible, capsys):
    def always_scale(grads, max_norm):
        norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))
        return {k: g * max_norm / norm for k, g in grads.items()}, norm

    check.clip_by_global_norm(always_scale)  # the default case clips: indistinguishable
    with pytest.raises(AssertionError) as info:
        check.clip_by_global_norm(always_scale, max_norm=100.0)
    assert "3 of 4 output(s) wrong" in str(info.value)
    assert "only when global_norm > max_norm" in str(info.value)
    with pytest.raises(AssertionError, match="dW contains NaN or inf"):
        check.clip_by_global_norm(always_scale, grad_scale=0.0)


def test_clip_with_per_array_norms_names_global_norm(answers, visible):
    def per_array(grads, max_norm):
        clipped = {k: g * min(1.0, max_norm / np.linalg.norm(g)) for k, g in grads.items()}
        return clipped, float(np.linalg.norm(grads["dW"]))

    with pytest.raises(AssertionError) as info:
        check.clip_by_global_norm(per_array)
    assert "global_norm is wrong: it is ONE number" in str(info.value)


def test_sampling_without_max_subtraction_overflows_at_low_temperature(answers, visible, capsys):
    def naive(logits, temperature, rng):
        e = np.exp(logits / temperature)
        probs = e / e.sum(axis=1, keepdims=True)
        u = rng.random(logits.shape[0])
        return probs, np.minimum((np.cumsum(probs, axis=1) <= u[:, None]).sum(axis=1), probs.shape[1] - 1)

    check.sample_next_char(naive)  # fine at temperature 1
    with pytest.raises(AssertionError, match="probs contains NaN or inf"):
        check.sample_next_char(naive, temperature=0.01, logit_scale=20.0, seed=32)
    assert capsys.readouterr().err == ""  # the overflow warning is silenced, not printed


def test_sampling_with_another_use_of_rng_gets_the_idx_hint(answers, visible):
    def other_draw(logits, temperature, rng):
        probs, _ = answers["sample_next_char"](logits, temperature, np.random.default_rng(0))
        idx = np.array([rng.choice(probs.shape[1], p=p) for p in probs[::-1]])[::-1]
        return probs, idx

    with pytest.raises(AssertionError, match=r"idx is wrong: draw exactly once.*entries differ"):
        check.sample_next_char(other_draw, N=8, V=30, temperature=5.0, seed=33)


def test_unknown_parameter_is_a_type_error(answers, visible):
    with pytest.raises(TypeError, match=r"unknown parameter\(s\) \['K'\]"):
        check.rnn_forward(answers["rnn_forward"], K=3)


def test_inputs_are_deterministic_given_the_seed():
    c = get_check("rnn_backward")
    p = c.resolve_params({"seed": 5})
    (dh1, caches1), (dh2, caches2) = c.build_inputs(p), c.build_inputs(p)
    np.testing.assert_array_equal(dh1, dh2)
    np.testing.assert_array_equal(caches1[-1][-1], caches2[-1][-1])
    dh3, _ = c.build_inputs(c.resolve_params({"seed": 6}))
    assert not np.allclose(dh1, dh3)
    assert dh1.dtype == np.float64 and dh1.shape == (2, 4, 5)


def test_value_check(visible, capsys):
    check.value("n_params", 3 * 5 + 5 * 5 + 5, expected=45)
    assert capsys.readouterr().out == "n_params: the value matches\n"
    with pytest.raises(AssertionError, match=r"n_params is wrong.*max abs error 1\.0e\+00"):
        check.value("n_params", 44, expected=45)
    with pytest.raises(AssertionError, match="loss contains NaN or inf"):
        check.value("loss", float("nan"))


# ---------------------------------------------------------------------------------------------
# compare_outputs: the trusted side's comparison
# ---------------------------------------------------------------------------------------------


def _expected_step_backward(seed: int = 0) -> dict[str, np.ndarray]:
    c = get_check("rnn_step_backward")
    p = c.resolve_params({"seed": seed})
    return c.reference(c.build_inputs(p), p)


def test_compare_outputs_empty_when_equal():
    expected = _expected_step_backward()
    assert compare_outputs("rnn_step_backward", dict(expected), expected) == []


def test_compare_outputs_reports_missing_shape_nan_and_non_numeric():
    expected = _expected_step_backward()
    student = dict(expected)
    del student["dx"]
    student["dh_prev"] = None
    student["dW"] = expected["dW"].T
    student["dU"] = expected["dU"].copy()
    student["dU"][0, 0] = np.nan
    student["db"] = np.array(["a"] * 5)
    failures = compare_outputs("rnn_step_backward", student, expected)
    assert failures == [
        "dx is missing from the outputs",
        "dh_prev is not a numeric array: got None",
        "dW has shape (5, 4), expected (4, 5)",
        "dU contains NaN or inf: dU = h_prev.T @ dz: the PREVIOUS hidden state, not h_next.",
        "db is not a numeric array: got an array of dtype <U1, expected a real numeric dtype",
    ]


def test_compare_outputs_uses_the_documented_tolerances():
    expected = _expected_step_backward()
    close = {k: v * (1 + 1e-8) for k, v in expected.items()}
    assert compare_outputs("rnn_step_backward", close, expected) == []
    far = dict(expected, db=expected["db"] * (1 + 1e-4))
    (message,) = compare_outputs("rnn_step_backward", far, expected)
    assert message.startswith("db is wrong: db = dz summed over the batch axis")


def test_compare_outputs_rejects_bad_expected_and_unknown_checks():
    with pytest.raises(KeyError, match="lack 'db'"):
        compare_outputs("rnn_step_backward", {}, {"dx": 0, "dh_prev": 0, "dW": 0, "dU": 0})
    with pytest.raises(KeyError, match="no check named 'lstm'"):
        compare_outputs("lstm", {}, {})
    assert get_check("rnn_backward").output_names == ("dx", "dh0", "dW", "dU", "db")


def test_error_message_formats_recorded_errors():
    assert check.error_message("rnn_forward", "ValueError: bad") == "rnn_forward raised ValueError: bad"
    assert check.error_message("rnn_forward", "OutputFormatError: rnn_forward returned 3 values") == (
        "rnn_forward returned 3 values"
    )


# ---------------------------------------------------------------------------------------------
# Capture mode
# ---------------------------------------------------------------------------------------------


def test_capture_writes_records_and_npz_without_raising(answers, capture_dir, capsys):
    capture.set_current_cell("test_rnn_step_backward")
    check.rnn_step_backward(answers["rnn_step_backward"])
    check.rnn_step_backward(perturb(answers["rnn_step_backward"], 3), N=1, seed=9)  # wrong dU
    capture.set_current_cell("test_rnn_forward")

    def broken(x, h0, W, U, b):
        raise ValueError("x" * 1000)

    check.rnn_forward(broken)
    assert capsys.readouterr().err == ""
    records = capture.read_records(capture_dir)
    assert len(records) == 3
    first, second, third = records
    assert [second["seq"] - first["seq"], third["seq"] - first["seq"]] == [1, 2]
    assert first["cell"] == "test_rnn_step_backward" and third["cell"] == "test_rnn_forward"
    assert first["check"] == "rnn_step_backward"
    assert first["params"] == {"N": 3, "D": 4, "H": 5, "seed": 0}
    assert second["params"] == {"N": 1, "D": 4, "H": 5, "seed": 9}
    assert first["error"] is None and first["outputs"] == f"{first['seq']}.npz"
    assert first["output_names"] == ["dx", "dh_prev", "dW", "dU", "db"]
    assert third["error"].startswith("ValueError: xxx") and len(third["error"]) == 500
    assert third["outputs"] is None
    assert set(json.loads((capture_dir / "records.jsonl").read_text().splitlines()[0])) == {
        "seq", "cell", "check", "params", "error", "outputs", "output_names"}

    outputs = capture.load_outputs(capture_dir, first)
    assert sorted(outputs) == ["dU", "dW", "db", "dh_prev", "dx"]
    assert all(v.dtype == np.float64 for v in outputs.values())
    assert compare_outputs("rnn_step_backward", outputs, _expected_step_backward()) == []

    # The trusted side sees exactly the visible-mode message for the wrong dU.
    c = get_check("rnn_step_backward")
    p = c.resolve_params(second["params"])
    failures = compare_outputs("rnn_step_backward", capture.load_outputs(capture_dir, second),
                               c.reference(c.build_inputs(p), p))
    assert len(failures) == 1 and failures[0].startswith("dU is wrong: dU = h_prev.T @ dz")


def test_capture_stores_scalars_and_ints_and_leaves_out_objects(answers, capture_dir):
    def clip_with_object(grads, max_norm):
        clipped, norm = answers["clip_by_global_norm"](grads, max_norm)
        clipped["dU"] = None
        return clipped, norm

    check.clip_by_global_norm(clip_with_object)
    check.sample_next_char(answers["sample_next_char"])
    clip_rec, sample_rec = capture.read_records(capture_dir)
    clip_out = capture.load_outputs(capture_dir, clip_rec)
    assert sorted(clip_out) == ["dW", "db", "global_norm"]
    assert clip_out["global_norm"].shape == () and clip_out["global_norm"].dtype == np.float64
    sample_out = capture.load_outputs(capture_dir, sample_rec)
    assert sample_out["idx"].dtype == np.int64 and sample_out["idx"].shape == (4,)
    with np.load(capture_dir / sample_rec["outputs"], allow_pickle=False) as data:
        assert sorted(data.files) == ["idx", "probs"]


def test_capture_records_output_format_errors(answers, capture_dir):
    check.rnn_step_backward(lambda dh, cache: answers["rnn_step_backward"](dh, cache)[:4])
    (record,) = capture.read_records(capture_dir)
    assert record["error"] == (
        "OutputFormatError: rnn_step_backward returned 4 values, expected 5 (dx, dh_prev, dW, dU, db)"
    )
    assert check.error_message("rnn_step_backward", record["error"]).startswith("rnn_step_backward returned 4")


def test_capture_mode_never_imports_the_reference(tmp_path):
    """Run every check in capture mode in a fresh process where course_pkg.reference is blocked."""
    script = f"""
import sys
sys.modules["course_pkg.reference"] = None  # any import of it now raises ImportError
sys.path.insert(0, {str(Path(__file__).parent)!r})
from test_checks import load_answers
import course_pkg.checks as check
from course_pkg.checks import capture
answers = load_answers()
capture.set_current_cell("cell-a")
for name in {ALL_CHECKS!r}:
    getattr(check, name)(answers[name])
check.rnn_backward(answers["rnn_backward"], N=1, T=1, seed=3)
check.value("n", 3)
print(len(capture.read_records({str(tmp_path)!r})))
"""
    env = {**os.environ, check.CAPTURE_ENV: str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "8"
    records = capture.read_records(tmp_path)
    assert [r["seq"] for r in records] == list(range(8))
    assert all(r["error"] is None for r in records), [r["error"] for r in records]
    assert records[-1]["check"] == "value" and records[-1]["params"] == {"name": "n", "seed": 0}
    assert sorted(p.name for p in tmp_path.glob("*.npz")) == sorted(f"{i}.npz" for i in range(8))
