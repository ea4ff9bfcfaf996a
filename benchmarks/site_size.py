"""Weight of the published website: the size of ``_build/html`` and what each page costs a reader.

Two figures, for the site as built (``make book`` first; nothing is built here):

* **site size**: bytes of every file under ``_build/html``, the MathJax share of it, and the
  number of files: what GitHub Pages serves (the limit checked by the tests is 15 MB);
* **cold transfer per page**: each page of ``_toc.yml`` opened in a fresh headless Chromium
  (empty cache) from a local server, summing the bytes of every response the page requests
  until the network is idle, after MathJax has typeset it (fonts and TeX extensions included);
  the local server does not compress, so these are uncompressed bytes.

The figures are recorded with the date, the machine and the git commit in
``benchmarks/results/site_size.json``; ``site_size.md`` is rendered from it. Measuring the same
commit on the same machine again replaces that row; anything else is appended.

    python -m benchmarks.site_size                 # measure ./_build/html and record
    python -m benchmarks.site_size --site DIR      # another built site; --no-record to only print
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import http.server
import json
import sys
import threading
from dataclasses import asdict, dataclass
from pathlib import Path


from benchmarks.recording import Machine, describe_machine, git_commit, merge_run

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from book_toc import toc_pages  # noqa: E402 - tools/ is not a package

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
SITE = REPO / "_build" / "html"
CHROMIUM = "/usr/bin/chromium"


@dataclass
class SiteSize:
    """One measurement of the built site."""

    date: str
    commit: str
    dirty: bool
    machine: Machine
    site_bytes: int
    mathjax_bytes: int
    files: int
    pages: dict[str, dict[str, int]]  # docname -> {"bytes": ..., "requests": ...}


def folder_bytes(folder: Path) -> tuple[int, int]:
    """(bytes, files) of every file under ``folder``."""
    sizes = [path.stat().st_size for path in folder.rglob("*") if path.is_file()]
    return sum(sizes), len(sizes)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass


def cold_transfer(site: Path, pages: list[str]) -> dict[str, dict[str, int]]:
    """Bytes and requests of each page loaded cold (fresh browser context, empty cache)."""
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    found: dict[str, dict[str, int]] = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                 args=["--no-sandbox", "--disable-gpu"])
            for name in pages:
                context = browser.new_context(viewport={"width": 1366, "height": 900})
                page = context.new_page()
                sizes: list[int] = []

                def on_finished(request: object, sizes: list[int] = sizes) -> None:
                    response = request.response()
                    if response is not None:
                        sizes.append(len(response.body()))

                page.on("requestfinished", on_finished)
                page.goto(f"{base}/{name}.html", wait_until="load", timeout=60_000)
                page.evaluate("async () => { if (window.MathJax && MathJax.startup) "
                              "await MathJax.startup.promise; }")
                page.wait_for_load_state("networkidle", timeout=30_000)
                found[name] = {"bytes": sum(sizes), "requests": len(sizes)}
                context.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return found


def measure(site: Path = SITE) -> SiteSize:
    if not (site / "index.html").is_file():
        raise FileNotFoundError(f"{site}/index.html is missing: run `make book` first")
    size, files = folder_bytes(site)
    mathjax, _ = folder_bytes(site / "_static" / "mathjax")
    commit, dirty = git_commit()
    return SiteSize(
        date=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        commit=commit,
        dirty=dirty,
        machine=describe_machine(),
        site_bytes=size,
        mathjax_bytes=mathjax,
        files=files,
        pages=cold_transfer(site, [p for p in toc_pages() if (site / f"{p}.html").is_file()]),
    )


def record(run: SiteSize, results: Path = RESULTS) -> list[dict]:
    """Merge ``run`` into ``site_size.json`` and rewrite ``site_size.md``; return the rows."""
    results.mkdir(parents=True, exist_ok=True)
    path = results / "site_size.json"
    rows: list[dict] = json.loads(path.read_text())["runs"] if path.exists() else []
    rows = merge_run(rows, asdict(run), same_keys=("commit", "dirty"))
    document = {
        "benchmark": "site_size",
        "measures": {
            "site_bytes": "every file under _build/html",
            "mathjax_bytes": "of which _static/mathjax",
            "pages": "per page of _toc.yml: bytes of every response of a cold load in Chromium "
                     "(1366 px, empty cache) once MathJax has typeset, and the request count",
        },
        "runs": rows,
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
    (results / "site_size.md").write_text(render_markdown(rows))
    return rows


def _mb(n: int) -> str:
    return f"{n / 1e6:.2f}"


def render_markdown(rows: list[dict]) -> str:
    """The history table (newest first) and the per-page table of the newest run."""
    lines = [
        "# Website weight",
        "",
        "Measured by `python -m benchmarks.site_size` on the built site (`make book`).",
        "*Site*: every file under `_build/html` (the limit is 15 MB). *Cold transfer*: the bytes",
        "of every response when a page is opened in a fresh headless Chromium with an empty",
        "cache, after MathJax has typeset it; bytes as served by a local `http.server`, which",
        "does not compress (GitHub Pages sends text compressed, so readers receive less).",
        "",
        "| date (UTC) | commit | site (MB) | MathJax (MB) | files | cold transfer, mean page (MB) "
        "| heaviest page |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in reversed(rows):
        pages = row["pages"]
        heaviest = max(pages, key=lambda p: pages[p]["bytes"]) if pages else "-"
        mean = sum(p["bytes"] for p in pages.values()) / max(len(pages), 1)
        commit = f"`{row['commit']}{' (dirty)' if row['dirty'] else ''}`"
        lines.append(
            f"| {row['date'].replace('T', ' ').rstrip('Z')} | {commit} | {_mb(row['site_bytes'])} "
            f"| {_mb(row['mathjax_bytes'])} | {row['files']} | {_mb(int(mean))} "
            f"| {heaviest} ({_mb(pages[heaviest]['bytes']) if pages else '-'}) |")
    if rows:
        newest = rows[-1]
        lines += ["", f"## Cold transfer per page ({newest['commit']})", "",
                  "| page | transfer (MB) | requests |", "|---|---|---|"]
        for name, page in newest["pages"].items():
            lines.append(f"| {name} | {_mb(page['bytes'])} | {page['requests']} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.site_size", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", type=Path, default=SITE, help="the built site (_build/html)")
    parser.add_argument("--no-record", action="store_true", help="print only")
    args = parser.parse_args(argv)
    run = measure(args.site)
    print(f"[site_size] site {_mb(run.site_bytes)} MB in {run.files} files "
          f"(MathJax {_mb(run.mathjax_bytes)} MB)")
    for name, page in run.pages.items():
        print(f"[site_size]   {name:<32} {_mb(page['bytes'])} MB cold, {page['requests']} requests")
    if not args.no_record:
        record(run)
        print(f"[site_size] recorded in {RESULTS / 'site_size.json'} and site_size.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
