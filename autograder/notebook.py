"""Read a notebook file into plain cells, with a clear message for every way it can be broken.

Only what grading needs is kept: each cell's type, source text and nbgrader metadata. Outputs,
attachments and widget state are ignored, so a submission cannot smuggle anything through them.

Example:
    >>> nb = parse_notebook(b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, '
    ...                     b'"cells": [{"cell_type": "code", "source": ["x = 1"], '
    ...                     b'"metadata": {}, "outputs": [], "execution_count": null}]}')
    >>> nb.cells[0].source
    'x = 1'
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from autograder.errors import SubmissionError

MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
"""Submissions larger than this are refused (a notebook with plots is a few MB at most)."""

MAX_CELLS = 2000
MAX_CELL_CHARS = 1_000_000


@dataclasses.dataclass(frozen=True)
class Cell:
    """One cell: ``index`` in the notebook, ``cell_type``, ``source`` text, nbgrader metadata."""

    index: int
    cell_type: str
    source: str
    nbgrader: dict[str, Any]

    @property
    def grade_id(self) -> str | None:
        value = self.nbgrader.get("grade_id")
        return value if isinstance(value, str) and value else None

    @property
    def is_solution(self) -> bool:
        return self.nbgrader.get("solution") is True

    @property
    def is_test(self) -> bool:
        return self.nbgrader.get("grade") is True and not self.is_solution

    @property
    def first_line(self) -> str:
        for line in self.source.splitlines():
            if line.strip():
                return line.strip()
        return ""


@dataclasses.dataclass(frozen=True)
class Notebook:
    """A parsed notebook: its cells in order."""

    cells: tuple[Cell, ...]

    def code_cells(self) -> list[Cell]:
        return [c for c in self.cells if c.cell_type == "code"]


def _source_text(value: Any, index: int) -> str:
    if isinstance(value, str):
        text = value
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        text = "".join(value)
    else:
        raise SubmissionError(
            f"not a valid notebook: cell {index} has a 'source' of type "
            f"{type(value).__name__}, expected a string or a list of strings"
        )
    if len(text) > MAX_CELL_CHARS:
        raise SubmissionError(
            f"cell {index} is {len(text)} characters long, more than the limit of {MAX_CELL_CHARS}"
        )
    return text


def parse_notebook(data: bytes) -> Notebook:
    """Parse the bytes of an ``.ipynb`` file (nbformat 4).

    Raises:
        SubmissionError: the file is empty, too large, not UTF-8, not JSON, or not a notebook;
            the message says which and where.
    """
    if len(data) == 0:
        raise SubmissionError("the file is empty (0 bytes): it is not a notebook")
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise SubmissionError(
            f"the file is {len(data)} bytes, larger than the limit of {MAX_NOTEBOOK_BYTES} bytes"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SubmissionError(f"the file is not UTF-8 text (byte {exc.start}): not a notebook") from None
    if not text.strip():
        raise SubmissionError("the file contains only whitespace: it is not a notebook")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SubmissionError(
            f"the file is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "download the notebook again with File > Download > Download .ipynb"
        ) from None
    except RecursionError:
        raise SubmissionError("the file is not valid JSON: nested too deeply") from None
    if not isinstance(raw, dict):
        raise SubmissionError(
            f"not a Jupyter notebook: the JSON is a {type(raw).__name__}, expected an object"
        )
    if not isinstance(raw.get("cells"), list):
        raise SubmissionError("not a Jupyter notebook: the JSON has no 'cells' list")
    nbformat = raw.get("nbformat")
    if nbformat != 4:
        raise SubmissionError(f"not a version 4 notebook: nbformat is {nbformat!r}, expected 4")
    if len(raw["cells"]) > MAX_CELLS:
        raise SubmissionError(f"the notebook has {len(raw['cells'])} cells, more than {MAX_CELLS}")
    cells = []
    for index, item in enumerate(raw["cells"]):
        if not isinstance(item, dict):
            raise SubmissionError(f"not a valid notebook: cell {index} is not a JSON object")
        cell_type = item.get("cell_type")
        if cell_type not in ("code", "markdown", "raw"):
            raise SubmissionError(
                f"not a valid notebook: cell {index} has cell_type {cell_type!r}, "
                "expected 'code', 'markdown' or 'raw'"
            )
        source = _source_text(item.get("source", ""), index)
        metadata = item.get("metadata")
        nbgrader = metadata.get("nbgrader") if isinstance(metadata, dict) else None
        cells.append(Cell(index, cell_type, source, dict(nbgrader) if isinstance(nbgrader, dict) else {}))
    return Notebook(tuple(cells))


def load_notebook(path: str | Path) -> Notebook:
    """Read and parse the notebook at ``path`` (see :func:`parse_notebook`)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_NOTEBOOK_BYTES:
            raise SubmissionError(
                f"the file is {size} bytes, larger than the limit of {MAX_NOTEBOOK_BYTES} bytes"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise SubmissionError(f"cannot read the file: {exc.strerror}") from None
    return parse_notebook(data)
