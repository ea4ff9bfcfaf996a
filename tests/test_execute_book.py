"""tools/execute_book.py: pages executed ahead of the build land in the cache the build reads."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import execute_book  # noqa: E402

PAGE = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# A page

```{code-cell} ipython3
import os
print(6 * 7, os.path.basename(os.getcwd()))
```
"""


def test_an_executed_page_is_found_by_the_builds_cache_lookup(tmp_path):
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    import nbformat

    folder = tmp_path / "pages"
    folder.mkdir()
    page = folder / "page.md"
    page.write_text(PAGE)
    executed, seconds, error = execute_book.execute_page(str(page), timeout=120, allow_errors=False)
    assert error is None and seconds > 0
    nb = nbformat.reads(executed, nbformat.NO_CONVERT)
    assert nb.cells[-1].outputs[0]["text"] == "42 pages\n"  # executed in the page's folder
    cache = get_cache(str(tmp_path / "_build" / ".jupyter_cache"))
    with pytest.raises(KeyError):
        cache.match_cache_notebook(execute_book.read_page(page))
    cache.cache_notebook_bundle(CacheBundleIn(nb, str(page), data={"execution_seconds": seconds}),
                                check_validity=False, overwrite=True)
    # the lookup MyST-NB's cache mode makes when the build reads the page
    assert cache.match_cache_notebook(execute_book.read_page(page)).uri == str(page)
    page.write_text(PAGE.replace("6 * 7", "6 * 8"))
    with pytest.raises(KeyError):
        cache.match_cache_notebook(execute_book.read_page(page))


def test_a_failing_page_is_reported_not_cached(tmp_path):
    page = tmp_path / "broken.md"
    page.write_text(PAGE.replace("print(6 * 7", "print(1 / 0"))
    executed, _, error = execute_book.execute_page(str(page), timeout=120, allow_errors=False)
    assert executed == "" and "ZeroDivisionError" in error


def test_a_plain_markdown_file_is_not_a_page(tmp_path):
    page = tmp_path / "notes.md"
    page.write_text("# Notes\n\nNo top matter.\n")
    with pytest.raises(ValueError, match=r"notes.md: not a notebook page"):
        execute_book.read_page(page)
