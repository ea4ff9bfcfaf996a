"""Shared pytest set-up: quiet TensorFlow, a seeded random generator, the two check modes, and
the built website served and visited once per session for the browser tests."""

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


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under ``--dist loadgroup``: each test module is one group (its module fixtures then run
    once), except that the modules sharing an expensive session fixture share a group."""
    if not getattr(config.option, "loadgroup", False):  # set on the workers by xdist
        return
    modules: dict[str, list[pytest.Item]] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::")[0], []).append(item)
    for module, its_items in modules.items():
        used = {name for item in its_items for name in getattr(item, "fixturenames", ())}
        group = next((name for name in SHARED_SESSION_FIXTURES if name in used), module)
        for item in its_items:
            item.add_marker(pytest.mark.xdist_group(group))
