"""The two kinds of failure the autograder tells apart.

A :class:`SubmissionError` belongs to one submission (an empty file, invalid JSON, a zip
member with an unsafe path): that submission scores 0 with the message, the others go on.
A :class:`SandboxUnavailable` belongs to the machine: grading refuses to run at all rather
than run student code unprotected. :class:`AssignmentError` means the instructor's files are
wrong (a missing source notebook, a source that does not pass its own tests).
"""

from __future__ import annotations


class SubmissionError(ValueError):
    """One submission cannot be graded; the message is shown to the student."""


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot start: refuse to grade."""


class AssignmentError(RuntimeError):
    """The instructor's assignment files are missing or inconsistent."""
