"""Static rules on answer cells: graded answers may not call the course's reference solution.

``course_pkg.reference`` implements every graded function; an answer that imports it scores
nothing for the tests of that answer. The check reads the cell's tokens (comments and
docstrings aside from string literals are ignored), so it catches ``import`` and ``from``
forms, aliases, ``importlib.import_module("course_pkg.reference")``, ``__import__`` and
``getattr(course_pkg, "reference")``. The sandbox does not contain the reference at all, so
anything this misses fails at run time with an ``ImportError``.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize

REFERENCE_MODULE = "course_pkg.reference"


def _tokens(source: str) -> list[tuple[int, str]]:
    try:
        return [
            (tok.type, tok.string)
            for tok in tokenize.generate_tokens(io.StringIO(source).readline)
            if tok.type in (tokenize.NAME, tokenize.STRING, tokenize.OP)
        ]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        text = re.sub(r"#[^\n]*", "", source)
        return [(tokenize.NAME, w) for w in re.findall(r"[A-Za-z_][A-Za-z0-9_.]*", text)]


def _imports_reference(source: str) -> bool:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            if any(a.name == REFERENCE_MODULE or a.name.startswith(REFERENCE_MODULE + ".")
                   for a in node.names):
                return True
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module == REFERENCE_MODULE or node.module.startswith(REFERENCE_MODULE + "."):
                return True
            if node.module == "course_pkg" and any(a.name == "reference" for a in node.names):
                return True
    return False


def uses_reference(source: str) -> bool:
    """Whether ``source`` imports or reaches ``course_pkg.reference`` (see the module docstring).

    Example:
        >>> uses_reference("from course_pkg.reference import rnn_backward")
        True
        >>> uses_reference("import numpy as np\\ndef f(x):\\n    return np.tanh(x)")
        False
    """
    if _imports_reference(source):
        return True
    words = [s for _, s in _tokens(source)]
    text = " ".join(words)
    if REFERENCE_MODULE in text:
        return True
    mentions_pkg = any("course_pkg" in w for w in words)
    mentions_ref = any(re.search(r"\breference\b", w) for w in words)
    return mentions_pkg and mentions_ref


def reference_message(label: str) -> str:
    """The feedback line for an answer that uses the reference."""
    return f"{label} calls {REFERENCE_MODULE}: graded answers must be your own code"
