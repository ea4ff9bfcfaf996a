"""Read what came out of the sandbox as untrusted data: plain JSON and ``.npz``, validated, capped.

Nothing here unpickles, follows links, or trusts a size, a type, a file name or a count written
by the sandboxed side. Anything malformed is dropped and reported as a problem string, never
raised into the grader.

Two bounds hold whatever the sandbox wrote:

- Arrays: every ``.npy`` member's header (dtype, shape) is read and checked against
  :data:`MAX_RECORD_ARRAY_BYTES` *before* anything is allocated, and exactly the declared bytes
  are then decompressed, so a small ``.npz`` that declares huge arrays costs nothing.
- Text: every string that crosses from the sandbox (exception messages, stdout, stderr, check
  names and parameters) goes through a :class:`Redactor` at read time, which removes every line
  that contains a line of a hidden test: no consumer ever sees unfiltered text.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import stat
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

MAX_STATUS_BYTES = 10 * 1024 * 1024
MAX_RECORDS_BYTES = 5 * 1024 * 1024
MAX_RECORDS = 10_000
MAX_NPZ_BYTES = 64 * 1024 * 1024
MAX_RECORD_ARRAY_BYTES = 16 * 1024 * 1024
MAX_TEXT = 2000
MAX_RESULT_TEXT = 1100
"""A cell's displayed value (``text/plain``) kept from the runner's status: the runner caps it at
1000 characters plus a truncation marker."""
REDACTED = "[a line quoting a hidden test was withheld]"
_NPZ_NAME = re.compile(r"^[0-9]{1,9}\.npz$")
_ARRAY_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


class Redactor:
    r"""Removes, from untrusted text, every line that contains a line of a hidden test.

    Lines are compared with all whitespace removed (so re-spacing a line does not hide it);
    hidden lines shorter than 4 characters once compacted are not matched (they are too
    generic to tell apart from ordinary output).

    Example:
        >>> r = Redactor(["check.f(f, seed=7)"])
        >>> r("ok\nleak: check.f(f,  seed=7)  \nbye")
        'ok\n[a line quoting a hidden test was withheld]\nbye'
    """

    def __init__(self, hidden_lines: list[str] | tuple[str, ...] = ()) -> None:
        compact = {re.sub(r"\s+", "", line) for line in hidden_lines}
        self.hidden = tuple(sorted(c for c in compact if len(c) >= 4))

    def __call__(self, text: str | None) -> str | None:
        if text is None or not self.hidden:
            return text
        lines = text.split("\n")
        for i, line in enumerate(lines):
            flat = re.sub(r"\s+", "", line)
            if any(h in flat for h in self.hidden):
                lines[i] = REDACTED
        return "\n".join(lines)


NO_REDACTION = Redactor()


@dataclasses.dataclass(frozen=True)
class Record:
    """One check call recorded inside the sandbox."""

    seq: int
    cell: str | None
    check: str
    params: dict[str, Any]
    error: str | None
    outputs: str | None
    output_names: tuple[str, ...]


def _regular_file(path: Path, cap: int) -> bytes | None:
    try:
        st = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode) or st.st_size > cap:
        return None
    with open(path, "rb") as fh:
        return fh.read(cap + 1)[:cap]


def _text(value: Any, limit: int = MAX_TEXT) -> str | None:
    if value is None:
        return None
    return str(value)[:limit]


def read_status(path: Path, redact: Redactor = NO_REDACTION) -> dict[str, Any] | None:
    """The runner's status file, validated to ``{"cells": [...], "running", "finished", "runner_error"}``.

    Every text field passes through ``redact``. Returns None when the file is missing or
    unreadable.
    """
    data = _regular_file(path, MAX_STATUS_BYTES)
    if data is None:
        return None
    try:
        raw = json.loads(data.decode("utf-8", "replace"))
    except (json.JSONDecodeError, RecursionError):
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
        return None
    cells = []
    for item in raw["cells"][:5000]:
        if not isinstance(item, dict) or not isinstance(item.get("index"), int):
            continue
        status = item.get("status")
        cells.append({
            "index": item["index"],
            "grade_id": redact(_text(item.get("grade_id"), 200)),
            "status": status if status in ("ok", "error", "timeout") else "error",
            "ename": redact(_text(item.get("ename"), 200)),
            "evalue": redact(_text(item.get("evalue"))),
            "stdout": redact(_text(item.get("stdout"), 20000) or ""),
            "stderr": redact(_text(item.get("stderr"), 20000) or ""),
            "seconds": float(item["seconds"]) if isinstance(item.get("seconds"), (int, float)) else None,
            "result": redact(_text(item.get("result"), MAX_RESULT_TEXT)),
        })
    running = raw.get("running")
    return {
        "cells": cells,
        "running": running if isinstance(running, int) else None,
        "finished": raw.get("finished") is True,
        "runner_error": redact(_text(raw.get("runner_error"))),
    }


def _json_scalar_dict(value: Any, redact: Redactor) -> dict[str, Any] | None:
    if not isinstance(value, dict) or len(value) > 64:
        return None
    out = {}
    for k, v in value.items():
        if not isinstance(k, str) or not (v is None or isinstance(v, (bool, int, float, str))):
            return None
        out[redact(k[:200])] = v if not isinstance(v, str) else redact(v[:200])
    return out


def read_records(capture_dir: Path, redact: Redactor = NO_REDACTION) -> tuple[list[Record], list[str]]:
    """Parse ``records.jsonl``; returns the valid records and a list of problems found.

    Check names, string parameters and error messages pass through ``redact``.
    """
    problems: list[str] = []
    path = capture_dir / "records.jsonl"
    if not os.path.lexists(path):
        return [], problems
    data = _regular_file(path, MAX_RECORDS_BYTES)
    if data is None:
        return [], ["records.jsonl is not a regular file or is too large"]
    records: list[Record] = []
    for n, line in enumerate(data.decode("utf-8", "replace").splitlines()):
        if not line.strip():
            continue
        if len(records) >= MAX_RECORDS:
            problems.append(f"more than {MAX_RECORDS} records: the rest ignored")
            break
        try:
            raw = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            problems.append(f"record line {n + 1} is not valid JSON")
            continue
        params = _json_scalar_dict(raw.get("params"), redact) if isinstance(raw, dict) else None
        names = raw.get("output_names") if isinstance(raw, dict) else None
        if (
            params is None
            or not isinstance(raw.get("seq"), int)
            or not isinstance(raw.get("check"), str)
            or not (raw.get("cell") is None or isinstance(raw.get("cell"), str))
            or not (raw.get("error") is None or isinstance(raw.get("error"), str))
            or not (raw.get("outputs") is None
                    or (isinstance(raw.get("outputs"), str) and _NPZ_NAME.match(raw["outputs"])))
            or not (isinstance(names, list) and len(names) <= 64
                    and all(isinstance(x, str) and _ARRAY_NAME.match(x) for x in names))
        ):
            problems.append(f"record line {n + 1} is malformed")
            continue
        records.append(Record(raw["seq"], redact(raw["cell"] and raw["cell"][:200]),
                              redact(raw["check"][:100]), params,
                              redact(_text(raw["error"], 600)), raw["outputs"], tuple(names)))
    return records, problems


def _npy_header(fh: Any) -> tuple[np.dtype, tuple[int, ...]]:
    """Read and validate a ``.npy`` header; raises ValueError for anything but real numbers."""
    from numpy.lib import format as npy

    version = npy.read_magic(fh)
    if version == (1, 0):
        shape, fortran, dtype = npy.read_array_header_1_0(fh, max_header_size=4096)
    elif version in ((2, 0), (3, 0)):
        shape, fortran, dtype = npy.read_array_header_2_0(fh, max_header_size=4096)
    else:
        raise ValueError(f"unsupported .npy version {version}")
    if fortran or dtype.hasobject or dtype.kind not in "fiub" or dtype.itemsize > 8 \
            or dtype.fields is not None or dtype.subdtype is not None:
        raise ValueError(f"refused dtype {dtype}")
    if len(shape) > 8 or any(not isinstance(n, int) or n < 0 for n in shape):
        raise ValueError(f"refused shape {shape}")
    return dtype, tuple(shape)


def load_arrays(capture_dir: Path, record: Record) -> dict[str, np.ndarray]:
    """The record's outputs as real numeric arrays (float64/int64); ``{}`` when none or invalid.

    Each member's header is checked first: real numeric dtypes only, and all the record's
    arrays together at most :data:`MAX_RECORD_ARRAY_BYTES` as declared (and again as float64).
    Only then are exactly the declared bytes read, so the grader's memory stays bounded.
    """
    if record.outputs is None:
        return {}
    path = capture_dir / record.outputs
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_NPZ_BYTES:
            return {}
        out: dict[str, np.ndarray] = {}
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > 64:
                return {}
            wanted = []
            total = 0
            for info in infos:
                name = info.filename[:-4] if info.filename.endswith(".npy") else None
                if name is None or name not in record.output_names or name in {w[0] for w in wanted}:
                    continue
                with zf.open(info) as fh:
                    dtype, shape = _npy_header(fh)
                count = math.prod(shape)
                total += count * 8  # as float64/int64 after conversion
                if count > MAX_RECORD_ARRAY_BYTES or total > MAX_RECORD_ARRAY_BYTES:
                    return {}
                wanted.append((name, info, dtype, shape, count))
            for name, info, dtype, shape, count in wanted:
                with zf.open(info) as fh:
                    _npy_header(fh)
                    data = fh.read(count * dtype.itemsize)
                if len(data) != count * dtype.itemsize:
                    return {}
                arr = np.frombuffer(data, dtype=dtype).reshape(shape)
                out[name] = arr.astype(np.float64 if dtype.kind == "f" else np.int64)
        return out
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, KeyError, RuntimeError,
            NotImplementedError, OverflowError):
        return {}
