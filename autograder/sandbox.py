"""Run an untrusted program inside bubblewrap, with time, memory, process and output limits.

The sandbox (see DESIGN.md, "Sandbox"):

- ``bwrap --unshare-all``: no network (only a loopback device), private PID, IPC, UTS and user
  namespaces; ``--die-with-parent`` and ``--new-session`` so nothing outlives the grader or
  reaches its terminal.
- A minimal read-only view: ``/usr`` and the ``/lib*``/``/bin`` links, a few files of ``/etc``,
  the base interpreter, the virtual environment and of ``course_pkg`` only what the tests need
  (``__init__``, ``checks``): every other module and subpackage (``reference``, ``cells``,
  ``models``, ``recipes``...) is replaced by a module that refuses to import. Nothing else of the
  host (no ``/root``, no ``/work``, no instructor source, no other submission) exists inside.
- Writable: a ``tmpfs`` ``/tmp`` of bounded size and one per-run host directory bound at
  ``/submission``; :func:`bounded_workdir` makes that directory a size-limited ``tmpfs`` (as
  root), so everything a run holds there counts, deleted-but-open files included.
- An unprivileged user: as root, the grader drops to ``nobody`` (65534) with ``setpriv`` *before*
  starting bwrap, inside a private mount namespace where the paths ``nobody`` cannot reach (the
  base interpreter under ``/root``) are bind-mounted onto a world-readable staging folder.
  Not as root, bwrap runs as the current user.
- Limits: wall clock (the whole process group and every process of the run's cgroups are killed),
  memory with a cgroup v1 memory controller when one is writable, else an RSS watchdog over the
  process tree (TensorFlow cannot run under ``RLIMIT_AS``), processes with a ``pids`` cgroup or
  ``RLIMIT_NPROC``, file size with ``RLIMIT_FSIZE``, the writable folder's total size with a
  watchdog, and captured stdout/stderr truncated.

Whether the sandbox started is decided by bubblewrap itself, never by the run: bwrap reports
the child it started on its ``--json-status-fd`` (a pipe only bwrap holds), and, with
``start_fd_env``, the program writes a token to a pipe and closes it before it runs anything
untrusted; a program that exits 125 or writes "bwrap: ..." to stderr after that is just a
program that failed. If bwrap is missing or
cannot start, :func:`check_sandbox` (and :func:`run_sandboxed`, when bwrap reports no child)
raises :class:`SandboxUnavailable`: grading refuses to run student code unprotected.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from autograder.errors import SandboxUnavailable

NOBODY = 65534
CGROUP_V1 = Path("/sys/fs/cgroup")
CGROUP_PARENT = "rnn-autograder"
INSIDE_DIR = "/submission"

PACKAGE_MASK = '''"""Not available while grading."""
raise ImportError(
    f"{__name__} is not available while grading: graded answers must be your own code"
)
'''

#: What of course_pkg the sandbox shows: what ``import course_pkg.checks`` and the notebooks'
#: set-up cell (``course_pkg.colab``) need, nothing that computes a graded answer. Every other
#: module and subpackage is masked by PACKAGE_MASK.
PACKAGE_VISIBLE = frozenset({"__init__.py", "_published.py", "source.py", "colab.py", "checks"})


@dataclasses.dataclass(frozen=True)
class Limits:
    """Resource limits for one sandboxed run.

    Attributes:
        wall_seconds: the whole run is killed after this many seconds.
        memory_mb: resident memory of all processes together (swap included where possible).
        max_processes: processes and threads at once.
        max_file_mb: largest file the run may write (``RLIMIT_FSIZE``).
        max_dir_mb: total size of the writable ``/submission`` folder (the size of its tmpfs
            under :func:`bounded_workdir`, deleted-but-open files included).
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
    ``"disk"``) or None, ``pids_limit_hit``, ``seconds``, truncated ``stdout``/``stderr``, and
    ``disk_limit_hit``: the writable folder was full when the run was killed or ended."""

    returncode: int
    killed: str | None
    pids_limit_hit: bool
    seconds: float
    stdout: str
    stderr: str
    peak_memory_mb: float | None
    disk_limit_hit: bool = False


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

    def set_memory_limit(self, limit: int) -> None:
        """Set the memory (and, where accounted, memory+swap) limit to ``limit`` bytes."""
        if "memory" not in self.dirs:
            return
        files = ["memory.memsw.limit_in_bytes", "memory.limit_in_bytes"]  # raising: swap first
        for order in (files, files[::-1]):
            try:
                for name in order:
                    path = self.dirs["memory"] / name
                    if path.exists():
                        path.write_text(str(limit))
                return
            except OSError:
                continue

    def set_pids_limit(self, count: int) -> None:
        if "pids" in self.dirs:
            (self.dirs["pids"] / "pids.max").write_text(str(count))

    def tasks(self) -> list[int]:
        """Every thread in the pids cgroup (or, without one, the memory cgroup)."""
        for controller in ("pids", "memory"):
            if controller in self.dirs:
                return [int(x) for x in self._read(controller, "tasks").split()]
        return []

    def _counter(self, controller: str, file: str, name: str) -> int:
        """The count on the ``name value`` line of a cgroup file (0 when absent)."""
        for line in self._read(controller, file).splitlines():
            key, _, value = line.partition(" ")
            if key == name and value.strip().isdigit():
                return int(value)
        return 0

    def oom_kills(self) -> int:
        """How many processes the kernel has killed for the memory limit so far."""
        return self._counter("memory", "memory.oom_control", "oom_kill")

    def pids_events(self) -> int:
        """How many times a fork failed at the pids limit so far."""
        return self._counter("pids", "pids.events", "max")

    def reset_peak(self) -> None:
        """Start the peak memory count (``max_usage_in_bytes``) again from the present usage."""
        with contextlib.suppress(KeyError, OSError):
            (self.dirs["memory"] / "memory.max_usage_in_bytes").write_text("0")

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
        return self.pids_events() > 0

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


def _disk_full(workdir: Path, max_mb: int, bounded: bool) -> bool:
    """Whether the run reached its disk limit: on a size-limited mount, the filesystem's own
    count (deleted-but-open files included) within 1 MiB of full; else a walk of the folder."""
    if not bounded:
        return _dir_mb(workdir) > max_mb
    try:
        st = os.statvfs(workdir)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < 2**20


@contextlib.contextmanager
def bounded_workdir(workdir: Path, limits: Limits) -> Iterator[bool]:
    """Make ``workdir`` a ``tmpfs`` of ``limits.max_dir_mb`` MiB for the duration (as root).

    Everything a run keeps under it counts against the size -- files, folders, and files
    deleted but still open -- and a write past it fails with ENOSPC. Not as root, nothing is
    mounted and the folder walk of :func:`run_sandboxed` is the (weaker) limit.

    Yields:
        Whether the mount was made.

    Raises:
        SandboxUnavailable: as root, the tmpfs could not be mounted.
    """
    workdir = Path(workdir)
    if not _is_root():
        yield False
        return
    size = f"size={limits.max_dir_mb}m,mode=0755,nosuid,nodev,uid={NOBODY},gid={NOBODY}"
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", size, "rnn-ag-work", str(workdir)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SandboxUnavailable(f"cannot mount the run's size-limited work folder: "
                                 f"{(done.stderr or done.stdout).strip()[:500]}")
    try:
        yield True
    finally:
        subprocess.run(["umount", "--lazy", str(workdir)], capture_output=True, check=False)


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


def _package_view(pkg: Path, source: Path, mask: Path) -> list[str]:
    """bwrap arguments that show ``pkg`` (read from ``source``) as PACKAGE_VISIBLE plus masks."""
    args = ["--tmpfs", str(pkg)]
    for entry in sorted(pkg.iterdir()):
        name = entry.name
        if name in PACKAGE_VISIBLE:
            args += ["--ro-bind", str(source / name), str(pkg / name)]
        elif entry.is_dir() and (entry / "__init__.py").is_file():
            args += ["--dir", str(pkg / name), "--ro-bind", str(mask), str(pkg / name / "__init__.py")]
        elif entry.is_file() and name.endswith(".py"):
            args += ["--ro-bind", str(mask), str(pkg / name)]
    args += ["--remount-ro", str(pkg)]
    return args


def _started(status: bytes) -> bool:
    """Whether bwrap reported, on its own status pipe, that it started the sandboxed child."""
    return re.search(rb'"child-pid"\s*:\s*[0-9]+', status) is not None


def _read_available(fd: int, limit: int = 1 << 16) -> bytes:
    os.set_blocking(fd, False)
    chunks, total = [], 0
    while total < limit:
        try:
            chunk = os.read(fd, limit - total)
        except BlockingIOError:
            break
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def launch_command(config: SandboxConfig, limits: Limits, argv: list[str], workdir: Path,
                   stage_root: Path, *, bwrap: str, ro_files: dict[str, Path] | None,
                   env: dict[str, str], status_fd: int) -> list[str]:
    """The command line that starts ``argv`` in the sandbox (see :func:`run_sandboxed`).

    ``stage_root`` is an empty host folder that lives as long as the run (as root, the bind
    sources are staged there); ``env`` is added to the sandbox's fixed environment;
    ``status_fd`` is the write end of bwrap's ``--json-status-fd`` pipe.
    """
    root = _is_root()
    os.chmod(stage_root, 0o755)
    mask = stage_root / "package_mask.py"
    mask.write_text(PACKAGE_MASK)
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
        if host == pkg:
            bind_args += _package_view(pkg, source, mask)
            continue
        bind_args += ["--bind" if writable else "--ro-bind", str(source), inside]
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
        **env,
    }
    env_args: list[str] = []
    for key, value in environment.items():
        env_args += ["--setenv", key, value]
    bwrap_cmd = [
        bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--hostname", "sandbox",
        "--json-status-fd", str(status_fd),
        "--clearenv", *env_args, *_system_binds(),
        "--proc", "/proc", "--dev", "/dev",
        "--size", str(limits.tmp_mb * 1024 * 1024), "--tmpfs", "/tmp",
        *bind_args, "--remount-ro", "/", "--chdir", INSIDE_DIR, "--", *argv,
    ]
    if not root:
        return bwrap_cmd
    script = ('n=$1; shift; while [ "$n" -gt 0 ]; do mount --bind "$1" "$2" || exit 125; '
              'shift 2; n=$((n-1)); done; exec "$@"')
    return ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", script,
            "sh", str(len(stage_pairs) // 2), *stage_pairs,
            "setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--", *bwrap_cmd]


def limits_preexec(cgroups: "_Cgroups", limits: Limits, max_processes: int):  # noqa: ANN201
    """The ``preexec_fn`` that puts the launched sandbox in ``cgroups`` and sets its rlimits
    (``max_processes`` is the ``RLIMIT_NPROC`` used when there is no pids cgroup)."""
    use_nproc = "pids" not in cgroups.dirs

    def preexec() -> None:
        cgroups.join()
        fsize = limits.max_file_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if use_nproc:
            resource.setrlimit(resource.RLIMIT_NPROC, (max_processes, max_processes))

    return preexec


def run_sandboxed(
    config: SandboxConfig,
    limits: Limits,
    argv: list[str],
    workdir: Path,
    *,
    ro_files: dict[str, Path] | None = None,
    env: dict[str, str] | None = None,
    start_fd_env: str | None = None,
) -> SandboxResult:
    """Run ``argv`` in the sandbox with ``workdir`` bound writable at ``/submission``.

    Args:
        config: bwrap path and what to bind.
        limits: resource limits.
        argv: the command inside the sandbox (absolute paths as seen inside).
        workdir: a host folder, bound read-write at ``/submission`` (chowned to nobody as root).
        ro_files: ``{inside_path: host_path}`` extra read-only files (the runner, the job).
        env: extra environment variables; the environment is otherwise cleared.
        start_fd_env: the program inside writes ``started`` to the file descriptor named by this
            environment variable, and closes it, before it runs anything untrusted (the
            runner does). Then a run that bwrap started but whose program never wrote the
            token failed to start, whatever it printed; the token cannot be forged or withheld
            by code that only runs after it.

    Raises:
        SandboxUnavailable: bwrap is missing or the sandbox failed to start.
    """
    bwrap = resolve_bwrap(config)
    workdir = Path(workdir).resolve()
    stage_root = Path(tempfile.mkdtemp(prefix="rnn-ag-stage-"))
    out_dir = Path(tempfile.mkdtemp(prefix="rnn-ag-out-"))
    cgroups = _Cgroups(limits, config.use_cgroups)
    try:
        environment = dict(env or {})
        token_read, token_write = os.pipe() if start_fd_env else (-1, -1)
        if start_fd_env:
            environment[start_fd_env] = str(token_write)
        status_read, status_write = os.pipe()
        cmd = launch_command(config, limits, argv, workdir, stage_root, bwrap=bwrap,
                             ro_files=ro_files, env=environment, status_fd=status_write)
        preexec = limits_preexec(cgroups, limits, limits.max_processes)
        stdout_path, stderr_path = out_dir / "stdout", out_dir / "stderr"
        start = time.monotonic()
        killed: str | None = None
        bounded = os.path.ismount(workdir)
        bwrap_status = b""
        with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
            try:
                proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                        start_new_session=True, preexec_fn=preexec, close_fds=True,
                                        pass_fds=tuple(fd for fd in (status_write, token_write)
                                                       if fd >= 0))
            except OSError as exc:
                for fd in (status_read, token_read):
                    if fd >= 0:
                        os.close(fd)
                raise SandboxUnavailable(f"cannot start the sandbox ({cmd[0]}): {exc}") from None
            finally:
                for fd in (status_write, token_write):
                    if fd >= 0:
                        os.close(fd)
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
                if killed is None and (bounded or elapsed - last_dir_check > 0.5):
                    last_dir_check = elapsed
                    if _disk_full(workdir, limits.max_dir_mb, bounded):
                        killed = "disk"
                if killed is not None:
                    _kill_tree(proc)
                    cgroups.kill_all()
                    proc.wait()
                    break
            bwrap_status = _read_available(status_read)
            os.close(status_read)
            token = b"started" if token_read < 0 else _read_available(token_read, 64)
            if token_read >= 0:
                os.close(token_read)
        seconds = time.monotonic() - start
        disk_limit_hit = killed == "disk" or _disk_full(workdir, limits.max_dir_mb, bounded)
        if killed is None and cgroups.oom_killed():
            killed = "memory"
        stderr = _tail(stderr_path, limits.max_output_chars)
        if killed is None and (not _started(bwrap_status) or not token.startswith(b"started")):
            # bwrap never started the child, or the program never reached its first line:
            # nothing untrusted was executed, so this stderr is the launcher's (unshare, the
            # bind script, setpriv, bwrap or the interpreter's start-up).
            raise SandboxUnavailable(
                f"the sandbox failed to start (exit {proc.returncode}): {stderr.strip()[:2000]}")
        return SandboxResult(
            returncode=proc.returncode,
            killed=killed,
            pids_limit_hit=cgroups.pids_limit_hit(),
            seconds=seconds,
            stdout=_tail(stdout_path, limits.max_output_chars),
            stderr=stderr,
            peak_memory_mb=cgroups.peak_mb() if not watch_rss else (peak or None),
            disk_limit_hit=disk_limit_hit,
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
    resolve_bwrap(config)
    with tempfile.TemporaryDirectory(prefix="rnn-ag-check-") as tmp:
        work = Path(tmp) / "work"
        work.mkdir()
        os.chmod(tmp, 0o755)
        try:
            with bounded_workdir(work, limits):
                result = run_sandboxed(config, limits,
                                       [config.python, "-I", "-c", "print('sandbox-ok')"], work)
        except SandboxUnavailable as exc:
            raise SandboxUnavailable(
                f"the sandbox did not run a trivial Python program: {exc}. Refusing to grade."
            ) from None
    if result.returncode != 0 or "sandbox-ok" not in result.stdout:
        raise SandboxUnavailable(
            f"the sandbox did not run a trivial Python program (exit {result.returncode}): "
            f"{(result.stderr or result.stdout).strip()[:2000]}. Refusing to grade."
        )
