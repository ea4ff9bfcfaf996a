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


def test_outputs_executed_elsewhere_are_cached_under_the_page_the_build_reads(tmp_path):
    """``--runtime colab``: a notebook executed in the Colab runtime (another Python, another
    folder, its own metadata) lands in the cache as the build's lookup of the page expects."""
    from jupyter_cache import get_cache
    import nbformat

    page = tmp_path / "page.md"
    page.write_text(PAGE)
    elsewhere = execute_book.read_page(page)
    elsewhere.metadata["kernelspec"] = {"name": "python3", "display_name": "Colab"}
    elsewhere.metadata["language_info"] = {"name": "python", "version": "3.13.0"}
    elsewhere.cells[-1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="42 run\n")]
    elsewhere.cells[-1].execution_count = 1
    nb = execute_book.with_outputs(execute_book.read_page(page), elsewhere)
    assert nb.cells[-1].outputs[0]["text"] == "42 run\n" and nb.cells[-1].execution_count == 1
    assert nb.metadata["language_info"]["version"] == "3.13.0"
    assert nb.metadata["kernelspec"]["display_name"] == "Python 3"  # the page's own
    cache = get_cache(str(tmp_path / "_build" / ".jupyter_cache"))
    execute_book.cache_page(cache, nb, page, 1.5)
    assert cache.match_cache_notebook(execute_book.read_page(page)).uri == str(page)


def test_outputs_of_another_notebook_are_refused(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(PAGE)
    other = execute_book.read_page(page)
    other.cells.append(other.cells[-1].copy())
    with pytest.raises(ValueError, match=r"executed notebook has 3 cells, the page 2"):
        execute_book.with_outputs(execute_book.read_page(page), other)


def test_the_pages_run_here_for_the_site_are_pages_of_the_book():
    from book_toc import toc_pages

    assert set(execute_book.SITE_RUNS_HERE) <= set(toc_pages(execute_book.REPO))
    assert "torch" in (execute_book.REPO / "book" / "keras_in_practice.md").read_text()
