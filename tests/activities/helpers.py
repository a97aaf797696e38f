"""Builders shared by the activities tests: a small CRM, activities, pages, direct table access."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from crmcore.config import Settings
from crmcore.db.engine import make_engine
from crmcore.db.session import make_session_factory
from crmcore.kernel.ids import IdKind, new_id
from crmcore.kernel.wire import utc_now
from crmcore.models import Activity

# Re-exported: the tests of this package import them from here.
from tests.builders import UNKNOWN_ENTITY as UNKNOWN_ENTITY
from tests.builders import UNKNOWN_RECORD as UNKNOWN_RECORD
from tests.builders import Tenant as Tenant
from tests.builders import body_of as body_of
from tests.builders import error_of as error_of
from tests.builders import new_record
from tests.entities.test_entities_create_get import create

ACTIVITY_ID = re.compile(r"^CRMAC1\d{15}[0-9A-Za-z]{11}$")
ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
UNKNOWN_ACTIVITY = "CRMAC1260423091530123ACT11122233"


record = new_record


def new_activity(
    tenant: Tenant,
    record_id: str,
    subject: str = "Call",
    activity_type: str = "CALL",
    **fields: Any,
) -> dict[str, Any]:
    body = {"recordId": record_id, "activityType": activity_type, "subject": subject, **fields}
    created: dict[str, Any] = body_of(tenant.post("/activities", json=body))
    return created


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["activityId"] for item in items]


def pages(tenant: Tenant, **params: Any) -> list[list[dict[str, Any]]]:
    """Follow ``nextKey`` to the end; every page but the last must carry one."""
    found: list[list[dict[str, Any]]] = []
    while True:
        page = body_of(tenant.get("/activities", params=params))
        assert set(page) <= {"data", "nextKey"}
        found.append(page["data"])
        if "nextKey" not in page:
            return found
        assert page["data"], "a page with a nextKey must not be empty"
        params = {**params, "startKey": page["nextKey"]}


def listed(tenant: Tenant, **params: Any) -> list[str]:
    """The activity IDs of all pages, in order."""
    return [item["activityId"] for page in pages(tenant, **params) for item in page]


def newest_first(items: list[dict[str, Any]]) -> list[str]:
    """The list's order: dateCreated, then activityId, descending."""
    ordered = sorted(items, key=lambda i: (i["dateCreated"], i["activityId"]), reverse=True)
    return ids(ordered)


@dataclass(frozen=True)
class Crm:
    """An ENTERPRISE owner with a "people" entity and its records Alice, Bob and Carol."""

    tenant: Tenant
    people: str
    alice: str
    bob: str
    carol: str


def build_crm(tenant: Tenant) -> Crm:
    people = str(create(tenant, "people")["entityId"])
    alice, bob, carol = (record(tenant, people, name) for name in ("Alice", "Bob", "Carol"))
    return Crm(tenant, people, alice, bob, carol)


class Table:
    """Direct access to the activities table: what the API cannot show (hidden rows, counts)."""

    def __init__(self, settings: Settings) -> None:
        self._engine = make_engine(settings)
        self._sessions = make_session_factory(self._engine)

    def close(self) -> None:
        self._engine.dispose()

    def count(self, account_id: str) -> int:
        with self._sessions.begin() as session:
            statement = select(func.count()).select_from(Activity)
            statement = statement.where(Activity.account_id == account_id)
            return int(session.scalar(statement) or 0)

    def disown(self, account_id: str, activity_id: str) -> None:
        """Make an activity unowned (no API does: its creator owns it)."""
        with self._sessions.begin() as session:
            session.execute(
                update(Activity)
                .where(Activity.account_id == account_id, Activity.activity_id == activity_id)
                .values(owner_id=None)
            )

    def insert(
        self,
        tenant: Tenant,
        entity_id: str | None,
        record_id: str | None,
        moments: list[datetime],
        activity_type: str = "NOTE",
    ) -> list[str]:
        """One activity per moment (its creation time), straight into the table."""
        inserted = []
        with self._sessions.begin() as session:
            for index, moment in enumerate(moments):
                activity_id = new_id(IdKind.ACTIVITY, moment)
                inserted.append(activity_id)
                session.add(
                    Activity(
                        account_id=tenant.account_id,
                        activity_id=activity_id,
                        workspace_id="",
                        entity_id=entity_id,
                        record_id=record_id,
                        activity_type=activity_type,
                        subject=f"Note {index}",
                        related_record_ids=[],
                        attachment_ids=[],
                        outcome="PENDING",
                        assigned_member_ids=[],
                        meta={},
                        visibility="PRIVATE",
                        owner_id=tenant.member_id,
                        created_by=tenant.member_id,
                        updated_by=tenant.member_id,
                        date_created=moment,
                        date_updated=moment,
                    )
                )
        return inserted


def moments(count: int, *, same_pairs: bool = False) -> list[datetime]:
    """``count`` creation times a day ago, a millisecond apart (two by two with ``same_pairs``,
    so that ties on dateCreated are broken by activityId)."""
    start = utc_now() - timedelta(days=1)
    divisor = 2 if same_pairs else 1
    return [start + timedelta(milliseconds=index // divisor) for index in range(count)]
