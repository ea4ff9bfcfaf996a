"""tools/run_tests.py: the environment each pytest run gets."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import run_tests  # noqa: E402


def run(name: str) -> run_tests.Run:
    return next(r for r in run_tests.runs() if r.name == name)


def test_every_run_shares_one_jax_compilation_cache(monkeypatch):
    monkeypatch.delenv("JAX_COMPILATION_CACHE_DIR", raising=False)
    folders = {run_tests.environment(run(name), one_thread=False)["JAX_COMPILATION_CACHE_DIR"]
               for name in ("tensorflow", "jax", "torch")}
    assert folders == {str(run_tests.REPO / "_build" / "jax-compilation-cache")}
    env = run_tests.environment(run("jax"), one_thread=False)
    assert env["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] == "0"
    assert env["KERAS_BACKEND"] == "jax"
    monkeypatch.setenv("JAX_COMPILATION_CACHE_DIR", "/elsewhere")  # the caller's setting wins
    assert run_tests.environment(run("jax"), one_thread=False)["JAX_COMPILATION_CACHE_DIR"] == "/elsewhere"


def test_side_by_side_runs_get_one_thread_and_keep_their_xla_flags(monkeypatch):
    monkeypatch.setenv("XLA_FLAGS", "--xla_dump_to=/tmp/x")
    monkeypatch.setenv("OMP_NUM_THREADS", "8")
    env = run_tests.environment(run("torch"), one_thread=True)
    assert env["OMP_NUM_THREADS"] == "1" and env["TF_NUM_INTRAOP_THREADS"] == "1"
    assert env["XLA_FLAGS"] == "--xla_dump_to=/tmp/x --xla_cpu_multi_thread_eigen=false"
    alone = run_tests.environment(run("tensorflow"), one_thread=False)
    assert alone["OMP_NUM_THREADS"] == "8" and alone["XLA_FLAGS"] == "--xla_dump_to=/tmp/x"


def test_a_worker_count_below_one_is_refused(capsys):
    import pytest

    with pytest.raises(SystemExit):
        run_tests.main(["--workers", "0"])
    assert "--workers expected a positive integer, got 0" in capsys.readouterr().err


def test_the_staged_tensorflow_run_spreads_over_the_workers():
    tensorflow = run("tensorflow")
    argv = run_tests.command(tensorflow, 2, [])
    assert argv[argv.index("-n") + 1] == "2" and argv[argv.index("--dist") + 1] == "loadgroup"
    assert "-n" not in run_tests.command(tensorflow, 1, [])
    assert "-n" not in run_tests.command(run("jax"), 2, [])  # one process per Keras-only run
