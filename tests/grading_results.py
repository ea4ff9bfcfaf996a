"""Reading a graded batch's reports in tests: one submission's results.json, its tests by name."""

from __future__ import annotations

import json
from pathlib import Path


def result(out: Path, name: str) -> dict:
    """The Gradescope ``results.json`` the grader wrote for submission ``name`` under ``out``."""
    return json.loads((out / name / "results.json").read_text())


def by_name(res: dict) -> dict[str, dict]:
    """A results document's ``tests`` entries keyed by test name."""
    return {t["name"]: t for t in res["tests"]}
