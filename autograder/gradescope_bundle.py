"""Build a Gradescope autograder bundle: ``python -m autograder gradescope --assignment NAME``.

The zip (uploaded as the assignment's autograder, "zip file upload") holds::

    setup.sh           run once when Gradescope builds the image: installs bubblewrap, a venv at
                       /autograder/venv with the grader (pinned by constraints.txt), and caches
                       the expected values
    run_autograder     run per submission: python -m autograder.gradescope_run
    grader/            this project's pyproject.toml, constraints.txt, autograder/, course_pkg/
    course/source/<assignment>/, course/release/<assignment>/   the instructor's files

Both scripts take the root from ``$AUTOGRADER_ROOT`` (default ``/autograder``) and
``run_autograder`` the interpreter from ``$AUTOGRADER_PYTHON`` (default the venv setup.sh made),
so the bundle can be tried on any machine. Gradescope's container must let bubblewrap create
namespaces; where it cannot, results.json says the submission was not graded (see
:mod:`autograder.gradescope_run`).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from autograder.assignment import default_course_dir
from autograder.errors import AssignmentError

PROJECT = Path(__file__).resolve().parent.parent

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
set -euo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
cd "$ROOT/source"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends bubblewrap python3 python3-venv python3-pip
python3 -m venv "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install -q --upgrade pip
"$ROOT/venv/bin/python" -m pip install -q -c grader/constraints.txt numpy "./grader[grader]"
chmod -R a+rX "$ROOT/venv" "$ROOT/source"
"$ROOT/venv/bin/python" -m autograder.gradescope_run --assignment {assignment} --root "$ROOT" --prepare
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for every submission: grade $ROOT/submission, write $ROOT/results/results.json.
set -uo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PYTHON="${{AUTOGRADER_PYTHON:-$ROOT/venv/bin/python}}"
exec "$PYTHON" -m autograder.gradescope_run --assignment {assignment} --root "$ROOT"
"""


def _add_tree(zf: zipfile.ZipFile, folder: Path, arcname: str) -> None:
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and not path.is_symlink() and "__pycache__" not in rel.parts \
                and ".ipynb_checkpoints" not in rel.parts and path.suffix != ".pyc":
            zf.write(path, f"{arcname}/{rel.as_posix()}")


def _add_text(zf: zipfile.ZipFile, name: str, text: str, mode: int) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, text)


def build_bundle(assignment: str, out: str | Path, course_dir: str | Path | None = None) -> Path:
    """Write the bundle for ``assignment`` to ``out``; return its path.

    Raises:
        AssignmentError: the assignment does not load, or this grader is not a source checkout.
    """
    course = Path(course_dir) if course_dir is not None else default_course_dir()
    from autograder.parts import load_parts

    load_parts(assignment, course)  # refuse a broken assignment before writing anything
    if not (PROJECT / "pyproject.toml").is_file():
        raise AssignmentError(f"the grader at {PROJECT} is not a source checkout (no pyproject.toml): "
                              "build the bundle from the course repository")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        _add_text(zf, "setup.sh", SETUP.format(assignment=assignment), 0o755)
        _add_text(zf, "run_autograder", RUN.format(assignment=assignment), 0o755)
        for name in ("pyproject.toml", "constraints.txt", "README.md", "LICENSE"):
            if (PROJECT / name).is_file():
                zf.write(PROJECT / name, f"grader/{name}")
        _add_tree(zf, PROJECT / "autograder", "grader/autograder")
        _add_tree(zf, PROJECT / "course_pkg", "grader/course_pkg")
        for part in ("source", "release"):
            if (course / part / assignment).is_dir():
                _add_tree(zf, course / part / assignment, f"course/{part}/{assignment}")
    return out
