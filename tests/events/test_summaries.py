"""E4: count, sum of value and last occurrence per (eventType, category), in one GROUP BY."""

from typing import Any

from tests.events.helpers import Shop, statements, summaries


def entry(event_type: str, category: str | None, count: int, total: Any, last: str) -> Any:
    return {
        "eventType": event_type,
        "category": category,
        "totalCount": count,
        "totalValue": total,
        "lastOccurredAt": last,
    }


def test_summaries_count_sum_and_order(shop: Shop) -> None:
    alice, bob = shop.alice, shop.bob
    signup_at = "2026-05-01T12:00:00.000Z"
    shop.bulk(
        [
            # PURCHASE/web: one event without a value; an integral sum of fractions.
            shop.on(
                alice, "PURCHASE", category="web", value=100, occurredAt="2026-03-01T09:00+09:00"
            ),
            shop.on(
                bob, "PURCHASE", category="web", value=2.5, occurredAt="2026-03-05T00:00:00.25Z"
            ),
            shop.on(bob, "PURCHASE", category="web", value=-0.5, occurredAt="2026-01-01T00:00:00Z"),
            # PURCHASE without a category ("" is none): its own group.
            shop.on(alice, "PURCHASE", occurredAt="2026-02-01T00:00:00Z"),
            shop.on(alice, "PURCHASE", category="", value=0.25, occurredAt="2026-02-02T00:00:00Z"),
            # VIEW/web: no values at all, so totalValue 0.
            shop.on(alice, "VIEW", category="web", occurredAt="2026-04-01T00:00:00Z"),
            shop.on(alice, "VIEW", category="web", occurredAt="2026-04-03T00:00:00Z"),
            shop.on(bob, "VIEW", category="web", occurredAt="2026-04-02T00:00:00Z"),
            # Equal counts: by eventType, then category, by code point ("B" < "b" < "r").
            shop.on(
                bob, "refund", category="web", value=-7.75, occurredAt="2025-12-31T23:59:59.999Z"
            ),
            shop.on(bob, "SIGNUP", category="b", value=1, occurredAt=signup_at),
            shop.on(bob, "SIGNUP", category="B", value=1, occurredAt=signup_at),
            # Another entity's events are not counted.
            shop.on(shop.order, "PURCHASE", category="web", value=1000),
        ]
    )
    with statements() as seen:
        found = summaries(shop.tenant, entityId=shop.customers)
    assert len([s for s in seen if "FROM events" in s]) == 1
    assert found == [
        entry("PURCHASE", "web", 3, 102, "2026-03-05T00:00:00.250Z"),
        entry("VIEW", "web", 3, 0, "2026-04-03T00:00:00.000Z"),
        entry("PURCHASE", None, 2, 0.25, "2026-02-02T00:00:00.000Z"),
        entry("SIGNUP", "B", 1, 1, signup_at),
        entry("SIGNUP", "b", 1, 1, signup_at),
        entry("refund", "web", 1, -7.75, "2025-12-31T23:59:59.999Z"),
    ]
    assert isinstance(found[0]["totalValue"], int)
    assert isinstance(found[1]["totalValue"], int)

    # Filters narrow the events summed up.
    of_bob = summaries(shop.tenant, entityId=shop.customers, recordId=bob, eventType="PURCHASE")
    assert of_bob == [entry("PURCHASE", "web", 2, 2, "2026-03-05T00:00:00.250Z")]
    on_web = summaries(shop.tenant, entityId=shop.customers, category="web")
    assert [s["eventType"] for s in on_web] == ["PURCHASE", "VIEW", "refund"]
    (order,) = summaries(shop.tenant, entityId=shop.orders)
    assert (order["eventType"], order["totalCount"], order["totalValue"]) == ("PURCHASE", 1, 1000)
    assert summaries(shop.tenant, entityId=shop.customers, eventType="NOPE") == []
