"""The rules of record files: what a record takes, where the bytes go, who may change them.

Bytes are written to the blob store before their row. Whenever the request does not commit, what
it wrote is removed again (at once for an error inside the service, after the rollback for a
failed commit), so there is never a row without its blob nor a blob without its row; blobs of
removed files go only after the commit.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from crmcore.files.cleanup import discard
from crmcore.files.images import SNIFF_BYTES, InvalidImage, sniff, thumbnail
from crmcore.files.repository import (
    THUMBNAIL_SUFFIX,
    FileRepository,
    blob_keys,
    find_by_id,
)
from crmcore.files.schemas import (
    ATTACHMENT_TYPES,
    IMAGE_TYPES,
    MAX_ATTACHMENTS,
    MAX_DESCRIPTION,
    MAX_FILE_NAME,
    MAX_IMAGES,
    MAX_TITLE,
    RECORD_FIELDS,
    THUMBNAIL,
    Upload,
    file_to_wire,
    log_entry,
)
from crmcore.kernel.context import Context
from crmcore.kernel.errors import Forbidden, NotFound, ValidationError, not_found
from crmcore.kernel.ids import IdKind, new_id
from crmcore.models import Record, StoredFile
from crmcore.models.file import FilePurpose
from crmcore.records import service as record_service
from crmcore.storage import BlobStore, UrlSigner
from crmcore.storage.blobs import BlobTooLarge


@dataclass(frozen=True, slots=True)
class _Rules:
    types: dict[str, str]
    limit: int | None
    noun: str


_RULES = {
    FilePurpose.PROFILE_IMAGE: _Rules(IMAGE_TYPES, None, "profile image"),
    FilePurpose.IMAGE: _Rules(IMAGE_TYPES, MAX_IMAGES, "images"),
    FilePurpose.ATTACHMENT: _Rules(ATTACHMENT_TYPES, MAX_ATTACHMENTS, "attachments"),
}
#: Categories of characters taken out of file names: controls, invisible formatting (e.g. the
#: right-to-left override that disguises "gpj.exe"), surrogates, line and paragraph separators.
_DROPPED_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}


def _repository(ctx: Context) -> FileRepository:
    return FileRepository(ctx.session, ctx.caller)


# --- names and texts ------------------------------------------------------------------------


def sanitize_file_name(raw: str) -> str:
    """The last path component of a client's file name (``/`` and ``\\`` both separate), without
    control and invisible characters or outer whitespace, at most 255 characters (the extension
    is kept when shortening)."""
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in _DROPPED_CATEGORIES).strip()
    if name in (".", ".."):
        return ""
    if len(name) > MAX_FILE_NAME:
        stem, dot, extension = name.rpartition(".")
        if not dot or len(extension) >= 16:
            return name[:MAX_FILE_NAME]
        return stem[: MAX_FILE_NAME - len(extension) - 1].rstrip() + "." + extension
    return name


def _extension(name: str) -> str:
    _stem, dot, extension = name.rpartition(".")
    return "." + extension.lower() if dot else ""


def _checked_name(raw: str, rules: _Rules) -> tuple[str, str]:
    """The sanitised file name and the MIME type its extension stands for (400 otherwise)."""
    name = sanitize_file_name(raw)
    if not name:
        raise ValidationError("file: the file part has no file name")
    mime_type = rules.types.get(_extension(name))
    if mime_type is None:
        allowed = " ".join(rules.types)
        raise ValidationError(f"file: '{name}': the type is not allowed; allowed: {allowed}")
    return name, mime_type


def _checked_text(value: str | None, field_name: str, limit: int) -> str | None:
    text = (value or "").strip()
    if len(text) > limit:
        raise ValidationError(f"{field_name}: at most {limit} characters")
    if "\x00" in text:
        raise ValidationError(f"{field_name}: must not contain NUL characters")
    return text or None


# --- reading --------------------------------------------------------------------------------


def rendered(ctx: Context, records: Sequence[Record]) -> dict[str, dict[str, Any]]:
    """``profileImage``, ``images`` and ``attachments`` of each record (by ID), with freshly
    signed links; the files of all the records are read in one query (none when every record
    is known to have none)."""
    if all(record.has_files is False for record in records):  # also: no records at all
        return {}
    record_ids = [record.record_id for record in records]
    out: dict[str, dict[str, Any]] = {
        record_id: {"profileImage": None, "images": [], "attachments": []}
        for record_id in record_ids
    }
    for file in _repository(ctx).of_records(record_ids):
        assert file.record_id is not None
        fields = out[file.record_id]
        name = RECORD_FIELDS[file.purpose]
        wire = file_to_wire(file, ctx.links, ctx.now)
        if file.purpose == FilePurpose.PROFILE_IMAGE:
            fields[name] = wire
        else:
            fields[name].append(wire)
    return out


def to_wire(ctx: Context, file: StoredFile) -> dict[str, Any]:
    return file_to_wire(file, ctx.links, ctx.now)


# --- writes ---------------------------------------------------------------------------------


@dataclass
class _Written:
    keys: list[str] = field(default_factory=list)
    size: int = 0
    mime_type: str = ""
    has_thumbnail: bool = False


def add(ctx: Context, record_id: str, purpose: str, upload: Upload) -> StoredFile:
    """Store an upload as the record's profile image (replacing the previous one), one of its
    gallery images, or one of its attachments."""
    rules = _RULES[purpose]
    file_name, mime_type = _checked_name(upload.file_name, rules)
    title = description = None
    if purpose == FilePurpose.ATTACHMENT:
        title = _checked_text(upload.title, "title", MAX_TITLE)
        description = _checked_text(upload.description, "description", MAX_DESCRIPTION)
    record = record_service.lock_for_change(ctx, record_id)
    repository = _repository(ctx)
    existing = repository.of_record(record.record_id, purpose)
    if rules.limit is not None and len(existing) >= rules.limit:
        raise ValidationError(
            f"Record '{record.record_id}' already has {rules.limit} {rules.noun}, the most allowed"
        )
    file_id = new_id(IdKind.FILE, ctx.now)
    key = f"{ctx.caller.account_id}/{file_id}"
    is_image_file = _extension(file_name) in IMAGE_TYPES
    written = _write(ctx, key, upload, file_name, mime_type, image=is_image_file)
    try:
        if purpose != FilePurpose.ATTACHMENT:
            _add_thumbnail(ctx, key, written)
        replaced = existing if purpose == FilePurpose.PROFILE_IMAGE else []
        for old in replaced:
            repository.delete(old)
        file = StoredFile(
            account_id=ctx.caller.account_id,
            file_id=file_id,
            workspace_id=ctx.caller.workspace_id,
            record_id=record.record_id,
            purpose=purpose,
            storage_key=key,
            file_name=file_name,
            mime_type=written.mime_type,
            file_size=written.size,
            sort_order=existing[-1].sort_order + 1 if existing and not replaced else 0,
            title=title,
            description=description,
            has_thumbnail=written.has_thumbnail,
            expires_at=None,
            created_by=ctx.caller.member_id,
            date_created=ctx.now,
        )
        repository.add(file)
        before = log_entry(replaced[0]) if replaced else None
        change = {"field": RECORD_FIELDS[purpose], "before": before, "after": log_entry(file)}
        record_service.log_change(ctx, record, "FILE_ADDED", [change])
        ctx.session.flush()
    except BaseException:
        discard(ctx.blobs, written.keys)
        raise
    _discard_after_commit(ctx, [old_key for old in replaced for old_key in blob_keys(old)])
    return file


def _write(
    ctx: Context, key: str, upload: Upload, file_name: str, mime_type: str, *, image: bool
) -> _Written:
    """Store the upload's bytes under ``key`` (400 when empty, too large, or not the image its
    extension promises); the type of an image is what its bytes say."""
    written = _Written(keys=[key], mime_type=mime_type)
    blobs = ctx.blobs
    # Registered before anything is written: whatever the request leaves behind goes if it fails.
    ctx.uow.after_rollback(lambda _session: discard(blobs, written.keys))
    head = upload.stream.read(SNIFF_BYTES)
    upload.stream.seek(0)
    if not head:
        raise ValidationError("file: the file is empty")
    if image:
        sniffed = sniff(head)
        if sniffed is None:
            raise ValidationError(f"file: '{file_name}' is not a PNG, JPEG, GIF or WebP image")
        written.mime_type = sniffed
    limit = ctx.settings.upload_max_bytes
    try:
        written.size = blobs.write(key, upload.stream, max_bytes=limit)
    except BlobTooLarge:
        raise ValidationError(f"file: larger than {limit} bytes") from None
    return written


def _add_thumbnail(ctx: Context, key: str, written: _Written) -> None:
    """Decode the stored image (400 if it does not) and store its thumbnail beside it."""
    try:
        data = thumbnail(ctx.blobs.path(key))
    except InvalidImage as error:
        raise ValidationError(f"file: not a readable image ({error})") from None
    thumbnail_key = key + THUMBNAIL_SUFFIX
    written.keys.append(thumbnail_key)
    ctx.blobs.write(thumbnail_key, [data])
    written.has_thumbnail = True


def remove(ctx: Context, record_id: str, purpose: str, file_id: str | None = None) -> str:
    """Remove one of the record's files of ``purpose`` (its profile image when ``file_id`` is
    None); the others of the gallery close ranks. Returns the removed file's ID."""
    record = record_service.lock_for_change(ctx, record_id)
    repository = _repository(ctx)
    files = repository.of_record(record.record_id, purpose)
    target = next((f for f in files if file_id is None or f.file_id == file_id), None)
    if target is None:
        if file_id is None:
            raise NotFound(f"Record '{record.record_id}' has no profile image")
        raise not_found("File", file_id)
    repository.delete(target)
    for position, file in enumerate(f for f in files if f is not target):
        file.sort_order = position
    change = {"field": RECORD_FIELDS[purpose], "before": log_entry(target), "after": None}
    record_service.log_change(ctx, record, "FILE_REMOVED", [change])
    ctx.session.flush()
    _discard_after_commit(ctx, blob_keys(target))
    return target.file_id


def _discard_after_commit(ctx: Context, keys: list[str]) -> None:
    if keys:
        ctx.uow.after_commit(partial(discard, ctx.blobs, keys))


# --- downloads ------------------------------------------------------------------------------


#: What a link can name at all (checked before the HMAC, which compares ASCII only).
_LINK_FILE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_LINK_SIGNATURE = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class Download:
    path: Path
    file_name: str
    mime_type: str


def download(
    session: Session,
    signer: UrlSigner,
    blobs: BlobStore,
    now: datetime,
    *,
    file_id: str,
    variant: str,
    expires: str,
    signature: str,
) -> Download:
    """The file a signed link names. Any tenant's file (record files, export results): the
    signature is the authorisation, checked first, so that an unsigned request learns nothing
    (403); an unknown, deleted or expired file is 404."""
    well_formed = _LINK_FILE_ID.fullmatch(file_id) and _LINK_SIGNATURE.fullmatch(signature)
    if not well_formed or not signer.verify(file_id, variant, expires, signature, now):
        raise Forbidden("The link is invalid or has expired")
    file = find_by_id(session, file_id)
    if file is None or (file.expires_at is not None and file.expires_at <= now):
        raise not_found("File", file_id)
    if variant == THUMBNAIL:
        if not file.has_thumbnail:
            raise not_found("Thumbnail of file", file_id)
        path = blobs.path(file.storage_key + THUMBNAIL_SUFFIX)
        mime_type = _sniff_file(path) or "application/octet-stream"
        stem = file.file_name.rpartition(".")[0] or file.file_name
        extension = ".png" if mime_type == "image/png" else ".jpg"
        found = Download(path, f"{stem}-thumbnail{extension}", mime_type)
    else:
        found = Download(blobs.path(file.storage_key), file.file_name, file.mime_type)
    if not found.path.is_file():
        raise not_found("File", file_id)
    return found


def _sniff_file(path: Path) -> str | None:
    try:
        with path.open("rb") as handle:
            return sniff(handle.read(SNIFF_BYTES))
    except FileNotFoundError:
        return None
