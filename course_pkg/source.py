"""Show the package's own code on a page: the listing is read from the source, never pasted.

``show_source(lstm_cell_forward)`` in a code cell displays the function as a highlighted Python
listing. It works alike on the website and in Colab or Jupyter, because the listing is a Markdown
output: myst-nb turns it into a code block highlighted like every other on the site, and Colab and
Jupyter render Markdown outputs themselves. Outside a notebook its text is the plain source.
"""

from __future__ import annotations

import inspect
import re


class Source:
    """Python source shown as a code block (``text/markdown``), or as plain text elsewhere."""

    def __init__(self, code: str) -> None:
        self.code = code

    def _repr_markdown_(self) -> str:
        longest = max((len(run) for run in re.findall(r"`+", self.code)), default=0)
        fence = "`" * max(3, longest + 1)
        return f"{fence}python\n{self.code.rstrip()}\n{fence}\n"

    def __repr__(self) -> str:
        return self.code.rstrip()


def show_source(*objects: object) -> Source:
    """The source of one or more functions or classes, in the order given, as one listing.

    Args:
        *objects: functions, classes or modules of course_pkg (anything ``inspect.getsource`` reads).

    Example:
        >>> from course_pkg.reference import relative_error
        >>> print(repr(show_source(relative_error)).splitlines()[0])
        def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """
    if not objects:
        raise ValueError("show_source: give at least one function or class, got none")
    return Source("\n\n".join(inspect.getsource(obj).rstrip() for obj in objects) + "\n")
