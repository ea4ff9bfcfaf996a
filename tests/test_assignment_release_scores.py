"""`make assignments`: the source scores full marks and the release zero, through the autograder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from autograder.errors import AssignmentError
from autograder.validation import validate_release_scores

pytestmark = pytest.mark.sandbox

COURSE = Path(__file__).resolve().parent.parent / "assignments"
NAME = "rnn_from_scratch"


def test_committed_release_scores_zero_and_source_full_marks():
    scores = validate_release_scores(COURSE, NAME)
    print(f"source {scores.source}/{scores.max_score}, release {scores.release}/{scores.max_score}")
    assert (scores.source, scores.release, scores.max_score) == (30.0, 0.0, 30.0)


def test_a_release_that_leaks_the_solutions_is_refused(tmp_path: Path):
    course = tmp_path / "assignments"
    shutil.copytree(COURSE / "source", course / "source")
    (course / "release" / NAME).mkdir(parents=True)
    shutil.copy(COURSE / "source" / NAME / f"{NAME}.ipynb", course / "release" / NAME / f"{NAME}.ipynb")
    with pytest.raises(AssignmentError, match=r"the release scores 30/30 instead of 0"):
        validate_release_scores(course, NAME)


def test_a_missing_release_is_named(tmp_path: Path):
    course = tmp_path / "assignments"
    shutil.copytree(COURSE / "source", course / "source")
    with pytest.raises(AssignmentError, match=r"release/rnn_from_scratch/rnn_from_scratch.ipynb does not exist"):
        validate_release_scores(course, NAME)
