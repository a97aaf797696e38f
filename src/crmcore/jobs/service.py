"""Queue a job, find it again for its owner's tenant, and forget it after its retention."""

import threading
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import Session

from crmcore.kernel.context import Context
from crmcore.models import Job, StoredFile
from crmcore.models.job import JobStatus
from crmcore.storage import BlobStore

#: SOLAPI keeps a job's state 24 hours after success and 7 days after failure.
KEEP_COMPLETED = timedelta(hours=24)
KEEP_FAILED = timedelta(days=7)
JOB_NOT_FOUND = "Job not found (unknown, expired, or not yours)"

#: Set when a job is queued in this process, so an idle worker starts at once instead of at its
#: next poll (workers of other processes find it at their next poll).
WAKE = threading.Event()


def submit(
    ctx: Context,
    kind: str,
    params: dict[str, Any],
    *,
    total: int = 0,
    file_id: str | None = None,
) -> Job:
    caller = ctx.caller
    job = Job(
        job_id=str(uuid.uuid4()),
        account_id=caller.account_id,
        workspace_id=caller.workspace_id,
        member_id=caller.member_id,
        kind=kind,
        status=JobStatus.PENDING,
        params=params,
        total=total,
        progress=0,
        created=0,
        failed=0,
        errors=[],
        file_id=file_id,
        attempts=0,
        date_created=ctx.now,
        date_updated=ctx.now,
    )
    ctx.session.add(job)
    ctx.session.flush()
    ctx.uow.after_commit(WAKE.set)
    return job


def find(ctx: Context, job_id: str, kind: str) -> Job | None:
    """The caller's tenant's job of this kind, while it is retained; else ``None`` (SOLAPI answers
    an unknown job with a ``failed`` status, not a 404; a foreign job looks exactly the same)."""
    try:
        canonical = str(uuid.UUID(job_id))
    except ValueError:
        return None
    caller = ctx.caller
    job = ctx.session.scalar(
        select(Job).where(
            Job.job_id == canonical,
            Job.account_id == caller.account_id,
            Job.workspace_id == caller.workspace_id,
            Job.kind == kind,
        )
    )
    if job is None or _expired(job, ctx.now):
        return None
    return job


def _expired(job: Job, now: datetime) -> bool:
    if job.date_finished is None:
        return False
    keep = KEEP_COMPLETED if job.status == JobStatus.COMPLETED else KEEP_FAILED
    return job.date_finished + keep < now


def sweep(session: Session, blobs: BlobStore, now: datetime) -> int:
    """Delete jobs past their retention and temporary files past their expiry (rows, then the
    blobs once the rows are gone); returns how many jobs went."""
    finished = select(Job.job_id).where(
        or_(
            and_(Job.status == JobStatus.COMPLETED, Job.date_finished < now - KEEP_COMPLETED),
            and_(Job.status == JobStatus.FAILED, Job.date_finished < now - KEEP_FAILED),
        )
    )
    job_ids = list(session.scalars(finished.limit(1000)))
    if job_ids:
        session.execute(delete(Job).where(Job.job_id.in_(job_ids)))
    expired = session.execute(
        select(StoredFile.account_id, StoredFile.file_id, StoredFile.storage_key)
        .where(StoredFile.expires_at < now)
        .limit(1000)
    ).all()
    for account_id, file_id, _key in expired:
        session.execute(
            delete(StoredFile).where(
                StoredFile.account_id == account_id, StoredFile.file_id == file_id
            )
        )
    session.flush()
    session.commit()
    for *_ids, key in expired:
        blobs.delete(key)
    return len(job_ids)
