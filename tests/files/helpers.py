"""Builders shared by the record-file tests: images made with Pillow, uploads, downloads, and a
look at what is stored (rows and blob files)."""

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient
from httpx2 import Response
from PIL import Image
from sqlalchemy import func, select

from crmcore.config import Settings
from crmcore.db.engine import make_engine
from crmcore.db.session import make_session_factory
from crmcore.models import StoredFile

# Re-exported: the tests of this package import them from here.
from tests.builders import UNKNOWN_RECORD as UNKNOWN_RECORD
from tests.builders import Tenant as Tenant
from tests.builders import body_of as body_of
from tests.builders import error_of as error_of
from tests.builders import new_record as new_record
from tests.entities.test_entities_create_get import create as create

FILE_ID = r"CRMFL1\d{15}[0-9A-Za-z]{11}"
UNKNOWN_FILE = "CRMFL1260423081530123FIL11122233"


def image(kind: str = "PNG", size: tuple[int, int] = (8, 8), mode: str = "RGB") -> bytes:
    """A small real image in the given Pillow format (half transparent in mode RGBA)."""
    out = io.BytesIO()
    Image.new(mode, size, (255, 0, 0, 128) if mode == "RGBA" else "red").save(out, kind)
    return out.getvalue()


def upload(
    tenant: Tenant,
    record_id: str,
    kind: str,
    name: str,
    content: bytes,
    content_type: str = "application/octet-stream",
    **fields: str,
) -> Response:
    """POST one file to ``/records/{id}/{kind}`` (kind: profile-image, images, attachments)."""
    files = {"file": (name, content, content_type)}
    return tenant.post(f"/records/{record_id}/{kind}", files=files, data=fields or None)


def uploaded(
    tenant: Tenant, record_id: str, kind: str, name: str, content: bytes, **fields: str
) -> dict[str, Any]:
    result: dict[str, Any] = body_of(upload(tenant, record_id, kind, name, content, **fields))
    return result


def fetch(tenant: Tenant, record_id: str, **params: Any) -> dict[str, Any]:
    record: dict[str, Any] = body_of(tenant.get(f"/records/{record_id}", params=params))
    return record


def without_links(record: dict[str, Any]) -> dict[str, Any]:
    """A record without the links of its files (minted afresh, so they change by the second)."""

    def strip(item: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in item.items() if k not in ("url", "thumbnailUrl")}

    profile = record["profileImage"]
    return {
        **record,
        "profileImage": None if profile is None else strip(profile),
        "images": [strip(item) for item in record["images"]],
        "attachments": [strip(item) for item in record["attachments"]],
    }


def download(client: TestClient, url: str) -> Response:
    """Follow a signed link without any credentials."""
    assert url.startswith("http://testserver/crm-core/v1/files/"), url
    return client.get(url)


def link_parts(url: str) -> tuple[str, dict[str, str]]:
    """The path and the query parameters of a signed link."""
    parts = urlsplit(url)
    return parts.path, {key: values[0] for key, values in parse_qs(parts.query).items()}


@dataclass(frozen=True)
class Crm:
    """An ENTERPRISE owner with a "people" entity and its record Alice."""

    tenant: Tenant
    people: str
    alice: str


class Storage:
    """What is stored: rows of the files table and files under the blob directory."""

    def __init__(self, settings: Settings) -> None:
        self.root: Path = settings.files_root
        self._engine = make_engine(settings)
        self._sessions = make_session_factory(self._engine)

    def close(self) -> None:
        self._engine.dispose()

    def blobs(self) -> set[str]:
        """Every stored file, as ``<accountId>/<name>`` (temporary files included)."""
        if not self.root.exists():
            return set()
        return {
            path.relative_to(self.root).as_posix()
            for path in self.root.rglob("*")
            if path.is_file()
        }

    def rows(self, account_id: str) -> list[StoredFile]:
        with self._sessions() as session:
            statement = select(StoredFile).where(StoredFile.account_id == account_id)
            return list(session.scalars(statement.order_by(StoredFile.file_id)))

    def count(self, account_id: str) -> int:
        with self._sessions() as session:
            statement = select(func.count()).select_from(StoredFile)
            return int(session.scalar(statement.where(StoredFile.account_id == account_id)) or 0)

    def add(self, row: StoredFile) -> None:
        with self._sessions.begin() as session:
            session.add(row)
