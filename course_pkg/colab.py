"""Environment detection and set-up for notebooks that run on Colab or locally.

Nothing here imports TensorFlow at import time. Call :func:`setup` at the top of a notebook, before
``import keras``, so TensorFlow's C++ start-up logs do not land on the page as stderr.

Example:
    >>> from course_pkg import colab
    >>> colab.in_colab()
    False
    >>> info = colab.setup()
    >>> info["tf_log_level"]
    '2'
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys

__all__ = ["in_colab", "has_gpu", "setup", "REPOSITORY_URL", "install_command"]

REPOSITORY_URL = "https://github.com/rnn-course/rnn-course"


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


def install_command() -> list[str]:
    """Return the pip command that installs course_pkg from the repository (and nothing else).

    ``--no-deps`` is not needed: the package declares no dependencies, so TensorFlow, Keras and
    NumPy that Colab provides are never reinstalled.
    """
    return [sys.executable, "-m", "pip", "install", "-q", f"git+{REPOSITORY_URL}"]


def setup(tf_log_level: int = 2, keras_backend: str | None = None) -> dict[str, object]:
    """Quiet TensorFlow's logs and report the environment. Call it before ``import keras``.

    Args:
        tf_log_level: value for ``TF_CPP_MIN_LOG_LEVEL`` (0 all, 1 no INFO, 2 no WARNING,
            3 no ERROR); an integer from 0 to 3.
        keras_backend: if given (``"tensorflow"``, ``"jax"`` or ``"torch"``), sets
            ``KERAS_BACKEND``; it only takes effect when Keras has not been imported yet.

    Returns:
        A dict with ``colab`` (bool), ``gpu`` (bool), ``tf_log_level`` (str) and
        ``keras_backend`` (str or None, what ``KERAS_BACKEND`` now says).
    """
    if isinstance(tf_log_level, bool) or not isinstance(tf_log_level, int) or not 0 <= tf_log_level <= 3:
        raise ValueError(f"tf_log_level: expected an integer from 0 to 3, got {tf_log_level!r}")
    if keras_backend is not None:
        if keras_backend not in ("tensorflow", "jax", "torch"):
            raise ValueError(
                f"keras_backend: expected 'tensorflow', 'jax' or 'torch', got {keras_backend!r}"
            )
        os.environ["KERAS_BACKEND"] = keras_backend
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = str(tf_log_level)
    # Python-side TensorFlow logging and the absl warnings it routes through.
    for name in ("tensorflow", "absl"):
        logging.getLogger(name).setLevel(logging.ERROR)
    tf = sys.modules.get("tensorflow")
    if tf is not None and hasattr(tf, "get_logger"):
        tf.get_logger().setLevel(logging.ERROR)
    return {
        "colab": in_colab(),
        "gpu": has_gpu(),
        "tf_log_level": os.environ["TF_CPP_MIN_LOG_LEVEL"],
        "keras_backend": os.environ.get("KERAS_BACKEND"),
    }

