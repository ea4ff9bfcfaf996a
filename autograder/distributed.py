"""Grade on a Dask distributed cluster: one task per submission, graded by a worker in its sandbox.

``python -m autograder grade --scheduler tcp://HOST:PORT ...`` hands the batch to
:class:`DaskDispatcher`. The grading context (the parsed assignment, its expected values, the
settings) is one task of its own, fetched by each worker once; each submission is a task that
carries the submission's bytes, so workers need not share the grader's filesystem for
submissions (an assignment's data files beside its notebooks are read from the same path on the
workers: a shared or identical course folder). A worker
writes the bytes into its own scratch folder and runs :func:`autograder.grading.grade_submission`
there, in its own bubblewrap sandbox and with its own Python environment, with the report folder
redirected to scratch; it returns the :class:`~autograder.reports.SubmissionReport`. The client
writes each report once, when its task's result arrives.

A worker that dies mid-task (killed, out of memory, its machine gone): the scheduler runs the
task again on another worker, up to ``distributed.scheduler.allowed-failures`` times (Dask's
default 3), and the client receives exactly one result per task, so nothing is lost or written
twice. A task that kills every worker it runs on becomes that submission's error report.

Workers must run the same grader: before submitting, every worker's grader digest (the
autograder and ``course_pkg.checks`` sources) is compared with the client's, and a mismatch is
refused. Start workers from the course's environment, one submission at a time each::

    dask scheduler --host 127.0.0.1 --port 8786
    dask worker tcp://127.0.0.1:8786 --nworkers 2 --nthreads 1
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import sys
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

from autograder.errors import SandboxUnavailable
from autograder.grading import _Context, error_report, grade_submission
from autograder.notebook import MAX_NOTEBOOK_BYTES
from autograder.reports import SubmissionReport
from autograder.submissions import Submission

ADDRESS = re.compile(r"^(tcp|tls)://[A-Za-z0-9.\-\[\]:]+:\d{1,5}$")


class SchedulerUnavailable(RuntimeError):
    """The Dask scheduler cannot be reached, has no workers, or its workers run another grader."""


def grader_digest() -> str:
    """A digest of this grader's sources: the autograder package and ``course_pkg.checks``."""
    import course_pkg.checks

    h = hashlib.sha256()
    for folder in (Path(__file__).resolve().parent, Path(course_pkg.checks.__file__).resolve().parent):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in (".py", ".html"):
                h.update(path.relative_to(folder).as_posix().encode())
                h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _context(ctx: _Context) -> _Context:
    """The grading context, as a task's result (recomputed by Dask if its holder dies)."""
    return ctx


@dataclasses.dataclass(frozen=True)
class Payload:
    """A submission as it travels to a worker: its ``name``, the notebook's bytes (``data``, None
    when broken), ``error``, and for a several-notebook assignment one payload per part."""

    name: str
    data: bytes | None
    error: str | None = None
    parts: dict[str, Payload] | None = None


def pack(sub: Submission) -> Payload:
    """Read a submission's bytes (at most one byte over the notebook limit, which the worker refuses)."""
    parts = None if sub.parts is None else {k: pack(v) for k, v in sub.parts.items()}
    if sub.error is not None or sub.path is None:
        return Payload(sub.name, None, sub.error if sub.error is not None or parts is not None else "no file",
                       parts)
    try:
        with open(sub.path, "rb") as fh:
            return Payload(sub.name, fh.read(MAX_NOTEBOOK_BYTES + 1), None, parts)
    except OSError as exc:
        return Payload(sub.name, None, f"cannot read the file: {exc.strerror or exc}", parts)


def unpack(payload: Payload, folder: Path) -> Submission:
    """The submission again, its notebooks written under ``folder``."""
    path = None
    if payload.data is not None:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{payload.name}.ipynb"
        path.write_bytes(payload.data)
    parts = None if payload.parts is None else {
        k: unpack(v, folder / f"part{i}") for i, (k, v) in enumerate(payload.parts.items())}
    return Submission(payload.name, path, payload.error, parts)


def grade_on_worker(payload: Payload, ctx: _Context) -> SubmissionReport:
    """Runs ON THE WORKER: grade one submission from its bytes, with this worker's environment.

    Args:
        payload: the submission (:func:`pack`).
        ctx: the grading context built by the client.

    Returns:
        The report (also written to scratch by ``grade_submission``; the client writes the real one).
    """
    sandbox = dataclasses.replace(ctx.settings.sandbox, python_prefix=Path(sys.prefix),
                                  base_prefix=Path(sys.base_prefix), course_pkg_dir=None)
    with tempfile.TemporaryDirectory(prefix="rnn-ag-dask-") as tmp:
        sub = unpack(payload, Path(tmp) / "in")
        settings = dataclasses.replace(ctx.settings, out_dir=Path(tmp) / "reports", sandbox=sandbox)
        return grade_submission(sub, dataclasses.replace(ctx, settings=settings))


@dataclasses.dataclass
class DaskDispatcher:
    """Grades a batch on the Dask cluster at ``address`` (``tcp://HOST:PORT``).

    Attributes:
        address: the scheduler's address.
        connect_timeout: seconds to wait for the scheduler and for at least one worker.
    """

    address: str
    connect_timeout: float = 30.0

    def __post_init__(self) -> None:
        if not ADDRESS.match(self.address):
            raise ValueError(f"--scheduler must look like tcp://HOST:PORT, got {self.address!r}")

    def _client(self):  # noqa: ANN202 - distributed.Client, imported lazily
        from distributed import Client

        try:
            client = Client(self.address, timeout=self.connect_timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise SchedulerUnavailable(
                f"cannot reach the Dask scheduler at {self.address} within {self.connect_timeout:g} s: "
                f"{type(exc).__name__}") from None
        try:
            client.wait_for_workers(1, timeout=self.connect_timeout)
        except (OSError, TimeoutError):
            client.close()
            raise SchedulerUnavailable(
                f"the Dask scheduler at {self.address} has no worker after {self.connect_timeout:g} s"
            ) from None
        mine = grader_digest()
        theirs = client.run(grader_digest)
        other = {w: d for w, d in theirs.items() if d != mine}
        if other:
            client.close()
            worker, digest = next(iter(other.items()))
            raise SchedulerUnavailable(
                f"Dask worker {worker} runs another grader (digest {digest}, here {mine}): "
                "start the workers from this course's environment")
        return client

    def __call__(self, subs: list[Submission], ctx: _Context,
                 done: Callable[[SubmissionReport], None]) -> list[SubmissionReport]:
        """Grade ``subs`` on the cluster; call ``done`` once per report as each arrives."""
        from distributed import as_completed

        if not subs:
            return []
        batch = uuid.uuid4().hex[:8]
        reports: dict[str, SubmissionReport] = {}
        with self._client() as client:
            ctx_future = client.submit(_context, ctx, key=f"rnn-ag-context-{batch}", pure=False)
            futures = {}
            for sub in subs:
                fut = client.submit(grade_on_worker, pack(sub), ctx_future,
                                    key=f"rnn-ag-grade-{sub.name}-{batch}", pure=False)
                futures[fut] = sub
            for fut in as_completed(futures, loop=client.loop):
                sub = futures[fut]
                try:
                    report = fut.result()
                except SandboxUnavailable:
                    raise
                except Exception as exc:  # noqa: BLE001 - KilledWorker and the like: this one only
                    report = error_report(sub.name, ctx,
                                          f"the grading worker failed: {type(exc).__name__}: {exc}")
                fut.release()
                if sub.name in reports:  # as_completed yields each future once; never write twice
                    continue
                reports[sub.name] = report
                done(report)
        return [reports[s.name] for s in subs]
