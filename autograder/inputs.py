"""Inputs that need forward values, built on the trusted side and handed to the sandbox as data.

The checks of backward passes take a forward pass's caches as input; computing those is
computing an answer, so the sandbox does not contain the code that does it
(:mod:`course_pkg.forward_inputs` is masked there). Before a run the grader reads the test
cells it is about to run, finds every call of such a check (``check.rnn_backward(fn, N=3,
seed=21)``: an attribute call named after the check, literal keyword arguments), builds the
inputs here and writes them with :func:`course_pkg.checks.inputs.save` into a folder that the
sandbox sees read-only (``COURSE_CHECK_INPUTS_DIR``). A call this does not find (parameters
that are not literals) fails inside the sandbox with a message saying so.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from autograder.rebuild import RunCell


def planned_calls(cells: list[RunCell]) -> list[tuple[str, dict[str, Any]]]:
    """``(check_name, resolved_params)`` of every data-input check call in the test cells.

    Example:
        >>> planned_calls([RunCell(3, "test", "t", "check.rnn_backward(rnn_backward, N=1, seed=5)")])
        [('rnn_backward', {'N': 1, 'T': 4, 'D': 3, 'H': 5, 'seed': 5})]
    """
    from course_pkg.checks import get_check, registered_checks
    from course_pkg.checks.inputs import needs_data

    data_checks = {name for name in registered_checks() if needs_data(get_check(name).build_inputs)}
    calls: list[tuple[str, dict[str, Any]]] = []
    for cell in cells:
        if cell.kind != "test":
            continue
        try:
            tree = ast.parse(cell.source)
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in data_checks):
                continue
            try:
                params = {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords}
            except (ValueError, TypeError, SyntaxError, RecursionError):
                continue
            if None in params:  # **kwargs
                continue
            check = get_check(node.func.attr)
            try:
                calls.append((check.name, check.resolve_params(params)))
            except TypeError:
                continue  # unknown parameters: the check itself says so when it runs
    return calls


def write_inputs(cells: list[RunCell], folder: Path) -> int:
    """Build and save the inputs of :func:`planned_calls` into ``folder``; return how many."""
    from course_pkg.checks import get_check
    from course_pkg.checks.inputs import file_name, save

    folder.mkdir(parents=True, exist_ok=True)
    written = set()
    for name, params in planned_calls(cells):
        key = file_name(name, params)
        if key in written:
            continue
        save(folder, name, params, get_check(name).build_inputs(params))
        written.add(key)
    return len(written)
