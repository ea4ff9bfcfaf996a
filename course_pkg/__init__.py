"""course_pkg: the code behind the RNN course.

Subpackages, one concept each:

- ``course_pkg.reference``: pure NumPy cells and sequences with forward *and* backward passes.
- ``course_pkg.cells``: Keras 3 cells written with ``keras.ops`` and converters to the reference.
- ``course_pkg.data``: offline datasets and generators.
- ``course_pkg.plots``: every figure of the book.
- ``course_pkg.checks``: the diagnostics that graded notebooks and the autograder share.
- ``course_pkg.colab``: the set-up every notebook runs first (Colab install, logs, TF32).
- ``course_pkg.show_source``: a function's own source as a highlighted listing on a page.

Importing ``course_pkg`` imports nothing heavy: NumPy, Keras and TensorFlow are only
loaded by the subpackages that need them. The package itself declares no dependencies (Colab
has them); elsewhere install them with the extra: ``pip install "rnn-course[tensorflow]"``.
Where they are missing, the parts that need them say so with :class:`MissingDependencyError`.
"""

from __future__ import annotations

import importlib.util

from course_pkg._published import VERSION as __version__
from course_pkg.source import show_source

#: How to install what the NumPy and Keras parts need (the ``tensorflow`` extra of pyproject).
INSTALL_HINT = 'pip install "rnn-course[tensorflow]"'

#: Top-level modules that the ``tensorflow`` extra (or a Keras backend) provides.
EXTRA_MODULES = frozenset({"numpy", "keras", "tensorflow", "jax", "jaxlib", "torch"})


class MissingDependencyError(ModuleNotFoundError):
    """A part of course_pkg needs NumPy or Keras, which are not installed here."""


def missing_dependency(what: str, module: str) -> MissingDependencyError:
    """The error to raise when ``what`` (a part of course_pkg) cannot import ``module``.

    Example:
        >>> str(missing_dependency("course_pkg.cells.ElmanCell", "keras"))[:60]
        'course_pkg.cells.ElmanCell needs keras, which is not install'
    """
    return MissingDependencyError(
        f"{what} needs {module}, which is not installed in this Python "
        f"(NumPy, Keras 3 and TensorFlow come with Colab; elsewhere: {INSTALL_HINT})",
        name=module,
    )


def require(what: str, *modules: str) -> None:
    """Raise :class:`MissingDependencyError` unless every module in ``modules`` can be found.

    Only looks the modules up (``importlib.util.find_spec``); nothing is imported.
    """
    for module in modules:
        if importlib.util.find_spec(module) is None:
            raise missing_dependency(what, module)


def reraise_missing(what: str, exc: ModuleNotFoundError) -> None:
    """Turn ``exc`` into :class:`MissingDependencyError` when it names a module of the extra.

    Call it in an ``except ModuleNotFoundError`` block; other errors are left to propagate.
    """
    root = (exc.name or "").split(".")[0]
    if root in EXTRA_MODULES and not isinstance(exc, MissingDependencyError):
        raise missing_dependency(what, root) from exc


__all__ = ["INSTALL_HINT", "MissingDependencyError", "missing_dependency", "require",
           "reraise_missing", "show_source"]
