"""E3: newest first by (occurredAt, eventId), keyset cursor, filters, documented limits."""

from typing import Any

from tests.events.helpers import (
    UNKNOWN_ENTITY,
    Shop,
    body_of,
    error_of,
    every,
    pages,
    statements,
)


def newest_first(events: list[dict[str, Any]]) -> list[str]:
    ordered = sorted(events, key=lambda e: (e["occurredAt"], e["eventId"]), reverse=True)
    return [event["eventId"] for event in ordered]


def test_pages_follow_occurred_at_then_event_id_across_equal_instants(shop: Shop) -> None:
    # 25 events on 3 instants, created out of order: ties are broken by eventId.
    instants = ["2026-03-01T10:00:00.000Z", "2026-03-02T10:00:00.000Z", "2026-02-01T00:00:00.000Z"]
    shop.bulk([shop.on(shop.alice, occurredAt=instants[i % 3]) for i in range(25)])
    everything = body_of(
        shop.tenant.get("/events", params={"entityId": shop.customers, "limit": 200})
    )["data"]
    assert len(everything) == 25
    assert [e["eventId"] for e in everything] == newest_first(everything)

    found = pages(shop.tenant, entityId=shop.customers, limit=10)
    assert [len(page) for page in found] == [10, 10, 5]
    assert [e for page in found for e in page] == everything
    # The default page is 20.
    first = body_of(shop.tenant.get("/events", params={"entityId": shop.customers}))
    assert first["data"] == everything[:20]
    assert "nextKey" in first
    # A page ending exactly at the end has no nextKey.
    exact = body_of(shop.tenant.get("/events", params={"entityId": shop.customers, "limit": 25}))
    assert exact == {"data": everything}
    # A page is one query, wherever it starts.
    params = {"entityId": shop.customers, "limit": 10, "startKey": first["nextKey"]}
    with statements() as seen:
        assert body_of(shop.tenant.get("/events", params=params))["data"] == everything[20:]
    assert len([s for s in seen if "FROM events" in s]) == 1


def test_filters_combine(shop: Shop) -> None:
    shop.bulk(
        [
            shop.on(shop.alice, "PURCHASE", category="web"),
            shop.on(shop.alice, "PURCHASE", category="store"),
            shop.on(shop.alice, "VIEW", category="web"),
            shop.on(shop.bob, "PURCHASE", category="web"),
            shop.on(shop.bob, "PURCHASE"),
            shop.on(shop.order, "PURCHASE", category="web"),
        ]
    )
    listed = body_of(shop.tenant.get("/events", params={"entityId": shop.customers, "limit": 200}))[
        "data"
    ]
    assert len(listed) == 5

    def expect(**filters: str) -> list[str]:
        return [
            e["eventId"]
            for e in listed
            if all(e.get(key) == value for key, value in filters.items())
        ]

    customers = shop.customers
    assert every(shop.tenant, entityId=customers, recordId=shop.alice) == expect(
        recordId=shop.alice
    )
    assert every(shop.tenant, entityId=customers, eventType="PURCHASE") == expect(
        eventType="PURCHASE"
    )
    assert every(shop.tenant, entityId=customers, category="web") == expect(category="web")
    both = every(
        shop.tenant, entityId=customers, recordId=shop.bob, eventType=" PURCHASE ", category="web"
    )
    assert both == expect(recordId=shop.bob, category="web")
    assert len(both) == 1
    # Empty filters are no filters; a record of another entity or an unknown one matches nothing.
    assert every(shop.tenant, entityId=customers, eventType="", category="") == expect()
    assert every(shop.tenant, entityId=customers, recordId=shop.order) == []
    assert every(shop.tenant, entityId=shop.orders) == [
        body_of(shop.tenant.get("/events", params={"entityId": shop.orders}))["data"][0]["eventId"]
    ]  # fmt: skip


def test_parameters_and_cursors_are_checked(shop: Shop) -> None:
    owner = shop.tenant
    shop.bulk([shop.on(shop.alice, "PURCHASE") for _ in range(3)])
    error_of(owner.get("/events"), 400, "ValidationError", "entityId: Field required")
    error_of(owner.get("/events/summaries"), 400, "ValidationError", "entityId: Field required")
    for limit, message in (
        (0, "limit: Input should be greater than or equal to 1"),
        (201, "limit: Input should be less than or equal to 200"),
    ):
        params = {"entityId": shop.customers, "limit": limit}
        error_of(owner.get("/events", params=params), 400, "ValidationError", message)
    assert (
        len(
            body_of(owner.get("/events", params={"entityId": shop.customers, "limit": 200}))["data"]
        )
        == 3
    )
    message = f"Entity '{UNKNOWN_ENTITY}' was not found"
    error_of(
        owner.get("/events", params={"entityId": UNKNOWN_ENTITY}), 404, "ResourceNotFound", message
    )
    error_of(
        owner.get("/events/summaries", params={"entityId": UNKNOWN_ENTITY}),
        404,
        "ResourceNotFound",
        message,
    )

    first = body_of(owner.get("/events", params={"entityId": shop.customers, "limit": 1}))
    cursor = first["nextKey"]
    other_queries: list[dict[str, Any]] = [
        {"entityId": shop.orders},
        {"entityId": shop.customers, "eventType": "PURCHASE"},
        {"entityId": shop.customers, "recordId": shop.alice},
        {"entityId": shop.customers, "category": "x"},
    ]
    for params in other_queries:
        response = owner.get("/events", params={**params, "limit": 1, "startKey": cursor})
        error_of(response, 400, "ValidationError", "startKey: the cursor belongs to another query")
    for forged in ("not-a-cursor", cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")):
        params = {"entityId": shop.customers, "startKey": forged}
        error_of(owner.get("/events", params=params), 400, "ValidationError")
    # A trashed entity is 410, as everywhere.
    body_of(owner.delete(f"/entities/{shop.orders}"))
    error_of(owner.get("/events", params={"entityId": shop.orders}), 410, "Gone")
