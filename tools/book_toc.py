"""The pages of the book, read from ``_toc.yml``: one walker for the tools, tests and benchmarks.

Import it with ``tools/`` on ``sys.path`` (scripts in ``tools/`` have it; ``tests/conftest.py``
and the benchmarks add it).

Example:
    >>> toc_pages()[:2]
    ['book/intro', 'book/why_sequences']
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def toc_pages(root: Path = REPO) -> list[str]:
    """Docnames of every page in ``root/_toc.yml``, root page first, in reading order.

    Args:
        root: the folder holding ``_toc.yml`` (a Jupyter Book 1 project).

    Returns:
        Docnames without a suffix, e.g. ``["book/intro", "book/why_sequences", ...]``; parts,
        chapters and nested sections are all walked.
    """
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    pages = [toc["root"]]

    def walk(entries: list[dict] | None) -> None:
        for entry in entries or []:
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("sections"))
            for part in entry.get("parts", []):
                walk(part.get("chapters"))

    walk(toc.get("chapters"))
    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    return [re.sub(r"\.(md|ipynb)$", "", page) for page in pages]
