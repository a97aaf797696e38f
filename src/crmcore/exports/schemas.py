"""Request and response shapes of ``/crm-core/v1/records/export``."""

from typing import Any, Literal

from pydantic import Field

from crmcore.exports.service import ExportRequest, Requested, Status
from crmcore.exports.writers import ExportFormat
from crmcore.kernel.wire import WireModel

#: As the record list's ``filters`` query parameter.
MAX_FILTERS_BYTES = 8 * 1024


class ExportRequestBody(WireModel):
    entity_id: str = Field(min_length=1, max_length=64, strict=True)
    format: Literal["csv", "excel"] = Field(description='"excel" is an XLSX workbook')
    keyword: str | None = Field(default=None, max_length=200, strict=True)
    filters: str | None = Field(
        default=None,
        max_length=MAX_FILTERS_BYTES,
        strict=True,
        description="JSON object as a string, as the record list's filters",
    )
    segment_id: str | None = Field(default=None, max_length=64, strict=True)

    def to_request(self) -> ExportRequest:
        return ExportRequest(
            entity_id=self.entity_id,
            format=ExportFormat(self.format),
            keyword=self.keyword,
            filters=self.filters,
            segment_id=self.segment_id,
        )


class ExportRequested(WireModel):
    mode: Literal["sync", "async"]
    download_url: str | None = Field(default=None, description="sync only")
    job_id: str | None = Field(default=None, description="async only")


class ExportStatusOut(WireModel):
    status: Literal["pending", "processing", "completed", "failed"]
    progress: int | None = None
    total: int | None = None
    download_url: str | None = None
    error: str | None = None


def requested_to_wire(requested: Requested) -> dict[str, Any]:
    body: dict[str, Any] = {"mode": requested.mode}
    if requested.download_url is not None:
        body["downloadUrl"] = requested.download_url
    if requested.job_id is not None:
        body["jobId"] = requested.job_id
    return body


def status_to_wire(status: Status) -> dict[str, Any]:
    """Fields that do not apply to the status are left out (not ``null``)."""
    body: dict[str, Any] = {"status": status.status}
    for key, value in (
        ("progress", status.progress),
        ("total", status.total),
        ("downloadUrl", status.download_url),
        ("error", status.error),
    ):
        if value is not None:
            body[key] = value
    return body
