"""Expand nbgrader's ``### AUTOTEST`` / ``### HASHED AUTOTEST`` lines in a source notebook.

nbgrader's ``generate_assignment`` replaces each such line by assertions whose expected values
come from running the instructor's solution (its ``InstantiateTests`` preprocessor, driven by
the course's ``autotests.yml``), and its gradebook keeps the expanded test cells. The grader
does the same with nbgrader's own preprocessor, so the rebuilt notebook runs exactly the tests
nbgrader would run (hashed ones included: their salt depends only on the cell's source and
index). ``autotests.yml`` is looked up beside the notebook, then at the course root, as nbgrader
does. Like ``generate_assignment``, this runs the instructor's source in a local kernel: the
source is the instructor's, never a student's. The result is cached per digest of the
notebook and ``autotests.yml``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path

from autograder.errors import AssignmentError

DELIMITER = "AUTOTEST"


def has_autotests(data: bytes) -> bool:
    """Whether any code cell of the notebook ``data`` holds an AUTOTEST line (cheap check)."""
    if DELIMITER.encode() not in data:
        return False
    try:
        cells = json.loads(data.decode("utf-8-sig")).get("cells", [])
    except (ValueError, AttributeError):
        return False
    for cell in cells:
        source = cell.get("source", "") if isinstance(cell, dict) else ""
        text = "".join(source) if isinstance(source, list) else str(source)
        if cell.get("cell_type") == "code" and DELIMITER in text:
            return True
    return False


def find_autotests_yml(notebook: Path, course_dir: Path) -> Path:
    """``autotests.yml`` beside the notebook, else at the course root (nbgrader's order)."""
    for candidate in (notebook.parent / "autotests.yml", course_dir / "autotests.yml"):
        if candidate.is_file():
            return candidate
    raise AssignmentError(
        f"{notebook} has AUTOTEST lines but there is no autotests.yml beside it or in {course_dir}"
    )


def expand_autotests(notebook: Path, data: bytes, course_dir: Path, cache_dir: Path) -> bytes:
    """The notebook's bytes with every AUTOTEST line expanded (``data`` when it has none).

    Raises:
        AssignmentError: no autotests.yml, or nbgrader could not expand a line (the message
            says which notebook and why).
    """
    if not has_autotests(data):
        return data
    yml = find_autotests_yml(notebook, course_dir)
    key = hashlib.sha256(data + b"\0" + yml.read_bytes()).hexdigest()[:16]
    cached = cache_dir / f"autotest-{notebook.stem}-{key}.ipynb"
    if cached.is_file():
        return cached.read_bytes()
    import nbformat
    from nbgrader.preprocessors import InstantiateTests

    nb = nbformat.reads(data.decode("utf-8-sig"), as_version=4)
    pre = InstantiateTests(autotest_filename=str(yml.resolve()))
    pre.log.setLevel(logging.CRITICAL)
    env_before = os.environ.pop("COURSE_CHECK_CAPTURE_DIR", None)
    try:
        nb, _ = pre.preprocess(nb, {"metadata": {"path": str(notebook.parent.resolve())}})
    except Exception as exc:  # noqa: BLE001 - nbgrader raises bare Exceptions here
        why = str(exc).splitlines()[0] if str(exc) else (
            "an AUTOTEST line sits outside a graded test cell, or a snippet failed")
        raise AssignmentError(f"could not expand the AUTOTEST lines of {notebook.name} with "
                              f"nbgrader: {type(exc).__name__}: {why}") from None
    finally:
        if env_before is not None:
            os.environ["COURSE_CHECK_CAPTURE_DIR"] = env_before
    out = nbformat.writes(nb).encode()
    cache_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".tmp-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(out)
    os.replace(tmp, cached)
    return out
