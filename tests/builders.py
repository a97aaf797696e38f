"""Typed builders: tenants and their members, created through the same services as the CLI."""

from dataclasses import dataclass, field
from typing import Any, cast

from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from crmcore.accounts import service as account_service
from crmcore.config import Settings
from crmcore.db.engine import make_engine
from crmcore.db.session import make_session_factory
from crmcore.kernel.ids import IdKind, new_id
from crmcore.kernel.secrets import SecretBox
from crmcore.kernel.wire import utc_now
from crmcore.models import Property, Record
from crmcore.models.account import PlanTier, Role
from tests.signing import sign

#: Well-formed IDs that no tenant has (the spec's own examples).
UNKNOWN_RECORD = "CRMRC1260423081530123REC11122233"
UNKNOWN_ENTITY = "CRMET1260423081530123XYZ11122233"


def body_of(response: Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def error_of(response: Response, status: int, code: str, message: str | None = None) -> str:
    """Assert an error answer; return its message."""
    assert response.status_code == status, response.text
    error = response.json()
    assert error["errorCode"] == code, error
    if message is not None:
        assert error["errorMessage"] == message
    text: str = error["errorMessage"]
    return text


def new_record(tenant: "Tenant", entity_id: str, name: str = "", **fields: Any) -> str:
    """A record made through the API; its ID."""
    response = tenant.post("/records", json={"entityId": entity_id, "name": name, **fields})
    return str(body_of(response)["recordId"])


@dataclass
class Tenant:
    """One member's signed view of the API."""

    client: TestClient
    account_id: str
    member_id: str
    api_key: str
    api_secret: str
    factory: "TenantFactory" = field(repr=False)

    def headers(self, **sign_options: Any) -> dict[str, str]:
        return {"Authorization": sign(self.api_key, self.api_secret, **sign_options)}

    def request(self, method: str, path: str, **kwargs: Any) -> Response:
        headers = {**self.headers(), **kwargs.pop("headers", {})}
        return self.client.request(method, "/crm-core/v1" + path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Response:
        return self.request("DELETE", path, **kwargs)

    def member(self, role: Role = Role.MEMBER, workspace_id: str = "") -> "Tenant":
        """Another member of the same account."""
        return self.factory.member(self.account_id, role, workspace_id)


class TenantFactory:
    def __init__(self, settings: Settings, client: TestClient) -> None:
        self.settings = settings
        self.client = client
        self.box = SecretBox(settings.secret_key or "")
        self._engine = make_engine(settings)
        self._sessions = make_session_factory(self._engine)

    def close(self) -> None:
        self._engine.dispose()

    def account(self, tier: PlanTier = PlanTier.ENTERPRISE) -> Tenant:
        with self._sessions.begin() as session:
            created = account_service.create_account(session, self.box, tier)
        credentials = created.credentials
        return Tenant(
            self.client,
            created.account_id,
            credentials.member_id,
            credentials.api_key,
            credentials.api_secret,
            self,
        )

    def member(self, account_id: str, role: Role, workspace_id: str = "") -> Tenant:
        with self._sessions.begin() as session:
            credentials = account_service.create_member(
                session, self.box, account_id, role, workspace_id
            )
        return Tenant(
            self.client,
            account_id,
            credentials.member_id,
            credentials.api_key,
            credentials.api_secret,
            self,
        )

    def set_plan(self, account_id: str, tier: PlanTier) -> None:
        with self._sessions.begin() as session:
            account_service.set_plan(session, account_id, tier)

    def insert_record(
        self, tenant: Tenant, entity_id: str, data: dict[str, Any], *, trashed: bool = False
    ) -> str:
        """A record written straight to the table (values that the API would not accept), its
        ``data`` given per property ID."""
        now = utc_now()
        record_id = new_id(IdKind.RECORD, now)
        with self._sessions.begin() as session:
            keys = data_keys(session, tenant.account_id, entity_id)
            session.add(
                Record(
                    account_id=tenant.account_id,
                    record_id=record_id,
                    entity_id=entity_id,
                    workspace_id="",
                    name="",
                    data={keys[property_id]: value for property_id, value in data.items()},
                    tags=[],
                    is_deleted=trashed,
                    deleted_at=now if trashed else None,
                    created_by=tenant.member_id,
                    updated_by=tenant.member_id,
                    date_created=now,
                    date_updated=now,
                )
            )
        return record_id

    def insert_blank_records(self, tenant: Tenant, entity_id: str, count: int) -> None:
        """Many records without values, written straight to the table in one statement."""
        now = utc_now()
        rows = [
            {
                "account_id": tenant.account_id,
                "record_id": new_id(IdKind.RECORD, now),
                "entity_id": entity_id,
                "workspace_id": "",
                "name": "",
                "data": {},
                "tags": [],
                "is_deleted": False,
                "created_by": tenant.member_id,
                "updated_by": tenant.member_id,
                "date_created": now,
                "date_updated": now,
            }
            for _ in range(count)
        ]
        with self._sessions.begin() as session:
            session.execute(insert(cast(Table, Record.__table__)), rows)

    def record_data(self, account_id: str, record_id: str) -> dict[str, Any]:
        with self._sessions.begin() as session:
            record = session.get(Record, (account_id, record_id))
            assert record is not None
            # Stored under data keys; named here by property ID, deleted properties included.
            keys = data_keys(session, account_id, record.entity_id)
            ids = {data_key: property_id for property_id, data_key in keys.items()}
            return {ids[key]: value for key, value in record.data.items()}

    def count_records(self, account_id: str) -> int:
        with self._sessions.begin() as session:
            statement = (
                select(func.count()).select_from(Record).where(Record.account_id == account_id)
            )
            return int(session.scalar(statement) or 0)

    def revoke(self, api_key: str) -> None:
        with self._sessions.begin() as session:
            account_service.revoke_key(session, api_key)


def data_keys(session: Session, account_id: str, entity_id: str) -> dict[str, str]:
    """The ``data_key`` of each property of the entity (deleted ones included)."""
    rows = session.execute(
        select(Property.property_id, Property.data_key).where(
            Property.account_id == account_id, Property.entity_id == entity_id
        )
    )
    return dict(rows.all())
