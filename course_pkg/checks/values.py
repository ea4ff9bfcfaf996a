"""A generic check for numeric answers: ``check.value("n_params", n_params, expected=...)``.

Visible mode compares ``value`` with ``expected`` (when given) using :func:`compare_outputs`
under the check name ``"value"`` (``rtol=1e-6``, ``atol=1e-8``). Capture mode records
``{"check": "value", "params": {"name": ..., "seed": 0}}`` and the value as output ``"value"``;
the trusted side compares it with the value the instructor's solution recorded for the same
name, so hidden expected values never have to appear in the student's notebook.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course_pkg.checks.core import (
    Check,
    capture_dir,
    compare_outputs,
    register,
    run_check,
)

_VALUE = register(Check(
    name="value",
    output_names=("value",),
    defaults={"name": "", "seed": 0},
    build_inputs=lambda p: (),
    unpack=lambda v: {"value": v},
    reference=lambda args, p: {},  # expected values are passed explicitly, see value()
    hints={"value": "it does not match the expected value."},
    shape_params=("name",),
))


def value(name: str, answer: Any, expected: Any = None) -> None:
    """Check a numeric answer (a number or an array) called ``name``.

    Args:
        name: a label unique within the notebook, e.g. ``"n_params"``.
        answer: the student's value; must convert to a real numeric array.
        expected: the expected value (visible mode). ``None`` only checks that ``answer`` is a
            finite numeric value; the autograder compares it with the instructor's value.

    Raises:
        AssertionError: in visible mode, when ``answer`` is not numeric, not finite, or differs
            from ``expected``.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty string, got {name!r}")
    if capture_dir() is not None:
        run_check(_VALUE, lambda: answer, {"name": name})
        return
    reference = np.asarray(answer if expected is None else expected)
    if expected is None:
        try:
            reference = np.asarray(answer, dtype=np.float64)
        except (TypeError, ValueError):
            reference = np.zeros(())
        reference = np.nan_to_num(reference)
    failures = compare_outputs("value", {"value": answer}, {"value": reference})
    failures = [f.replace("value ", f"{name} ", 1) for f in failures]
    if failures:
        raise AssertionError(f"value {name!r}: " + "; ".join(failures))
    print(f"{name}: the value {'matches' if expected is not None else 'is a finite number'}")
