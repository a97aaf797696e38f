"""E2: 1-100 events in one call, all or nothing; records checked in one query."""

from typing import Any

from crmcore.config import Settings
from tests.builders import TenantFactory
from tests.events.helpers import (
    UNKNOWN_RECORD,
    Shop,
    body_of,
    build_shop,
    error_of,
    every,
    record,
    statements,
    stored_events,
)


def test_bulk_creates_every_event(shop: Shop, settings: Settings) -> None:
    events = [
        shop.on(
            shop.alice if i % 2 else shop.order,
            f"T{i % 3}",
            value=i,
            occurredAt=f"2026-01-01T00:{i // 60:02d}:{i % 60:02d}.000Z",
        )
        for i in range(100)
    ]
    shop.bulk(events)
    assert stored_events(settings, shop.tenant.account_id) == 100
    listed = body_of(
        shop.tenant.get("/events", params={"entityId": shop.customers, "eventType": "T1"})
    )["data"]
    expected = sorted(
        (e for e in events if e["recordId"] == shop.alice and e["eventType"] == "T1"),
        key=lambda e: str(e["occurredAt"]),
        reverse=True,
    )
    assert len(listed) == len(expected) == 17
    # Each stored as sent, newest first.
    for got, sent in zip(listed, expected, strict=True):
        assert {k: got[k] for k in sent} == sent
        assert got["properties"] == {}

    one = shop.on(shop.bob)
    message = "events: List should have at most 100 items after validation, not 101"
    response = shop.tenant.post("/events/bulk", json={"events": [one] * 101})
    error_of(response, 400, "ValidationError", message)
    message = "events: List should have at least 1 item after validation, not 0"
    error_of(shop.tenant.post("/events/bulk", json={"events": []}), 400, "ValidationError", message)
    message = "events: Field required"
    error_of(shop.tenant.post("/events/bulk", json=one), 400, "ValidationError", message)
    assert stored_events(settings, shop.tenant.account_id) == 100

    # The records of a batch are read in one query, however many there are.
    records = [record(shop.tenant, shop.customers, f"C{i}") for i in range(30)]
    with statements() as seen:
        shop.bulk([shop.on(record_id, value=1) for record_id in records for _ in range(3)])
    record_reads = [s for s in seen if "FROM records" in s]
    assert len(record_reads) == 1, record_reads


def test_one_bad_item_fails_the_whole_batch_naming_its_index(
    shop: Shop, tenants: TenantFactory, settings: Settings
) -> None:
    owner = shop.tenant
    trashed = record(owner, shop.customers, "Gone")
    body_of(owner.delete(f"/records/{trashed}"))
    theirs = build_shop(tenants.account())
    good = [shop.on(shop.alice), shop.on(shop.order, value=3), shop.on(shop.bob)]
    bob = shop.on(shop.bob)
    too_big = "larger than 16384 bytes as JSON"
    owned_by = f"record '{shop.bob}' belongs to entity '{shop.customers}'"
    iso = (
        "Value error, must be an ISO 8601 date-time with an offset, e.g. 2026-04-22T15:30:00+09:00"
    )
    #: (index, bad item, status, field, reason): the message is "events[index]field: reason".
    cases: list[tuple[int, Any, int, str, str]] = [
        (0, "PURCHASE", 400, "", "Input should be a valid dictionary or instance of EventCreate"),
        (1, bob | {"eventType": ""}, 400, ".eventType", "String should have at least 1 character"),
        (2, bob | {"value": "1"}, 400, ".value", "Input should be a valid number"),
        (3, {"entityId": shop.customers, "eventType": "X"}, 400, ".recordId", "Field required"),
        (3, bob | {"properties": {"x": "y" * 16384}}, 400, ".properties", too_big),
        (3, bob | {"occurredAt": "soon"}, 400, ".occurredAt", iso),
        (3, bob | {"entityId": shop.orders}, 400, ".entityId", owned_by),
        (
            2,
            bob | {"recordId": UNKNOWN_RECORD},
            404,
            ".recordId",
            f"Record '{UNKNOWN_RECORD}' was not found",
        ),
        (1, bob | {"recordId": trashed}, 404, ".recordId", f"Record '{trashed}' was not found"),
        (3, theirs.on(theirs.alice), 404, ".recordId", f"Record '{theirs.alice}' was not found"),
    ]
    for index, bad, status, field, reason in cases:
        events = [*good[:index], bad, *good[index:]]
        code = "ValidationError" if status == 400 else "ResourceNotFound"
        message = f"events[{index}]{field}: {reason}"
        error_of(owner.post("/events/bulk", json={"events": events}), status, code, message)
    # Every item is validated before any record is looked up ...
    events = [*good, bob | {"recordId": UNKNOWN_RECORD}, bob | {"value": []}]
    message = "events[4].value: Input should be a valid number"
    error_of(owner.post("/events/bulk", json={"events": events}), 400, "ValidationError", message)
    # ... then the first item with a bad record is the one reported.
    events = [good[0], bob | {"entityId": shop.orders}, bob | {"recordId": UNKNOWN_RECORD}]
    message = f"events[1].entityId: {owned_by}"
    error_of(owner.post("/events/bulk", json={"events": events}), 400, "ValidationError", message)
    assert stored_events(settings, owner.account_id) == 0
    assert every(owner, entityId=shop.customers) == []
