"""Response shapes of the import endpoints (their requests are multipart forms)."""

from typing import Any

from pydantic import Field

from crmcore.kernel.wire import WireModel


class ColumnOut(WireModel):
    index: int
    header: str | None
    samples: list[str]


class ColumnsOut(WireModel):
    sheets: list[str]
    sheet_name: str
    has_header: bool
    row_count: int
    columns: list[ColumnOut]


class PreviewRow(WireModel):
    row_number: int
    name: str | None
    data: dict[str, Any]
    tags: list[str]
    owner_id: str | None = None
    errors: list[dict[str, Any]]


class PreviewOut(WireModel):
    sheet_name: str
    total_rows: int
    column_mappings: dict[str, str]
    rows: list[PreviewRow]
    error_count: int


class ImportStarted(WireModel):
    job_id: str
    status: str


class RowError(WireModel):
    row: int = Field(description="1-based row of the sheet")
    column: str = Field(description="0-based column index")
    message: str


class ImportStatus(WireModel):
    job_id: str
    status: str = Field(description="pending | processing | completed | failed")
    progress: int | None = Field(default=None, description="Data rows read and committed")
    total: int | None = None
    created: int | None = None
    failed: int | None = None
    errors: list[RowError] | None = Field(default=None, description="At most 1,000")
    error: str | None = None


#: The multipart body of the import endpoints, for the OpenAPI document (parsed by hand, after
#: authentication, so an unauthenticated upload is a 401 rather than a form error).
def multipart_body(*, entity: bool, mappings: bool) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "file": {"type": "string", "format": "binary", "description": ".xlsx, .xls or .csv"},
        "sheetName": {"type": "string", "description": "Default: the first sheet"},
        "hasHeader": {"type": "string", "enum": ["true", "false"], "default": "true"},
    }
    if entity:
        properties["entityId"] = {"type": "string"}
    if mappings:
        properties["columnMappings"] = {
            "type": "string",
            "description": "JSON: column index -> __name__ | __tags__ | __ownerId__ | propertyId, "
            'e.g. {"0":"__name__"}; default: by header name',
        }
        properties["linkConfigs"] = {
            "type": "string",
            "description": 'JSON array, e.g. [{"entityId":"...","columnIndex":"2"}]',
        }
    required = ["file", "entityId"] if entity else ["file"]
    schema = {"type": "object", "properties": properties, "required": required}
    return {
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": schema}},
        }
    }
