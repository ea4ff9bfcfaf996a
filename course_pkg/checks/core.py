"""The mechanism behind every assignment's checks: a registry, two modes, one comparison.

A *check* knows how to build deterministic inputs from a few integer/float parameters and a
seed, how to call a student's function with them, what the outputs are called, and which hint
to give when one output is wrong. Each check runs in one of two modes:

Visible mode (the default: Colab, Jupyter, ``nbgrader autograde``)
    The check calls the student's function, computes the expected outputs with
    :mod:`course_pkg.reference` (imported lazily, only here), compares them with
    :func:`compare_outputs` and raises :class:`AssertionError` listing every wrong output with
    its hint. On success it prints one line to stdout and nothing to stderr.

Capture mode (``COURSE_CHECK_CAPTURE_DIR`` is set; used by the sandboxed autograder)
    The check calls the student's function and records plain data: one JSON line in
    ``$COURSE_CHECK_CAPTURE_DIR/records.jsonl`` and the outputs in ``<seq>.npz``. It never
    compares, never raises on a wrong answer and never imports :mod:`course_pkg.reference`.
    The trusted side later calls :func:`compare_outputs` on the data, with the *same* messages
    and tolerances as visible mode.

Tolerances: floating-point outputs pass when ``np.allclose(student, expected, rtol, atol)``
holds with the check's ``rtol``/``atol`` (default ``rtol=1e-6``, ``atol=1e-8``; inputs are
float64). Integer outputs must match exactly.
"""

from __future__ import annotations

import dataclasses
import os
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

CAPTURE_ENV = "COURSE_CHECK_CAPTURE_DIR"
"""Environment variable that switches every check to capture mode (a directory path)."""

DEFAULT_RTOL = 1e-6
DEFAULT_ATOL = 1e-8


class OutputFormatError(Exception):
    """The student's function returned something that is not the documented outputs."""


@dataclasses.dataclass(frozen=True)
class Check:
    """One registered check.

    Attributes:
        name: the check's name, also the name of the graded function (``"rnn_step_backward"``).
        output_names: the ordered names of the compared outputs (``("dx", "dh_prev", ...)``).
        defaults: default parameters, always including ``seed``; calls may override any of them.
        build_inputs: ``params -> args``: a tuple of fresh float64 inputs for the student's
            function, deterministic given ``params`` (which include the seed). Pure NumPy.
        unpack: ``student_return -> {output_name: value}``; raises :class:`OutputFormatError`
            with a clear message when the return value has the wrong structure.
        reference: ``(args, params) -> {output_name: array}``: the expected outputs, computed with
            :mod:`course_pkg.reference` (imported inside the function, visible mode only).
        hints: ``{output_name: hint}``; a wrong output is reported as ``"<name> is wrong: <hint>"``.
        shape_params: names of the parameters that describe the problem size, shown on success.
        rtol, atol: tolerances of ``np.allclose`` for floating-point outputs.
        exact: names of outputs compared exactly (integer indices).
        judge: ``(student, expected, params) -> failure messages``, for outputs judged by a
            rule rather than compared with the expected values (a quality threshold computed
            from a model's predictions); it replaces the output-by-output comparison and needs
            the call's resolved ``params``.
    """

    name: str
    output_names: tuple[str, ...]
    defaults: Mapping[str, Any]
    build_inputs: Callable[[dict[str, Any]], tuple[Any, ...]]
    unpack: Callable[[Any], dict[str, Any]]
    reference: Callable[[tuple[Any, ...], dict[str, Any]], dict[str, np.ndarray]]
    hints: Mapping[str, str]
    shape_params: tuple[str, ...] = ()
    rtol: float = DEFAULT_RTOL
    atol: float = DEFAULT_ATOL
    exact: tuple[str, ...] = ()
    judge: Callable[[Mapping[str, Any], Mapping[str, Any], dict[str, Any]], list[str]] | None = None

    def resolve_params(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Merge ``params`` over the defaults; reject names the check does not know."""
        unknown = sorted(set(params) - set(self.defaults))
        if unknown:
            raise TypeError(
                f"check {self.name!r} got unknown parameter(s) {unknown}; "
                f"known parameters: {sorted(self.defaults)}"
            )
        return {**self.defaults, **params}

    def describe(self, params: Mapping[str, Any]) -> str:
        """``"N=3, D=4, H=5"``: the problem size, for messages."""
        return ", ".join(f"{k}={params[k]}" for k in self.shape_params if k in params)

    def __call__(self, student_fn: Callable[..., Any], **params: Any) -> None:
        """Run this check on ``student_fn`` in the current mode (see the module docstring)."""
        run_check(self, student_fn, params)


_REGISTRY: dict[str, Check] = {}


def register(check: Check) -> Check:
    """Add ``check`` to the registry (names are unique) and return it."""
    if check.name in _REGISTRY and _REGISTRY[check.name] is not check:
        raise ValueError(f"a check named {check.name!r} is already registered")
    if "seed" not in check.defaults:
        raise ValueError(f"check {check.name!r}: defaults must include 'seed'")
    unknown = sorted(set(check.hints) - set(check.output_names))
    if unknown:
        raise ValueError(f"check {check.name!r}: hints for unknown outputs {unknown}")
    _REGISTRY[check.name] = check
    return check


def get_check(name: str) -> Check:
    """Return the registered check called ``name`` (its ``output_names``, ``defaults``, ...)."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"no check named {name!r}; registered: {sorted(_REGISTRY)}") from None


def registered_checks() -> list[str]:
    """Names of all registered checks, sorted."""
    return sorted(_REGISTRY)


def capture_dir() -> str | None:
    """The capture directory when capture mode is on, else ``None``."""
    value = os.environ.get(CAPTURE_ENV)
    return value or None


# ---------------------------------------------------------------------------------------------
# Turning student return values into named arrays
# ---------------------------------------------------------------------------------------------


def unpack_tuple(
    value: Any, names: tuple[str, ...], *, check_name: str, total: int | None = None
) -> dict[str, Any]:
    """Map a returned tuple onto ``names``.

    Args:
        value: what the student's function returned.
        names: the names of the first ``len(names)`` returned items.
        check_name: used in messages.
        total: the documented length of the returned tuple when it has more items than are
            compared (``(h_next, cache)`` has ``total=2`` and ``names=("h_next",)``). Defaults to
            ``len(names)``.

    Raises:
        OutputFormatError: ``value`` is not a tuple/list of ``total`` items.
    """
    total = len(names) if total is None else total
    if total == 1 and len(names) == 1 and not isinstance(value, (tuple, list)):
        return {names[0]: value}
    if not isinstance(value, (tuple, list)):
        raise OutputFormatError(
            f"{check_name} returned a {type(value).__name__}, expected a tuple of {total} "
            f"values ({', '.join(names)}{', ...' if total > len(names) else ''})"
        )
    if len(value) != total:
        raise OutputFormatError(
            f"{check_name} returned {len(value)} values, expected {total} "
            f"({', '.join(names)}{', ...' if total > len(names) else ''})"
        )
    return dict(zip(names, value))


def as_numeric_array(value: Any) -> np.ndarray:
    """Convert ``value`` to a float64 or int64 array, or raise :class:`TypeError`.

    Booleans become int64; object, string and complex arrays are refused.
    """
    if value is None:
        raise TypeError("got None")
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"cannot convert {type(value).__name__} to an array ({exc})") from None
    if arr.dtype == object:
        raise TypeError(f"got a {type(value).__name__} that is not a numeric array")
    if arr.dtype.kind == "f":
        return arr.astype(np.float64)
    if arr.dtype.kind in "iub":
        return arr.astype(np.int64)
    raise TypeError(f"got an array of dtype {arr.dtype}, expected a real numeric dtype")


# ---------------------------------------------------------------------------------------------
# The one comparison, used by visible mode and by the trusted side of the autograder
# ---------------------------------------------------------------------------------------------


def error_message(check_name: str, error: str) -> str:
    """The failure message for a recorded error string (``"ExcType: message"``).

    Output-structure problems read as themselves ("rnn_step_backward returned 4 values, ...");
    exceptions raised by the student's code read "rnn_step_backward raised TypeError: ...".
    """
    prefix = f"{OutputFormatError.__name__}: "
    if error.startswith(prefix):
        return error[len(prefix):]
    return f"{check_name} raised {error}"


def compare_outputs(
    check_name: str,
    student: Mapping[str, Any],
    expected: Mapping[str, Any],
    params: Mapping[str, Any] | None = None,
) -> list[str]:
    """Compare a student's outputs with the expected ones, output by output.

    Args:
        check_name: a registered check (its outputs, hints and tolerances are used).
        student: ``{output_name: array}`` from the student's function; missing names, ``None``
            and non-numeric values are reported, not raised.
        expected: ``{output_name: array}`` for every name in the check's ``output_names``.
        params: the call's parameters; required by a check with a ``judge``, which then
            decides instead of the comparison.

    Returns:
        The failure messages, one per wrong output, in ``output_names`` order; an empty list
        means every output matches. Messages look like
        ``"dU is wrong: did you sum over time steps? (max abs error 1.3e+00)"``,
        ``"dW has shape (3, 4), expected (3, 5)"``, ``"db contains NaN or inf"``.

    Raises:
        KeyError: ``check_name`` is not registered, or ``expected`` lacks an output (a bug on
            the trusted side, never the student's fault).
    """
    check = get_check(check_name)
    if check.judge is not None:
        if params is None:
            raise TypeError(f"check {check_name!r} judges its outputs by a rule: pass the call's "
                            "params")
        return check.judge(student, expected, check.resolve_params(params))
    failures: list[str] = []
    for name in check.output_names:
        if name not in expected:
            raise KeyError(f"expected outputs of {check_name!r} lack {name!r}")
        exp = np.asarray(expected[name])
        if name not in student:
            failures.append(f"{name} is missing from the outputs")
            continue
        try:
            got = as_numeric_array(student[name])
        except TypeError as exc:
            failures.append(f"{name} is not a numeric array: {exc}")
            continue
        if got.shape != exp.shape:
            failures.append(f"{name} has shape {got.shape}, expected {exp.shape}")
            continue
        hint = check.hints.get(name, "compare it with the equations above.")
        if got.dtype.kind == "f" and not np.all(np.isfinite(got)):
            failures.append(
                f"{name} contains NaN or inf: {hint}"
            )
            continue
        if name in check.exact:
            if not np.array_equal(got, exp):
                n_bad = int(np.sum(got != exp))
                failures.append(f"{name} is wrong: {hint} ({n_bad} of {got.size} entries differ)")
            continue
        if not np.allclose(got, exp, rtol=check.rtol, atol=check.atol):
            err = float(np.max(np.abs(got.astype(np.float64) - exp.astype(np.float64))))
            failures.append(f"{name} is wrong: {hint} (max abs error {err:.1e})")
    return failures


# ---------------------------------------------------------------------------------------------
# Running a check
# ---------------------------------------------------------------------------------------------


def _format_exception(exc: BaseException) -> str:
    """``"ExcType: message"`` (at most 500 characters); never a message that ends with nothing."""
    message = str(exc).strip() or "(raised with no message)"
    return f"{type(exc).__name__}: {message}"[:500]


def run_check(check: Check, student_fn: Callable[..., Any], params: Mapping[str, Any]) -> None:
    """Run ``check`` on ``student_fn`` with ``params`` in the current mode."""
    resolved = check.resolve_params(params)
    directory = capture_dir()
    if directory is not None:
        from course_pkg.checks import capture

        capture.record_call(directory, check, student_fn, resolved)
        return
    _run_visible(check, student_fn, resolved)


def call_student(
    check: Check, student_fn: Callable[..., Any], params: dict[str, Any]
) -> dict[str, Any]:
    """Build inputs, call ``student_fn`` and unpack its return value.

    Raises:
        OutputFormatError: the return value has the wrong structure.
        Exception: whatever the student's function raised, unchanged.
    """
    if not callable(student_fn):
        raise OutputFormatError(
            f"check {check.name} needs a function, got {type(student_fn).__name__}"
        )
    args = check.build_inputs(params)
    # The check judges outputs; a RuntimeWarning printed to stderr would make nbgrader give a
    # correct answer zero, so NumPy floating-point warnings are silenced while the student's
    # code runs (NaN and inf in the outputs are still reported).
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        returned = student_fn(*args)
    return check.unpack(returned)


def call_student_or_fail(check: Check, student_fn: Callable[..., Any], params: dict[str, Any],
                         where: str) -> dict[str, Any]:
    """:func:`call_student`, with anything the student's code raised turned into the check's
    failure: ``AssertionError("<check><where>: <what went wrong and what to do>")``."""
    try:
        return call_student(check, student_fn, params)
    except Exception as exc:  # noqa: BLE001 - any failure of student code is a failed check
        raise AssertionError(
            f"{check.name}{where}: {error_message(check.name, _format_exception(exc))}"
        ) from None


def _run_visible(check: Check, student_fn: Callable[..., Any], params: dict[str, Any]) -> None:
    where = check.describe(params)
    where = f" ({where})" if where else ""
    student = call_student_or_fail(check, student_fn, params, where)
    expected = check.reference(check.build_inputs(params), params)
    failures = compare_outputs(check.name, student, expected, params)
    if failures:
        n = len(check.output_names)
        lines = "\n".join(f"  - {f}" for f in failures)
        raise AssertionError(
            f"{check.name}{where}: {len(failures)} of {n} output(s) wrong:\n{lines}"
        )
    n = len(check.output_names)
    what = {1: "the output matches", 2: "both outputs match"}.get(n, f"all {n} outputs match")
    print(f"{check.name}: {what}{where}")
