"""The import API: read a file's columns, preview an import, start one as a job, report on it.

An import is planned (entity, sheet, column mappings, link columns) when it is requested, so
every mistake in the request is a 400 before any work; the job re-plans from the stored
parameters when it runs (or resumes), against the schema as it is then.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crmcore.entities import service as entity_service
from crmcore.imports.convert import CellError, RowConverter, RowValues
from crmcore.imports.mapping import (
    Link,
    link_column,
    mapped_columns,
    parse_has_header,
    parse_json_field,
    parse_link_configs,
    resolve_mappings,
)
from crmcore.imports.sheets import Row, Workbook, check_file_name, open_workbook, preview_text
from crmcore.jobs import service as job_service
from crmcore.kernel.context import Context
from crmcore.kernel.errors import ValidationError
from crmcore.kernel.formula_guard import restore
from crmcore.kernel.ids import IdKind, new_id
from crmcore.models import Entity, Job, StoredFile
from crmcore.models.file import FilePurpose
from crmcore.models.job import JobKind, JobStatus
from crmcore.records import service as record_service
from crmcore.records.values import SCHEMAS, EntitySchema
from crmcore.relationships import service as link_service

PREVIEW_ROWS = 20
SAMPLES = 5
#: Rows looked at to find how many columns a header-less sheet has.
_WIDTH_PROBE = 100


@dataclass(frozen=True, slots=True)
class Upload:
    """An uploaded file, already on local disk."""

    path: Path
    file_name: str
    size: int


@dataclass(frozen=True, slots=True)
class ImportForm:
    entity_id: str | None
    sheet_name: str | None
    has_header: str | None
    column_mappings: str | None
    link_configs: str | None


@dataclass(frozen=True, slots=True)
class Plan:
    entity: Entity
    schema: EntitySchema
    sheet: str
    has_header: bool
    mappings: dict[int, str]
    links: list[Link]
    converter: RowConverter


def _check_upload(ctx: Context, upload: Upload) -> None:
    check_file_name(upload.file_name)
    if upload.size == 0:
        raise ValidationError("file: the file is empty")
    if upload.size > ctx.settings.import_max_bytes:
        raise ValidationError(f"file: larger than {ctx.settings.import_max_bytes} bytes")


@contextmanager
def _workbook(path: Path, file_name: str) -> Iterator[Workbook]:
    book = open_workbook(path, file_name)
    try:
        yield book
    finally:
        book.close()


def _head(book: Workbook, sheet: str, count: int) -> list[Row]:
    rows: list[Row] = []
    for row in book.rows(sheet):
        rows.append(row)
        if len(rows) >= count:
            break
    return rows


def _headers(first: list[Row], has_header: bool) -> tuple[list[str | None], int]:
    """Header texts (None without a header row) and the sheet's width."""
    width = max((len(row.cells) for row in first), default=0)
    if not has_header or not first:
        return [None] * width, width
    header = [
        preview_text(restore(cell) if isinstance(cell, str) else cell) for cell in first[0].cells
    ]
    return header + [None] * (width - len(header)), width


def extract_columns(
    ctx: Context, upload: Upload, sheet_name: str | None, has_header_raw: str | None
) -> dict[str, Any]:
    _check_upload(ctx, upload)
    has_header = parse_has_header(has_header_raw)
    with _workbook(upload.path, upload.file_name) as book:
        sheet = book.sheet(sheet_name)
        first = _head(book, sheet, _WIDTH_PROBE)
        headers, width = _headers(first, has_header)
        data = first[1:] if has_header else first
        columns = []
        for index in range(width):
            samples = []
            for row in data:
                text = preview_text(row.cells[index]) if index < len(row.cells) else None
                if text is not None:
                    samples.append(text)
                if len(samples) == SAMPLES:
                    break
            columns.append({"index": index, "header": headers[index], "samples": samples})
        return {
            "sheets": book.sheets,
            "sheetName": sheet,
            "hasHeader": has_header,
            "rowCount": _data_row_count(book, sheet, has_header),
            "columns": columns,
        }


def plan(ctx: Context, book: Workbook, params: dict[str, Any]) -> Plan:
    """Check an import's parameters against the file and the entity as they are now."""
    entity_id = params.get("entityId")
    if not entity_id:
        raise ValidationError("entityId: required")
    entity = entity_service.get_accessible(ctx, entity_id)
    schema = SCHEMAS.get(ctx.session, entity)
    has_header = parse_has_header(params.get("hasHeader"))
    sheet = book.sheet(params.get("sheetName"))
    headers, width = _headers(_head(book, sheet, _WIDTH_PROBE), has_header)
    raw_mappings = parse_json_field(params.get("columnMappings"), "columnMappings")
    mappings = resolve_mappings(raw_mappings, headers, width, schema)
    links = _links(ctx, entity, params.get("linkConfigs"), width)
    if not mappings and not links:
        raise ValidationError("columnMappings: no column maps to the record name or a property")
    converter = RowConverter(mappings, schema, [link.column for link in links])
    return Plan(entity, schema, sheet, has_header, mappings, links, converter)


def _links(ctx: Context, entity: Entity, raw: str | None, width: int) -> list[Link]:
    links = []
    for position, config in enumerate(parse_link_configs(parse_json_field(raw, "linkConfigs"))):
        other = entity_service.get_accessible(ctx, config.entity_id)
        column = link_column(config, width, position)
        where = f"linkConfigs[{position}]"
        if config.relationship_type_id is not None:
            rtype = link_service.get_type(ctx, config.relationship_type_id)
        else:
            between = [
                t
                for t in link_service.list_types(ctx, entity.entity_id)
                if {t.source_entity_id, t.target_entity_id} == {entity.entity_id, other.entity_id}
            ]
            if len(between) != 1:
                raise ValidationError(
                    f"{where}.relationshipTypeId: required, as {len(between)} relationship "
                    f"types link these entities"
                )
            rtype = between[0]
        orientation = link_service.orient(ctx, rtype, entity.entity_id, other.entity_id)
        data_key = None
        match = config.match_field
        if match is not None and match.type == "property":
            view = SCHEMAS.get(ctx.session, other).properties.get(match.property_id or "")
            if view is None:
                raise ValidationError(
                    f"{where}.matchField.propertyId: not a property of entity '{other.entity_id}'"
                )
            data_key = view.data_key
        links.append(
            Link(column, other.entity_id, rtype.relationship_type_id, orientation.swapped,
                 data_key)
        )  # fmt: skip
    return links


def _data_row_count(book: Workbook, sheet: str, has_header: bool) -> int:
    """The sheet's rows without its header row. Counting a large workbook takes seconds: an
    import counts before the request's first statement, since on SQLite a transaction holds the
    database's write lock from that statement to its end and every other writer would wait."""
    return max(book.row_count(sheet) - (1 if has_header else 0), 0)


def _params_row_count(book: Workbook, params: dict[str, Any]) -> int:
    sheet = book.sheet(params.get("sheetName"))
    return _data_row_count(book, sheet, parse_has_header(params.get("hasHeader")))


def data_rows(book: Workbook, plan: Plan) -> Iterator[Row]:
    rows = book.rows(plan.sheet)
    if plan.has_header:
        next(rows, None)
    return rows


def preview(ctx: Context, upload: Upload, form: ImportForm) -> dict[str, Any]:
    _check_upload(ctx, upload)
    params = _params(form)
    with _workbook(upload.path, upload.file_name) as book:
        total = _params_row_count(book, params)
        planned = plan(ctx, book, params)
        rows = []
        error_count = 0
        for row in data_rows(book, planned):
            converted = planned.converter.convert(row)
            rows.append(_preview_row(row.number, converted))
            error_count += bool(rows[-1]["errors"])
            if len(rows) == PREVIEW_ROWS:
                break
        return {
            "sheetName": planned.sheet,
            "totalRows": total,
            "columnMappings": mapped_columns(planned.mappings),
            "rows": rows,
            "errorCount": error_count,
        }


def _preview_row(number: int, converted: RowValues | list[CellError]) -> dict[str, Any]:
    if isinstance(converted, list):
        errors = [error.to_wire() for error in converted]
        return {"rowNumber": number, "name": None, "data": {}, "tags": [], "errors": errors}
    body: dict[str, Any] = {
        "rowNumber": number,
        "name": converted.name,
        "data": converted.data,
        "tags": converted.tags,
        "errors": [],
    }
    if converted.owner_given:
        body["ownerId"] = converted.owner_id
    return body


def _params(form: ImportForm) -> dict[str, Any]:
    return {
        "entityId": form.entity_id,
        "sheetName": form.sheet_name,
        "hasHeader": form.has_header,
        "columnMappings": form.column_mappings,
        "linkConfigs": form.link_configs,
    }


def start(ctx: Context, upload: Upload, form: ImportForm, *, skip_automation: bool) -> Job:
    """Check everything, keep the file, count its rows, check the caps and the quota, queue."""
    _check_upload(ctx, upload)
    params = {**_params(form), "skipAutomation": skip_automation, "fileName": upload.file_name}
    with _workbook(upload.path, upload.file_name) as book:
        total = _params_row_count(book, params)
        planned = plan(ctx, book, params)
    cap = ctx.settings.import_max_rows
    if total > cap:
        raise ValidationError(f"file: {total} data rows; an import takes at most {cap}")
    if total == 0:
        raise ValidationError("file: the sheet has no data rows")
    record_service.ensure_room_for(ctx, total)
    file_id = _keep(ctx, upload)
    params["sheetName"] = planned.sheet
    return job_service.submit(ctx, JobKind.IMPORT, params, total=total, file_id=file_id)


def _keep(ctx: Context, upload: Upload) -> str:
    """Move the upload into the blob store for the job (and for a resumed job after a crash);
    it goes with the job when the job's retention ends."""
    file_id = new_id(IdKind.FILE, ctx.now)
    key = f"{ctx.caller.account_id}/{file_id}"
    size = ctx.blobs.write_file(key, upload.path)
    ctx.session.add(
        StoredFile(
            account_id=ctx.caller.account_id,
            file_id=file_id,
            workspace_id=ctx.caller.workspace_id,
            record_id=None,
            purpose=FilePurpose.IMPORT,
            storage_key=key,
            file_name=upload.file_name[:255],
            mime_type="application/octet-stream",
            file_size=size,
            sort_order=0,
            has_thumbnail=False,
            expires_at=ctx.now + job_service.KEEP_FAILED,
            created_by=ctx.caller.member_id,
            date_created=ctx.now,
        )
    )
    ctx.uow.after_rollback(lambda _session: ctx.blobs.delete(key))
    return file_id


def status(ctx: Context, job_id: str) -> dict[str, Any]:
    job = job_service.find(ctx, job_id, JobKind.IMPORT)
    if job is None:
        return {"jobId": job_id, "status": JobStatus.FAILED, "error": job_service.JOB_NOT_FOUND}
    body: dict[str, Any] = {
        "jobId": job.job_id,
        "status": job.status,
        "progress": job.progress,
        "total": job.total,
        "created": job.created,
        "failed": job.failed,
        "errors": job.errors,
    }
    if job.error:
        body["error"] = job.error
    return body
