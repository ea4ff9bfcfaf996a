"""Assignments of several notebooks: load every part, and group a student's notebooks together.

An nbgrader assignment is the folder ``<course>/source/<name>/``: every ``*.ipynb`` there is a
part, graded and reported on its own, and every other file or folder beside them (``jupyter.png``,
``data.txt``, ``data/``) is made available read-only in the working directory of each run, as
nbgrader copies them into the release. A one-notebook assignment ``source/<name>/<name>.ipynb``
is graded exactly as before (one notebook per submission, whatever its file name).

A submission of a several-notebook assignment is a folder or a zip holding the student's
notebooks, named as in the source (``problem1.ipynb``; a "Copy of problem1.ipynb" or
``problem1 (2).ipynb`` is recognised too). nbgrader's layout works as it is:
``submitted/<student>/<assignment>/*.ipynb`` given as ``submitted/`` grades every student,
named ``<student>``. Notebooks are grouped by the folder (or zip folder) they sit in.

Example:
    >>> part_of("bitdiddle-ps1-Copy_of_problem1_2", ["problem1", "problem2"])
    ('problem1', 'bitdiddle-ps1')
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from pathlib import Path

from autograder.assignment import Assignment, default_course_dir, parse_template
from autograder.autotest import expand_autotests
from autograder.errors import AssignmentError
from autograder.submissions import Submission, collect_submissions, safe_name

_NAME = re.compile(r"[A-Za-z0-9_.-]+")
_COPY_SUFFIX = re.compile(r"[-_ ]\(?[0-9]{1,2}\)?$")
_COPY_PREFIX = re.compile(r"(^|[-_])Copy_of_")


def source_folder(name: str, course_dir: str | Path | None) -> Path:
    """``<course>/source/<name>``, the name checked.

    Raises:
        AssignmentError: the name is unsafe or the folder holds no notebook.
    """
    if not _NAME.fullmatch(name) or name.startswith("."):
        raise AssignmentError(f"assignment name {name!r} must be letters, digits, '_', '-' or '.'")
    course = Path(course_dir) if course_dir is not None else default_course_dir()
    folder = course / "source" / name
    if not folder.is_dir():
        raise AssignmentError(f"no instructor source for assignment {name!r}: {folder} does not exist")
    return folder


def _data_files(folder: Path) -> tuple[tuple[str, Path], ...]:
    out = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.suffix == ".ipynb" or path.name in ("__pycache__",):
            continue
        if path.is_symlink() or not (path.is_file() or path.is_dir()):
            continue
        if path.is_dir() and any(p.suffix == ".ipynb" for p in path.rglob("*")):
            continue  # a folder of notebooks may hold solutions: never shown to a submission
        out.append((path.name, path))
    return tuple(out)


def load_parts(name: str, course_dir: str | Path | None = None,
               cache_dir: Path | None = None) -> tuple[Assignment, ...]:
    """Every notebook of ``source/<name>/`` as an :class:`Assignment` part, sorted by file name.

    AUTOTEST lines are expanded (see :mod:`autograder.autotest`); the data files beside the
    notebooks are attached to every part and enter its digest (the expected-values cache key).

    Raises:
        AssignmentError: the folder or its notebooks are missing or not valid templates.
    """
    from autograder.expected import default_cache_dir

    folder = source_folder(name, course_dir)
    notebooks = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))
    if not notebooks:
        raise AssignmentError(f"no instructor source for assignment {name!r}: {folder} has no .ipynb")
    course = folder.parent.parent
    data_files = _data_files(folder)
    parts = []
    for path in notebooks:
        if not _NAME.fullmatch(path.stem):
            raise AssignmentError(f"notebook name {path.name!r} in {folder} must be letters, digits, "
                                  "'_', '-' or '.'")
        data = expand_autotests(path, path.read_bytes(), course,
                                Path(cache_dir) if cache_dir is not None else default_cache_dir())
        part = parse_template(name, path, data)
        if data_files:
            h = hashlib.sha256(part.sha256.encode())
            for rel, host in data_files:
                h.update(rel.encode())
                for f in sorted([host] if host.is_file() else host.rglob("*")):
                    if f.is_file():
                        h.update(str(f.relative_to(folder)).encode() + f.read_bytes())
            part = dataclasses.replace(part, sha256=h.hexdigest())
        parts.append(dataclasses.replace(part, data_files=data_files))
    return tuple(parts)


def part_of(stem: str, parts: list[str]) -> tuple[str, str] | None:
    """``(part, rest)`` when the file name ``stem`` names one of ``parts`` (longest match wins).

    ``rest`` is what precedes the part's name (the folders and zip a submission came from).
    """
    plain = _COPY_PREFIX.sub(r"\1", stem)
    for clean in (plain, _COPY_SUFFIX.sub("", plain)):
        for part in sorted(parts, key=len, reverse=True):
            if clean == part:
                return part, ""
            for sep in ("-", "_"):
                if clean.endswith(sep + part):
                    return part, clean[: -len(part) - 1]
    return None


def _group(subs: list[Submission], assignment: str, parts: list[str], fixed: str | None,
           groups: dict[str, dict[str, Submission]], stray: list[Submission]) -> None:
    for sub in subs:
        found = part_of(sub.name, parts)
        if found is None:
            stray.append(dataclasses.replace(sub, path=None, error=(
                f"{sub.name!r} is not one of the assignment's notebooks "
                f"({', '.join(p + '.ipynb' for p in parts)})") if sub.error is None else sub.error))
            continue
        part, rest = found
        if fixed is None:
            rest = re.sub(rf"(^|[-_]){re.escape(assignment)}$", "", rest).strip("-_")
        group = groups.setdefault(fixed or rest or "submission", {})
        group.setdefault(part, sub)  # collect_submissions is sorted: the first copy wins


def collect_parts(paths: list[str | Path], staging: str | Path, assignment: str,
                  parts: list[str]) -> list[Submission]:
    """Submissions of a several-notebook assignment: one per folder (or zip folder) of notebooks.

    A folder in nbgrader's layout (``<folder>/<student>/<assignment>/``) gives one submission per
    student, named ``<student>``, and nothing from other assignments' folders. Each returned
    :class:`Submission` has ``parts`` mapping a part name to the one-notebook submission found
    for it (a broken one keeps its error); a notebook that names no part is a submission of
    its own with an error saying which notebooks are expected.
    """
    groups: dict[str, dict[str, Submission]] = {}
    stray: list[Submission] = []
    staging = Path(staging)
    for i, raw in enumerate(paths):
        path = Path(raw)
        layout = sorted(d for d in path.glob(f"*/{assignment}") if d.is_dir()) if path.is_dir() else []
        if layout:
            for k, folder in enumerate(layout):
                subs = collect_submissions([folder], staging / f"{i}-{k}")
                _group(subs, assignment, parts, safe_name(folder.parent.name), groups, stray)
        else:
            _group(collect_submissions([path], staging / str(i)), assignment, parts, None, groups, stray)
    out = [Submission(name, None, None, parts=found) for name, found in sorted(groups.items())]
    taken = set(groups)
    for sub in stray:
        name, k = sub.name, 2
        while name in taken:
            name, k = f"{sub.name}-{k}", k + 1
        taken.add(name)
        out.append(dataclasses.replace(sub, name=name))
    return out
