"""Regrading skips what has not changed: a manifest of graded submissions in the output folder.

``<out_dir>/manifest.json`` records, per submission name, the sha256 of the submission's file,
the assignment's sha256 (of every notebook's :attr:`Assignment.sha256`) and the report. A
several-notebook submission's digest covers each of its notebooks. On the next run into the
same folder a submission whose file and assignment digests both match, and whose
``results.json`` is still there, keeps its report and is not graded again; a changed file, a
changed assignment or a missing report is graded. Only ``"graded"`` reports are recorded, so a
submission that could not be graded (or whose worker failed) is always tried again.
``--regrade-all`` ignores the manifest (e.g. after changing the grader itself).

Example:
    >>> m = Manifest(Path("grading_output"))                                   # doctest: +SKIP
    >>> grade_all(name, paths, settings, select=m.select, observers=(m,))       # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sys
import types
import typing
from pathlib import Path
from typing import Any, TextIO

from autograder.assignment import Assignment
from autograder.errors import SubmissionError
from autograder.reports import SubmissionReport
from autograder.submissions import Submission

VERSION = 1


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def to_json(value: Any) -> Any:
    """A dataclass (nested dataclasses, tuples, lists, dicts) as plain JSON data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    return value


def from_json(kind: Any, data: Any) -> Any:
    """The inverse of :func:`to_json` for the type ``kind`` (read from the dataclass annotations)."""
    origin = typing.get_origin(kind)
    if dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        return kind(**{f.name: from_json(hints[f.name], data[f.name])
                       for f in dataclasses.fields(kind) if f.init and f.name in data})
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        return None if data is None else from_json(args[0], data)
    if origin is tuple:
        args = typing.get_args(kind)
        inner = args[0] if args else Any
        return tuple(from_json(inner, v) for v in data)
    if origin is list:
        (inner,) = typing.get_args(kind) or (Any,)
        return [from_json(inner, v) for v in data]
    if origin is dict:
        _, inner = typing.get_args(kind) or (str, Any)
        return {k: from_json(inner, v) for k, v in data.items()}
    if kind is float and isinstance(data, int):
        return float(data)
    return data


def submission_sha256(sub: Submission) -> str | None:
    """The digest of a submission's notebook(s); None for a broken or unreadable one."""
    try:
        if sub.parts is not None:
            h = hashlib.sha256()
            for label in sorted(sub.parts):
                part = sub.parts[label]
                if part.error is not None or part.path is None:
                    raise SubmissionError(part.error or "no file")
                h.update(f"{label}\0{file_sha256(part.path)}\0".encode())
            return h.hexdigest()
        if sub.error is not None or sub.path is None:
            return None
        return file_sha256(sub.path)
    except (OSError, SubmissionError):
        return None


def assignment_sha256(assignments: tuple[Assignment, ...]) -> str:
    """One digest for an assignment of one or several notebooks."""
    if len(assignments) == 1:
        return assignments[0].sha256
    return hashlib.sha256("".join(a.sha256 for a in assignments).encode()).hexdigest()


class Manifest:
    """The manifest of ``out_dir``; use :meth:`select` as ``grade_all``'s ``select`` and the
    manifest itself as an observer.

    Args:
        out_dir: the grading output folder (``manifest.json`` lives there).
        regrade_all: grade everything, ignoring what the manifest says.
        stream: where the "skipped ..." line goes (default ``sys.stderr``).
    """

    def __init__(self, out_dir: Path, regrade_all: bool = False, stream: TextIO | None = None) -> None:
        self.out_dir = Path(out_dir)
        self.path = self.out_dir / "manifest.json"
        self.regrade_all = regrade_all
        self.stream = stream if stream is not None else sys.stderr
        self.entries: dict[str, dict] = {}
        self.digests: dict[str, tuple[str, str]] = {}
        self.skipped: list[str] = []
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and data.get("version") == VERSION:
                self.entries = dict(data.get("submissions", {}))
        except (OSError, ValueError):
            pass

    def select(self, subs: list[Submission], assignments: tuple[Assignment, ...]
               ) -> tuple[list[Submission], list[SubmissionReport]]:
        """Split ``subs`` into (to grade, reports kept from the last run)."""
        todo: list[Submission] = []
        kept: list[SubmissionReport] = []
        a_digest = assignment_sha256(assignments)
        for sub in subs:
            digest = submission_sha256(sub)
            entry = self.entries.get(sub.name)
            if digest is not None:
                self.digests[sub.name] = (digest, a_digest)
            unchanged = (entry is not None and digest is not None
                         and (entry.get("file_sha256"), entry.get("assignment_sha256")) == (digest, a_digest)
                         and (self.out_dir / sub.name / "results.json").is_file())
            if unchanged and not self.regrade_all:
                try:
                    kept.append(from_json(SubmissionReport, entry["report"]))
                    self.skipped.append(sub.name)
                    continue
                except (KeyError, TypeError, ValueError):
                    pass
            todo.append(sub)
        if self.skipped:
            shown = ", ".join(self.skipped[:10]) + (", ..." if len(self.skipped) > 10 else "")
            print(f"skipped {len(self.skipped)} unchanged submission(s) (same file and assignment "
                  f"as the last run; --regrade-all to grade them again): {shown}",
                  file=self.stream, flush=True)
        return todo, kept

    def start(self, total: int) -> None:
        """Nothing to do when the batch starts."""

    def finished(self, sub: Submission, report: SubmissionReport) -> None:
        """Record a graded submission (and save, so an interrupted batch keeps what it did)."""
        if report.status != "graded" or sub.name not in self.digests:
            self.entries.pop(sub.name, None)
        else:
            file_digest, assignment_digest = self.digests[sub.name]
            self.entries[sub.name] = {"file_sha256": file_digest, "assignment_sha256": assignment_digest,
                                      "report": to_json(report)}
        self.save()

    def save(self) -> None:
        """Write ``manifest.json`` atomically."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps({"version": VERSION, "submissions": self.entries}), encoding="utf-8")
        os.replace(tmp, self.path)
