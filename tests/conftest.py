"""Shared pytest set-up: quiet TensorFlow, a seeded random generator, the two check modes."""

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


#: Test files that take minutes, run first. ``make test`` runs the files two at a time
#: (pytest-xdist, ``--dist loadfile``: a file's tests and its module fixtures stay on one worker);
#: a long file started last would leave the other core idle while it finishes.
LONGEST_FILES_FIRST = ("test_website.py", "test_recipes_applications.py", "test_autograder_cases.py",
                       "test_colab.py", "test_sandbox.py")


def pytest_collection_modifyitems(config, items):
    """Put the tests of :data:`LONGEST_FILES_FIRST` first, in that order (stable otherwise)."""
    rank = {name: i for i, name in enumerate(LONGEST_FILES_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))
