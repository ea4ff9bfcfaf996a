"""Sandboxed autograder for the course's nbgrader assignments."""
