"""Shared pytest set-up: quiet TensorFlow, a seeded random generator, the two check modes, and
the built website served and visited once per session for the browser tests."""

import functools
import os
import sys
from pathlib import Path

import numpy as np
import pytest

import course_pkg.checks as check
from course_pkg.checks import capture

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# The repository tools the tests share (tools/book_toc.py, tools/colab_sync.py) are scripts, not a
# package: put their folder on the path once, here.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh generator with a fixed seed, so every test is reproducible on its own."""
    return np.random.default_rng(1234)


@pytest.fixture
def visible(monkeypatch):
    """course_pkg.checks in visible mode: compare with the reference and raise on a wrong term."""
    monkeypatch.delenv(check.CAPTURE_ENV, raising=False)


@pytest.fixture
def capture_dir(tmp_path, monkeypatch) -> Path:
    """course_pkg.checks in capture mode, recording into a fresh folder (as in the sandbox)."""
    monkeypatch.setenv(check.CAPTURE_ENV, str(tmp_path))
    capture.set_current_cell(None)
    yield tmp_path
    capture.set_current_cell(None)



@pytest.fixture(scope="session")
def site_url():
    """Base URL of the built ``_build/html``, served on a free localhost port for the session."""
    from site_visits import serve_site

    with serve_site() as url:
        yield url


@pytest.fixture(scope="session")
def site_visits(request: pytest.FixtureRequest) -> dict:
    """Every built page at every width, visited once in headless Chromium (tests/site_visits.py).

    Empty when the site is not built: each browser test then fails, naming `make book`.
    """
    from site_visits import SITE, visit_site

    if not (SITE / "index.html").is_file():
        return {}
    return visit_site(request.getfixturevalue("site_url"))


@pytest.fixture(scope="session")
def recipe_test_runs(tmp_path_factory: pytest.TempPathFactory):
    """Application recipes' ``test`` presets, each run once per session (tests/recipe_runs.py)."""
    from recipe_runs import RecipeTestRuns

    return RecipeTestRuns(tmp_path_factory.mktemp("recipe-test-runs"))


# Session fixtures too expensive to compute on two xdist workers: the modules that use one of
# them form one group, so they run on one worker (tools/run_tests.py, ``--dist loadgroup``).
SHARED_SESSION_FIXTURES = ("site_visits", "recipe_test_runs")
TESTS = Path(__file__).resolve().parent


@functools.cache
def xdist_group(module: str) -> str:
    """The group of a test module (``"tests/test_x.py"``): the first shared session fixture its
    source names (as a test's or a fixture's argument), else the module itself."""
    text = (TESTS.parent / module).read_text(encoding="utf-8")
    return next((name for name in SHARED_SESSION_FIXTURES if name in text), module)


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """``--dist loadgroup`` as this suite needs it: each worker takes whole groups of
    :func:`xdist_group` (module fixtures such as a graded batch run once, and the site visits and
    the recipes' test runs once per session), the groups with the most tests first.

    pytest-xdist's own ``loadgroup`` reads ``xdist_group`` marks from suffixes it writes into the
    node ids; pytest 9 no longer lets it rewrite them, so it handed out single tests."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModuleGroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return xdist_group(nodeid.split("::", 1)[0])

    return ModuleGroupScheduling(config, log)
