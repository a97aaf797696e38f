"""Shared by the export tests: an entity with one property of most field types, and a way to
read back the file an export link points at."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from io import BytesIO
from typing import Any
from urllib.parse import parse_qs, urlsplit

import openpyxl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crmcore.config import Settings
from crmcore.db.engine import make_engine
from crmcore.kernel.secrets import load_or_create_key
from crmcore.kernel.wire import utc_now
from crmcore.models import Job, StoredFile
from crmcore.storage import UrlSigner
from tests.builders import Tenant, body_of
from tests.entities.test_entities_create_get import create
from tests.properties.test_properties_api import add

STAGES = [
    {"label": "Won", "value": "CLOSED_WON", "priority": 2},
    {"label": "Lead", "value": "LEAD", "priority": 1},
]
CHANNELS = [
    {"label": "Email", "value": "EMAIL", "priority": 1},
    {"label": "Phone call", "value": "CALL", "priority": 2},
]
PROPERTIES: list[tuple[str, str, dict[str, Any]]] = [
    ("Title", "TEXT", {}),
    ("Amount", "NUMBER", {}),
    ("Stage", "DROPDOWN", {"options": STAGES}),
    ("Channels", "MULTI_CHECKBOX", {"options": CHANNELS}),
    ("Active", "CHECKBOX", {}),
    ("Due", "DATE", {}),
    ("Met", "DATETIME", {}),
    ("Phone", "PHONE", {"isMasked": True}),
    ("Note", "TEXTAREA", {}),
]
HEADER = [
    "recordId", "name", "Title", "Amount", "Stage", "Channels", "Active", "Due", "Met", "Phone",
    "Note", "tags", "ownerId", "dateCreated", "dateUpdated",
]  # fmt: skip
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Deals:
    entity_id: str
    props: dict[str, str]

    def record(
        self, tenant: Tenant, name: str, tags: list[str] | None = None, **values: Any
    ) -> Any:
        """A record made through the API (values by property name); its body."""
        data = {self.props[key]: value for key, value in values.items() if key in self.props}
        body: dict[str, Any] = {"entityId": self.entity_id, "name": name, "data": data}
        if tags is not None:
            body["tags"] = tags
        if "ownerId" in values:
            body["ownerId"] = values["ownerId"]
        return body_of(tenant.post("/records", json=body))


def make_deals(owner: Tenant, slug: str = "deals") -> Deals:
    entity_id = str(create(owner, slug)["entityId"])
    props = {
        name: str(add(owner, entity_id, name, field_type, **extra)["propertyId"])
        for name, field_type, extra in PROPERTIES
    }
    return Deals(entity_id, props)


def request_export(tenant: Tenant, entity_id: str, file_format: str = "csv", **extra: Any) -> Any:
    body = {"entityId": entity_id, "format": file_format, **extra}
    return tenant.post("/records/export/request", json=body)


def sync_url(tenant: Tenant, entity_id: str, file_format: str = "csv", **extra: Any) -> str:
    answer = body_of(request_export(tenant, entity_id, file_format, **extra))
    assert set(answer) == {"mode", "downloadUrl"}
    assert answer["mode"] == "sync"
    url: str = answer["downloadUrl"]
    return url


@dataclass
class Exported:
    file_id: str
    account_id: str
    purpose: str
    file_name: str
    mime_type: str
    file_size: int
    created_by: str
    date_created: datetime
    expires_at: datetime
    link_expires: int
    content: bytes

    def text(self) -> str:
        """The CSV as text, after checking its BOM."""
        assert self.content.startswith(b"\xef\xbb\xbf")
        return self.content[3:].decode("utf-8")

    def rows(self) -> list[list[Any]]:
        """The XLSX's only sheet, cell values as openpyxl reads them (as an import would)."""
        book = openpyxl.load_workbook(BytesIO(self.content), read_only=True, data_only=True)
        assert len(book.sheetnames) == 1
        rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
        book.close()
        return rows


def exported(settings: Settings, url: str) -> Exported:
    """The file behind a download link, read from its row and the blob store; the link's
    signature is checked as the download endpoint would check it."""
    parts = urlsplit(url)
    prefix = "/crm-core/v1/files/"
    assert parts.path.startswith(prefix)
    file_id = parts.path[len(prefix) :]
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert set(query) == {"expires", "signature"}
    key = load_or_create_key(settings.secret_key, settings.secret_key_file)
    signer = UrlSigner(key, timedelta(hours=1))
    assert signer.verify(file_id, "", query["expires"], query["signature"], utc_now())
    engine = make_engine(settings)
    try:
        with Session(engine) as session:
            stored = session.scalars(select(StoredFile).where(StoredFile.file_id == file_id)).one()
    finally:
        engine.dispose()
    assert stored.expires_at is not None
    assert stored.storage_key == f"{stored.account_id}/{file_id}"
    content = (settings.files_root / stored.storage_key).read_bytes()
    assert stored.file_size == len(content)
    return Exported(
        file_id, stored.account_id, stored.purpose, stored.file_name, stored.mime_type,
        stored.file_size, stored.created_by, stored.date_created, stored.expires_at,
        int(query["expires"]), content,
    )  # fmt: skip


def counts(settings: Settings) -> tuple[int, int]:
    """(stored files, jobs) in the whole database."""
    engine = make_engine(settings)
    try:
        with Session(engine) as session:
            files = session.scalar(select(func.count()).select_from(StoredFile))
            jobs = session.scalar(select(func.count()).select_from(Job))
    finally:
        engine.dispose()
    return int(files or 0), int(jobs or 0)


def in_export_order(records: list[Any]) -> list[Any]:
    return sorted(records, key=lambda record: (record["dateCreated"], record["recordId"]))
