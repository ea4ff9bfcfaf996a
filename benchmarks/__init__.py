"""Scripts that measure and record performance figures; see benchmarks/README.md.

Every module here except ``run_all`` is a benchmark exposing ``main() -> int | None``;
``python -m benchmarks.run_all`` discovers and runs them all.
"""
