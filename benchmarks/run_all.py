"""Run every benchmark in this package: ``python -m benchmarks.run_all``.

A benchmark is any module of ``benchmarks/`` (other than this one and names starting with ``_``)
that defines ``main()``. Each runs in turn, alphabetically, with ``sys.argv`` reset to its own
name so that an ``argparse``-based ``main`` sees no options. ``main()`` returning ``None`` or ``0``
is a success; a non-zero integer or an exception is a failure, reported without stopping the
others. The exit status is 1 when any benchmark failed or none was found.

    python -m benchmarks.run_all                 # everything
    python -m benchmarks.run_all --list          # what would run
    python -m benchmarks.run_all --only grading  # a subset (repeatable), or --skip NAME
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

PACKAGE = "benchmarks"
HERE = Path(__file__).resolve().parent
NOT_BENCHMARKS = {"run_all", "recording"}


def discover() -> list[str]:
    """Names of the modules in ``benchmarks/`` that may be benchmarks, sorted."""
    return sorted(
        info.name
        for info in pkgutil.iter_modules([str(HERE)])
        if not info.name.startswith("_") and info.name not in NOT_BENCHMARKS
    )


def load(name: str) -> Callable[[], int | None]:
    """Import ``benchmarks.<name>`` and return its ``main``.

    Raises:
        AttributeError: the module defines no callable ``main``.
    """
    module = importlib.import_module(f"{PACKAGE}.{name}")
    entry = getattr(module, "main", None)
    if not callable(entry):
        raise AttributeError(f"benchmarks/{name}.py defines no main(): it is not a benchmark")
    return entry


def run_one(name: str) -> tuple[bool, float, str]:
    """Run one benchmark; return (succeeded, wall seconds, a one-line outcome)."""
    saved_argv = sys.argv
    sys.argv = [f"{PACKAGE}/{name}.py"]
    start = time.perf_counter()
    try:
        status = load(name)()
    except SystemExit as stop:
        status = stop.code
    except Exception as error:  # one broken benchmark must not stop the others
        traceback.print_exc()
        return False, time.perf_counter() - start, f"raised {type(error).__name__}: {error}"
    finally:
        sys.argv = saved_argv
    seconds = time.perf_counter() - start
    if status in (None, 0):
        return True, seconds, "ok"
    return False, seconds, f"exit status {status}"


def main(argv: list[str] | None = None) -> int:
    """Run the selected benchmarks and print a summary; 1 when any failed or none ran."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run_all", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help="run only this benchmark (repeatable)")
    parser.add_argument("--skip", action="append", default=[], metavar="NAME",
                        help="do not run this benchmark (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = parser.parse_args(argv)

    found = discover()
    unknown = sorted(set(args.only + args.skip) - set(found))
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; found {found}")
    names = [n for n in found if (not args.only or n in args.only) and n not in args.skip]
    if args.list:
        print("\n".join(names))
        return 0
    if not names:
        print("[run_all] no benchmark selected", file=sys.stderr)
        return 1

    outcomes = []
    for name in names:
        print(f"[run_all] === {name} ===", flush=True)
        outcomes.append((name, *run_one(name)))
    print("[run_all] summary:")
    for name, ok, seconds, outcome in outcomes:
        print(f"[run_all]   {'PASS' if ok else 'FAIL'}  {name:<20} {seconds:8.1f} s  {outcome}")
    return 0 if all(ok for _, ok, _, _ in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
