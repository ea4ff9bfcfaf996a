"""Inputs that contain forward values come in as data: the sandbox side of the hand-over.

Some checks feed the student's function values that only a forward pass computes (the step
cache of a backward pass, the hidden states of an RNN). Those forward computations are not part
of :mod:`course_pkg.checks` -- they live in :mod:`course_pkg.forward_inputs`, which the
autograder's sandbox does not show -- so nothing a student can import while graded computes an
answer. The grader builds such inputs on its trusted side, writes them with :func:`save` into a
read-only folder named by ``COURSE_CHECK_INPUTS_DIR``, and the check loads them with
:func:`load` (``np.load(..., allow_pickle=False)``).

File layout: ``<dir>/<check>-<16 hex digits>.npz`` (:func:`file_name`, a digest of the resolved
parameters) holding the arrays ``a0``, ``a1``, ... and ``structure``, the JSON (as uint8) of the
nesting: ``{"t": [...]}`` a tuple, ``{"l": [...]}`` a list, ``{"a": i}`` array ``a<i>``,
``{"f": x}`` a float, ``{"i": n}`` an int.

Outside the autograder (Colab, Jupyter, the tests) the variable is unset and the check builds
the inputs itself by importing :mod:`course_pkg.forward_inputs`.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from collections.abc import Callable
from typing import Any

import numpy as np

INPUTS_ENV = "COURSE_CHECK_INPUTS_DIR"
"""Environment variable naming the folder of inputs provided by the grader."""


class InputsUnavailable(RuntimeError):
    """The grader did not provide the inputs of a check call that needs forward values."""


def file_name(check_name: str, params: dict[str, Any]) -> str:
    """``"rnn_backward-0123456789abcdef.npz"``: the file holding one call's inputs."""
    digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:16]
    return f"{check_name}-{digest}.npz"


def _flatten(value: Any, arrays: list[np.ndarray]) -> Any:
    if isinstance(value, tuple):
        return {"t": [_flatten(v, arrays) for v in value]}
    if isinstance(value, list):
        return {"l": [_flatten(v, arrays) for v in value]}
    if isinstance(value, (bool, np.bool_)):
        raise TypeError("booleans are not check inputs")
    if isinstance(value, (int, np.integer)):
        return {"i": int(value)}
    if isinstance(value, (float, np.floating)):
        return {"f": float(value)}
    arr = np.asarray(value)
    if arr.dtype.kind not in "fi":
        raise TypeError(f"cannot save a check input of type {type(value).__name__}")
    arrays.append(arr)
    return {"a": len(arrays) - 1}


def _unflatten(node: Any, data: Any) -> Any:
    if "t" in node:
        return tuple(_unflatten(v, data) for v in node["t"])
    if "l" in node:
        return [_unflatten(v, data) for v in node["l"]]
    if "i" in node:
        return int(node["i"])
    if "f" in node:
        return float(node["f"])
    return np.array(data[f"a{int(node['a'])}"])


def save(directory: str | os.PathLike[str], check_name: str, params: dict[str, Any],
         args: tuple[Any, ...]) -> str:
    """Write one call's inputs ``args`` (nested tuples/lists of arrays and numbers); return the path."""
    arrays: list[np.ndarray] = []
    structure = json.dumps(_flatten(tuple(args), arrays)).encode()
    path = os.path.join(directory, file_name(check_name, params))
    with open(path, "wb") as fh:
        np.savez(fh, structure=np.frombuffer(structure, dtype=np.uint8),
                 **{f"a{i}": a for i, a in enumerate(arrays)})
    return path


def load(directory: str | os.PathLike[str], check_name: str, params: dict[str, Any]) -> tuple[Any, ...]:
    """Read one call's inputs back, fresh arrays every time.

    Raises:
        InputsUnavailable: the grader provided no inputs for this call.
    """
    path = os.path.join(directory, file_name(check_name, params))
    if not os.path.isfile(path):
        shown = ", ".join(f"{k}={v!r}" for k, v in sorted(params.items()))
        raise InputsUnavailable(
            f"the grader provided no inputs for {check_name}({shown}): a test that needs "
            "forward values must call its check with literal keyword arguments"
        )
    with np.load(path, allow_pickle=False) as data:
        structure = json.loads(bytes(data["structure"]).decode())
        return _unflatten(structure, data)


def data_inputs(check_name: str) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """A check's ``build_inputs`` for inputs that need forward values (see the module docstring)."""

    def build_inputs(params: dict[str, Any]) -> tuple[Any, ...]:
        directory = os.environ.get(INPUTS_ENV)
        if directory:
            return load(directory, check_name, params)
        builders = importlib.import_module("course_pkg.forward_inputs").BUILDERS
        return builders[check_name](params)

    build_inputs.data_check = check_name  # type: ignore[attr-defined]
    return build_inputs


def needs_data(build_inputs: Callable[..., Any]) -> bool:
    """Whether a check's ``build_inputs`` is a :func:`data_inputs` hand-over."""
    return getattr(build_inputs, "data_check", None) is not None
