"""Pre-warmed sandboxes: one long-lived bubblewrap sandbox per grading process, forked per job.

Starting a sandbox, an interpreter, IPython and the notebook's libraries is most of the cost of
grading a short notebook (TensorFlow alone takes seconds to import). A :class:`WarmSandbox`
starts the sandbox of :func:`autograder.sandbox.run_sandboxed` once, with the same binds,
environment, user, cgroups and limits, running :mod:`autograder.zygote`, which imports what the
assignment's notebooks import (:func:`notebook_imports`) and then forks one child per job. Each
child lives in fresh user, mount, PID, IPC and UTS namespaces with its own ``/tmp`` and
``/dev/shm``, and all of its processes die with it (see :mod:`autograder.zygote`).

The trusted side believes what it believed of a cold run, from the same places:

- the sandbox started: bwrap's own status pipe and the zygote's ``ready`` on a socket only the
  zygote holds (it never runs a submission's code; children close their copy first);
- the run's exit code: the zygote's ``exit`` reply; its stdout and stderr: files the grader
  opened and passed to the child;
- the outcome: the status file and capture records in ``/submission``, collected and validated
  exactly as for a cold run (:func:`autograder.execution.execute`).

Limits per job: the wall clock from the moment the job is sent; memory (the cgroup's limit is
the zygote's own resident memory plus ``limits.memory_mb``; its peak and its OOM-kill count are
read per job); processes (``pids.max`` is the zygote's tasks plus ``limits.max_processes``); the
writable folder's size (one bounded ``tmpfs`` for the sandbox's life, emptied by the grader
between jobs, except the assignment's read-only data files). A job killed for time, memory or
disk, a zygote that died, or a folder that cannot be emptied: the whole sandbox is torn down
(every process of its cgroups killed, its tmpfs unmounted) and the next job starts a new one,
so one submission never changes another's result.
"""

from __future__ import annotations

import ast
import atexit
import contextlib
import multiprocessing
import multiprocessing.util
import dataclasses
import os
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from autograder import zygote
from autograder.errors import SandboxUnavailable
from autograder.sandbox import (
    Limits,
    SandboxConfig,
    SandboxResult,
    _Cgroups,
    _disk_full,
    _kill_tree,
    _read_available,
    _started,
    _tail,
    _tree_rss_mb,
    bounded_workdir,
    launch_command,
    limits_preexec,
    resolve_bwrap,
)

HERE = Path(__file__).resolve().parent
RUNNER, ZYGOTE = HERE / "runner.py", HERE / "zygote.py"
INSIDE_GRADER = "/grader"
READY_SECONDS = 300.0
"""How long a zygote may take to import its modules (TensorFlow under load) before it is given up."""
EXTRA_TASKS = 64
"""Processes and threads allowed beyond ``limits.max_processes`` when there is no pids cgroup
(``RLIMIT_NPROC``): the launcher, bwrap and the zygote."""
STARTUP_MB = 4096
"""Memory the zygote may use while it imports, beyond ``limits.memory_mb`` (the limit is then
set to what it holds plus ``limits.memory_mb``)."""
KEPT_SANDBOXES = 4


HOME_PREFIX = "rnn-ag-warm-"


def _remove_orphans() -> None:
    """Unmount and remove the folders of warm sandboxes whose grading process is gone (one
    killed with SIGKILL, e.g. a Dask worker, cannot clean up after itself)."""
    for home in Path(tempfile.gettempdir()).glob(f"{HOME_PREFIX}*-*"):
        pid = home.name[len(HOME_PREFIX):].split("-")[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
            continue  # its owner is alive
        except ProcessLookupError:
            pass
        except PermissionError:
            continue
        work = home / "work"
        if os.path.ismount(work):
            subprocess.run(["umount", "--lazy", str(work)], capture_output=True, check=False)
        if not os.path.ismount(work):
            shutil.rmtree(home, ignore_errors=True)


class WarmUnavailable(RuntimeError):
    """The zygote did not come up (or refused a job): grade this submission cold instead."""


def notebook_imports(sources: list[str]) -> tuple[str, ...]:
    """The absolute module names that the code ``sources`` import (``import a.b``, ``from a.b
    import c``), sorted, course_pkg's own excluded; IPython magics and shell lines are skipped,
    a source that does not parse contributes nothing.

    >>> notebook_imports(["%matplotlib inline\\nimport numpy as np", "from keras import ops"])
    ('keras', 'numpy')
    """
    found: set[str] = set()
    for source in sources:
        code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                         for line in source.splitlines())
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module)
    return tuple(sorted(n for n in found if n.split(".")[0] != "course_pkg"))


class WarmSandbox:
    """One long-lived sandbox running a zygote; :meth:`run` grades one job in a forked child.

    Args:
        config, limits: as for :func:`autograder.sandbox.run_sandboxed`.
        preload: modules the zygote imports before forking.
        data_files: ``(name, host path)`` bound read-only at ``/submission/<name>``.
        env: extra environment variables inside the sandbox.
    """

    def __init__(self, config: SandboxConfig, limits: Limits, preload: tuple[str, ...],
                 data_files: tuple[tuple[str, Path], ...] = (), env: dict[str, str] | None = None) -> None:
        self.config, self.limits, self.preload = config, limits, tuple(preload)
        self.data_files, self.env = tuple(data_files), dict(env or {})
        self.owner = os.getpid()
        self._proc: subprocess.Popen | None = None
        self._stack = contextlib.ExitStack()
        self.starts = 0
        self.threads = 0
        self.broken: str | None = None  # why a job could not run: every later job runs cold

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def grader_dir(self) -> Path:
        """The host folder bound read-only at ``/grader`` (runner, zygote, job, inputs)."""
        return self._home / "grader"

    @property
    def workdir(self) -> Path:
        """The host folder bound writable at ``/submission``."""
        return self._home / "work"

    def _start(self) -> None:
        bwrap = resolve_bwrap(self.config)
        # plain folders removed by the stack, after the unmount (a TemporaryDirectory's own
        # finaliser could run first at interpreter exit, on a still-mounted folder)
        _remove_orphans()
        self._home = Path(tempfile.mkdtemp(prefix=f"{HOME_PREFIX}{os.getpid()}-"))
        self._stack.callback(shutil.rmtree, self._home, ignore_errors=True)
        os.chmod(self._home, 0o755)
        self.workdir.mkdir()
        self.grader_dir.mkdir()
        for source in (RUNNER, ZYGOTE):
            shutil.copy(source, self.grader_dir / source.name)
            os.chmod(self.grader_dir / source.name, 0o644)
        os.chmod(self.grader_dir, 0o755)
        self._bounded = self._stack.enter_context(bounded_workdir(self.workdir, self.limits))
        self._cgroups = _Cgroups(dataclasses.replace(
            self.limits, memory_mb=self.limits.memory_mb + STARTUP_MB,
            max_processes=self.limits.max_processes + EXTRA_TASKS), self.config.use_cgroups)
        self._stack.callback(self._cgroups.cleanup)
        stage = Path(tempfile.mkdtemp(prefix="rnn-ag-stage-"))
        self._stack.callback(shutil.rmtree, stage, ignore_errors=True)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._control = ours
        self._stack.callback(ours.close)
        status_read, status_write = os.pipe()
        self._stack.callback(os.close, status_read)
        argv = [self.config.python, "-I", "-B", f"{INSIDE_GRADER}/zygote.py",
                f"{INSIDE_GRADER}/runner.py", ",".join(self.preload), str(self.limits.tmp_mb)]
        try:
            cmd = launch_command(
                self.config, self.limits, argv, self.workdir, stage, bwrap=bwrap,
                ro_files={INSIDE_GRADER: self.grader_dir,
                          **{f"/submission/{name}": host for name, host in self.data_files}},
                env={**self.env, zygote.ZYGOTE_FD_ENV: str(theirs.fileno())}, status_fd=status_write)
            log = self._stack.enter_context(open(self._home / "zygote.log", "wb"))
            self._proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
                preexec_fn=limits_preexec(self._cgroups, self.limits,
                                          self.limits.max_processes + EXTRA_TASKS),
                close_fds=True, pass_fds=(status_write, theirs.fileno()))
        except OSError as exc:
            self._teardown()
            raise SandboxUnavailable(f"cannot start the sandbox ({bwrap}): {exc}") from None
        finally:
            os.close(status_write)
            theirs.close()
        self._stack.callback(self._kill)
        self.starts += 1
        self._inputs_key: str | None = None
        reply = self._receive(READY_SECONDS)
        if reply is None or not reply.startswith("ready"):
            started = _started(_read_available(status_read))
            log_tail = _tail(self._home / "zygote.log", 2000).strip()
            self._teardown()
            if not started:
                raise SandboxUnavailable(f"the sandbox failed to start: {log_tail}")
            raise WarmUnavailable(f"the pre-warmed interpreter did not start: {reply or log_tail}")
        self._data_names = {name for name, _ in self.data_files}
        self.threads = int(reply.split()[1])  # the zygote's threads when it was ready (1)
        cg = self._cgroups
        if "memory" in cg.dirs:
            base = int(cg._read("memory", "memory.usage_in_bytes").strip() or 0)
            cg.set_memory_limit(base + self.limits.memory_mb * 2**20)
            self._base_mb = base / 2**20
        else:
            self._base_mb = _tree_rss_mb(self._proc.pid)
        if "pids" in cg.dirs:
            cg.set_pids_limit(len(cg.tasks()) + self.limits.max_processes)

    def _receive(self, timeout: float) -> str | None:
        """The zygote's next reply, or None when it died or said nothing within ``timeout``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self._control], [], [], 0.1)
            if ready:
                data = self._control.recv(4096)
                return data.decode("ascii", "replace") if data else None
            if not self.alive:
                return None
        return None

    def _kill(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            _kill_tree(self._proc)
        self._cgroups.kill_all()
        if self._proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout=10)

    def _teardown(self) -> None:
        """Kill every process of the sandbox, unmount and remove its folders (idempotent)."""
        self._stack.close()
        self._stack = contextlib.ExitStack()
        self._proc = None

    close = _teardown

    def _clear(self) -> bool:
        """Empty the writable folder (the data files' mount points stay); whether it is empty."""
        for entry in os.scandir(self.workdir):
            if entry.name in self._data_names:
                continue
            path = Path(entry.path)
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    path.unlink()
        return set(os.listdir(self.workdir)) <= self._data_names

    def run(self, job: str, inputs_key: str, write_inputs: Callable[[Path], None],
            collect: Callable[[Path], None]) -> SandboxResult:
        """Run one job (the runner's JSON, see :mod:`autograder.runner`) in a forked child.

        ``write_inputs(folder)`` fills the folder bound at ``/grader/inputs`` (read-only inside)
        unless the previous job's ``inputs_key`` was the same (then its folder is kept: the
        inputs are a function of the key); ``collect(workdir)`` copies what the grader keeps
        out of the writable folder before it is emptied.

        Raises:
            SandboxUnavailable: the sandbox cannot start.
            WarmUnavailable: the zygote cannot start, is gone, refused the job or the child
                could not set itself up (nothing of the job ran; run it cold).
        """
        if self.broken:
            raise WarmUnavailable(f"the pre-warmed interpreter could not run a job: {self.broken}")
        if not self.alive:
            self._teardown()
            self._start()
        limits, cg = self.limits, self._cgroups
        inputs = self.grader_dir / "inputs"
        if inputs_key != self._inputs_key or not inputs.is_dir():
            self._inputs_key = None
            shutil.rmtree(inputs, ignore_errors=True)
            write_inputs(inputs)
            self._inputs_key = inputs_key
        job_file = self.grader_dir / "job.json"
        job_file.write_text(job)
        os.chmod(job_file, 0o644)
        oom_before, pids_before = cg.oom_kills(), cg.pids_events()
        cg.reset_peak()
        with tempfile.TemporaryDirectory(prefix="rnn-ag-out-") as out_dir:
            out_path, err_path = Path(out_dir) / "stdout", Path(out_dir) / "stderr"
            with open(out_path, "wb") as out, open(err_path, "wb") as err:
                start = time.monotonic()
                try:
                    socket.send_fds(self._control, [f"run {INSIDE_GRADER}/job.json".encode()],
                                    [out.fileno(), err.fileno()])
                except OSError as exc:  # the zygote died before the job was sent: nothing ran
                    self._teardown()
                    raise WarmUnavailable(f"the pre-warmed interpreter is gone: {exc}") from None
            killed, returncode, peak, crashed = None, None, 0.0, False
            watch_rss = "memory" not in cg.dirs
            last_dir_check = 0.0
            while returncode is None:
                reply = self._receive(0.1) if self.alive else None
                elapsed = time.monotonic() - start
                if reply is not None:
                    if reply.startswith("exit "):
                        returncode = int(reply.split()[1])
                    elif reply.startswith(("refused", "failed")):
                        self._teardown()
                        self.broken = reply
                        raise WarmUnavailable(f"the pre-warmed interpreter could not run the job: {reply}")
                    continue
                if not self.alive:  # the zygote died: the submission took it down
                    crashed = True
                    returncode = -signal.SIGKILL
                    break
                if elapsed > limits.wall_seconds:
                    killed = "wall clock"
                elif watch_rss:
                    rss = _tree_rss_mb(self._proc.pid) - self._base_mb
                    peak = max(peak, rss)
                    if rss > limits.memory_mb:
                        killed = "memory"
                if killed is None and (self._bounded or elapsed - last_dir_check > 0.5):
                    last_dir_check = elapsed
                    if _disk_full(self.workdir, limits.max_dir_mb, self._bounded):
                        killed = "disk"
                if killed is not None:
                    self._kill()
                    returncode = -signal.SIGKILL
            seconds = time.monotonic() - start
            disk_limit_hit = killed == "disk" or _disk_full(self.workdir, limits.max_dir_mb, self._bounded)
            if killed is None and cg.oom_kills() > oom_before:
                killed = "memory"
            peak_mb = (cg.peak_mb() - self._base_mb if cg.peak_mb() is not None else None) \
                if not watch_rss else (peak or None)
            result = SandboxResult(
                returncode=returncode, killed=killed,
                pids_limit_hit=cg.pids_events() > pids_before, seconds=seconds,
                stdout=_tail(out_path, limits.max_output_chars),
                stderr=_tail(err_path, limits.max_output_chars),
                peak_memory_mb=peak_mb, disk_limit_hit=disk_limit_hit)
        collect(self.workdir)
        if killed is not None or crashed or not self._clear():
            self._teardown()
        return result


_SANDBOXES: dict[tuple, WarmSandbox] = {}
_FINALIZER_PID: int | None = None


def _forget_in_child() -> None:
    _SANDBOXES.clear()  # a forked process does not own its parent's sandboxes


os.register_at_fork(after_in_child=_forget_in_child)


def close_all() -> None:
    """Tear down every warm sandbox this process started."""
    while _SANDBOXES:
        _, sandbox = _SANDBOXES.popitem()
        if sandbox.owner == os.getpid():
            sandbox.close()


atexit.register(close_all)


def warm_sandbox(config: SandboxConfig, limits: Limits, preload: tuple[str, ...],
                 data_files: tuple[tuple[str, Path], ...], env: dict[str, str]) -> WarmSandbox:
    """This process's warm sandbox for these settings (created on first use; at most
    :data:`KEPT_SANDBOXES` are kept, the oldest closed first)."""
    key = (config, limits, tuple(preload), tuple(data_files), tuple(sorted(env.items())))
    found = _SANDBOXES.get(key)
    if found is not None:
        return found
    global _FINALIZER_PID
    if multiprocessing.parent_process() is not None and _FINALIZER_PID != os.getpid():
        # a pool worker ends through multiprocessing (os._exit after its finalizers), not atexit
        multiprocessing.util.Finalize(None, close_all, exitpriority=10)
        _FINALIZER_PID = os.getpid()
    while len(_SANDBOXES) >= KEPT_SANDBOXES:
        _SANDBOXES.pop(next(iter(_SANDBOXES))).close()
    _SANDBOXES[key] = WarmSandbox(config, limits, preload, data_files, env)
    return _SANDBOXES[key]

