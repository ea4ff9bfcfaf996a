"""nbgrader configuration for the course's assignments (the course root is this folder).

    assignments/
      nbgrader_config.py
      source/<name>/<name>.ipynb     instructor version: solutions and hidden tests
      release/<name>/<name>.ipynb    generated student version (committed)

Generate a release with ``python -m autograder release --assignment <name>`` (which calls
``autograder.release.generate_release``); it runs nbgrader in a temporary copy of this folder so
that no gradebook.db lands in the repository.
"""

from pathlib import Path

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

c.CourseDirectory.root = str(Path(__file__).resolve().parent)
c.CourseDirectory.course_id = "rnn-course"
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
# Only the notebooks and the files beside them; never caches or captured check records.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "*.npz", "records.jsonl"]

# What replaces each solution in the release: a stub whose message says what to do, so an
# unanswered function fails its test with "rnn_step_forward raised NotImplementedError: not
# answered yet: replace this line with your code", never with an empty message
# (autograder.release checks that every answer cell holds it).
from autograder.release import CODE_STUB  # noqa: E402

c.ClearSolutions.code_stub = {"python": CODE_STUB}

# A test cell fails on any error or any stderr output; the whole notebook runs in seconds.
c.Execute.timeout = 120
# A class's submissions are graded many at a time on shared cores: give a kernel 5 minutes to start
# and a cell's output a minute to arrive (nbgrader's 60 s and 4 s abandon students under load).
c.Execute.startup_timeout = 300
c.Execute.iopub_timeout = 60
