"""What every benchmark records next to its figures: the machine, the commit, and the history.

A results file keeps one row per measurement. Measuring again on the same commit and the same
kind of machine replaces that row (the newest figure wins); anything else is appended, and only
the newest ``MAX_ROWS`` rows are kept.
"""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

REPO = Path(__file__).resolve().parents[1]
MAX_ROWS = 50
SAME_MACHINE = ("cpu_model", "cores")


@dataclass
class Machine:
    """Where a figure was measured."""

    cpu_model: str
    cores: int
    memory_gib: float
    platform: str
    load_average_1min: float


def describe_machine() -> Machine:
    """CPU model, logical cores, memory and the 1-minute load average of this machine."""
    model = platform.processor() or platform.machine()
    memory_gib = 0.0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gib = round(int(line.split()[1]) / 2**20, 1)
                break
    except OSError:
        pass
    return Machine(
        cpu_model=model,
        cores=os.cpu_count() or 1,
        memory_gib=memory_gib,
        platform=f"{platform.system()} {platform.release()}",
        load_average_1min=round(os.getloadavg()[0], 2),
    )


def git_commit(repo: Path = REPO) -> tuple[str, bool]:
    """Short hash of ``HEAD`` and whether the working tree has uncommitted changes."""
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=repo, capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        commit = git("rev-parse", "--short=12", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.CalledProcessError):
        return "unknown", True
    return commit, dirty


def merge_run(rows: list[dict], row: dict, same_keys: Sequence[str]) -> list[dict]:
    """``rows`` with ``row`` added, oldest first, at most ``MAX_ROWS``.

    A previous row whose ``same_keys`` (e.g. commit and dirtiness) and machine
    (``SAME_MACHINE``) equal ``row``'s is dropped: it measured the same thing.
    """
    def same(old: dict) -> bool:
        return (all(old.get(k) == row.get(k) for k in same_keys)
                and all(old["machine"][k] == row["machine"][k] for k in SAME_MACHINE))

    merged = [old for old in rows if not same(old)] + [row]
    return sorted(merged, key=lambda r: r["date"])[-MAX_ROWS:]
