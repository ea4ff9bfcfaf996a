"""Lazy exports: a package names classes from submodules that import Keras only when used.

``import course_pkg.cells`` must stay cheap (no Keras, no TensorFlow), yet
``from course_pkg.cells import PeepholeLSTMCell`` should just work. A package passes its
``name -> submodule`` table here and gets the module-level ``__getattr__`` and ``__dir__`` that
PEP 562 calls for names it does not define itself.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any, Callable


def lazy_exports(
    package: str, lazy: dict[str, str], module_globals: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return ``(__getattr__, __dir__)`` for ``package``.

    Args:
        package: the package's ``__name__``.
        lazy: exported name -> relative submodule holding it, e.g. ``{"ElmanCell": ".elman"}``.
        module_globals: the package's ``globals()``; a name is cached there on first access.
    """

    def __getattr__(name: str) -> Any:
        if name in lazy:
            try:
                module = import_module(lazy[name], package)
            except ModuleNotFoundError as exc:  # Keras or NumPy absent: say how to install them
                from course_pkg import reraise_missing

                reraise_missing(f"{package}.{name}", exc)
                raise
            value = getattr(module, name)
            module_globals[name] = value
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(set(module_globals) | set(lazy))

    return __getattr__, __dir__
