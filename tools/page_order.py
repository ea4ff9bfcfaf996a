"""The order in which to execute pages several at a time: the slowest first.

With two workers taking pages from one queue in reading order, the book's last page (a long
application chapter) starts when the other worker has nothing left but short pages, and one
core idles while it finishes. Started slowest first (longest-processing-time order), the short
pages fill the gaps at the end instead.

The seconds come from the last run of the book build benchmark that recorded them
(``benchmarks/results/book_build.json``: each page executing alone); a page without a record
there (a new page) counts as the slowest, and a missing or unreadable file keeps reading order.

Import it with ``tools/`` on ``sys.path``. Used by ``tools/execute_book.py`` and
``tools/colab_stage.py``.

Example:
    >>> slowest_first(["book/intro", "book/sentiment"])
    ['book/sentiment', 'book/intro']
"""

from __future__ import annotations

import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RECORD = REPO / "benchmarks" / "results" / "book_build.json"


def recorded_page_seconds(record: Path = RECORD) -> dict[str, float]:
    """``{docname: seconds}`` of the last benchmark run with per-page times; ``{}`` if none."""
    try:
        runs = json.loads(record.read_text(encoding="utf-8"))["runs"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    for run in reversed(runs):
        seconds = run.get("page_seconds") if isinstance(run, dict) else None
        if seconds:
            return {name.removesuffix(".md"): float(s) for name, s in seconds.items()}
    return {}


def slowest_first(docnames: list[str], record: Path = RECORD) -> list[str]:
    """``docnames`` (e.g. ``"book/intro"``) sorted by recorded seconds, slowest first; pages
    without a record first of all; ties keep their given order."""
    seconds = recorded_page_seconds(record)
    return sorted(docnames, key=lambda name: -seconds.get(name, float("inf")))
