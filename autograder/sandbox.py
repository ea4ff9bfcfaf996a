"""Run an untrusted program inside bubblewrap, with time, memory, process and output limits.

The sandbox (see DESIGN.md, "Sandbox"):

- ``bwrap --unshare-all``: no network (only a loopback device), private PID, IPC, UTS and user
  namespaces; ``--die-with-parent`` and ``--new-session`` so nothing outlives the grader or
  reaches its terminal.
- A minimal read-only view: ``/usr`` and the ``/lib*``/``/bin`` links, a few files of ``/etc``,
  the base interpreter, the virtual environment and ``course_pkg`` -- with
  ``course_pkg/reference`` replaced by a module that refuses to import. Nothing else of the host
  (no ``/root``, no ``/work``, no instructor source, no other submission) exists inside.
- Writable: a ``tmpfs`` ``/tmp`` of bounded size and one per-run host directory bound at
  ``/submission``.
- An unprivileged user: as root, the grader drops to ``nobody`` (65534) with ``setpriv`` *before*
  starting bwrap, inside a private mount namespace where the paths ``nobody`` cannot reach (the
  base interpreter under ``/root``) are bind-mounted onto a world-readable staging folder.
  Not as root, bwrap runs as the current user.
- Limits: wall clock (the whole process group and every process of the run's cgroups are killed),
  memory with a cgroup v1 memory controller when one is writable, else an RSS watchdog over the
  process tree (TensorFlow cannot run under ``RLIMIT_AS``), processes with a ``pids`` cgroup or
  ``RLIMIT_NPROC``, file size with ``RLIMIT_FSIZE``, the writable folder's total size with a
  watchdog, and captured stdout/stderr truncated.

If bwrap is missing or cannot start, :func:`check_sandbox` raises :class:`SandboxUnavailable`:
grading refuses to run student code unprotected.
"""

from __future__ import annotations

import dataclasses
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from autograder.errors import SandboxUnavailable

NOBODY = 65534
CGROUP_V1 = Path("/sys/fs/cgroup")
CGROUP_PARENT = "rnn-autograder"
INSIDE_DIR = "/submission"

REFERENCE_MASK = '''"""Not available while grading."""
raise ImportError(
    "course_pkg.reference is not available while grading: graded answers must be your own code"
)
'''


@dataclasses.dataclass(frozen=True)
class Limits:
    """Resource limits for one sandboxed run.

    Attributes:
        wall_seconds: the whole run is killed after this many seconds.
        memory_mb: resident memory of all processes together (swap included where possible).
        max_processes: processes and threads at once.
        max_file_mb: largest file the run may write (``RLIMIT_FSIZE``).
        max_dir_mb: total size of the writable ``/submission`` folder.
        tmp_mb: size of the ``/tmp`` tmpfs.
        max_output_chars: stdout/stderr kept from the run (the rest is dropped).
    """

    wall_seconds: float = 600.0
    memory_mb: int = 2048
    max_processes: int = 128
    max_file_mb: int = 64
    max_dir_mb: int = 256
    tmp_mb: int = 256
    max_output_chars: int = 20000

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if not value > 0:
                raise ValueError(f"Limits.{field.name} must be positive, got {value!r}")


@dataclasses.dataclass(frozen=True)
class SandboxConfig:
    """Where bubblewrap is and what the sandbox shows.

    Attributes:
        bwrap: the bubblewrap executable (a name looked up on PATH, or a path).
        python_prefix: the virtual environment bound read-only (default: the running one).
        base_prefix: the base interpreter the venv points to (bound read-only).
        course_pkg_dir: the course_pkg package folder (bound read-only, reference masked).
        use_cgroups: use cgroup v1 memory/pids controllers when writable (root only).
    """

    bwrap: str = "bwrap"
    python_prefix: Path = Path(sys.prefix)
    base_prefix: Path = Path(sys.base_prefix)
    course_pkg_dir: Path | None = None
    use_cgroups: bool = True

    @property
    def python(self) -> str:
        return str(self.python_prefix / "bin" / "python")

    def package_dir(self) -> Path:
        if self.course_pkg_dir is not None:
            return Path(self.course_pkg_dir)
        import course_pkg.checks  # course_pkg itself may resolve as a namespace package

        return Path(course_pkg.checks.__file__).resolve().parent.parent


@dataclasses.dataclass(frozen=True)
class SandboxResult:
    """What happened: exit ``returncode``, the ``killed`` reason (``"wall clock"``, ``"memory"``,
    ``"disk"``) or None, ``pids_limit_hit``, ``seconds`` and truncated ``stdout``/``stderr``."""

    returncode: int
    killed: str | None
    pids_limit_hit: bool
    seconds: float
    stdout: str
    stderr: str
    peak_memory_mb: float | None


def _is_root() -> bool:
    return os.geteuid() == 0


def resolve_bwrap(config: SandboxConfig) -> str:
    """The bwrap executable's path, or :class:`SandboxUnavailable`."""
    found = shutil.which(config.bwrap)
    if found is None:
        raise SandboxUnavailable(
            f"bubblewrap not found ({config.bwrap!r}): install the Debian package 'bubblewrap'. "
            "Refusing to grade: student code never runs outside the sandbox."
        )
    return found


class _Cgroups:
    """A run's own memory and pids cgroups (v1), or nothing when they are not writable."""

    def __init__(self, limits: Limits, enabled: bool) -> None:
        self.dirs: dict[str, Path] = {}
        if not (enabled and _is_root()):
            return
        name = uuid.uuid4().hex[:12]
        for controller in ("memory", "pids"):
            parent = CGROUP_V1 / controller / CGROUP_PARENT
            try:
                parent.mkdir(exist_ok=True)
                path = parent / name
                path.mkdir()
                self.dirs[controller] = path
            except OSError:
                continue
        try:
            if "memory" in self.dirs:
                limit = str(limits.memory_mb * 1024 * 1024)
                (self.dirs["memory"] / "memory.limit_in_bytes").write_text(limit)
                try:
                    (self.dirs["memory"] / "memory.memsw.limit_in_bytes").write_text(limit)
                except OSError:
                    pass  # no swap accounting: the RSS limit alone
            if "pids" in self.dirs:
                (self.dirs["pids"] / "pids.max").write_text(str(limits.max_processes))
        except OSError:
            self.cleanup()
            self.dirs = {}

    def join(self) -> None:
        """Move the calling process into the cgroups (called in the child before exec)."""
        for path in self.dirs.values():
            (path / "cgroup.procs").write_text(str(os.getpid()))

    def pids(self) -> set[int]:
        found: set[int] = set()
        for path in self.dirs.values():
            try:
                found.update(int(x) for x in (path / "cgroup.procs").read_text().split())
            except OSError:
                pass
        return found

    def _read(self, controller: str, file: str) -> str:
        try:
            return (self.dirs[controller] / file).read_text()
        except (KeyError, OSError):
            return ""

    def oom_killed(self) -> bool:
        """Whether the kernel killed a process for exceeding the memory limit."""
        control = self._read("memory", "memory.oom_control")
        for line in control.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill" and value.strip().isdigit():
                return int(value) > 0
        # older kernels have no oom_kill counter: hitting the limit is the best evidence
        failcnt = self._read("memory", "memory.failcnt").strip()
        return failcnt.isdigit() and int(failcnt) > 0

    def peak_mb(self) -> float | None:
        value = self._read("memory", "memory.max_usage_in_bytes").strip()
        return int(value) / 2**20 if value.isdigit() else None

    def pids_limit_hit(self) -> bool:
        for line in self._read("pids", "pids.events").splitlines():
            key, _, value = line.partition(" ")
            if key == "max" and value.strip().isdigit() and int(value) > 0:
                return True
        return False

    def kill_all(self) -> None:
        for _ in range(50):
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.02)

    def cleanup(self) -> None:
        self.kill_all()
        for path in self.dirs.values():
            for _ in range(50):
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.05)


def _tree_rss_mb(pid: int) -> float:
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total / 2**20


def _dir_mb(path: Path, max_entries: int = 20000) -> float:
    total, count = 0, 0
    stack = [path]
    while stack:
        try:
            with os.scandir(stack.pop()) as it:
                for entry in it:
                    count += 1
                    if count > max_entries:
                        return float("inf")
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(Path(entry.path))
                    elif entry.is_file(follow_symlinks=False):
                        total += entry.stat(follow_symlinks=False).st_size
        except OSError:
            continue
    return total / 2**20


def _tail(path: Path, limit: int) -> str:
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            if size > limit:
                fh.seek(size - limit)
            text = fh.read(limit).decode("utf-8", "replace")
    except OSError:
        return ""
    if size > limit:
        text = f"[{size - limit} earlier bytes not shown]\n" + text
    return text


def _system_binds() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        p = Path(name)
        if p.is_symlink():
            args += ["--symlink", os.readlink(p), name]
        elif p.is_dir():
            args += ["--ro-bind", name, name]
    for name in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/localtime", "/etc/alternatives",
                 "/etc/matplotlibrc", "/etc/mime.types"):
        args += ["--ro-bind-try", name, name]
    return args


def run_sandboxed(
    config: SandboxConfig,
    limits: Limits,
    argv: list[str],
    workdir: Path,
    *,
    ro_files: dict[str, Path] | None = None,
    env: dict[str, str] | None = None,
) -> SandboxResult:
    """Run ``argv`` in the sandbox with ``workdir`` bound writable at ``/submission``.

    Args:
        config: bwrap path and what to bind.
        limits: resource limits.
        argv: the command inside the sandbox (absolute paths as seen inside).
        workdir: a host folder, bound read-write at ``/submission`` (chowned to nobody as root).
        ro_files: ``{inside_path: host_path}`` extra read-only files (the runner, the job).
        env: extra environment variables; the environment is otherwise cleared.

    Raises:
        SandboxUnavailable: bwrap is missing or the sandbox failed to start.
    """
    bwrap = resolve_bwrap(config)
    workdir = Path(workdir).resolve()
    root = _is_root()
    stage_root = Path(tempfile.mkdtemp(prefix="rnn-ag-stage-"))
    out_dir = Path(tempfile.mkdtemp(prefix="rnn-ag-out-"))
    cgroups = _Cgroups(limits, config.use_cgroups)
    try:
        os.chmod(stage_root, 0o755)
        mask = stage_root / "reference_mask.py"
        mask.write_text(REFERENCE_MASK)
        os.chmod(mask, 0o644)
        pkg = config.package_dir()
        binds: list[tuple[Path, str, bool]] = [
            (config.base_prefix.resolve(), str(config.base_prefix), False),
            (config.python_prefix.resolve(), str(config.python_prefix), False),
            (pkg, str(pkg), False),
            (workdir, INSIDE_DIR, True),
        ]
        for inside, host in (ro_files or {}).items():
            binds.append((Path(host).resolve(), inside, False))
        stage_pairs: list[str] = []
        bind_args: list[str] = []
        for i, (host, inside, writable) in enumerate(binds):
            source = host
            if root:
                source = stage_root / f"b{i}"
                if host.is_dir():
                    source.mkdir()
                else:
                    source.touch()
                stage_pairs += [str(host), str(source)]
            bind_args += ["--bind" if writable else "--ro-bind", str(source), inside]
        if (pkg / "reference").is_dir():
            bind_args += ["--tmpfs", str(pkg / "reference"),
                          "--ro-bind", str(mask), str(pkg / "reference" / "__init__.py")]
        if root:
            os.chown(workdir, NOBODY, NOBODY)
        environment = {
            "PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "MPLBACKEND": "Agg",
            "MPLCONFIGDIR": "/tmp/matplotlib", "IPYTHONDIR": "/tmp/ipython", "KERAS_HOME": "/tmp/keras",
            "TF_CPP_MIN_LOG_LEVEL": "2", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1",
            # TensorFlow sizes its thread pools by core count and ignores OMP_NUM_THREADS:
            # on a many-core grader that alone would exceed the process limit.
            "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1",
            **(env or {}),
        }
        env_args: list[str] = []
        for key, value in environment.items():
            env_args += ["--setenv", key, value]
        bwrap_cmd = [
            bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--hostname", "sandbox",
            "--clearenv", *env_args, *_system_binds(),
            "--proc", "/proc", "--dev", "/dev",
            "--size", str(limits.tmp_mb * 1024 * 1024), "--tmpfs", "/tmp",
            *bind_args, "--remount-ro", "/", "--chdir", INSIDE_DIR, "--", *argv,
        ]
        if root:
            script = ('n=$1; shift; while [ "$n" -gt 0 ]; do mount --bind "$1" "$2" || exit 125; '
                      'shift 2; n=$((n-1)); done; exec "$@"')
            cmd = ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", script,
                   "sh", str(len(stage_pairs) // 2), *stage_pairs,
                   "setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                   "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--", *bwrap_cmd]
        else:
            cmd = bwrap_cmd
        use_nproc = "pids" not in cgroups.dirs

        def preexec() -> None:
            cgroups.join()
            fsize = limits.max_file_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            if use_nproc:
                resource.setrlimit(resource.RLIMIT_NPROC, (limits.max_processes, limits.max_processes))

        stdout_path, stderr_path = out_dir / "stdout", out_dir / "stderr"
        start = time.monotonic()
        killed: str | None = None
        with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
            try:
                proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                        start_new_session=True, preexec_fn=preexec, close_fds=True)
            except OSError as exc:
                raise SandboxUnavailable(f"cannot start the sandbox ({cmd[0]}): {exc}") from None
            watch_rss = "memory" not in cgroups.dirs
            last_dir_check = 0.0
            peak = 0.0
            while True:
                try:
                    proc.wait(timeout=0.1)
                    break
                except subprocess.TimeoutExpired:
                    pass
                elapsed = time.monotonic() - start
                if elapsed > limits.wall_seconds:
                    killed = "wall clock"
                elif watch_rss:
                    rss = _tree_rss_mb(proc.pid)
                    peak = max(peak, rss)
                    if rss > limits.memory_mb:
                        killed = "memory"
                if killed is None and elapsed - last_dir_check > 0.5:
                    last_dir_check = elapsed
                    if _dir_mb(workdir) > limits.max_dir_mb:
                        killed = "disk"
                if killed is not None:
                    _kill_tree(proc)
                    cgroups.kill_all()
                    proc.wait()
                    break
        seconds = time.monotonic() - start
        if killed is None and cgroups.oom_killed():
            killed = "memory"
        stderr = _tail(stderr_path, limits.max_output_chars)
        if proc.returncode == 125 and root and killed is None:
            raise SandboxUnavailable(f"could not prepare the sandbox's bind mounts: {stderr.strip()}")
        if proc.returncode != 0 and stderr.lstrip().startswith(("bwrap:", "setpriv:", "unshare:")):
            raise SandboxUnavailable(f"the sandbox failed to start: {stderr.strip()[:2000]}")
        return SandboxResult(
            returncode=proc.returncode,
            killed=killed,
            pids_limit_hit=cgroups.pids_limit_hit(),
            seconds=seconds,
            stdout=_tail(stdout_path, limits.max_output_chars),
            stderr=stderr,
            peak_memory_mb=cgroups.peak_mb() if not watch_rss else (peak or None),
        )
    finally:
        cgroups.cleanup()
        shutil.rmtree(stage_root, ignore_errors=True)
        shutil.rmtree(out_dir, ignore_errors=True)


def _kill_tree(proc: subprocess.Popen) -> None:
    try:
        import psutil

        children = psutil.Process(proc.pid).children(recursive=True)
    except Exception:  # noqa: BLE001 - psutil missing or the process already gone
        children = []
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass
    for child in children:
        try:
            child.kill()
        except Exception:  # noqa: BLE001
            pass


def check_sandbox(config: SandboxConfig, limits: Limits | None = None) -> None:
    """Start the sandbox once with a trivial Python program; raise if it does not work.

    Raises:
        SandboxUnavailable: bwrap is missing, fails to start, or Python does not run inside.
    """
    limits = limits or Limits(wall_seconds=60)
    with tempfile.TemporaryDirectory(prefix="rnn-ag-check-") as tmp:
        work = Path(tmp) / "work"
        work.mkdir()
        os.chmod(tmp, 0o755)
        result = run_sandboxed(config, limits, [config.python, "-I", "-c", "print('sandbox-ok')"], work)
    if result.returncode != 0 or "sandbox-ok" not in result.stdout:
        raise SandboxUnavailable(
            f"the sandbox did not run a trivial Python program (exit {result.returncode}): "
            f"{(result.stderr or result.stdout).strip()[:2000]}. Refusing to grade."
        )
