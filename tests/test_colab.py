"""course_pkg.colab detects Colab and GPUs without importing TensorFlow, and quiets its logs."""

from __future__ import annotations

import os
import subprocess
import sys
import types

import pytest

from course_pkg import colab


def test_not_in_colab_here():
    assert colab.in_colab() is False


def test_in_colab_when_google_colab_module_is_loaded(monkeypatch):
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    assert colab.in_colab() is True


def test_has_gpu_false_when_cuda_devices_hidden(monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "-1")
    assert colab.has_gpu() is False
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert colab.has_gpu() is False


def test_has_gpu_false_without_nvidia_smi(monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.delitem(sys.modules, "tensorflow", raising=False)
    monkeypatch.setattr(colab.shutil, "which", lambda name: None)
    assert colab.has_gpu() is False


def test_has_gpu_reads_nvidia_smi_listing(monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.delitem(sys.modules, "tensorflow", raising=False)
    monkeypatch.setattr(colab.shutil, "which", lambda name: "/usr/bin/nvidia-smi")

    def fake_run(cmd, **kwargs):
        assert cmd == ["/usr/bin/nvidia-smi", "-L"]
        return subprocess.CompletedProcess(cmd, 0, stdout="GPU 0: Tesla T4 (UUID: GPU-1)\n", stderr="")

    monkeypatch.setattr(colab.subprocess, "run", fake_run)
    assert colab.has_gpu() is True


def test_has_gpu_asks_an_imported_tensorflow(monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    fake_tf = types.SimpleNamespace(
        config=types.SimpleNamespace(list_physical_devices=lambda kind: ["/GPU:0"] if kind == "GPU" else [])
    )
    monkeypatch.setitem(sys.modules, "tensorflow", fake_tf)
    assert colab.has_gpu() is True


def test_setup_sets_tf_log_level_and_reports(monkeypatch):
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    monkeypatch.setattr(colab, "has_gpu", lambda: False)
    info = colab.setup()
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "2"
    assert info == {
        "colab": False,
        "gpu": False,
        "tf_log_level": "2",
        "keras_backend": os.environ.get("KERAS_BACKEND"),
    }


def test_setup_sets_keras_backend(monkeypatch):
    monkeypatch.setattr(colab, "has_gpu", lambda: False)
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    info = colab.setup(tf_log_level=3, keras_backend="jax")
    assert os.environ["KERAS_BACKEND"] == "jax"
    assert info["tf_log_level"] == "3"
    assert info["keras_backend"] == "jax"


@pytest.mark.parametrize("bad", [-1, 4, 2.0, True, "2"])
def test_setup_rejects_bad_log_level(bad):
    with pytest.raises(ValueError, match="tf_log_level: expected an integer from 0 to 3"):
        colab.setup(tf_log_level=bad)


def test_setup_rejects_unknown_backend():
    with pytest.raises(ValueError, match="keras_backend: expected 'tensorflow', 'jax' or 'torch', got 'mxnet'"):
        colab.setup(keras_backend="mxnet")


def test_install_command_installs_only_course_pkg():
    cmd = colab.install_command()
    assert cmd[:4] == [sys.executable, "-m", "pip", "install"]
    assert cmd[-1] == "git+https://github.com/rnn-course/rnn-course"
    assert not any(name in " ".join(cmd) for name in ("tensorflow", "keras", "numpy"))


def test_importing_colab_does_not_import_tensorflow():
    code = "import sys, course_pkg.colab as c; c.setup(); print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
