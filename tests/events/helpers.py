"""Builders shared by the events tests: a small shop, event bodies, pages, stored rows."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, event, func, select

from crmcore.config import Settings
from crmcore.db.engine import make_engine
from crmcore.db.session import make_session_factory
from crmcore.models import Event

# Re-exported: the tests of this package import them from here.
from tests.builders import UNKNOWN_ENTITY as UNKNOWN_ENTITY
from tests.builders import UNKNOWN_RECORD as UNKNOWN_RECORD
from tests.builders import Tenant as Tenant
from tests.builders import body_of as body_of
from tests.builders import error_of as error_of
from tests.builders import new_record
from tests.entities.test_entities_create_get import create

EVENT_ID = re.compile(r"^CRMEV1\d{15}[0-9A-Za-z]{11}$")
INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


record = new_record


@dataclass(frozen=True)
class Shop:
    """One tenant with customers (Alice, Bob) and orders (one order)."""

    tenant: Tenant
    customers: str
    orders: str
    alice: str
    bob: str
    order: str

    def on(self, record_id: str, event_type: str = "PURCHASE", **fields: Any) -> dict[str, Any]:
        """An event body for a record of ``customers`` (or of ``orders`` for the order)."""
        entity = self.orders if record_id == self.order else self.customers
        return {"entityId": entity, "recordId": record_id, "eventType": event_type, **fields}

    def add(self, record_id: str, event_type: str = "PURCHASE", **fields: Any) -> Any:
        return body_of(self.tenant.post("/events", json=self.on(record_id, event_type, **fields)))

    def bulk(self, events: list[dict[str, Any]]) -> None:
        created = body_of(self.tenant.post("/events/bulk", json={"events": events}))
        assert created == {"created": len(events)}


def build_shop(tenant: Tenant) -> Shop:
    customers = str(create(tenant, "customers")["entityId"])
    orders = str(create(tenant, "orders")["entityId"])
    alice = record(tenant, customers, "Alice")
    bob = record(tenant, customers, "Bob")
    order = record(tenant, orders, "#1")
    return Shop(tenant, customers, orders, alice, bob, order)


def pages(tenant: Tenant, **params: Any) -> list[list[dict[str, Any]]]:
    """Follow ``nextKey`` to the end; every page but the last must carry one."""
    found: list[list[dict[str, Any]]] = []
    while True:
        page = body_of(tenant.get("/events", params=params))
        assert set(page) <= {"data", "nextKey"}
        found.append(page["data"])
        if "nextKey" not in page:
            return found
        assert page["data"], "a page with a nextKey must not be empty"
        params = {**params, "startKey": page["nextKey"]}


def every(tenant: Tenant, **params: Any) -> list[str]:
    """The event IDs of all pages, in order."""
    return [item["eventId"] for page in pages(tenant, limit=200, **params) for item in page]


def summaries(tenant: Tenant, **params: Any) -> list[dict[str, Any]]:
    body = body_of(tenant.get("/events/summaries", params=params))
    assert list(body) == ["summaries"]
    found: list[dict[str, Any]] = body["summaries"]
    return found


def stored_events(settings: Settings, account_id: str) -> int:
    """Every event row of the account, hidden or not."""
    engine = make_engine(settings)
    try:
        with make_session_factory(engine).begin() as session:
            statement = (
                select(func.count()).select_from(Event).where(Event.account_id == account_id)
            )
            return int(session.scalar(statement) or 0)
    finally:
        engine.dispose()


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements every engine of this process runs meanwhile (the app's included)."""
    seen: list[str] = []

    def record_statement(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(Engine, "before_cursor_execute", record_statement)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record_statement)
