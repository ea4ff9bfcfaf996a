"""Read what came out of the sandbox as untrusted data: plain JSON and ``.npz``, validated, capped.

Nothing here unpickles (``np.load(..., allow_pickle=False)``), follows links, or trusts a size,
a type, a file name or a count written by the sandboxed side. Anything malformed is dropped
and reported as a problem string, never raised into the grader.
"""

from __future__ import annotations

import dataclasses
import json
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
MAX_ARRAYS_BYTES = 256 * 1024 * 1024
MAX_TEXT = 2000
MAX_RESULT_TEXT = 1100
"""A cell's displayed value (``text/plain``) kept from the runner's status: the runner caps it at
1000 characters plus a truncation marker."""
_NPZ_NAME = re.compile(r"^[0-9]{1,9}\.npz$")
_ARRAY_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


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


def read_status(path: Path) -> dict[str, Any] | None:
    """The runner's status file, validated to ``{"cells": [...], "running", "finished", "runner_error"}``.

    Returns None when the file is missing or unreadable.
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
            "grade_id": _text(item.get("grade_id"), 200),
            "status": status if status in ("ok", "error", "timeout") else "error",
            "ename": _text(item.get("ename"), 200),
            "evalue": _text(item.get("evalue")),
            "stdout": _text(item.get("stdout"), 20000) or "",
            "stderr": _text(item.get("stderr"), 20000) or "",
            "seconds": float(item["seconds"]) if isinstance(item.get("seconds"), (int, float)) else None,
            "result": _text(item.get("result"), MAX_RESULT_TEXT),
        })
    running = raw.get("running")
    return {
        "cells": cells,
        "running": running if isinstance(running, int) else None,
        "finished": raw.get("finished") is True,
        "runner_error": _text(raw.get("runner_error")),
    }


def _json_scalar_dict(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, dict) or len(value) > 64:
        return None
    out = {}
    for k, v in value.items():
        if not isinstance(k, str) or not (v is None or isinstance(v, (bool, int, float, str))):
            return None
        out[k] = v if not isinstance(v, str) else v[:200]
    return out


def read_records(capture_dir: Path) -> tuple[list[Record], list[str]]:
    """Parse ``records.jsonl``; returns the valid records and a list of problems found."""
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
        params = _json_scalar_dict(raw.get("params")) if isinstance(raw, dict) else None
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
        records.append(Record(raw["seq"], raw["cell"], raw["check"][:100], params,
                              _text(raw["error"], 600), raw["outputs"], tuple(names)))
    return records, problems


def load_arrays(capture_dir: Path, record: Record) -> dict[str, np.ndarray]:
    """The record's outputs as real numeric arrays (float64/int64); ``{}`` when none or invalid."""
    if record.outputs is None:
        return {}
    path = capture_dir / record.outputs
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_NPZ_BYTES:
            return {}
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > 64 or sum(i.file_size for i in infos) > MAX_ARRAYS_BYTES:
                return {}
        out: dict[str, np.ndarray] = {}
        with np.load(path, allow_pickle=False) as data:
            for name in data.files:
                if name not in record.output_names:
                    continue
                arr = data[name]
                if arr.dtype.kind == "f":
                    out[name] = arr.astype(np.float64)
                elif arr.dtype.kind in "iub":
                    out[name] = arr.astype(np.int64)
        return out
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, KeyError, RuntimeError,
            NotImplementedError):
        return {}
