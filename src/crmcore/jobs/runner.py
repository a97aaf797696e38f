"""Worker threads that claim queued jobs and run them as the member who queued them.

A claim is a lease (``lease_until``) fenced by ``attempts``: a worker that stalls past its lease
loses the job to another worker (of any process) and its next checkpoint fails with
``LeaseLost``, so two workers never both write for one job. Handlers commit their work in
batches through ``JobRun.transaction`` together with ``checkpoint``, so a job interrupted by a
crash resumes from its last committed ``progress`` and never repeats a committed batch.
"""

import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from crmcore.accounts.members import active_caller
from crmcore.db.engine import yield_to_writers
from crmcore.db.session import UnitOfWork, unit_of_work
from crmcore.jobs.service import WAKE
from crmcore.kernel.context import Caller, Context
from crmcore.kernel.errors import CrmError
from crmcore.kernel.wire import utc_now
from crmcore.models import Job
from crmcore.models.job import JobStatus

log = logging.getLogger("crmcore.jobs")

LEASE = timedelta(seconds=60)
#: A job whose worker died this many times is failed rather than tried again.
MAX_ATTEMPTS = 3
#: Errors reported per job (the rest are counted, not listed).
MAX_ERRORS = 1000
POLL_SECONDS = 1.0

ContextFactory = Callable[[UnitOfWork, Caller, datetime], Context]
ProgressCallback = Callable[[Job], None]


class JobFailed(CrmError):
    """Raised by a handler to end its job as ``failed`` with this message."""


class LeaseLost(Exception):
    """Another worker took the job over (this one stalled past its lease)."""


class JobRun:
    """What a handler gets: the job as claimed, transactions as its owner, and checkpoints."""

    def __init__(
        self,
        job: Job,
        factory: sessionmaker[Session],
        make_context: ContextFactory,
        stopping: threading.Event,
        lease: timedelta = LEASE,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        self.job = job
        self.lease = lease
        self._factory = factory
        self._make_context = make_context
        self._stopping = stopping
        self._on_progress = on_progress

    @property
    def stopping(self) -> bool:
        """The process is shutting down: stop at the next batch boundary (the job resumes)."""
        return self._stopping.is_set()

    @contextmanager
    def transaction(self) -> Iterator[Context]:
        """One unit of work as the job's owner (re-checked: a removed member's job fails)."""
        with unit_of_work(self._factory) as uow:
            caller = active_caller(uow.session, self.job.account_id, self.job.member_id)
            if caller is None or caller.workspace_id != self.job.workspace_id:
                raise JobFailed("The member who started the job is no longer active")
            yield self._make_context(uow, caller, utc_now())
        # A job commits batch after batch; on SQLite, requests waiting for the write lock get
        # it before the next batch does.
        yield_to_writers(uow.session.get_bind().engine)

    def checkpoint(
        self,
        ctx: Context,
        *,
        progress: int,
        total: int | None = None,
        created: int = 0,
        failed: int = 0,
        errors: Sequence[Mapping[str, Any]] = (),
        result_file_id: str | None = None,
    ) -> None:
        """Record progress inside the batch's own transaction (so both commit or neither);
        ``created``/``failed``/``errors`` are added to the totals so far."""
        job = self.job
        job.progress = progress
        job.total = job.total if total is None else total
        job.created += created
        job.failed += failed
        if errors and len(job.errors) < MAX_ERRORS:
            job.errors = [*job.errors, *map(dict, errors)][:MAX_ERRORS]
        values: dict[str, Any] = {
            "progress": job.progress,
            "total": job.total,
            "created": job.created,
            "failed": job.failed,
            "errors": job.errors,
            "lease_until": ctx.now + self.lease,
            "date_updated": ctx.now,
        }
        if result_file_id is not None:
            job.result_file_id = result_file_id
            values["result_file_id"] = result_file_id
        self._fenced_update(ctx.session, values)
        if self._on_progress is not None:
            ctx.uow.after_commit(lambda: self._on_progress(job) if self._on_progress else None)

    def heartbeat(self) -> None:
        """Extend the lease during a long step that commits nothing (e.g. counting rows)."""
        with self._factory.begin() as session:
            now = utc_now()
            self._fenced_update(session, {"lease_until": now + self.lease, "date_updated": now})

    def _fenced_update(self, session: Session, values: dict[str, Any]) -> None:
        result = session.execute(
            update(Job)
            .where(Job.job_id == self.job.job_id, Job.attempts == self.job.attempts)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise LeaseLost(self.job.job_id)

    def finish(self, status: str, error: str | None = None) -> None:
        now = utc_now()
        with self._factory.begin() as session:
            self._fenced_update(
                session,
                {
                    "status": status,
                    "error": error,
                    "lease_until": None,
                    "date_updated": now,
                    "date_finished": now,
                },
            )
        self.job.status = status
        self.job.error = error

    def release(self) -> None:
        """Hand the job back at once (on shutdown) instead of waiting for the lease to expire."""
        with self._factory.begin() as session:
            self._fenced_update(session, {"lease_until": utc_now() - timedelta(seconds=1)})


Handler = Callable[[JobRun], None]


class JobRunner:
    def __init__(
        self,
        factory: sessionmaker[Session],
        make_context: ContextFactory,
        handlers: Mapping[str, Handler],
        *,
        workers: int = 1,
        lease: timedelta = LEASE,
    ) -> None:
        self._factory = factory
        self._lease = lease
        self._make_context = make_context
        self._handlers = dict(handlers)
        self._workers = workers
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for number in range(self._workers):
            thread = threading.Thread(target=self._loop, name=f"crmcore-jobs-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 30) -> None:
        self._stopping.set()
        WAKE.set()
        for thread in self._threads:
            thread.join(timeout)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                run = self.claim()
            except DBAPIError as error:
                # The database is down or restarting: say so once per poll, without a traceback.
                log.warning("job queue unavailable: %s", type(error.orig).__name__)
                run = None
            except Exception:
                log.exception("claiming a job failed")
                run = None
            if run is None:
                WAKE.wait(POLL_SECONDS)
                WAKE.clear()
                continue
            self.run(run)

    def claim(self, job_id: str | None = None) -> JobRun | None:
        """Take the oldest claimable job (or exactly ``job_id``): pending, or processing with
        an expired lease (its worker died)."""
        now = utc_now()
        claimable = or_(
            Job.status == JobStatus.PENDING,
            and_(Job.status == JobStatus.PROCESSING, Job.lease_until < now),
        )
        with self._factory.begin() as session:
            statement = select(Job).where(claimable, Job.kind.in_(self._handlers))
            if job_id is not None:
                statement = statement.where(Job.job_id == job_id)
            statement = statement.order_by(Job.date_created).limit(5)
            candidates = session.scalars(statement.with_for_update(skip_locked=True)).all()
            for job in candidates:
                exhausted = job.attempts >= MAX_ATTEMPTS
                values: dict[str, Any] = (
                    {"status": JobStatus.FAILED, "date_finished": now, "lease_until": None,
                     "error": "The job was interrupted too many times"}
                    if exhausted
                    else {"status": JobStatus.PROCESSING, "lease_until": now + self._lease}
                )  # fmt: skip
                won = session.execute(
                    update(Job)
                    .where(Job.job_id == job.job_id, Job.attempts == job.attempts, claimable)
                    .values(attempts=job.attempts + 1, date_updated=now, **values)
                    .execution_options(synchronize_session=False)
                ).rowcount  # type: ignore[attr-defined]
                if won != 1 or exhausted:
                    continue
                session.flush()
                session.expunge(job)
                job.attempts += 1
                job.status = JobStatus.PROCESSING
                return JobRun(job, self._factory, self._make_context, self._stopping, self._lease)
        return None

    def run(self, run: JobRun, on_progress: ProgressCallback | None = None) -> None:
        run._on_progress = on_progress
        handler = self._handlers[run.job.kind]
        try:
            handler(run)
            if run.stopping and run.job.status != JobStatus.COMPLETED:
                run.release()
                return
            run.finish(JobStatus.COMPLETED)
        except LeaseLost:
            log.warning("job %s was taken over by another worker", run.job.job_id)
        except CrmError as error:
            self._fail(run, error.message)
        except Exception:
            log.exception("job %s failed", run.job.job_id)
            self._fail(run, "The job failed because of an internal error")

    @staticmethod
    def _fail(run: JobRun, message: str) -> None:
        try:
            run.finish(JobStatus.FAILED, message)
        except LeaseLost:
            pass
        except Exception:
            log.exception("could not record the failure of job %s", run.job.job_id)
