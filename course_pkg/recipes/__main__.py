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


def _hardware(args: argparse.Namespace):
    """The preset's hardware with the command line's overrides (None: the recipe decides)."""
    if args.precision is None and args.cpu_devices is None:
        return None
    import dataclasses

    from .hardware import hardware_for, split_cpu

    devices = split_cpu(args.cpu_devices) if args.cpu_devices and args.cpu_devices > 1 else None
    hardware = hardware_for(args.preset)
    changes = {"precision": args.precision, "devices": devices}
    return dataclasses.replace(hardware, **{k: v for k, v in changes.items() if v is not None})


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
    parser.add_argument("--precision", default=None,
                        choices=("float32", "mixed_float16", "mixed_bfloat16"),
                        help="applications: override the preset's precision (default: float32 on "
                             "CPU and for test/book; mixed float16 on a T4, bfloat16 on A100/H100)")
    parser.add_argument("--cpu-devices", type=int, default=None, metavar="N",
                        help="applications: split the CPU into N devices and train data parallel "
                             "over them, to try data parallelism without GPUs")
    parser.add_argument("--quiet", action="store_true", help="do not print a line per run or epoch")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    application = args.recipe in APPLICATIONS
    for flag, value in (("--run-dir", args.run_dir), ("--precision", args.precision),
                        ("--cpu-devices", args.cpu_devices)):
        if value is not None and not application:
            parser.error(f"{flag} is for the application recipes {list(APPLICATIONS)}")
    if args.cpu_devices is not None and args.cpu_devices < 1:
        parser.error(f"--cpu-devices expected a positive integer, got {args.cpu_devices}")

    def progress(record: dict) -> None:
        if args.quiet:
            return
        if application:
            from .training import format_epoch

            print(format_epoch(record) if "epoch" in record else record.get("line", record),
                  flush=True)
        else:
            print(_reproduction_line(record), flush=True)

    try:
        options = {"run_dir": args.run_dir, "hardware": _hardware(args)} if application else {}
        document = run_recipe(args.recipe, args.preset, out=args.out, progress=progress, **options)
    except (ValueError, NotImplementedError) as exc:   # bad input; --cpu-devices on PyTorch
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
