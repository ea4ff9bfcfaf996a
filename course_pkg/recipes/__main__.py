"""Command line: ``python -m course_pkg.recipes RECIPE --preset PRESET --out DIR [--run-dir DIR]``."""

from __future__ import annotations

import argparse
import os
import sys

from . import APPLICATIONS, PRESET_NAMES, RECIPES, report, run_recipe
from ._common import result_path


def _reproduction_line(record: dict) -> str:
    return (f"{record['kind']:>15}  T={record['T']:<4} seed={record['seed']}  "
            f"forget_bias={int(record['unit_forget_bias'])}  "
            f"test MSE {record['test_mse']:.4f}  epochs {record['epochs_run']}  "
            f"{record['wall_s']:.1f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m course_pkg.recipes",
        description="Train a recipe (a reproduction or an application chapter); write a JSON result.")
    parser.add_argument("recipe", choices=RECIPES)
    parser.add_argument("--preset", choices=PRESET_NAMES, default="book",
                        help="test: seconds; book: the live version of the book; colab: one T4 GPU "
                             "in <= 15 min (applications); full: the committed results, or one or "
                             "more A100/H100 (default: book)")
    parser.add_argument("--out", default=".", help="folder for <recipe>_<preset>.json (default: .)")
    parser.add_argument("--run-dir", default=None,
                        help="applications: folder for the checkpoint written every epoch and the "
                             "CSV log; a run started again with it resumes where it stopped")
    parser.add_argument("--quiet", action="store_true", help="do not print a line per run or epoch")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    application = args.recipe in APPLICATIONS
    if args.run_dir is not None and not application:
        parser.error(f"--run-dir is for the application recipes {list(APPLICATIONS)}")

    def progress(record: dict) -> None:
        if args.quiet:
            return
        if application:
            from .training import format_epoch

            print(format_epoch(record) if "epoch" in record else record.get("line", record),
                  flush=True)
        else:
            print(_reproduction_line(record), flush=True)

    options = {"run_dir": args.run_dir} if application else {}
    try:
        document = run_recipe(args.recipe, args.preset, out=args.out, progress=progress, **options)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if application:
        from .training import application_report

        print(application_report(document))
    else:
        print(report(document))
    print(f"wrote {result_path(args.out, args.recipe, args.preset)} in {document['wall_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
