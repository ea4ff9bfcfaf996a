"""The sequence_models assignment: its notebooks' structure, and its checks on the reference.

Fast: the files and the checks in visible mode, in this process. The reference
(:mod:`course_pkg.reference.forecasting`, :mod:`course_pkg.reference.ctc`, the book's
``slot_tagger``) passes every check; the CTC checks compare with ``keras.ops.ctc_loss`` and
``keras.ops.ctc_decode``, and the reference's loss with a brute-force sum over alignments;
typical mistakes fail with the message that names the wrong term; the trained tagger's judge is
tried on made-up predictions (no training here). tests/test_autograder_cases.py grades the
notebook's submissions in the sandbox (the tagger trained there) and against real nbgrader.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

import course_pkg.checks as check
from autograder.assignment import load_assignment
from autograder.release import STUB_LINE, verify_release
from course_pkg.checks import compare_outputs, get_check
from course_pkg.checks.sequence_models import F1_THRESHOLD, make_label, min_frames
from course_pkg.colab import setup_cell
from course_pkg.forward_inputs import tagger_test_tags
from course_pkg.models.ctc import brute_force_ctc_loss
from course_pkg.reference import ctc as ref_ctc
from course_pkg.reference import forecasting as ref_fc

from nbgrader_course import check_answers_and_points, nb_meta

pytestmark = pytest.mark.keras

ROOT = Path(__file__).resolve().parents[1]
NAME = "sequence_models"
SOURCE = ROOT / "assignments" / "source" / NAME / f"{NAME}.ipynb"
RELEASE = ROOT / "assignments" / "release" / NAME / f"{NAME}.ipynb"
#: answer grade_id -> points of its visible and hidden tests (the trained tagger: visible only)
POINTS = {"make_windows": (2, 2), "persistence_baseline": (2, 2), "ctc_forward": (4, 4),
          "ctc_greedy_decode": (2, 2), "build_tagger": (2, 2), "train_tagger": (6,)}
MANUAL = ("tagger_question", 2)


@pytest.fixture(scope="module")
def source() -> nbformat.NotebookNode:
    return nbformat.read(SOURCE, as_version=4)


def test_first_code_cell_is_the_shared_set_up_cell(source):
    assert next(c for c in source.cells if c.cell_type == "code").source == setup_cell()


def test_answers_tests_and_points(source):
    check_answers_and_points(source, NAME, POINTS, MANUAL)
    tests = {t.grade_id for t in load_assignment(NAME, ROOT / "assignments").tests}
    assert "test_train_tagger_hidden" not in tests  # one training per grading


def test_hidden_tests_cover_the_edge_cases(source):
    hidden = "\n".join(c.source for c in source.cells if "BEGIN HIDDEN TESTS" in c.source)
    # a single window (T = window + horizon), a single frame, T == the label's minimal length
    # with a repeat and without, one frame to decode, a one-word tagger input
    for needle in ("T=7, window=4, horizon=3", "split=14", "T=1, L=1", "T=4, L=3, C=5, repeat=1",
                   "T=3, L=3", "N=1, T=1", "N=2, T=1"):
        assert needle in hidden, needle
    for name in ("make_windows", "persistence_baseline", "ctc_forward", "ctc_greedy_decode"):
        assert re.search(rf"check\.{name}\({name}, .*dtype=\"float32\"", hidden), name
    assert min_frames(make_label(np.random.default_rng(12), 3, 5, 1)) == 4
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
            name, args = re.fullmatch(r"check\.(\w+)\(\w+((?:, \w+=[\w.\"]+)*)\)", line).groups()
            assert set(re.findall(r"(\w+)=", args)) <= set(get_check(name).defaults), line
            calls += 1
    assert calls == 6 + 12


def test_committed_release_passes_verification_and_leaks_nothing():
    verify_release(SOURCE, RELEASE)
    release = nbformat.read(RELEASE, as_version=4)
    code = "\n".join(c.source for c in release.cells if c.cell_type == "code")
    assert code.count(STUB_LINE) == len(POINTS)
    for leaked in ("ext[s] != ext[s - 2]", "previous = c", "mask_zero=True)(words)",
                   "np.repeat(x[:, -1, :]", "seed=12", "epochs=6"):
        assert leaked not in code, leaked
    (question,) = [c for c in release.cells if nb_meta(c).get("grade_id") == MANUAL[0]]
    assert question.cell_type == "markdown" and "YOUR ANSWER HERE" in question.source


# --------------------------------------------------------------------------- the checks


@pytest.mark.parametrize("params", [{}, {"T": 7, "window": 4, "horizon": 3},
                                    {"T": 12, "window": 1, "horizon": 1, "dtype": "float32"}],
                         ids=["default", "one-window", "f32"])
def test_reference_windows_and_persistence_pass(visible, params, capsys):
    check.make_windows(ref_fc.make_windows, **params)
    split = params.get("T", 40) - params.get("horizon", 3)
    check.persistence_baseline(ref_fc.persistence_baseline, **{**params, "split": split})
    assert capsys.readouterr().out.count("outputs match") == 2


def test_persistence_of_a_straight_line_misses_by_its_slope_times_the_step():
    series = 0.5 * np.arange(20.0)
    targets, forecast, mae, rmse = ref_fc.persistence_baseline(series, 4, 3, 12)
    assert targets[0].tolist() == [6.0, 6.5, 7.0] and forecast[0].tolist() == [5.5] * 3
    assert mae == pytest.approx(0.5 * (1 + 2 + 3) / 3)
    assert rmse == pytest.approx(0.5 * np.sqrt((1 + 4 + 9) / 3))


@pytest.mark.parametrize("params", [{}, {"T": 1, "L": 1, "C": 3, "repeat": 0},
                                    {"T": 4, "L": 3, "repeat": 1}, {"T": 3, "L": 3, "C": 3, "repeat": 0},
                                    {"T": 10, "L": 4, "C": 6, "repeat": 0, "dtype": "float32"}],
                         ids=["default", "one-frame", "tight-repeat", "tight", "f32"])
def test_reference_ctc_equals_keras_ctc_loss(visible, params, capsys):
    check.ctc_forward(ref_ctc.ctc_forward, **params)
    assert "all 4 outputs match" in capsys.readouterr().out


@pytest.mark.parametrize("label,T", [([1, 2], 4), ([1, 1], 3), ([2, 1, 1], 5), ([1], 1)])
def test_reference_ctc_equals_the_sum_over_every_alignment(label, T):
    log_probs = np.log(np.random.default_rng(T).dirichlet(np.ones(3), size=T))
    brute, _ = brute_force_ctc_loss(label, np.exp(log_probs), [0, 1, 2], blank=0)
    loss, log_alpha = ref_ctc.ctc_forward(log_probs, label)
    assert loss == pytest.approx(brute, rel=1e-12)
    assert log_alpha.shape == (T, 2 * len(label) + 1)


@pytest.mark.parametrize("params", [{}, {"N": 1, "T": 1, "C": 3},
                                    {"N": 6, "T": 15, "C": 6, "dtype": "float32"}],
                         ids=["default", "one-frame", "f32"])
def test_reference_greedy_decoding_equals_keras_ctc_decode(visible, params, capsys):
    check.ctc_greedy_decode(ref_ctc.ctc_greedy_decode, **params)
    assert "all 5 outputs match" in capsys.readouterr().out


def _build(mask_zero=True, layer="GRU", bidirectional=True):
    import keras

    def build(V, n_tags, E, H):
        words = keras.Input((None,), dtype="int32")
        x = keras.layers.Embedding(V, E, mask_zero=mask_zero)(words)
        rnn = getattr(keras.layers, layer)(H, return_sequences=True)
        h = keras.layers.Bidirectional(rnn)(x) if bidirectional else rnn(x)
        return keras.Model(words, keras.layers.Dense(n_tags, activation="softmax")(h))
    return build


def test_a_tagger_built_as_the_notebook_says_passes(visible, capsys):
    check.build_tagger(_build())
    check.build_tagger(_build(), vocab_size=30, n_tags=5, embedding_dim=4, units=3, N=2, T=1)
    assert capsys.readouterr().out.count("all 6 outputs match") == 2


def _fails(fn, *args, **params) -> str:
    with pytest.raises(AssertionError) as info:
        fn(*args, **params)
    return str(info.value)


def _windows_off_by_one(series, window, horizon):
    x, _ = ref_fc.make_windows(series, window, horizon)
    y = np.stack([series[i + window - 1:i + window - 1 + horizon] for i in range(len(x))])
    return x, y


def _persistence_rmse_of_abs(series, window, horizon, split):
    targets, forecast, mae, _ = ref_fc.persistence_baseline(series, window, horizon, split)
    return targets, forecast, mae, np.mean(np.sqrt(np.abs(targets - forecast)))


def _ctc_with(skip_rule):
    """The reference recursion with another skip rule (a function of ext, s, blank)."""
    def ctc(log_probs, label, blank=0):
        ext = ref_ctc.extended_label(label, blank)
        T, S = len(log_probs), len(ext)
        a = np.full((T, S), -np.inf)
        a[0, :2] = log_probs[0, ext[:2]]
        for t in range(1, T):
            for s in range(S):
                terms = [a[t - 1, s]] + ([a[t - 1, s - 1]] if s else [])
                if s >= 2 and skip_rule(ext, s, blank):
                    terms.append(a[t - 1, s - 2])
                a[t, s] = np.logaddexp.reduce(terms) + log_probs[t, ext[s]]
        return -np.logaddexp(a[-1, -1], a[-1, -2]), a
    return ctc


def _ctc_start_all(log_probs, label, blank=0):
    loss, a = ref_ctc.ctc_forward(log_probs, label, blank)
    a = a.copy()
    a[0, 2:] = log_probs[0, ref_ctc.extended_label(label, blank)[2:]]
    return loss, a


def _decode_with(merge, drop_first=False, lengths=True):
    def decode(log_probs, lens, blank=0):
        best = np.argmax(log_probs, axis=-1)
        out = []
        for n, k in enumerate(lens):
            path = list(best[n, :k] if lengths else best[n])
            if drop_first:
                path = [c for c in path if c != blank]
            if merge:
                path = [c for i, c in enumerate(path) if i == 0 or c != path[i - 1]]
            out.append([int(c) for c in path if c != blank])
        return out
    return decode


MISTAKES = {
    "windows off by one": (check.make_windows, (_windows_off_by_one,), {},
                           ["y is wrong: y[i] = series[i + window : i + window + horizon]"],
                           ["n_windows is wrong", "x is wrong"]),
    "rmse of abs": (check.persistence_baseline, (_persistence_rmse_of_abs,), {},
                    ["rmse is wrong: rmse = sqrt(mean of"], ["mae is wrong", "forecast is wrong"]),
    "ctc without skip": (check.ctc_forward, (_ctc_with(lambda e, s, b: False),), {},
                         ["loss_tight contains NaN or inf: with T as short as the label allows",
                          "allow the skip transition"], ["alpha_start is wrong", "loss_repeat"]),
    "ctc skips equal characters": (
        check.ctc_forward, (_ctc_with(lambda e, s, b: e[s] != b),), {"repeat": 0},
        ["loss_repeat is wrong: for the label [c, c] the two c's must be separated by a blank"],
        ["alpha_start is wrong", "loss_tight"]),
    "ctc starts everywhere": (check.ctc_forward, (_ctc_start_all,), {},
                              ["alpha_start is wrong: at t = 0 only two states can be reached"], []),
    "decode without merging": (check.ctc_greedy_decode, (_decode_with(merge=False),), {},
                               ["merge_repeats is wrong: merge each run of the same class"],
                               ["drop_blanks is wrong", "lengths is wrong", "blank_between"]),
    "decode drops blanks first": (
        check.ctc_greedy_decode, (_decode_with(merge=True, drop_first=True),), {},
        ["blank_between_repeats is wrong: merge repeats BEFORE dropping blanks"],
        ["merge_repeats is wrong", "drop_blanks is wrong"]),
    "decode ignores lengths": (check.ctc_greedy_decode, (_decode_with(True, lengths=False),), {},
                               ["lengths is wrong: only the first lengths[n] frames"],
                               ["merge_repeats is wrong", "drop_blanks is wrong"]),
    "tagger without mask": (check.build_tagger, (_build(mask_zero=False),), {},
                            ["mask is wrong: no layer masks the padding",
                             "padding_change is wrong: adding padding at the end changed"],
                            ["n_params is wrong", "bidirectional is wrong"]),
    "unidirectional tagger": (check.build_tagger, (_build(bidirectional=False),), {},
                              ["bidirectional is wrong: read the sentence both ways",
                               "n_params is wrong"], ["mask is wrong"]),
    "LSTM tagger": (check.build_tagger, (_build(layer="LSTM"),), {},
                    ["n_params is wrong: Embedding(vocab_size, embedding_dim), "
                     "Bidirectional(GRU(units))"], ["mask is wrong", "bidirectional is wrong"]),
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_typical_mistakes_fail_naming_the_wrong_term(visible, mistake):
    fn, args, params, named, not_named = MISTAKES[mistake]
    message = _fails(fn, *args, **params)
    for text in named:
        assert text in message, message
    for text in not_named:
        assert text not in message, message


# --------------------------------------------------------------------------- the trained tagger


PARAMS = get_check("train_tagger").defaults


def test_the_judge_scores_slot_f1_on_tags_that_stay_on_the_trusted_side():
    y_true, lengths, names = tagger_test_tags(dict(PARAMS))
    assert y_true.shape[0] == PARAMS["n_test"] == len(lengths) and names[0] == "O"
    perfect = {"predicted": y_true, "cpu_seconds": 5.0}
    assert compare_outputs("train_tagger", perfect, {}, PARAMS) == []
    nothing = {"predicted": np.zeros_like(y_true), "cpu_seconds": 5.0}
    (message,) = compare_outputs("train_tagger", nothing, {}, PARAMS)
    assert message.startswith(f"slot_f1 is too low: 0.000 on the 200 held-out sentences, at "
                              f"least {F1_THRESHOLD} needed")
    slow = {"predicted": y_true, "cpu_seconds": 95.0}
    assert compare_outputs("train_tagger", slow, {}, PARAMS) == [
        "cpu_seconds is too high: training took 95 s of CPU, the budget is 90 s: fewer epochs "
        "or a smaller model"]
    (message,) = compare_outputs("train_tagger", {"predicted": y_true[:3], "cpu_seconds": 1.0},
                                 {}, PARAMS)
    assert message == (f"predicted has shape (3, {y_true.shape[1]}) (dtype int64), expected tag "
                       f"ids in 0..{len(names) - 1} of shape {y_true.shape}")
    with pytest.raises(TypeError, match="judges its outputs by a rule: pass the call's params"):
        compare_outputs("train_tagger", perfect, {})


def test_a_failing_training_and_bad_inputs_are_one_line(visible):
    message = _fails(check.train_tagger, lambda x, y, V, n: "a model")
    assert message == ("train_tagger (n_train=400, n_test=200, seed=0): train_tagger returned a "
                       "str, expected the trained keras.Model")
    with pytest.raises(ValueError, match=r"^T=2 frames are too few for a label of 4 frames at "
                                         r"least$"):
        check.ctc_forward(ref_ctc.ctc_forward, T=2, L=3, repeat=1)
    with pytest.raises(ValueError, match=r"^T=4 is too short for window=3 \+ horizon=2$"):
        check.make_windows(ref_fc.make_windows, T=4, window=3, horizon=2)
    message = _fails(check.ctc_greedy_decode, lambda lp, lengths: [[1]])
    assert message.endswith("ctc_greedy_decode: expected 4 decoded labels of at most T=10 ids, "
                            "got 1 of lengths [1]")
