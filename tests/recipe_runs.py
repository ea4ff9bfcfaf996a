"""Each recipe's ``test`` preset, run once per test session and shared by the tests that read it.

A recipe's run is seeded, so on one backend it gives the same document every time: the tests that
only read a ``test``-preset result (its metrics, its JSON file, its checkpoints) take the
session's run instead of training the same models again. A test that changes a preset, or that
checks that a run repeats or resumes, still runs its own. ``tests/conftest.py`` makes one
:class:`RecipeTestRuns` per session (the ``recipe_test_runs`` fixture).
"""

from __future__ import annotations

import copy
from pathlib import Path


class RecipeTestRuns:
    """The ``test`` preset of application recipes, each run at most once, into ``folder``.

    Each run writes ``folder/<name>_test.json``; an application recipe keeps its checkpoints in
    :meth:`run_dir`. Reproductions (``long_memory``...) are shared the same way.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._documents: dict[str, dict] = {}

    def run_dir(self, name: str) -> Path:
        """The checkpoint folder of recipe ``name``'s run (one sub-folder per model)."""
        return self.folder / "runs" / name

    def document(self, name: str) -> dict:
        """A copy of recipe ``name``'s ``test``-preset result document (run on first use)."""
        if name not in self._documents:
            from course_pkg.recipes import APPLICATIONS, run_recipe

            options = {"run_dir": str(self.run_dir(name))} if name in APPLICATIONS else {}
            self._documents[name] = run_recipe(name, "test", out=str(self.folder), **options)
        return copy.deepcopy(self._documents[name])
