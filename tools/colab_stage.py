"""The CI's Colab stage: run every notebook as Colab would, in a copy of Colab's runtime.

1. Build the wheel of this repository (from a clean copy of the package sources, no build
   isolation: nothing downloads).
2. Make a venv with Colab's Python (3.13 where this machine has it, else this Python; printed)
   holding only Colab's packages at Colab's versions, ``tools/colab_requirements.txt``.
3. For every book notebook (``book/*.ipynb`` of ``_toc.yml``) and every release notebook
   (``assignments/release/*/*.ipynb``): uninstall the course package (a fresh Colab runtime does
   not have it), copy the notebook alone into an empty folder and execute it there with
   ``google.colab`` simulated (a ``sitecustomize`` puts a module of that name into
   ``sys.modules``), so its set-up cell takes the Colab path. There is no network: the cell
   installs the wheel, named by ``RNN_COURSE_PACKAGE`` (see ``course_pkg.colab.PACKAGE_ENV``),
   and ``PIP_NO_INDEX=1`` makes any other download fail. What an application chapter installs on
   Colab from PyPI (sacrebleu, seqeval...) comes from a wheelhouse built once from the registry
   (``tools/colab_wheelhouse.txt``) through ``PIP_FIND_LINKS``.
   ``--jobs`` notebooks run at once, each in its own copy of that venv (the set-up cell installs
   the course wheel into the venv it runs in, so two notebooks never share one); the copies are
   made by copying the first venv, not by installing again.
4. Print a table (notebook, result, seconds) and the summary. A book notebook passes when every
   cell runs. A release notebook passes when it fails only where a student has work to do: every
   error is in a graded test cell, caused by an unanswered stub (``NotImplementedError``) and
   with a message that says what to do.

Exit status 0 when every notebook passes. Usage (from the repository root)::

    .venv/bin/python tools/colab_stage.py [--python /path/to/python3.13] [--only NAME ...] [--jobs 2]
        [--kind book release]

The book's pages can also be executed in this runtime by the book build itself
(``make book BOOK_RUNTIME=colab``, tools/execute_book.py, with :class:`ColabRuntime`): the CI
does so, so that each page runs once, and this stage then runs only the releases
(``--kind release``).

The venv, the wheel and the executed notebooks live in ``_build/colab/``; the venv is reused
while ``tools/colab_requirements.txt`` is unchanged.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "_build" / "colab"
REQUIREMENTS = ROOT / "tools" / "colab_requirements.txt"
WHEELHOUSE_LIST = ROOT / "tools" / "colab_wheelhouse.txt"
PACKAGE_ENV = "RNN_COURSE_PACKAGE"  # = course_pkg.colab.PACKAGE_ENV (tests/test_colab.py checks)
COLAB_PYTHON = "3.13"
CELL_TIMEOUT_S = 600

# Put into the kernel's sys.modules by sitecustomize: the marker Colab's own runtime has.
SITECUSTOMIZE = '''\
"""Simulated Colab (tools/colab_stage.py): a module named google.colab is imported."""
import sys
import types

_colab = types.ModuleType("google.colab", "Simulated by tools/colab_stage.py: not Google's module.")
sys.modules.setdefault("google.colab", _colab)
'''


# ---------------------------------------------------------------------------------------------
# Host side: build, venv, run each notebook in a subprocess of the venv's Python
# ---------------------------------------------------------------------------------------------


def build_wheel(out_dir: Path, root: Path = ROOT, python: str = sys.executable) -> Path:
    """Build the wheel from a clean copy of the package sources; return its path.

    A clean copy, so that no stale ``build/`` folder of the checkout slips old files in.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="colab-wheel-") as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
        for name in ("course_pkg", "autograder"):
            shutil.copytree(root / name, src / name, ignore=ignore)
        for path in [root / "pyproject.toml", root / "README.md", *root.glob("LICENSE*")]:
            shutil.copy2(path, src / path.name)
        before = set(out_dir.glob("*.whl"))
        for old in before:
            old.unlink()
        proc = subprocess.run([python, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                               str(src), "-w", str(out_dir)], capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"building the wheel failed:\n{proc.stdout}\n{proc.stderr}")
    (wheel,) = out_dir.glob("rnn_course-*.whl")
    return wheel


def find_colab_python() -> str:
    """A Python of Colab's version (3.13) that runs: under pyenv, on PATH, else this Python."""
    candidates = sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{COLAB_PYTHON}*/bin/python3")),
                        reverse=True)
    candidates.append(shutil.which(f"python{COLAB_PYTHON}"))
    for candidate in candidates:
        if candidate and python_version(candidate).startswith(COLAB_PYTHON + "."):
            return candidate
    return sys.executable


def python_version(python: str) -> str:
    """``3.13.0`` for a Python that runs, else an empty string (e.g. an unselected pyenv shim)."""
    proc = subprocess.run([python, "-c", "import platform; print(platform.python_version())"],
                          capture_output=True, text=True)
    return proc.stdout.strip() if proc.returncode == 0 else ""


def installer(vpy: Path) -> list[str]:
    """The command that installs packages into the venv of ``vpy``: the uv that tools/setup.sh
    put beside this Python (a third of pip's time; pip's find-links passed on), else its pip."""
    uv = Path(sys.executable).parent / "uv"
    if not uv.is_file():
        return [str(vpy), "-m", "pip", "install", "-q"]
    links = os.environ.get("PIP_FIND_LINKS") or subprocess.run(
        [sys.executable, "-m", "pip", "config", "get", "global.find-links"],
        capture_output=True, text=True).stdout
    return [str(uv), "pip", "install", "--quiet", "--python", str(vpy),
            *[arg for folder in links.split() for arg in ("--find-links", folder)]]


def make_venv(python: str, venv: Path) -> Path:
    """The venv of Colab's packages (reused while the requirements and Python are unchanged)."""
    stamp = venv / ".colab-stamp"
    want = hashlib.sha256(REQUIREMENTS.read_bytes() + python.encode()).hexdigest()[:16]
    if stamp.is_file() and stamp.read_text() == want:
        return venv / "bin" / "python"
    if venv.exists():
        shutil.rmtree(venv)
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    vpy = venv / "bin" / "python"
    proc = subprocess.run([*installer(vpy), "-r", str(REQUIREMENTS)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"installing {REQUIREMENTS.name} failed:\n{proc.stdout}\n{proc.stderr}")
    stamp.write_text(want)
    return vpy


def clone_venv(source: Path, target: Path) -> Path:
    """A copy of the venv ``source`` at ``target`` (reused while it matches ``source``'s stamp).

    Copying takes seconds where installing Colab's packages again takes minutes. The scripts in
    ``bin/`` name their interpreter by its absolute path: they are rewritten to name the copy's,
    so that nothing run in the copy installs into the original.
    """
    stamp = (source / ".colab-stamp").read_text()
    if (target / ".colab-stamp").is_file() and (target / ".colab-stamp").read_text() == stamp:
        return target / "bin" / "python"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, symlinks=True)
    for script in (target / "bin").iterdir():
        if script.is_symlink() or not script.is_file():
            continue
        data = script.read_bytes()
        if str(source).encode() in data:
            script.write_bytes(data.replace(str(source).encode(), str(target).encode()))
    return target / "bin" / "python"


def make_wheelhouse(vpy: Path, folder: Path) -> Path:
    """The wheels a chapter installs on Colab from PyPI (``tools/colab_wheelhouse.txt``), built
    once from the registry; the notebooks install from this folder only (no index)."""
    stamp = folder / ".stamp"
    want = hashlib.sha256(WHEELHOUSE_LIST.read_bytes() + str(vpy).encode()).hexdigest()[:16]
    if stamp.is_file() and stamp.read_text() == want:
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    proc = subprocess.run([str(vpy), "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(folder),
                           "-r", str(WHEELHOUSE_LIST)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"building the wheelhouse failed:\n{proc.stdout}\n{proc.stderr}")
    stamp.write_text(want)
    return folder


def toc_notebooks(root: Path = ROOT) -> list[Path]:
    """The paired notebook of every page of ``_toc.yml``, home page first."""
    # Imported here, not at the top: this file is also the executor that runs inside the Colab
    # venv, which has no PyYAML.
    from book_toc import toc_pages

    return [root / f"{page}.ipynb" for page in toc_pages(root)]


def execution_order(jobs: list[tuple[Path, str]], root: Path = ROOT) -> list[tuple[Path, str]]:
    """``(notebook, kind)`` jobs in the order to start them: book pages slowest first
    (``tools/page_order.py``), then the rest (the short release notebooks) as given, so that the
    short ones fill the gaps at the end."""
    from page_order import slowest_first

    pages = [str(nb.relative_to(root).with_suffix("")) for nb, kind in jobs if kind == "book"]
    rank = {name: i for i, name in enumerate(slowest_first(pages))}

    def position(job: tuple[Path, str]) -> int:
        notebook, kind = job
        if kind != "book":
            return len(rank)
        return rank[str(notebook.relative_to(root).with_suffix(""))]

    return sorted(jobs, key=position)


def release_notebooks(root: Path = ROOT) -> list[Path]:
    return sorted((root / "assignments" / "release").glob("*/*.ipynb"))


def run_one(vpy: Path, notebook: Path, kind: str, wheel: Path, site_dir: Path,
            wheelhouse: Path, label: str | None = None) -> dict:
    """Execute one notebook alone in an empty folder, as a fresh Colab runtime would.

    Returns:
        ``{"notebook" (``label``, default the path from the repository root), "kind", "passed",
        "problems", "messages", "seconds", "executed" (the executed copy's path)}``.
    """
    subprocess.run([str(vpy), "-m", "pip", "uninstall", "-q", "-y", "rnn-course"],
                   check=True, capture_output=True)
    folder = WORK / "run" / f"{kind}-{notebook.stem}"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    shutil.copy2(notebook, folder / notebook.name)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PYTHON", "PIP_", "KERAS_", "TF_", "VIRTUAL_ENV", "JUPYTER"))}
    env.update({
        "PYTHONPATH": str(site_dir),        # sitecustomize: google.colab is in sys.modules
        PACKAGE_ENV: str(wheel),            # the set-up cell installs this wheel
        "PIP_NO_INDEX": "1",                # and nothing from the network:
        "PIP_FIND_LINKS": str(wheelhouse),  # what a chapter installs comes from the wheelhouse
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PATH": os.pathsep.join([str(vpy.parent), env.get("PATH", "")]),
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    })
    result_file = folder / "result.json"
    start = time.perf_counter()
    proc = subprocess.run([str(vpy), str(Path(__file__).resolve()), "--execute", notebook.name,
                           "--execute-kind", kind, "--result", str(result_file)],
                          cwd=folder, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result_file.is_file():
        result = json.loads(result_file.read_text())
    else:
        result = {"passed": False, "problems": [f"the executor crashed: {proc.stderr[-2000:]}"],
                  "messages": []}
    installed = subprocess.run([str(vpy), "-m", "pip", "show", "-q", "rnn-course"],
                               capture_output=True).returncode == 0
    if not installed:
        result["passed"] = False
        result["problems"].append("the set-up cell did not install the course package")
    result.update(notebook=label or str(notebook.relative_to(ROOT)), kind=kind, seconds=seconds,
                  executed=str(folder / notebook.name))
    return result


def print_table(results: list[dict]) -> None:
    width = max(len(r["notebook"]) for r in results)
    print(f"{'notebook'.ljust(width)}  {'result':<7}  {'seconds':>7}")
    print(f"{'-' * width}  {'-' * 7}  {'-' * 7}")
    for r in results:
        print(f"{r['notebook'].ljust(width)}  {'passed' if r['passed'] else 'FAILED':<7}  "
              f"{r['seconds']:7.1f}")
        for problem in r["problems"]:
            print(f"    problem: {problem}")


@dataclass
class ColabRuntime:
    """What running notebooks as Colab would needs: the wheel, one venv per notebook run at once,
    the wheelhouse and the folder of the simulated ``google.colab``."""

    python: str
    version: str
    wheel: Path
    venvs: list[Path]
    wheelhouse: Path
    site_dir: Path

    @classmethod
    def prepare(cls, jobs: int = 2, python: str | None = None) -> "ColabRuntime":
        """Build (or reuse) everything, printing each step; ``jobs`` venvs."""
        python = python or find_colab_python()
        version = python_version(python)
        note = "" if version.startswith(COLAB_PYTHON + ".") else f" (not Colab's {COLAB_PYTHON}: none found)"
        print(f"colab runtime: Python {version} from {python}{note}", flush=True)
        WORK.mkdir(parents=True, exist_ok=True)
        wheel = build_wheel(WORK / "dist")
        print(f"colab runtime: built {wheel.relative_to(ROOT)}", flush=True)
        t0 = time.perf_counter()
        folders = [WORK / "venv"] + [WORK / f"venv-{i + 1}" for i in range(1, jobs)]
        vpy = make_venv(python, folders[0])
        venvs = [vpy] + [clone_venv(folders[0], folder) for folder in folders[1:]]
        print(f"colab runtime: {len(venvs)} venv(s) {', '.join(str(f.relative_to(ROOT)) for f in folders)} "
              f"with tools/colab_requirements.txt ({time.perf_counter() - t0:.0f} s)", flush=True)
        t0 = time.perf_counter()
        wheelhouse = make_wheelhouse(vpy, WORK / "wheelhouse")
        print(f"colab runtime: wheelhouse {wheelhouse.relative_to(ROOT)} with "
              f"tools/colab_wheelhouse.txt ({time.perf_counter() - t0:.0f} s)", flush=True)
        site_dir = WORK / "site"
        site_dir.mkdir(exist_ok=True)
        (site_dir / "sitecustomize.py").write_text(SITECUSTOMIZE)
        return cls(python, version, wheel, venvs, wheelhouse, site_dir)

    def run(self, jobs: list[tuple[Path, str, str]]) -> list[dict]:
        """Run ``(notebook, kind, label)`` jobs in the given order, one per venv at a time, printing
        each result as it ends; the results (:func:`run_one`) in the order of ``jobs``."""
        pending: queue.Queue = queue.Queue()
        for job in jobs:
            pending.put(job)
        done: dict[str, dict] = {}
        printing = threading.Lock()

        def run_in(venv_python: Path) -> None:  # one thread per venv, taking notebooks in turn
            while True:
                try:
                    notebook, kind, label = pending.get_nowait()
                except queue.Empty:
                    return
                result = run_one(venv_python, notebook, kind, self.wheel, self.site_dir,
                                 self.wheelhouse, label)
                with printing:
                    print(f"colab runtime: {label}: {'passed' if result['passed'] else 'FAILED'} "
                          f"in {result['seconds']:.1f} s", flush=True)
                done[label] = result

        with ThreadPoolExecutor(max_workers=len(self.venvs)) as pool:
            list(pool.map(run_in, self.venvs))
        return [done[label] for _, _, label in jobs]


def print_summary(results: list[dict], version: str, seconds: float) -> bool:
    """The table, the stub messages of the release notebooks and the summary line; True when
    every notebook passed."""
    print()
    print_table(results)
    print()
    for r in results:
        if r["kind"] == "release":
            print(f"{r['notebook']}: {len(r['messages'])} test cells fail on unanswered stubs; "
                  f"their messages:")
            for message in sorted(set(r["messages"])):
                print(f"    {message}")
    summary = []
    for kind in ("book", "release"):
        of_kind = [r for r in results if r["kind"] == kind]
        if of_kind:
            summary.append(f"{kind} {sum(r['passed'] for r in of_kind)}/{len(of_kind)}")
    print("colab stage: " + ", ".join(summary) + f" (Python {version}, {seconds:.0f} s)")
    return all(r["passed"] for r in results)


def host_main(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    runtime = ColabRuntime.prepare(args.jobs, args.python)
    jobs = [(nb, "book") for nb in toc_notebooks()] + [(nb, "release") for nb in release_notebooks()]
    jobs = [(nb, kind) for nb, kind in jobs if kind in args.kind]
    if args.only:
        jobs = [(nb, kind) for nb, kind in jobs if nb.stem in args.only]
    if not jobs:
        print("colab stage: no notebook chosen")
        return 1
    results = runtime.run([(nb, kind, str(nb.relative_to(ROOT))) for nb, kind in execution_order(jobs)])
    toc_order = {str(nb.relative_to(ROOT)): i for i, (nb, _) in enumerate(jobs)}
    results.sort(key=lambda r: toc_order[r["notebook"]])
    return 0 if print_summary(results, runtime.version, time.perf_counter() - started) else 1


# ---------------------------------------------------------------------------------------------
# Venv side: execute one notebook with nbclient (standard library + nbclient + nbformat only)
# ---------------------------------------------------------------------------------------------

STUB_ERROR = re.compile(r"raised NotImplementedError: (?P<message>.*\S)", re.S)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def one_line(text: str) -> str:
    return " ".join(ANSI.sub("", text).split())


def release_problems(nb) -> tuple[list[str], list[str]]:
    """Errors of an executed release notebook that are not where a student has work to do.

    Accepted: an answer cell that still holds its stub and raises NotImplementedError with a
    message; a test cell whose answer (the nearest answer cell above it, as the autograder
    reads a template) still holds its stub, failing with an AssertionError whose message is not
    empty. Returns
    ``(problems, messages)``; the messages are the accepted test cells' ones, on one line.
    """
    unanswered = {
        cell.metadata["nbgrader"]["grade_id"]
        for cell in nb.cells
        if cell.metadata.get("nbgrader", {}).get("solution")
        and "raise NotImplementedError(" in cell.source
    }
    problems, messages = [], []
    answer = None
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        grade_id = meta.get("grade_id", "")
        if meta.get("solution") and cell.cell_type == "code":
            answer = grade_id
        errors = [out for out in cell.get("outputs", []) if out.get("output_type") == "error"]
        if cell.cell_type != "code" or not errors:
            continue
        for error in errors:
            text = one_line(f"{error['ename']}: {error['evalue']}")
            if meta.get("solution") and grade_id in unanswered:
                if error["ename"] != "NotImplementedError" or not error["evalue"].strip():
                    problems.append(f"answer cell {grade_id}: {text or 'an empty message'}")
            elif meta.get("grade") and answer in unanswered:
                if error["ename"] != "AssertionError" or not error["evalue"].strip():
                    problems.append(f"test cell {grade_id}: {text}")
                elif "NotImplementedError" in error["evalue"] and not STUB_ERROR.search(error["evalue"]):
                    problems.append(f"test cell {grade_id}: the NotImplementedError says nothing: {text}")
                else:
                    messages.append(one_line(error["evalue"]))
            else:
                problems.append(f"cell {grade_id or cell.get('id')} (no unanswered stub) failed: {text}")
    return problems, messages


def execute(notebook: str, kind: str, result_path: str) -> int:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                            allow_errors=(kind == "release"), resources={"metadata": {"path": "."}})
    problems, messages = [], []
    try:
        client.execute()
    except CellExecutionError as exc:
        problems.append(str(exc).strip().splitlines()[-1][:500])
    except Exception as exc:  # noqa: BLE001 - a kernel that dies or times out is a failure too
        problems.append(f"{type(exc).__name__}: {exc}"[:500])
    if kind == "release" and not problems:
        problems, messages = release_problems(nb)
    nbformat.write(nb, notebook)
    Path(result_path).write_text(json.dumps(
        {"passed": not problems, "problems": problems, "messages": messages}))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", help="the interpreter of the Colab venv (default: Python "
                                         f"{COLAB_PYTHON} if found, else this one)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these notebooks (stems)")
    parser.add_argument("--jobs", type=int, default=2,
                        help="notebooks run at once, each in its own venv (default 2)")
    parser.add_argument("--kind", nargs="+", choices=["book", "release"], default=["book", "release"],
                        help="which notebooks: the book's, the releases' or both (default); "
                             "`make book BOOK_RUNTIME=colab` runs the book's itself")
    parser.add_argument("--execute", help=argparse.SUPPRESS)
    parser.add_argument("--execute-kind", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs expected a positive integer, got {args.jobs}")
    if args.execute:
        return execute(args.execute, args.execute_kind, args.result)
    return host_main(args)


if __name__ == "__main__":
    sys.exit(main())
