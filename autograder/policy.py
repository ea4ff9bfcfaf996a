"""Static rules on answer cells: graded answers may not use the course's own package.

``course_pkg`` holds the reference solution of every graded function (``course_pkg.reference``),
finished Keras cells (``course_pkg.cells``) and the checks' helpers; an answer that imports any
``course_pkg`` module scores nothing for the tests of that answer. The check reads the cell's
tokens (comments ignored, string literals included, adjacent and ``+``-joined literals read
together), so it catches ``import`` and ``from`` forms, aliases,
``importlib.import_module("course_" + "pkg.cells")``, ``__import__`` and
``getattr(course_pkg, "reference")``. What it misses meets the sandbox, which shows of
``course_pkg`` only ``checks`` (no helper there computes an answer) and masks everything else.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize

REFERENCE_MODULE = "course_pkg.reference"
PACKAGE = "course_pkg"


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


def _string_text(source: str) -> str:
    """The cell's string literals, adjacent or ``+``-joined ones concatenated, others spaced."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return ""
    parts: list[str] = []
    joined = False
    for tok in tokens:
        if tok.type == tokenize.STRING:
            try:
                value = ast.literal_eval(tok.string)
            except (ValueError, SyntaxError):
                value = tok.string
            value = value.decode("latin-1") if isinstance(value, bytes) else str(value)
            parts.append(value if joined or not parts else " " + value)
            joined = True
        elif tok.type == tokenize.OP and tok.string == "+" and joined:
            continue
        elif tok.type in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT) and joined:
            continue
        else:
            joined = False
    return "".join(parts)


def _two_parts(name: str) -> str:
    return ".".join(name.split(".")[:2])


def _imported_modules(source: str) -> list[str]:
    """``course_pkg`` modules named by import statements and ``course_pkg.x`` attributes."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == PACKAGE]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == PACKAGE:
            found += [node.module if node.module != PACKAGE else f"{PACKAGE}.{node.names[0].name}"]
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id == PACKAGE:
            found.append(f"{PACKAGE}.{node.attr}")
    return found


def course_pkg_use(source: str) -> str | None:
    r"""The ``course_pkg`` module an answer imports or reaches, or None (see the module docstring).

    Example:
        >>> course_pkg_use("from course_pkg.cells import PeepholeLSTMCell")
        'course_pkg.cells'
        >>> course_pkg_use("import importlib\nm = importlib.import_module('course_' + 'pkg.checks')")
        'course_pkg.checks'
        >>> course_pkg_use("import numpy as np\ndef f(x):\n    return np.tanh(x)") is None
        True
    """
    if uses_reference(source):
        return REFERENCE_MODULE
    named = _imported_modules(source)
    specific = [m for m in named if m != PACKAGE]
    if specific:
        return _two_parts(specific[0])
    words = [w for _, w in _tokens(source)] + [_string_text(source)]
    matches = [m.group(0) for w in words for m in re.finditer(r"course_pkg(?:\.[A-Za-z_]\w*)?", w)]
    if not matches and not named:
        return None
    specific = [m for m in matches if m != PACKAGE]
    return _two_parts(specific[0]) if specific else PACKAGE


def course_pkg_message(label: str, module: str) -> str:
    """The feedback line for an answer that uses ``module`` of course_pkg."""
    verb = "calls" if module == REFERENCE_MODULE else "imports"
    return f"{label} {verb} {module}: graded answers must be your own code"
