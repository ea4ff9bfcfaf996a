"""Collect submissions from files, folders and zip archives, safely.

Every notebook found becomes one :class:`Submission` with a unique, filesystem-safe name. A zip
is read member by member without ever extracting to a path taken from the archive: members
with absolute paths or ``..`` components (zip-slip), links, oversized members and archives
with too many members are reported as broken submissions instead of being written anywhere.

Example:
    >>> subs = collect_submissions(["alice.ipynb", "class.zip"], staging_dir)   # doctest: +SKIP
    >>> [s.name for s in subs]                                                  # doctest: +SKIP
    ['alice', 'class-bob', 'class-carol']
"""

from __future__ import annotations

import dataclasses
import re
import stat
import zipfile
from pathlib import Path, PurePosixPath

from autograder.notebook import MAX_NOTEBOOK_BYTES

MAX_ZIP_MEMBERS = 5000
MAX_ZIP_TOTAL_BYTES = 2 * 1024**3


@dataclasses.dataclass(frozen=True)
class Submission:
    """One submission: a unique ``name``, the notebook ``path`` (None when broken) and ``error``.

    A submission of a several-notebook assignment has no ``path`` but ``parts``: the
    one-notebook submission found for each part, by part name (see :mod:`autograder.parts`).
    """

    name: str
    path: Path | None
    error: str | None = None
    parts: dict[str, Submission] | None = None


def safe_name(text: str) -> str:
    """``text`` as a file-system-safe name (letters, digits, ``._-``; at most 100 characters)."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", text)
    name = re.sub(r"\.{2,}", "_", name).strip("._-")
    return name[:100] or "submission"


class _Names:
    """Hands out unique names: ``alice``, ``alice-2``, ..."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def take(self, text: str) -> str:
        base = safe_name(text)
        name, k = base, 2
        while name.lower() in self.used or name == "summary.csv":
            name, k = f"{base}-{k}", k + 1
        self.used.add(name.lower())
        return name


def _member_problem(info: zipfile.ZipInfo) -> str | None:
    path = PurePosixPath(info.filename.replace("\\", "/"))
    if info.filename.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", info.filename):
        return f"zip member {info.filename!r} has an absolute path: refused"
    if any(part == ".." for part in path.parts):
        return f"zip member {info.filename!r} points outside the archive ('..'): refused"
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return f"zip member {info.filename!r} is a symbolic link: refused"
    if info.file_size > MAX_NOTEBOOK_BYTES:
        return (
            f"zip member {info.filename!r} is {info.file_size} bytes, larger than the limit "
            f"of {MAX_NOTEBOOK_BYTES} bytes"
        )
    return None


def _from_zip(archive: Path, staging: Path, names: _Names) -> list[Submission]:
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        return [Submission(names.take(archive.stem), None, f"not a readable zip archive: {exc}")]
    out: list[Submission] = []
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > MAX_ZIP_MEMBERS:
            return [Submission(names.take(archive.stem), None,
                               f"the archive has {len(infos)} members, more than {MAX_ZIP_MEMBERS}")]
        total = sum(i.file_size for i in infos)
        if total > MAX_ZIP_TOTAL_BYTES:
            return [Submission(names.take(archive.stem), None,
                               f"the archive expands to {total} bytes, more than {MAX_ZIP_TOTAL_BYTES}")]
        for info in infos:
            member = PurePosixPath(info.filename.replace("\\", "/"))
            if member.suffix != ".ipynb" or member.name.startswith(".") or "__MACOSX" in member.parts:
                continue
            folders = [p for p in member.parts[:-1] if p not in ("..", ".", "/")]
            stem = "-".join([archive.stem, *folders, member.stem])
            name = names.take(stem)
            problem = _member_problem(info)
            if problem is not None:
                out.append(Submission(name, None, problem))
                continue
            target = staging / f"{name}.ipynb"
            try:
                with zf.open(info) as src:
                    data = src.read(MAX_NOTEBOOK_BYTES + 1)
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
                out.append(Submission(name, None, f"cannot read zip member {info.filename!r}: {exc}"))
                continue
            if len(data) > MAX_NOTEBOOK_BYTES:
                out.append(Submission(name, None, f"zip member {info.filename!r} is too large"))
                continue
            target.write_bytes(data)
            out.append(Submission(name, target))
    if not out:
        out.append(Submission(names.take(archive.stem), None, "the archive contains no .ipynb notebook"))
    return out


def collect_submissions(paths: list[str | Path], staging: str | Path) -> list[Submission]:
    """Turn command-line ``paths`` into submissions.

    Args:
        paths: notebook files (any name: a file given explicitly is always a submission, so an
            empty or misnamed file gets a clear error), folders (searched recursively for
            ``*.ipynb`` and ``*.zip``, hidden folders and checkpoints skipped) and zip archives.
        staging: a directory where notebooks read from zips are written under safe names.

    Returns:
        Submissions in a stable order; broken ones carry ``error`` and no ``path``.
    """
    staging = Path(staging)
    staging.mkdir(parents=True, exist_ok=True)
    names = _Names()
    out: list[Submission] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*")
                if p.suffix in (".ipynb", ".zip") and p.is_file() and not p.is_symlink()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            for p in found:
                rel = p.relative_to(path)
                if p.suffix == ".zip":
                    out.extend(_from_zip(p, staging, names))
                else:
                    out.append(Submission(names.take("-".join([*rel.parts[:-1], rel.stem])), p))
            if not found:
                out.append(Submission(names.take(path.name), None, "the folder contains no notebook"))
        elif path.is_file() and zipfile.is_zipfile(path) and path.suffix != ".ipynb":
            out.extend(_from_zip(path, staging, names))
        elif path.is_file():
            out.append(Submission(names.take(path.stem), path))
        else:
            out.append(Submission(names.take(path.stem or "missing"), None,
                                  f"{str(path)!r} does not exist"))
    return out
