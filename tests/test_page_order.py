"""tools/page_order.py: pages start slowest first, from the book build benchmark's record."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from book_toc import toc_pages  # noqa: E402
from page_order import recorded_page_seconds, slowest_first  # noqa: E402


def write_record(path: Path, *runs: dict) -> Path:
    path.write_text(json.dumps({"benchmark": "book_build", "runs": list(runs)}), encoding="utf-8")
    return path


def test_the_last_run_with_page_times_orders_the_pages(tmp_path: Path) -> None:
    record = write_record(
        tmp_path / "book_build.json",
        {"page_seconds": {"book/a.md": 1.0, "book/b.md": 9.0}},
        {"page_seconds": {"book/a.md": 30.0, "book/b.md": 2.0, "book/c.md": 2.0}},
        {"cold_s": 100.0},  # a run without per-page times is skipped
    )
    assert recorded_page_seconds(record) == {"book/a": 30.0, "book/b": 2.0, "book/c": 2.0}
    # new (unrecorded) first, then slowest first; b and c tie and keep their given order
    assert slowest_first(["book/c", "book/b", "book/new", "book/a"], record) == [
        "book/new", "book/a", "book/c", "book/b"]


def test_a_missing_or_broken_record_keeps_reading_order(tmp_path: Path) -> None:
    pages = ["book/intro", "book/lstm", "book/sentiment"]
    assert slowest_first(pages, tmp_path / "absent.json") == pages
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    assert slowest_first(pages, broken) == pages


def test_the_committed_record_puts_a_training_chapter_before_the_home_page() -> None:
    order = slowest_first(toc_pages())
    assert sorted(order) == sorted(toc_pages())
    assert order.index("book/sentiment") < order.index("book/intro")


def test_the_colab_stage_starts_slow_pages_first_and_the_releases_last() -> None:
    from colab_stage import execution_order, release_notebooks, toc_notebooks

    jobs = [(nb, "book") for nb in toc_notebooks()] + [(nb, "release") for nb in release_notebooks()]
    order = execution_order(jobs)
    assert sorted(order) == sorted(jobs)
    kinds = [kind for _, kind in order]
    assert kinds == sorted(kinds)  # "book" < "release": every release after every page
    names = [nb.stem for nb, _ in order]
    assert names.index("sentiment") < names.index("intro")
    assert [nb.stem for nb, kind in order if kind == "release"] == [
        nb.stem for nb in release_notebooks()]
