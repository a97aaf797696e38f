"""Shared pieces of the import tests: an entity with one property of each type, files made in
memory (CSV text, XLSX through openpyxl), the multipart calls, and waiting for a job."""

import csv
import io
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import openpyxl
from httpx2 import Response

from tests.builders import Tenant, body_of
from tests.entities.test_entities_create_get import create
from tests.properties.test_properties_api import add

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STAGES = [
    {"label": "Lead", "value": "LEAD", "priority": 1},
    {"label": "Won", "value": "WON", "priority": 2},
]
CHANNELS = [
    {"label": "Email", "value": "EMAIL", "priority": 1},
    {"label": "Kakao", "value": "KAKAO", "priority": 2},
]


@dataclass(frozen=True)
class Deals:
    """An entity with one property per field type; ``ids`` maps field type -> property ID."""

    entity_id: str
    ids: dict[str, str]

    @property
    def headers(self) -> list[str]:
        return ["Name", *(name for name in PROPERTY_NAMES.values()), "Tags"]


PROPERTY_NAMES = {
    "TEXT": "Company",
    "TEXTAREA": "Notes",
    "NUMBER": "Amount",
    "PHONE": "Phone",
    "EMAIL": "Email",
    "CHECKBOX": "Subscribed",
    "MULTI_CHECKBOX": "Channels",
    "DATE": "Birthday",
    "DATETIME": "Contacted",
    "DROPDOWN": "Stage",
    "RADIO": "Grade",
    "URL": "Website",
}


def deals(tenant: Tenant, slug: str = "deals") -> Deals:
    entity_id = str(create(tenant, slug)["entityId"])
    ids: dict[str, str] = {}
    for field_type, name in PROPERTY_NAMES.items():
        extra: dict[str, Any] = {}
        if field_type in ("DROPDOWN", "RADIO"):
            extra["options"] = STAGES
        if field_type == "MULTI_CHECKBOX":
            extra["options"] = CHANNELS
        ids[field_type] = add(tenant, entity_id, name, field_type, **extra)["propertyId"]
    return Deals(entity_id, ids)


def csv_bytes(rows: Sequence[Sequence[Any]], *, bom: bool = True) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode()


def xlsx_bytes(sheets: dict[str, Sequence[Sequence[Any]]]) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(
    tenant: Tenant,
    path: str,
    content: bytes,
    file_name: str = "deals.csv",
    *,
    params: dict[str, str] | None = None,
    **fields: str,
) -> Response:
    mime = XLSX_MIME if file_name.endswith(".xlsx") else "text/csv"
    return tenant.post(
        "/records/import/excel" + path,
        files={"file": (file_name, content, mime)},
        data=fields,
        params=params or {},
    )


def wait_for(tenant: Tenant, job_id: str, seconds: float = 30) -> dict[str, Any]:
    """The job's status once it is completed or failed (the app's worker thread runs it)."""
    deadline = time.monotonic() + seconds
    while True:
        status: dict[str, Any] = body_of(tenant.get(f"/records/import/{job_id}/status"))
        if status["status"] in ("completed", "failed") or time.monotonic() > deadline:
            return status
        time.sleep(0.05)


def records_of(tenant: Tenant, entity_id: str) -> list[dict[str, Any]]:
    """Every live record of the entity, oldest first."""
    found: list[dict[str, Any]] = []
    params: dict[str, Any] = {"entityId": entity_id, "limit": 200, "sortDirection": "asc"}
    while True:
        page = body_of(tenant.get("/records", params=params))
        found += page["data"]
        if "nextKey" not in page:
            return found
        params["startKey"] = page["nextKey"]
