"""Capture mode: record a student's outputs as plain data for the trusted side to compare.

When ``COURSE_CHECK_CAPTURE_DIR`` is set, every check call appends one JSON line to
``$COURSE_CHECK_CAPTURE_DIR/records.jsonl``::

    {"seq": 0, "cell": "test_rnn_step_forward", "check": "rnn_step_forward",
     "params": {"N": 3, "D": 4, "H": 5, "seed": 0}, "error": null,
     "outputs": "0.npz", "output_names": ["h_next"]}

and saves the outputs with ``np.savez`` to ``$COURSE_CHECK_CAPTURE_DIR/<seq>.npz`` (float64 and
int64 arrays only, scalars as 0-d arrays; never pickled objects). ``seq`` counts 0, 1, 2, ...
per process. ``cell`` is :data:`current_cell`, which the runner sets with
:func:`set_current_cell` before each test cell. ``error`` is ``null`` or ``"ExcType: message"``
(at most 500 characters): an exception raised by the student's function, or an
``OutputFormatError`` when the return value has the wrong structure; ``outputs`` is then
``null``. An output that is not a numeric array (``None``, an object array) is left out of the
``.npz``; the trusted side reports it as missing.

Nothing here compares, raises on a wrong answer, or imports :mod:`course_pkg.reference`.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from course_pkg.checks.core import Check

RECORDS_FILE = "records.jsonl"

current_cell: str | None = None
"""The grade_id of the test cell being run, set by the autograder's runner (``None`` outside)."""

_seq = itertools.count()


def set_current_cell(grade_id: str | None) -> None:
    """Set :data:`current_cell`, stored in every record written from now on."""
    global current_cell
    if grade_id is not None and not isinstance(grade_id, str):
        raise TypeError(f"grade_id must be a string or None, got {type(grade_id).__name__}")
    current_cell = grade_id


def _jsonable(params: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, (np.integer, np.floating, np.bool_)):
            value = value.item()
        out[key] = value
    json.dumps(out)  # fails loudly if a check ever takes a non-JSON parameter
    return out


def record_call(
    directory: str | os.PathLike[str],
    check: Check,
    student_fn: Callable[..., Any],
    params: dict[str, Any],
) -> dict[str, Any]:
    """Call ``student_fn`` for ``check`` with ``params`` and record the result in ``directory``.

    Returns:
        The record written to ``records.jsonl`` (a dict of JSON values).
    """
    from course_pkg.checks.core import _format_exception, as_numeric_array, call_student

    seq = next(_seq)
    os.makedirs(directory, exist_ok=True)
    error: str | None = None
    arrays: dict[str, np.ndarray] = {}
    try:
        outputs = call_student(check, student_fn, params)
    except Exception as exc:  # noqa: BLE001 - recorded, never raised, in capture mode
        error = _format_exception(exc)
    else:
        for name in check.output_names:
            if name not in outputs:
                continue
            try:
                arrays[name] = as_numeric_array(outputs[name])
            except TypeError:
                continue  # left out: the trusted side reports it as missing
    npz_name: str | None = None
    if error is None:
        npz_name = f"{seq}.npz"
        with open(os.path.join(directory, npz_name), "wb") as fh:
            np.savez(fh, **arrays)
    record = {
        "seq": seq,
        "cell": current_cell,
        "check": check.name,
        "params": _jsonable(params),
        "error": error,
        "outputs": npz_name,
        "output_names": list(check.output_names),
    }
    with open(os.path.join(directory, RECORDS_FILE), "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record) + "\n")
    return record


def load_outputs(directory: str | os.PathLike[str], record: dict[str, Any]) -> dict[str, np.ndarray]:
    """Read a record's outputs back without unpickling anything (``{}`` when it has none)."""
    if not record.get("outputs"):
        return {}
    path = os.path.join(directory, os.path.basename(str(record["outputs"])))
    with np.load(path, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


def read_records(directory: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Parse ``records.jsonl`` in ``directory`` (an empty list when there is none)."""
    path = os.path.join(directory, RECORDS_FILE)
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
