"""Show the package's own code on a page: the listing is read from the source, never pasted.

``show_source(lstm_cell_forward)`` in a code cell displays the function as a highlighted Python
listing. It works alike on the website and in Colab or Jupyter, because the listing is a Markdown
output: myst-nb turns it into a code block highlighted like every other on the site, and Colab and
Jupyter render Markdown outputs themselves. Outside a notebook its text is the plain source.
"""

from __future__ import annotations

import inspect
import re
import textwrap


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


def show_source(*objects: object, start_at: str | None = None, end_at: str | None = None) -> Source:
    """The source of one or more functions or classes, in the order given, as one listing.

    Args:
        *objects: functions, classes, properties or modules (what ``inspect.getsource`` reads).
        start_at: when given, the listing starts at the first line that contains this text.
        end_at: when given, the listing ends at the first line from there that contains it.
            A part cut out this way is dedented.

    Example:
        >>> from course_pkg.reference import relative_error
        >>> print(repr(show_source(relative_error)).splitlines()[0])
        def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """
    if not objects:
        raise ValueError("show_source: give at least one function or class, got none")
    sources = [inspect.getsource(obj.fget if isinstance(obj, property) else obj).rstrip()
               for obj in objects]
    lines = "\n\n".join(sources).splitlines()
    first = 0 if start_at is None else _find(lines, start_at, 0, "start_at")
    last = len(lines) - 1 if end_at is None else _find(lines, end_at, first, "end_at")
    return Source(textwrap.dedent("\n".join(lines[first:last + 1])) + "\n")


def _find(lines: list[str], text: str, start: int, name: str) -> int:
    for number in range(start, len(lines)):
        if text in lines[number]:
            return number
    raise ValueError(f"show_source: {name}={text!r} is not in the listing "
                     f"(from line {start + 1} of {len(lines)})")
