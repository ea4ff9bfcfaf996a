"""The pre-warmed interpreter that runs INSIDE a long-lived sandbox and forks one child per job.

Usage (inside bubblewrap only, started by :class:`autograder.prefork.WarmSandbox`)::

    python -I -B zygote.py RUNNER.py MODULE[,MODULE...]

The zygote imports the runner (:mod:`autograder.runner`), IPython, ``course_pkg.checks`` and the
modules named (what the assignment's notebooks import: NumPy, TensorFlow, Keras...), makes
itself non-dumpable (``PR_SET_DUMPABLE`` 0: no process of the sandbox user can read its memory
or ptrace it) and writes ``ready <threads>`` on its control socket (an inherited ``AF_UNIX``
``SOCK_SEQPACKET`` descriptor named by ``GRADER_ZYGOTE_FD``). Then, for each ``run JOB.json``
message (it carries the job's stdout and stderr descriptors), it checks that it is still one
thread (forking a process with other threads could copy a lock held by one of them), forks and
answers ``forked`` and, when the child has ended, ``exit <code>`` (or ``failed <code>`` when
the child could not set itself up, before anything of the job ran). The zygote itself never runs
a line of a submission.

The child (one per job):

1. closes the control socket (a submission can neither read the protocol nor forge a reply)
   and puts the job's descriptors on 1 and 2;
2. ``unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS)``, maps
   its own user, mounts a fresh ``tmpfs`` on ``/tmp`` and ``/dev/shm``;
3. forks the new PID namespace's init, which mounts a ``/proc`` of that namespace (the zygote
   is not in it), forks the runner's process and reaps; when the runner's process ends, init
   exits and the kernel kills every process left in the namespace, so nothing a submission
   started survives it, and its ``/tmp``, shared memory and IPC objects go with it;
4. the runner's process drops every capability (it runs as the sandbox user with no
   privilege, as a cold run does), re-seeds the random generators the zygote imported, and
   runs :func:`runner.main` on the job with the shell the zygote made
   (:func:`runner.preload`); then its ``atexit`` handlers run, as at a cold run's exit, and
   the process ends.

Nothing here is trusted beyond what a cold run is: the grader reads only the zygote's own
``ready``/``forked``/``exit`` replies, the status file and the capture records, as before.
This file imports only the standard library (and, by the runner, IPython and course_pkg.checks).
"""

from __future__ import annotations

import atexit
import ctypes
import importlib
import importlib.util
import os
import socket
import sys

ZYGOTE_FD_ENV = "GRADER_ZYGOTE_FD"
CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID = 0x10000000, 0x20000000
PR_SET_DUMPABLE = 4
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_BIND, MS_REC, MS_PRIVATE = 2, 4, 8, 4096, 16384, 1 << 18
_LINUX_CAPABILITY_VERSION_3 = 0x20080522

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str | None) -> None:
    _check(_libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None,
                       ctypes.c_ulong(flags), data.encode() if data else None), f"mount {target}")


def _drop_capabilities() -> None:
    header = (ctypes.c_uint32 * 2)(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()
    _check(_libc.capset(header, data), "capset")


def _threads() -> int:
    return len(os.listdir("/proc/self/task"))


def _isolate(tmp_mb: int) -> None:
    """Step 2: fresh namespaces, this user mapped to itself, fresh /tmp and /dev/shm."""
    uid, gid = os.getuid(), os.getgid()
    # a non-dumpable process cannot write its own /proc/self/*_map: dumpable while it maps
    # itself (nothing untrusted runs yet), non-dumpable again before anything else
    _check(_libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), "prctl")
    _check(_libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS),
           "unshare")
    with open("/proc/self/uid_map", "w") as fh:
        fh.write(f"{uid} {uid} 1")
    with open("/proc/self/setgroups", "w") as fh:
        fh.write("deny")
    with open("/proc/self/gid_map", "w") as fh:
        fh.write(f"{gid} {gid} 1")
    _check(_libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), "prctl")
    _mount("none", "/", None, MS_REC | MS_PRIVATE, None)
    # What the sandbox binds below /tmp (a checkout or venv under /tmp) stays visible: each
    # outermost such mount is held open before the fresh tmpfs covers /tmp and bound again in it,
    # with the mounts below it (MS_REC)
    kept = [(path, os.open(path, os.O_PATH)) for path in _outermost(_mounts_below("/tmp"))]
    _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"size={tmp_mb}m,mode=1777")
    for path, fd in kept:
        if os.path.isdir(f"/proc/self/fd/{fd}"):
            os.makedirs(path, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            open(path, "a").close()
        _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC, None)
        os.close(fd)
    if os.path.isdir("/dev/shm"):
        _mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=1777")


def _mounts_below(top: str) -> list[str]:
    """Mount points strictly below ``top`` (this mount namespace's), parents first."""
    found = []
    with open("/proc/self/mountinfo", encoding="utf-8") as fh:
        for line in fh:
            point = line.split()[4].replace("\\040", " ")
            if point.startswith(top.rstrip("/") + "/"):
                found.append(point)
    return sorted(set(found), key=lambda point: (point.count("/"), point))


def _outermost(points: list[str]) -> list[str]:
    """The mount points of ``points`` (parents first) that no other of them contains."""
    kept: list[str] = []
    for point in points:
        if not any(point.startswith(parent + "/") for parent in kept):
            kept.append(point)
    return kept


def _exit_code(status: int) -> int:
    return os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)


def _init() -> None:
    """Step 3, in the new namespace's init: fork the runner's process (which returns), reap
    until it ends, then exit with its code."""
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None)
    pid = os.fork()
    if pid == 0:
        return
    while True:
        try:
            done, status = os.wait()
        except ChildProcessError:
            os._exit(1)
        if done == pid:
            os._exit(_exit_code(status))


def _reseed() -> None:
    """Each child draws its own random state, as a freshly started interpreter would."""
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()


def _child(control: socket.socket, fds: list[int], set_up: int, tmp_mb: int) -> None:
    """Steps 1-4; returns only in the runner's process (with the job to run), after it wrote a
    byte on ``set_up`` and closed it: then everything before the job succeeded."""
    control.close()
    os.dup2(fds[0], 1)
    os.dup2(fds[1], 2)
    for fd in fds:
        os.close(fd)
    try:
        _isolate(tmp_mb)
        pid = os.fork()
        if pid != 0:  # the first child waits for init and reports its exit to the zygote
            os._exit(_exit_code(os.waitpid(pid, 0)[1]))
        _init()
        _drop_capabilities()
        _check(_libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), "prctl")
        _reseed()
        os.write(set_up, b"1")
        os.close(set_up)
    except BaseException as exc:  # noqa: BLE001 - the job cannot run: say why, on its stderr
        os.write(2, f"zygote: cannot start the job: {type(exc).__name__}: {exc}\n".encode())
        os._exit(126)


def serve(control: socket.socket, runner, tmp_mb: int) -> str | None:  # noqa: ANN001
    """Answer jobs until the grader closes the socket (returns None); in a job's runner process,
    return the job's path."""
    _check(_libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), "prctl")
    control.send(f"ready {_threads()}".encode())
    while True:
        message, fds, _, _ = socket.recv_fds(control, 4096, 2)
        if not message:
            return None
        command, _, job_path = message.decode().partition(" ")
        if command != "run" or len(fds) != 2 or _threads() != 1:
            for fd in fds:
                os.close(fd)
            control.send(f"refused threads={_threads()}".encode())
            continue
        sys.stdout.flush()
        sys.stderr.flush()
        set_up_read, set_up = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(set_up_read)
            _child(control, fds, set_up, tmp_mb)
            return job_path
        for fd in (*fds, set_up):
            os.close(fd)
        control.send(b"forked")
        _, status = os.waitpid(pid, 0)
        os.set_blocking(set_up_read, False)
        try:
            started = os.read(set_up_read, 1) == b"1"
        except BlockingIOError:
            started = False
        os.close(set_up_read)
        # "failed": the child could not isolate itself (e.g. no nested namespaces here), so
        # nothing of the job ran; the grader then runs the job cold
        control.send(f"{'exit' if started else 'failed'} {os.waitstatus_to_exitcode(status)}".encode())


def main(argv: list[str]) -> int:
    runner_path, modules, tmp_mb = argv[1], argv[2], int(argv[3])
    control = socket.socket(fileno=int(os.environ.pop(ZYGOTE_FD_ENV)))
    spec = importlib.util.spec_from_file_location("grader_runner", runner_path)
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)
    runner.preload()
    for name in filter(None, modules.split(",")):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001, S112 - the notebook's own import will say why
            continue
    job_path = serve(control, runner, tmp_mb)
    if job_path is None:
        return 0
    code = runner.main(job_path)
    # the job's exit: its atexit handlers run as at a normal exit, then the process ends without
    # tearing the zygote's modules down one by one (nothing else would see it)
    threading = sys.modules.get("threading")
    if threading is not None:
        threading._shutdown()  # waits for the job's non-daemon threads, as a normal exit does
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
