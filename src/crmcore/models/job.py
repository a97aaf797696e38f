"""Background jobs (imports and exports): queued by a request, claimed by a worker thread of any
server process through a lease, and resumable from ``progress`` after a crash."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crmcore.models.base import Base
from crmcore.models.types import AccountIdType, Json, UtcDateTime


class JobStatus:
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"


class JobKind:
    IMPORT = "IMPORT"
    EXPORT = "EXPORT"


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_claim", "status", "lease_until"),
        Index("ix_jobs_account", "account_id", "date_created"),
        Index("ix_jobs_finished", "date_finished"),
    )

    job_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(AccountIdType())
    workspace_id: Mapped[str] = mapped_column(String(32), default="")
    member_id: Mapped[str] = mapped_column(String(14))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    params: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    total: Mapped[int] = mapped_column(BigInteger, default=0)
    #: Units (rows, records) done and committed; a resumed job continues from here.
    progress: Mapped[int] = mapped_column(BigInteger, default=0)
    created: Mapped[int] = mapped_column(BigInteger, default=0)
    failed: Mapped[int] = mapped_column(BigInteger, default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    file_id: Mapped[str | None] = mapped_column(String(32))
    result_file_id: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(BigInteger, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    date_created: Mapped[datetime] = mapped_column(UtcDateTime())
    date_updated: Mapped[datetime] = mapped_column(UtcDateTime())
    date_finished: Mapped[datetime | None] = mapped_column(UtcDateTime())
