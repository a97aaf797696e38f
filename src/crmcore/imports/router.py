"""HTTP endpoints of imports: multipart forms in, JSON out."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from crmcore.api.deps import ContextDep, UnitOfWorkDep, authenticate_request, context_of
from crmcore.api.errors import error_responses, ok
from crmcore.api.responses import JsonResponse
from crmcore.api.routing import CrmRoute
from crmcore.db.session import UnitOfWork
from crmcore.imports import service as import_service
from crmcore.imports.schemas import (
    ColumnsOut,
    ImportStarted,
    ImportStatus,
    PreviewOut,
    multipart_body,
)
from crmcore.imports.service import ImportForm, Upload
from crmcore.kernel import errors
from crmcore.kernel.context import Caller, Context
from crmcore.kernel.wire import utc_now
from crmcore.storage import BlobStore

router = APIRouter(
    prefix="/records/import",
    tags=["records"],
    default_response_class=JsonResponse,
    route_class=CrmRoute,
)

_FIELDS = ("file", "entityId", "sheetName", "hasHeader", "columnMappings", "linkConfigs")
_MAX_FIELD_BYTES = 64 * 1024
_COPY_CHUNK = 1024 * 1024
_LOOKUP = (errors.NotFound, errors.Gone, errors.Forbidden)


@dataclass(frozen=True, slots=True)
class Received:
    """An authenticated caller's upload, on local disk, and the form's text fields."""

    caller: Caller
    upload: Upload
    fields: dict[str, str]


async def _received(request: Request) -> AsyncIterator[Received]:
    """Authenticate first (in a transaction of its own: an anonymous client cannot make the
    server store a large body), then read the body outside any transaction (a slow upload
    holds no connection or lock), into the blob store's scratch area (keeping it is then a
    rename); the scratch file is removed afterwards unless the import kept it."""
    caller = await run_in_threadpool(authenticate_request, request)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise errors.ValidationError("The body must be multipart/form-data with a 'file' part")
    try:
        form = await request.form(max_files=1, max_fields=20, max_part_size=_MAX_FIELD_BYTES)
    except HTTPException as error:  # Starlette's answer to a malformed multipart body
        if error.status_code != 400:
            raise  # e.g. 413 from the body limit
        raise errors.ValidationError(f"The multipart body is invalid: {error.detail}") from None
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise errors.ValidationError("file: required (a multipart file part named 'file')")
        fields: dict[str, str] = {}
        for name, value in form.multi_items():
            if name == "file":
                continue
            if name not in _FIELDS or not isinstance(value, str):
                raise errors.ValidationError(f"{name[:64]}: not a field of this form")
            if "\x00" in value:
                raise errors.ValidationError(f"{name}: contains a NUL character")
            fields[name] = value
        blobs: BlobStore = request.app.state.blobs
        scratch = blobs.scratch("import-")
        try:
            size = 0
            with scratch.open("wb") as out:
                while chunk := await upload.read(_COPY_CHUNK):
                    size += len(chunk)
                    out.write(chunk)
            yield Received(caller, Upload(scratch, upload.filename or "", size), fields)
        finally:
            scratch.unlink(missing_ok=True)
    finally:
        await form.close()


#: Declared before the unit of work in every import endpoint: dependencies resolve in order.
ReceivedDep = Annotated[Received, Depends(_received)]


def _context(request: Request, uow: UnitOfWork, received: Received) -> Context:
    return context_of(request, uow, received.caller, utc_now())


def _import_form(fields: dict[str, str]) -> ImportForm:
    return ImportForm(
        entity_id=fields.get("entityId"),
        sheet_name=fields.get("sheetName"),
        has_header=fields.get("hasHeader"),
        column_mappings=fields.get("columnMappings"),
        link_configs=fields.get("linkConfigs"),
    )


@router.post(
    "/excel/extract-columns",
    name="extractImportColumns",
    responses=ok(ColumnsOut) | error_responses(),
    openapi_extra=multipart_body(entity=False, mappings=False),
)
async def extract_columns(
    received: ReceivedDep, uow: UnitOfWorkDep, request: Request
) -> JsonResponse:
    """The sheets of a workbook (or CSV file) and the chosen sheet's columns with samples."""
    ctx = _context(request, uow, received)
    fields = received.fields
    result = await run_in_threadpool(
        import_service.extract_columns,
        ctx,
        received.upload,
        fields.get("sheetName"),
        fields.get("hasHeader"),
    )
    return JsonResponse(result)


@router.post(
    "/excel/preview",
    name="previewImport",
    responses=ok(PreviewOut) | error_responses(*_LOOKUP),
    openapi_extra=multipart_body(entity=True, mappings=True),
)
async def preview(received: ReceivedDep, uow: UnitOfWorkDep, request: Request) -> JsonResponse:
    """The first 20 data rows as they would be imported, with their errors; nothing is written."""
    ctx = _context(request, uow, received)
    form = _import_form(received.fields)
    result = await run_in_threadpool(import_service.preview, ctx, received.upload, form)
    return JsonResponse(result)


@router.post(
    "/excel",
    name="importExcel",
    responses=ok(ImportStarted) | error_responses(*_LOOKUP, errors.QuotaExceeded),
    openapi_extra=multipart_body(entity=True, mappings=True),
)
async def start_import(
    received: ReceivedDep,
    uow: UnitOfWorkDep,
    request: Request,
    skip_automation: Annotated[bool, Query(alias="skipAutomation")] = False,
) -> JsonResponse:
    """Start an import job (Excel or CSV); poll its status with the returned jobId."""
    ctx = _context(request, uow, received)
    form = _import_form(received.fields)
    job = await run_in_threadpool(
        lambda: import_service.start(ctx, received.upload, form, skip_automation=skip_automation)
    )
    return JsonResponse({"jobId": job.job_id, "status": job.status})


@router.get(
    "/{jobId}/status",
    name="getImportStatus",
    responses=ok(ImportStatus) | error_responses(),
)
def import_status(
    ctx: ContextDep, job_id: Annotated[str, Path(alias="jobId", max_length=64)]
) -> JsonResponse:
    """Progress, per-row errors and final counts; an unknown job answers status failed."""
    return JsonResponse(import_service.status(ctx, job_id))
