"""Record exports: which records (the record list's ``filters``/``keyword``/``segmentId`` and the
caller's visibility), the columns and cell values, and the temporary file behind a signed link.

Up to ``settings.export_sync_max`` matching records are written during the request; more are
queued as an EXPORT job (``exports/job.py``) that writes the same file in batches. Either way
records are read by keyset pagination on ``(dateCreated, recordId)``, ``BATCH`` at a time, and
streamed to the writer, so no export holds all of its records in memory.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from crmcore.entities import service as entity_service
from crmcore.exports.repository import ExportFileRepository, entity_account
from crmcore.exports.writers import FILE_TYPES, Cell, ExportFormat, Numeric, Row, open_writer
from crmcore.jobs import service as job_service
from crmcore.kernel.context import Context
from crmcore.kernel.errors import not_found
from crmcore.kernel.ids import IdKind, new_id
from crmcore.kernel.wire import format_datetime
from crmcore.models import Entity, Job, Record, StoredFile
from crmcore.models.file import FilePurpose
from crmcore.models.job import JobKind, JobStatus
from crmcore.plans import service as plan_service
from crmcore.plans.limits import Dimension
from crmcore.properties.types import ValueKind
from crmcore.records import service as record_service
from crmcore.records.query.tree import group_from_list_params
from crmcore.records.service import RecordQuery
from crmcore.records.values import SCHEMAS, PropertyView, sees_clear_values

#: How long a download link (and its file) lives: a synchronous result is fetched at once, a
#: job's result may be picked up later.
SYNC_LINK_TTL = timedelta(hours=1)
ASYNC_LINK_TTL = timedelta(hours=24)
BATCH = 1000
#: Binds the internal pagination cursor to exports.
_ENDPOINT = "export"
_SORT = ["dateCreated"]


@dataclass(frozen=True, slots=True)
class ExportRequest:
    """What to export; also the parameters a job keeps (``params``/``from_params``)."""

    entity_id: str
    format: ExportFormat
    keyword: str | None = None
    filters: str | None = None
    segment_id: str | None = None

    def params(self) -> dict[str, Any]:
        return {
            "entityId": self.entity_id,
            "format": self.format.value,
            "keyword": self.keyword,
            "filters": self.filters,
            "segmentId": self.segment_id,
        }

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> "ExportRequest":
        return cls(
            entity_id=params["entityId"],
            format=ExportFormat(params["format"]),
            keyword=params.get("keyword"),
            filters=params.get("filters"),
            segment_id=params.get("segmentId"),
        )

    def query(self, start_key: str | None) -> RecordQuery:
        """The record list's query for one batch (400 for malformed ``filters``)."""
        group = group_from_list_params(self.filters, self.keyword)
        return RecordQuery(self.entity_id, group, _SORT, start_key, BATCH, self.segment_id)


@dataclass(frozen=True, slots=True)
class Requested:
    mode: str  # "sync" | "async"
    download_url: str | None = None
    job_id: str | None = None


@dataclass(frozen=True, slots=True)
class Status:
    status: str
    progress: int | None = None
    total: int | None = None
    download_url: str | None = None
    error: str | None = None


# --- which records, and in what layout ---------------------------------------------------------


def count_matches(ctx: Context, request: ExportRequest) -> int:
    """The records an export would contain; checks the entity and segment (404, 410, 403) and
    the filters (400) on the way."""
    return record_service.count(ctx, request.query(None))


@dataclass(frozen=True, slots=True)
class Layout:
    """The columns of an export: fixed when it starts, so every row has the same cells."""

    slug: str
    columns: tuple[PropertyView, ...]

    @classmethod
    def of(cls, ctx: Context, entity: Entity) -> "Layout":
        schema = SCHEMAS.get(ctx.session, entity)
        ordered = [pid for pid in entity.property_ids if pid in schema.properties]
        ordered += sorted(set(schema.properties) - set(ordered))
        return cls(entity.slug, tuple(schema.properties[pid] for pid in ordered))

    def header(self) -> Row:
        names = [view.name for view in self.columns]
        return ["recordId", "name", *names, "tags", "ownerId", "dateCreated", "dateUpdated"]

    def row(self, record: Record, *, clear_values: bool) -> Row:
        data = record.data
        values = [_cell(view, data.get(view.data_key), clear_values) for view in self.columns]
        return [
            record.record_id,
            record.name,
            *values,
            ", ".join(record.tags),
            record.owner_id or "",
            format_datetime(record.date_created),
            format_datetime(record.date_updated),
        ]


def _cell(view: PropertyView, stored: Any, clear_values: bool) -> Cell:
    """A value as a spreadsheet cell: through its field type, masked as the API would mask it."""
    if stored is None:
        return ""
    kind = view.type
    if view.is_masked and not clear_values:
        return kind.as_text(kind.mask(stored))
    if kind.value_kind is ValueKind.NUMBER:
        number = kind.to_wire(stored)
        if isinstance(number, int | float) and not isinstance(number, bool):
            return Numeric(kind.cell_text(number, view.choices), number)
    return kind.cell_text(stored, view.choices)


class Exporter:
    """One export being written to a local file, a batch at a time.

    Each ``write_batch`` may run in a transaction of its own (a job commits its progress per
    batch): the position between batches is the record list's keyset cursor. Masking follows
    the caller of each batch's Context.
    """

    def __init__(self, ctx: Context, request: ExportRequest, path: Path) -> None:
        entity = entity_service.get_accessible(ctx, request.entity_id)
        self.layout = Layout.of(ctx, entity)
        self.request = request
        self.path = path
        self.written = 0
        self._cursor: str | None = None
        self._open = True
        self._writer = open_writer(request.format, path, entity.slug)
        try:
            self._writer.write_row(self.layout.header())
        except BaseException:
            self.abort()
            raise

    def write_batch(self, ctx: Context) -> bool:
        """Write the next batch of records; whether any remain."""
        page = record_service.search(ctx, self.request.query(self._cursor), _ENDPOINT)
        clear = sees_clear_values(ctx.caller)
        for found in page.items:
            self._writer.write_row(self.layout.row(found.record, clear_values=clear))
            # Written rows are not needed again: keep the session from collecting them.
            ctx.session.expunge(found.record)
        self.written += len(page.items)
        self._cursor = page.next_key
        return page.next_key is not None

    def close(self) -> None:
        """Complete the file (a large XLSX takes seconds: the job does it outside any
        transaction, which on SQLite would hold the database's write lock meanwhile)."""
        if self._open:
            self._open = False
            self._writer.close()

    def finish(self, ctx: Context, *, requested_at: datetime, ttl: timedelta) -> StoredFile:
        """Close the file and move it into the blob store as a temporary StoredFile."""
        self.close()
        return _store(ctx, self.path, self.layout.slug, self.request.format, requested_at, ttl)

    def abort(self) -> None:
        """Give up (idempotent); the caller removes ``path``."""
        if self._open:
            self._open = False
            self._writer.abort()


def _store(
    ctx: Context,
    path: Path,
    slug: str,
    file_format: ExportFormat,
    requested_at: datetime,
    ttl: timedelta,
) -> StoredFile:
    extension, mime_type = FILE_TYPES[file_format]
    caller = ctx.caller
    file_id = new_id(IdKind.FILE, ctx.now)
    key = f"{caller.account_id}/{file_id}"
    size = ctx.blobs.write_file(key, path)
    # Moved into place before the row commits: if the transaction fails, so does the blob.
    ctx.uow.after_rollback(lambda _session: ctx.blobs.delete(key))
    stored = StoredFile(
        account_id=caller.account_id,
        file_id=file_id,
        workspace_id=caller.workspace_id,
        record_id=None,
        purpose=FilePurpose.EXPORT,
        storage_key=key,
        file_name=f"{slug}-{requested_at:%Y%m%d%H%M%S}.{extension}",
        mime_type=mime_type,
        file_size=size,
        sort_order=0,
        has_thumbnail=False,
        expires_at=ctx.now + ttl,
        created_by=caller.member_id,
        date_created=ctx.now,
    )
    ctx.session.add(stored)
    ctx.session.flush()
    return stored


# --- X1, X2 -------------------------------------------------------------------------------------


def request_export(ctx: Context, request: ExportRequest) -> Requested:
    """X1: write the file now when it is small enough, else queue a job."""
    total = count_matches(ctx, request)
    plan_service.ensure_enabled(ctx, Dimension.RECORDS_EXPORT_ENABLED)
    if total > ctx.settings.export_sync_max:
        return Requested("async", job_id=queue(ctx, request, total).job_id)
    path = ctx.blobs.scratch("export-")
    try:
        exporter = Exporter(ctx, request, path)
        try:
            while exporter.write_batch(ctx):
                pass
            stored = exporter.finish(ctx, requested_at=ctx.now, ttl=SYNC_LINK_TTL)
        finally:
            exporter.abort()
    finally:
        path.unlink(missing_ok=True)
    return Requested("sync", download_url=download_url(ctx, stored))


def queue(ctx: Context, request: ExportRequest, total: int | None = None) -> Job:
    """Queue an export job (the CLI runs it at once, without the plan check: it is the
    operator's tool)."""
    if total is None:
        total = count_matches(ctx, request)
    return job_service.submit(ctx, JobKind.EXPORT, request.params(), total=total)


def result_file(ctx: Context, job: Job) -> StoredFile | None:
    """A completed job's file while it is kept."""
    if job.result_file_id is None:
        return None
    stored = ExportFileRepository(ctx.session, ctx.caller).result_file(job.result_file_id)
    if stored is None or (stored.expires_at is not None and stored.expires_at <= ctx.now):
        return None
    return stored


def download_url(ctx: Context, stored: StoredFile) -> str:
    """A signed link that works exactly as long as the file is kept."""
    expires_at = stored.expires_at or ctx.now + SYNC_LINK_TTL
    return ctx.links.url(stored.file_id, ctx.now, ttl=expires_at - ctx.now)


def status(ctx: Context, job_id: str) -> Status:
    """X2. A job is its requester's: it holds what that member may see (clear values for an
    OWNER), so for anybody else it does not exist, like an unknown or expired one."""
    job = job_service.find(ctx, job_id, JobKind.EXPORT)
    if job is None or job.member_id != ctx.caller.member_id:
        return Status(JobStatus.FAILED, error=job_service.JOB_NOT_FOUND)
    if job.status == JobStatus.PENDING:
        return Status(job.status, total=job.total)
    if job.status == JobStatus.PROCESSING:
        return Status(job.status, progress=job.progress, total=job.total)
    if job.status == JobStatus.COMPLETED:
        stored = result_file(ctx, job)
        if stored is None:
            return Status(JobStatus.FAILED, error=job_service.JOB_NOT_FOUND)
        return Status(job.status, job.progress, job.total, download_url(ctx, stored))
    return Status(JobStatus.FAILED, total=job.total, error=job.error or "The export failed")


def account_of_entity(session: Session, entity_id: str) -> str:
    """The account an entity belongs to (the CLI's default ``--account``); 404 when none."""
    account_id = entity_account(session, entity_id)
    if account_id is None:
        raise not_found("Entity", entity_id)
    return account_id
