"""HTTP endpoints of record files: uploads and removals under ``/records/{recordId}``, and the
target of the signed links, ``/files/{fileId}``.

An upload's body is read by a dependency resolved before the Context, outside the request's
transaction; what is wrong with it is reported only after authentication, so an unauthenticated
caller gets 401 whatever it sent.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import FileResponse
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException

from crmcore.api.deps import ContextDep, UnitOfWorkDep
from crmcore.api.errors import Responses, error_responses, ok
from crmcore.api.responses import ErrorBody, JsonResponse
from crmcore.api.routing import CrmRoute
from crmcore.files import service as file_service
from crmcore.files.schemas import (
    ATTACHMENT_TYPES,
    IMAGE_TYPES,
    MAX_DESCRIPTION,
    MAX_TITLE,
    AttachmentOut,
    FileRemoved,
    ImageOut,
    ProfileImageOut,
    Upload,
)
from crmcore.kernel import errors
from crmcore.kernel.errors import ValidationError
from crmcore.kernel.wire import utc_now
from crmcore.models.file import FilePurpose

router = APIRouter(
    prefix="/records", tags=["records"], default_response_class=JsonResponse, route_class=CrmRoute
)
#: No CrmRoute: these requests carry no Authorization header, the URL's signature stands for it.
downloads_router = APIRouter(prefix="/files", tags=["files"])

_LOOKUP = (errors.NotFound, errors.Gone, errors.Forbidden)
_MULTIPART = "multipart/form-data"
#: Form fields besides the file (title, description, and a few a client may add).
_MAX_FIELDS = 8
_INLINE_TYPES = frozenset(IMAGE_TYPES.values())

RecordId = Annotated[str, Path(alias="recordId")]
FileId = Annotated[str, Path(alias="fileId")]


def _multipart(types: dict[str, str], *, texts: bool = False) -> dict[str, Any]:
    """The request body as OpenAPI shows it (the endpoint reads it itself, see ``_upload``)."""
    properties: dict[str, Any] = {
        "file": {
            "type": "string",
            "format": "binary",
            "description": "At most 10 MB (CRMCORE_UPLOAD_MAX_BYTES); " + " ".join(types),
        }
    }
    if texts:
        properties["title"] = {
            "type": "string",
            "maxLength": MAX_TITLE,
            "description": "Default: the file name",
        }
        properties["description"] = {"type": "string", "maxLength": MAX_DESCRIPTION}
    schema = {"type": "object", "properties": properties, "required": ["file"]}
    return {"requestBody": {"required": True, "content": {_MULTIPART: {"schema": schema}}}}


async def _read_form(request: Request) -> FormData:
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != _MULTIPART:
        raise ValidationError("The body must be multipart/form-data with a file part named 'file'")
    try:
        return await request.form(max_files=1, max_fields=_MAX_FIELDS)
    except HTTPException as error:  # Starlette's answer to a malformed multipart body
        if error.status_code != 400:
            raise  # e.g. 413 from the body limit
        raise ValidationError(f"The multipart body is invalid: {error.detail}") from None


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    if value is not None and not isinstance(value, str):
        raise ValidationError(f"{name}: must be a text field, not a file")
    return value


@dataclass(frozen=True, slots=True)
class _Received:
    """What the body held: the upload, or why it is not one (raised only after authentication)."""

    upload: Upload | None = None
    error: ValidationError | None = None

    def get(self) -> Upload:
        if self.error is not None:
            raise self.error
        assert self.upload is not None
        return self.upload


def _upload_of(form: FormData) -> Upload:
    part = form.get("file")
    if part is None:
        raise ValidationError("file: the file part 'file' is missing")
    if not isinstance(part, UploadFile):
        raise ValidationError("file: must be a file (a part with a filename)")
    return Upload(
        file_name=part.filename or "",
        stream=part.file,
        title=_text(form, "title"),
        description=_text(form, "description"),
    )


async def _upload(request: Request) -> AsyncIterator[_Received]:
    """The body, read before the Context opens the request's transaction, so that a slow client
    holds no database connection or lock; a malformed body is reported by the endpoint, once
    the caller is authenticated."""
    form = None
    try:
        form = await _read_form(request)
        received = _Received(upload=_upload_of(form))
    except ValidationError as error:
        received = _Received(error=error)
    try:
        yield received
    finally:
        if form is not None:
            await form.close()


#: Declared before the Context in every upload endpoint: dependencies resolve in that order.
UploadDep = Annotated[_Received, Depends(_upload)]


@router.post(
    "/{recordId}/profile-image",
    name="uploadProfileImage",
    openapi_extra=_multipart(IMAGE_TYPES),
    responses=ok(ProfileImageOut, "The new profile image") | error_responses(*_LOOKUP),
)
def upload_profile_image(upload: UploadDep, ctx: ContextDep, record_id: RecordId) -> JsonResponse:
    """Set the record's profile image (multipart, part "file"), replacing any previous one."""
    file = file_service.add(ctx, record_id, FilePurpose.PROFILE_IMAGE, upload.get())
    return JsonResponse(file_service.to_wire(ctx, file))


@router.post(
    "/{recordId}/images",
    name="uploadImage",
    openapi_extra=_multipart(IMAGE_TYPES),
    responses=ok(ImageOut, "The new image, last in the gallery") | error_responses(*_LOOKUP),
)
def upload_image(upload: UploadDep, ctx: ContextDep, record_id: RecordId) -> JsonResponse:
    """Add an image to the record's gallery (multipart, part "file"); at most 20 per record."""
    file = file_service.add(ctx, record_id, FilePurpose.IMAGE, upload.get())
    return JsonResponse(file_service.to_wire(ctx, file))


@router.post(
    "/{recordId}/attachments",
    name="uploadAttachment",
    openapi_extra=_multipart(ATTACHMENT_TYPES, texts=True),
    responses=ok(AttachmentOut, "The new attachment") | error_responses(*_LOOKUP),
)
def upload_attachment(upload: UploadDep, ctx: ContextDep, record_id: RecordId) -> JsonResponse:
    """Attach a document to the record (multipart: "file", optional "title" and "description");
    at most 50 per record."""
    file = file_service.add(ctx, record_id, FilePurpose.ATTACHMENT, upload.get())
    return JsonResponse(file_service.to_wire(ctx, file))


_REMOVED = ok(FileRemoved) | error_responses(*_LOOKUP)


@router.delete("/{recordId}/profile-image", name="deleteProfileImage", responses=_REMOVED)
def delete_profile_image(ctx: ContextDep, record_id: RecordId) -> JsonResponse:
    """Remove the record's profile image."""
    file_id = file_service.remove(ctx, record_id, FilePurpose.PROFILE_IMAGE)
    return JsonResponse({"recordId": record_id, "fileId": file_id})


@router.delete("/{recordId}/images/{fileId}", name="deleteImage", responses=_REMOVED)
def delete_image(ctx: ContextDep, record_id: RecordId, file_id: FileId) -> JsonResponse:
    """Remove an image from the record's gallery; the ones after it move up."""
    removed = file_service.remove(ctx, record_id, FilePurpose.IMAGE, file_id)
    return JsonResponse({"recordId": record_id, "fileId": removed})


@router.delete("/{recordId}/attachments/{fileId}", name="deleteAttachment", responses=_REMOVED)
def delete_attachment(ctx: ContextDep, record_id: RecordId, file_id: FileId) -> JsonResponse:
    """Remove an attachment from the record."""
    removed = file_service.remove(ctx, record_id, FilePurpose.ATTACHMENT, file_id)
    return JsonResponse({"recordId": record_id, "fileId": removed})


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


_DOWNLOAD: Responses = {
    200: {
        "description": "The file's bytes, with its own media type",
        "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
    },
    400: _error("ValidationError"),
    403: _error("Forbidden (the link is forged, altered or expired)"),
    404: _error("ResourceNotFound"),
}


@downloads_router.get(
    "/{fileId}",
    name="download",
    response_class=FileResponse,
    responses=_DOWNLOAD,
    openapi_extra={"security": []},
)
def download(
    request: Request,
    uow: UnitOfWorkDep,
    file_id: FileId,
    expires: Annotated[str, Query(max_length=20, description="Unix seconds")],
    signature: Annotated[str, Query(max_length=128)],
    variant: Annotated[Literal["thumb"] | None, Query()] = None,
) -> FileResponse:
    """Download a file through a signed link from a record (or an export); no API key: the
    link's signature is the authorisation, and it stops working when it expires."""
    state = request.app.state
    found = file_service.download(
        uow.session,
        state.signer,
        state.blobs,
        utc_now(),
        file_id=file_id,
        variant=variant or "",
        expires=expires,
        signature=signature,
    )
    disposition = "inline" if found.mime_type in _INLINE_TYPES else "attachment"
    headers = {
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(found.file_name, safe='')}",
        "X-Content-Type-Options": "nosniff",
        # A file is shown, never run: no scripts even if a browser were to render it.
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
    return FileResponse(found.path, media_type=found.mime_type, headers=headers)
