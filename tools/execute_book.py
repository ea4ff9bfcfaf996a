"""Execute the book's pages several at a time into the Jupyter Book execution cache.

``jupyter-book build`` (``execute_notebooks: cache`` in ``_config.yml``) executes the notebook
pages one after another, and most of a page's time is one Python process training a small model:
one core of two. This tool runs the same execution first, ``--jobs`` pages at once, and stores
each executed notebook in the build's own jupyter-cache (``_build/.jupyter_cache``) exactly as
MyST-NB's cache mode does: the page is read by MyST-NB's reader, executed by jupyter-cache's
``single_nb_execution`` in the page's folder with the book's timeout, and cached with its
``execution_seconds``. The build that follows finds every page in the cache ("Using cached
notebook") and only renders. A page whose code has not changed since it was cached is skipped.

A page that fails here is reported and left out of the cache: the build then executes it again
itself and fails with its usual message, so the build stays the judge of every page.

With several pages at once, each page's NumPy gets its share of the cores
(``OPENBLAS_NUM_THREADS``, unless already set): OpenBLAS threads that outnumber the cores spin
against each other, and a NumPy-heavy page (the character language model) then runs six times
slower than alone.

With ``--runtime colab`` (``make book BOOK_RUNTIME=colab``, as the CI builds) every page
executes as Colab would instead, in the runtime of the CI's Colab stage (tools/colab_stage.py:
Colab's Python and packages, the course wheel installed by the page's own set-up cell,
``google.colab`` simulated), and a page that fails there fails this command. One execution is
then both the Colab check and the site's output. The pages of SITE_RUNS_HERE need a package that
runtime lacks here; they run there as the check and again in this venv for the site.

Usage (from the repository root; ``make book`` runs it before the build)::

    .venv/bin/python tools/execute_book.py [--jobs 2] [--path-output DIR] [--runtime local|colab]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from book_toc import toc_pages  # noqa: E402
from page_order import slowest_first  # noqa: E402

REPO = Path(__file__).resolve().parents[1]

#: Pages whose output on the site needs PyTorch, which the Colab runtime of the CI lacks (the
#: registries it reaches have no CPU build for Colab's Python 3.13; Colab itself has one): the
#: Keras-in-practice comparison with ``torch.nn.LSTM`` and its three-backend training table.
SITE_RUNS_HERE = ("book/keras_in_practice",)


def read_page(path: Path):
    """The notebook of a MyST Markdown page, as MyST-NB reads it for the build."""
    from myst_nb.core.config import NbParserConfig
    from myst_nb.core.read import create_nb_reader
    from myst_parser.config.main import MdParserConfig

    text = path.read_text(encoding="utf-8")
    reader = create_nb_reader(str(path), MdParserConfig(), NbParserConfig(), text)
    if reader is None:
        raise ValueError(f"{path}: not a notebook page (no jupytext/mystnb top matter)")
    return reader.read(text)


def execute_page(path: str, timeout: int, allow_errors: bool) -> tuple[str, float, str | None]:
    """Execute one page in its folder (a worker process).

    Returns:
        ``(executed notebook as JSON, seconds, None)``, or ``("", seconds, error)`` on failure.
    """
    import nbformat
    from jupyter_cache.executors.utils import single_nb_execution

    page = Path(path)
    result = single_nb_execution(read_page(page), cwd=str(page.parent), timeout=timeout,
                                 allow_errors=allow_errors, meta_override=True)
    if result.err is not None:
        return "", result.time, f"{type(result.err).__name__}: {result.exc_string[-3000:]}"
    return nbformat.writes(result.nb), result.time, None


def execution_settings(root: Path) -> tuple[int, bool]:
    """The ``execute`` settings of ``_config.yml``: timeout (s) and allow_errors."""
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    execute = config.get("execute") or {}
    return int(execute.get("timeout", 30)), bool(execute.get("allow_errors", False))


def with_outputs(page_nb, executed_nb):
    """``page_nb`` (as the build reads the page) with the outputs of ``executed_nb``, the same
    cells executed elsewhere: the cache entry then matches what the build looks up."""
    if len(page_nb.cells) != len(executed_nb.cells):
        raise ValueError(f"the executed notebook has {len(executed_nb.cells)} cells, the page "
                         f"{len(page_nb.cells)}")
    for cell, done in zip(page_nb.cells, executed_nb.cells):
        if cell.cell_type == "code":
            cell.outputs = done.get("outputs", [])
            cell.execution_count = done.get("execution_count")
    if "language_info" in executed_nb.metadata:
        page_nb.metadata["language_info"] = executed_nb.metadata["language_info"]
    return page_nb


def cache_page(cache, nb, path: Path, seconds: float) -> None:
    from jupyter_cache.base import CacheBundleIn

    cache.cache_notebook_bundle(CacheBundleIn(nb, str(path), data={"execution_seconds": seconds}),
                                check_validity=False, overwrite=True)


def execute_here(pages: list[Path], jobs: int, timeout: int, allow_errors: bool) -> list[tuple]:
    """Execute ``pages`` in this venv, ``jobs`` at a time, printing each result.

    Returns:
        ``(path, executed notebook or None, seconds)`` per page, in the order they ended.
    """
    import nbformat

    done = []
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(execute_page, str(p), timeout, allow_errors): p for p in pages}
        for future in as_completed(futures):
            path = futures[future]
            name = path.relative_to(REPO)
            executed, seconds, error = future.result()
            if error is not None:
                done.append((path, None, seconds))
                print(f"execute_book: {name} FAILED after {seconds:.1f} s (the build will run it "
                      f"again and report it):\n{error}", flush=True)
                continue
            done.append((path, nbformat.reads(executed, nbformat.NO_CONVERT), seconds))
            print(f"execute_book: {name} executed in {seconds:.1f} s", flush=True)
    return done


def execute_in_colab_runtime(pages: list[Path], jobs: int, cache) -> list[Path]:
    """Execute ``pages`` in the Colab runtime (tools/colab_stage.py), ``jobs`` at a time, in the
    given order, and cache each that passed, except those of SITE_RUNS_HERE; the failed ones."""
    import nbformat
    from colab_stage import WORK, ColabRuntime, print_summary

    started = time.perf_counter()
    runtime = ColabRuntime.prepare(jobs)
    folder = WORK / "pages"
    folder.mkdir(parents=True, exist_ok=True)
    work = []
    for path in pages:
        notebook = folder / f"{path.stem}.ipynb"
        nbformat.write(read_page(path), notebook)
        work.append((notebook, "book", str(path.relative_to(REPO).with_suffix(".md"))))
    results = runtime.run(work)
    failed = []
    for path, result in zip(pages, results):
        if not result["passed"]:
            failed.append(path)
        elif page_name(path) not in SITE_RUNS_HERE:
            executed = nbformat.read(result["executed"], as_version=4)
            cache_page(cache, with_outputs(read_page(path), executed), path, result["seconds"])
    print_summary(results, runtime.version, time.perf_counter() - started)
    return failed


def page_name(path: Path) -> str:
    """``book/gru`` for ``<repo>/book/gru.md``."""
    return str(path.relative_to(REPO).with_suffix(""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("BOOK_JOBS", "2")),
                        help="pages executed at once (default: $BOOK_JOBS or 2)")
    parser.add_argument("--path-output", default=".",
                        help="the folder holding _build, as jupyter-book's --path-output")
    parser.add_argument("--runtime", choices=["local", "colab"],
                        default=os.environ.get("BOOK_RUNTIME", "local"),
                        help="where pages execute: this venv (default: $BOOK_RUNTIME or local) or "
                             "the Colab runtime of tools/colab_stage.py")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs expected a positive integer, got {args.jobs}")

    from jupyter_cache import get_cache

    if args.jobs > 1:  # inherited by the workers and the kernels they start
        share = str(max(1, (os.cpu_count() or 1) // args.jobs))
        for variable in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(variable, share)
    timeout, allow_errors = execution_settings(REPO)
    cache = get_cache(str(Path(args.path_output) / "_build" / ".jupyter_cache"))
    todo = []
    for page in slowest_first(toc_pages(REPO)):  # the short pages fill the gaps at the end
        path = REPO / f"{page}.md"
        try:
            cache.match_cache_notebook(read_page(path))
        except KeyError:
            todo.append(path)
    print(f"execute_book: {len(todo)} of {len(toc_pages(REPO))} pages to execute, "
          f"{args.jobs} at a time, in the {args.runtime} runtime", flush=True)
    started = time.perf_counter()
    if args.runtime == "colab":
        # The pages the site needs from this venv run here meanwhile (one at a time), not after
        # the Colab runs, where such a page would run alone with one core idle.
        here = [path for path in todo if page_name(path) in SITE_RUNS_HERE]
        with ThreadPoolExecutor(max_workers=1) as thread:
            executing_here = thread.submit(execute_here, here, 1, timeout, allow_errors)
            failed_in_colab = execute_in_colab_runtime(todo, args.jobs, cache)
            done = executing_here.result()
        if failed_in_colab:
            print(f"execute_book: {len(failed_in_colab)} page(s) failed in the Colab runtime: "
                  f"{', '.join(str(p.relative_to(REPO)) for p in failed_in_colab)}")
            return 1
    else:
        done = execute_here(todo, args.jobs, timeout, allow_errors)
    failed = [path for path, nb, _ in done if nb is None]
    for path, nb, seconds in done:
        if nb is not None:
            cache_page(cache, nb, path, seconds)
    print(f"execute_book: done in {time.perf_counter() - started:.0f} s"
          + (f"; {len(failed)} failed: {', '.join(str(p.relative_to(REPO)) for p in failed)}"
             if failed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
