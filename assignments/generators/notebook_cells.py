"""Cell builders shared by the assignment generators, so every assignment follows one convention.

See assignments/README.md for the conventions the autograder relies on: answer cells start with
``# graded-cell: <grade_id>``, test cells with ``# graded-test: <grade_id>``, both carry nbgrader
metadata, and hidden tests sit between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from course_pkg.colab import setup_cell


def _meta(**fields) -> dict:
    base = {"schema_version": 3, "task": False}
    base.update(fields)
    return {"nbgrader": base}


def md(text: str):
    return new_markdown_cell(text.strip("\n"))


def readonly(grade_id: str, code: str):
    return new_code_cell(
        code.strip("\n"),
        metadata=_meta(grade=False, grade_id=grade_id, locked=True, solution=False),
    )


def answer(grade_id: str, code: str):
    source = f"# graded-cell: {grade_id}\n" + code.strip("\n")
    return new_code_cell(
        source, metadata=_meta(grade=False, grade_id=grade_id, locked=False, solution=True)
    )


def test(grade_id: str, points: int, code: str, hidden: bool = False):
    body = code.strip("\n")
    if hidden:
        body = (
            "# Hidden tests: other sizes, seeds and edge cases run here when you are graded.\n"
            f"### BEGIN HIDDEN TESTS\n{body}\n### END HIDDEN TESTS"
        )
    source = f"# graded-test: {grade_id}\n" + body
    return new_code_cell(
        source,
        metadata=_meta(grade=True, grade_id=grade_id, locked=True, points=points, solution=False),
    )


#: The set-up cell, the same in every notebook of the course (one template, in course_pkg.colab).
COLAB = setup_cell()


def build_notebook(cells: list) -> nbformat.NotebookNode:
    """A notebook of ``cells`` with stable cell ids (regenerating gives the same file)."""
    for i, cell in enumerate(cells):  # stable ids: regenerating gives the same file
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        cell["id"] = grade_id.replace("_", "-") if grade_id else f"text-{i:02d}"
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def write_notebook(nb: nbformat.NotebookNode, target: Path) -> int:
    """Validate ``nb`` and write it to ``target``; returns 0 for ``sys.exit``."""
    nbformat.validate(nb)
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)
    print(f"wrote {target.relative_to(target.parents[3])} ({len(nb.cells)} cells)")
    return 0
