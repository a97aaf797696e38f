"""E1: one event on a live record the caller may see; every rule of the body, exactly."""

from datetime import UTC, datetime, timedelta
from typing import Any

from crmcore.config import Settings
from tests.builders import TenantFactory
from tests.events.helpers import (
    EVENT_ID,
    INSTANT,
    UNKNOWN_ENTITY,
    UNKNOWN_RECORD,
    Shop,
    body_of,
    build_shop,
    error_of,
    every,
    record,
    stored_events,
)


def test_create_returns_the_event_as_stored(shop: Shop) -> None:
    properties = {"sku": "A-1", "items": [1, 2], "gift": {"wrap": True}}
    event = shop.add(
        shop.alice,
        "  PURCHASE ",
        category=" general",
        label="Bought a lamp",
        value=100.0,
        properties=properties,
        occurredAt="2026-04-22T15:30:00.123456+09:00",
    )
    assert EVENT_ID.match(event["eventId"])
    assert INSTANT.match(event["dateCreated"])
    assert event == {
        "eventId": event["eventId"],
        "entityId": shop.customers,
        "recordId": shop.alice,
        "eventType": "PURCHASE",
        "category": "general",
        "label": "Bought a lamp",
        "value": 100,
        "properties": properties,
        "occurredAt": "2026-04-22T06:30:00.123Z",
        "dateCreated": event["dateCreated"],
    }
    assert isinstance(event["value"], int)
    listed = shop.tenant.get("/events", params={"entityId": shop.customers}).json()["data"]
    assert listed == [event]

    # Unset optional fields are omitted, properties is {} and occurredAt defaults to now.
    before = datetime.now(UTC) - timedelta(seconds=1)
    event = shop.add(shop.order, "VIEW", category="", label="")
    after = datetime.now(UTC) + timedelta(seconds=1)
    assert set(event) == {
        "eventId",
        "entityId",
        "recordId",
        "eventType",
        "properties",
        "occurredAt",
        "dateCreated",
    }
    assert event["properties"] == {}
    assert event["occurredAt"] == event["dateCreated"]
    assert before <= datetime.fromisoformat(event["occurredAt"]) <= after
    fractional = shop.add(shop.order, value=-2.5, occurredAt="0999-12-31T23:59:59.9999Z")
    assert fractional["value"] == -2.5
    assert fractional["occurredAt"] == "0999-12-31T23:59:59.999Z"
    big = shop.add(shop.order, value=1e15, properties={"n": 1})
    assert big["value"] == 10**15


_ISO = "Value error, must be an ISO 8601 date-time with an offset, e.g. 2026-04-22T15:30:00+09:00"
_RANGE = "Value error, must be between -1000000000000000 and 1000000000000000"
#: (body changes, message): each is a 400 ValidationError that writes nothing.
INVALID: list[tuple[dict[str, Any], str]] = [
    ({"entityId": None}, "entityId: Input should be a valid string"),
    ({"recordId": ""}, "recordId: String should have at least 1 character"),
    ({"recordId": "R" * 129}, "recordId: String should have at most 128 characters"),
    ({"eventType": None}, "eventType: Input should be a valid string"),
    ({"eventType": "   "}, "eventType: String should have at least 1 character"),
    ({"eventType": "E" * 129}, "eventType: String should have at most 128 characters"),
    ({"eventType": 7}, "eventType: Input should be a valid string"),
    ({"category": "C" * 129}, "category: String should have at most 128 characters"),
    ({"label": "L" * 513}, "label: String should have at most 512 characters"),
    ({"value": "100"}, "value: Input should be a valid number"),
    ({"value": True}, "value: Input should be a valid number"),
    ({"value": 1e15 + 1}, f"value: {_RANGE}"),
    ({"value": -1e300}, f"value: {_RANGE}"),
    ({"properties": [1]}, "properties: Input should be a valid dictionary"),
    ({"properties": {"x": "y" * 16 * 1024}}, "properties: larger than 16384 bytes as JSON"),
    ({"occurredAt": "2026-04-22T15:30:00"}, f"occurredAt: {_ISO}"),
    (
        {"occurredAt": "2026-02-30T00:00:00Z"},
        "occurredAt: Value error, is not a valid date and time",
    ),
    ({"occurredAt": 1745300000}, "occurredAt: Input should be a valid datetime"),
]


def test_invalid_bodies_are_400_and_write_nothing(shop: Shop, settings: Settings) -> None:
    for changes, message in INVALID:
        body = {**shop.on(shop.alice, value=1), **changes}
        response = shop.tenant.post("/events", json=body)
        error_of(response, 400, "ValidationError", message)
    for missing in ("entityId", "recordId", "eventType"):
        body = shop.on(shop.alice)
        del body[missing]
        error_of(
            shop.tenant.post("/events", json=body),
            400,
            "ValidationError",
            f"{missing}: Field required",
        )
    assert stored_events(settings, shop.tenant.account_id) == 0


def test_the_record_must_be_live_visible_and_of_the_entity(
    shop: Shop, tenants: TenantFactory, settings: Settings
) -> None:
    owner = shop.tenant
    trashed = record(owner, shop.customers, "Gone")
    body_of(owner.delete(f"/records/{trashed}"))
    intruder = tenants.account()
    theirs = build_shop(intruder)
    for record_id in (UNKNOWN_RECORD, trashed, theirs.alice):
        body = shop.on(shop.alice) | {"recordId": record_id}
        error_of(
            owner.post("/events", json=body),
            404,
            "ResourceNotFound",
            f"Record '{record_id}' was not found",
        )
    # Another tenant's record with that tenant's entity: 404 all the same.
    body = {"entityId": theirs.customers, "recordId": theirs.alice, "eventType": "X"}
    error_of(owner.post("/events", json=body), 404, "ResourceNotFound")
    # A live record of another entity (or of no entity at all) is a 400.
    for entity_id in (shop.orders, UNKNOWN_ENTITY):
        body = {"entityId": entity_id, "recordId": shop.alice, "eventType": "X"}
        error_of(
            owner.post("/events", json=body),
            400,
            "ValidationError",
            f"entityId: record '{shop.alice}' belongs to entity '{shop.customers}'",
        )
    assert stored_events(settings, owner.account_id) == 0
    assert stored_events(settings, intruder.account_id) == 0
    assert every(owner, entityId=shop.customers) == []
