"""The seq2seq_attention assignment: its notebooks' structure, and its checks on the reference.

Fast: the files and the checks in visible mode, in this process. The reference
(:mod:`course_pkg.reference.attention`) passes every check; the checks compare its backward
pass with centred differences (float64) and its attention with Keras's layers; typical mistakes
fail with the message that names the wrong term. tests/test_autograder_cases.py grades the
notebook's submissions in the sandbox, benchmarks/grading_side_by_side.py against nbgrader.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

import course_pkg.checks as check
from autograder.release import STUB_LINE, verify_release
from course_pkg.checks import get_check
from course_pkg.checks.seq2seq_attention import make_step
from course_pkg.colab import setup_cell
from course_pkg.reference import attention as ref

from nbgrader_course import check_answers_and_points, nb_meta

ROOT = Path(__file__).resolve().parents[1]
NAME = "seq2seq_attention"
SOURCE = ROOT / "assignments" / "source" / NAME / f"{NAME}.ipynb"
RELEASE = ROOT / "assignments" / "release" / NAME / f"{NAME}.ipynb"
#: answer grade_id -> points of its visible and hidden tests (the Keras test belongs to attention)
POINTS = {"score_dot": (1, 1), "score_general": (1, 1), "score_additive": (1, 1),
          "masked_softmax": (2, 2), "attention": (2, 2, 2), "attention_backward": (3, 3),
          "decoder_step": (2, 2), "beam_search": (2, 2)}
MANUAL = ("heat_map_question", 2)


@pytest.fixture(scope="module")
def source() -> nbformat.NotebookNode:
    return nbformat.read(SOURCE, as_version=4)


def test_first_code_cell_is_the_shared_set_up_cell(source):
    assert next(c for c in source.cells if c.cell_type == "code").source == setup_cell()


def test_answers_tests_and_points(source):
    check_answers_and_points(source, NAME, POINTS, MANUAL, ("", "_hidden", "_keras"))


def test_hidden_tests_cover_the_edge_cases(source):
    hidden = "\n".join(c.source for c in source.cells if "BEGIN HIDDEN TESTS" in c.source)
    for needle in ("S=1", "empty_rows=1", 'dtype="float32"', "scale=100.0", "k=1,"):
        assert needle in hidden, needle
    for name in ("score_dot", "score_general", "score_additive", "masked_softmax", "attention",
                 "decoder_step", "beam_search"):
        assert re.search(rf"check\.{name}\({name}, .*dtype=\"float32\"", hidden), name
    visible = "\n".join(c.source for c in source.cells
                        if nb_meta(c).get("grade") and "HIDDEN" not in c.source)
    for params in re.findall(r"\((\w+(?:, \w+=[\w.\"]+)+)\)", hidden):
        assert params not in visible  # other shapes and seeds


def test_test_cells_call_only_checks_with_known_parameters(source):
    calls = 0
    for cell in source.cells:
        if not nb_meta(cell).get("grade") or cell.cell_type != "code":
            continue
        for line in cell.source.splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            name, args = re.fullmatch(r"check\.(\w+)\((?:\w+, )*\w+((?:, \w+=[\w.\"]+)*)\)",
                                      line).groups()
            keys = set(re.findall(r"(\w+)=", args))
            known = (get_check(f"attention_backward_{'general'}") if name == "attention_backward"
                     else get_check(name)).defaults
            assert keys <= set(known), (name, keys)
            calls += 1
    assert calls == 14 + 21


def test_committed_release_passes_verification_and_leaks_nothing():
    verify_release(SOURCE, RELEASE)
    release = nbformat.read(RELEASE, as_version=4)
    code = "\n".join(c.source for c in release.cells if c.cell_type == "code")
    assert code.count(STUB_LINE) == len(POINTS)
    for leaked in ("d_e = a * (d_a", "candidates.sort", "np.where(keep", "seed=1234",
                   "h_att = np.tanh(np.concatenate"):
        assert leaked not in code, leaked
    (question,) = [c for c in release.cells if nb_meta(c).get("grade_id") == MANUAL[0]]
    assert question.cell_type == "markdown" and "YOUR ANSWER HERE" in question.source


# --------------------------------------------------------------------------- the checks


@pytest.mark.parametrize("score", ref.SCORES)
@pytest.mark.parametrize("params", [{}, {"S": 1, "N": 2}, {"empty_rows": 2, "N": 4},
                                    {"dtype": "float32"}], ids=["default", "S1", "empty", "f32"])
def test_reference_backward_equals_centred_differences(visible, score, params, capsys):
    check.attention_backward(ref.attention, ref.attention_backward, score=score, **params)
    assert "outputs match" in capsys.readouterr().out


@pytest.mark.keras
def test_reference_attention_equals_keras_attention_layers(visible, capsys):
    check.attention_keras(ref.attention)
    check.attention_keras(ref.attention, N=4, S=2, H=3, seed=5)
    assert capsys.readouterr().out.count("all 4 outputs match") == 2


@pytest.mark.parametrize("params", [{"k": 100}, {"k": 100, "alpha": 1.0, "seed": 9},
                                    {"k": 64, "V": 2, "max_len": 6, "alpha": 0.5, "seed": 8},
                                    {"k": 1, "V": 5, "max_len": 6, "alpha": 1.0},
                                    {"k": 3, "V": 4, "max_len": 5, "alpha": 0.7,
                                     "dtype": "float32"}],
                         ids=["exhaustive", "exhaustive-alpha1", "exhaustive-2^6", "greedy", "k3"])
def test_reference_beam_search_equals_exhaustive_and_greedy_search(visible, params):
    check.beam_search(ref.beam_search, **params)


def test_length_normalisation_changes_the_exhaustive_winner():
    """The visible test with alpha = 1 can tell a missing length normalisation."""
    step, state0 = make_step(3, 4, 9)
    plain = ref.exhaustive_search(step, state0, 4, alpha=0.0)
    normalised = ref.exhaustive_search(step, state0, 4, alpha=1.0)
    assert plain[0] != normalised[0]


def _fails(fn, *args, **params) -> str:
    with pytest.raises(AssertionError) as info:
        fn(*args, **params)
    return str(info.value)


def _decoder_query_s_prev(x, s_prev, enc, mask, p):
    s = np.tanh(x @ p["W_x"] + s_prev @ p["W_s"] + p["b"])
    context, weights, _ = ref.attention(s_prev, enc, mask, "general", {"W_a": p["W_a"]})
    h_att = np.tanh(np.concatenate([context, s], axis=1) @ p["W_c"])
    return ref.log_softmax(h_att @ p["W_o"] + p["b_o"]), s, h_att, weights


def _backward_without_values(d_context, cache):
    grads = ref.attention_backward(d_context, cache)
    return {**grads, "enc": grads["enc"] - cache[5][:, :, None] * d_context[:, None, :]}


MISTAKES = {
    "no mask": (check.masked_softmax, (lambda e, m: ref.masked_softmax(e, np.ones_like(m)),), {},
                ["padded_weights is wrong"], ["row_sums is wrong"]),
    "softmax over the batch": (
        check.masked_softmax,
        (lambda e, m: np.where(m, np.exp(e), 0) / np.where(m, np.exp(e), 0).sum(axis=0),), {},
        ["row_sums is wrong: each row of weights must sum to 1 over the source positions "
         "(axis=1)"], ["padded_weights is wrong"]),
    "empty row gives NaN": (
        check.masked_softmax,
        (lambda e, m: np.where(m, np.exp(e), 0) / np.where(m, np.exp(e), 0).sum(1, keepdims=True),),
        {"empty_rows": 1}, ["contains NaN or inf"], []),
    "float64 out of float32": (
        check.masked_softmax, (lambda e, m: ref.masked_softmax(e.astype(np.float64), m),),
        {"dtype": "float32"}, ["dtype_bits is wrong: keep the dtype"], ["weights is wrong"]),
    "no value term": (check.attention_backward, (ref.attention, _backward_without_values),
                      {"score": "additive"}, ["d_enc is wrong: enc is used TWICE"],
                      ["d_query is wrong", "d_scores is wrong", "d_W_1 is wrong", "d_v is wrong"]),
    "query s_prev": (check.decoder_step, (_decoder_query_s_prev,), {},
                     ["weights is wrong: attend with the NEW state s"], ["- s is wrong"]),
    "no length normalisation": (
        check.beam_search, (lambda step, s0, k, L, alpha: ref.beam_search(step, s0, k, L, 0.0),),
        {"k": 100, "alpha": 1.0, "seed": 9}, ["tokens is wrong", "score is wrong: return the best hypothesis's sum of log "
                                   "probabilities divided by length ** alpha"], []),
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_typical_mistakes_fail_naming_the_wrong_term(visible, mistake):
    fn, args, params, named, not_named = MISTAKES[mistake]
    message = _fails(fn, *args, **params)
    for text in named:
        assert text in message, message
    for text in not_named:
        assert text not in message, message


def test_a_wrong_return_value_and_a_bad_score_name_are_one_line(visible):
    message = _fails(check.attention_backward, ref.attention, lambda d, c: [d], score="dot")
    assert message.endswith("attention_backward returned a list, expected a dict with the keys "
                            "'scores', 'query', 'enc'")
    with pytest.raises(ValueError, match=r"score must be one of \['dot', 'general', 'additive'\], "
                                         r"got 'cosine'"):
        check.attention_backward(ref.attention, ref.attention_backward, score="cosine")
    message = _fails(check.beam_search, lambda *a: ([], 0.0))
    assert "beam_search: tokens must be 1 to max_len=4 integer ids, got 0" in message
