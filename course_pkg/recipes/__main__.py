"""Command line: ``python -m course_pkg.recipes RECIPE --preset PRESET --out DIR``."""

from __future__ import annotations

import argparse
import os
import sys

from . import PRESET_NAMES, RECIPES, report, run_recipe
from ._common import result_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m course_pkg.recipes",
        description="Reproduce a published finding at small scale; write a JSON result file.")
    parser.add_argument("recipe", choices=RECIPES)
    parser.add_argument("--preset", choices=PRESET_NAMES, default="book",
                        help="test: seconds; book: the live version of the book; "
                             "full: the committed results (default: book)")
    parser.add_argument("--out", default=".", help="folder for <recipe>_<preset>.json (default: .)")
    parser.add_argument("--quiet", action="store_true", help="do not print a line per run")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    def progress(record: dict) -> None:
        if not args.quiet:
            print(f"{record['kind']:>15}  T={record['T']:<4} seed={record['seed']}  "
                  f"forget_bias={int(record['unit_forget_bias'])}  "
                  f"test MSE {record['test_mse']:.4f}  epochs {record['epochs_run']}  "
                  f"{record['wall_s']:.1f} s", flush=True)

    document = run_recipe(args.recipe, args.preset, out=args.out, progress=progress)
    print(report(document))
    print(f"wrote {result_path(args.out, args.recipe, args.preset)} in {document['wall_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
