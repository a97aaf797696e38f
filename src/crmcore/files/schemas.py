"""Shapes of record files: what an upload brings, and the objects records and uploads answer."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO

from pydantic import Field

from crmcore.kernel.wire import WireModel
from crmcore.models import StoredFile
from crmcore.models.file import FilePurpose
from crmcore.storage import FileLinks

MAX_IMAGES = 20
MAX_ATTACHMENTS = 50
MAX_TITLE = 200
MAX_DESCRIPTION = 1000
MAX_FILE_NAME = 255
THUMBNAIL = "thumb"

#: Image extensions and the type a client sends for them; the stored type is sniffed instead.
IMAGE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
#: Attachment extensions and the MIME type each is stored and served with (solactl's table).
ATTACHMENT_TYPES = {
    **IMAGE_TYPES,
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ppt": "application/vnd.ms-powerpoint",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".hwp": "application/x-hwp",
    ".txt": "text/plain",
    ".csv": "text/csv",
    ".mp4": "video/mp4",
    ".mov": "video/quicktime",
    ".mp3": "audio/mpeg",
}
#: The purposes a record's files have, and the record field each appears under.
RECORD_FIELDS = {
    FilePurpose.PROFILE_IMAGE: "profileImage",
    FilePurpose.IMAGE: "images",
    FilePurpose.ATTACHMENT: "attachments",
}


@dataclass(frozen=True, slots=True)
class Upload:
    """One uploaded file as the HTTP layer received it (``stream`` is positioned at 0)."""

    file_name: str
    stream: BinaryIO
    title: str | None = None
    description: str | None = None


class ProfileImageOut(WireModel):
    file_id: str
    url: str = Field(description="Signed download link; a fresh one on every read")
    thumbnail_url: str | None = Field(default=None, description="Omitted when there is none")
    file_name: str
    file_size: int
    mime_type: str


class ImageOut(WireModel):
    file_id: str
    url: str = Field(description="Signed download link; a fresh one on every read")
    thumbnail_url: str | None = Field(default=None, description="Omitted when there is none")
    file_name: str
    order: int = Field(description="0-based position in the gallery, in upload order")


class AttachmentOut(WireModel):
    file_id: str
    url: str = Field(description="Signed download link; a fresh one on every read")
    file_name: str
    file_size: int
    mime_type: str
    title: str = Field(description="The file name unless one was given")
    description: str | None = Field(default=None, description="Omitted when none was given")


class FileRemoved(WireModel):
    record_id: str
    file_id: str


def file_to_wire(file: StoredFile, links: FileLinks, now: datetime) -> dict[str, Any]:
    """A record file as its record shows it, with freshly signed links."""
    body: dict[str, Any] = {"fileId": file.file_id, "url": links.url(file.file_id, now)}
    if file.has_thumbnail:
        body["thumbnailUrl"] = links.url(file.file_id, now, variant=THUMBNAIL)
    body["fileName"] = file.file_name
    if file.purpose == FilePurpose.IMAGE:
        body["order"] = file.sort_order
        return body
    body.update(fileSize=file.file_size, mimeType=file.mime_type)
    if file.purpose == FilePurpose.ATTACHMENT:
        body["title"] = file.title or file.file_name
        if file.description:
            body["description"] = file.description
    return body


def log_entry(file: StoredFile) -> dict[str, str]:
    """How a record log names a file that was added or removed."""
    return {"fileId": file.file_id, "fileName": file.file_name}
