"""§8.2: relationships.max (every create path) and relationshipTypes.maxPerEntity."""

from typing import Any

import pytest

from crmcore.config import Settings
from crmcore.models.account import PlanTier, Role
from tests.builders import Tenant, TenantFactory
from tests.entities.test_entities_create_get import create
from tests.relationships.helpers import (
    Crm,
    body_of,
    build_crm,
    error_of,
    insert_records,
    link_body,
    links_stored,
    new_type,
    set_limits,
    usage,
)

RELATIONSHIPS_FULL = "Maximum relationships per account: {used}/{limit}"
TYPES_FULL = "Maximum relationship types per entity: {used}/{limit}"


@pytest.fixture
def small(tenants: TenantFactory, settings: Settings) -> Crm:
    """A FREE account whose relationships.max is overridden to 3."""
    free = tenants.account(PlanTier.FREE)
    set_limits(settings, free.account_id, {"relationships.max": 3})
    return build_crm(free, settings)


def full(response: Any, used: int, limit: int = 3) -> None:
    error_of(response, 403, "PlanQuotaExceeded", RELATIONSHIPS_FULL.format(used=used, limit=limit))


def test_single_creates_stop_at_the_limit_and_deletes_free_room(small: Crm) -> None:
    owner = small.tenant
    plan = body_of(owner.get("/plans/me"))
    assert plan["overrides"] == {"relationships.max": 3}
    assert plan["limits"]["relationships.max"] == 3
    assert plan["limits"]["relationshipTypes.maxPerEntity"] == 5
    first = small.employ(0, 0)
    small.employ(1, 0)
    small.employ(2, 0)
    assert usage(owner)["relationships.max"] == 3

    def attempt(person: int, firm: int, tenant: Tenant = owner) -> Any:
        body = link_body(small.type_id, small.person(person), small.firm(firm))
        return tenant.post("/relationships", json=body)

    full(attempt(0, 1), 3)
    full(attempt(1, 1, owner.member(Role.MEMBER)), 3)
    # A duplicate is a conflict first, whatever the quota.
    error_of(attempt(0, 0), 409, "ConflictException")
    # Relationships of a trashed record still count.
    body_of(owner.delete(f"/records/{small.persons[2]}"))
    full(attempt(0, 1), 3)
    body_of(owner.delete(f"/relationships/{first['relationshipId']}"))
    assert usage(owner)["relationships.max"] == 2
    small.employ(0, 1)
    assert links_stored(owner) == 3


def test_bulk_paths_need_room_for_everything_they_create(small: Crm, settings: Settings) -> None:
    owner = small.tenant
    small.employ(0, 0)
    bulk = {
        "relationshipTypeId": small.type_id,
        "sourceEntityId": small.people,
        "sourceRecordIds": small.persons[:2],
        "targetEntityId": small.companies,
        "targetRecordIds": small.firms,
    }
    # Four pairs, one of them existing: three new ones do not fit beside the one there.
    full(owner.post("/relationships/bulk", json=bulk), 1)
    assert links_stored(owner) == 1
    fits = {**bulk, "targetRecordIds": [small.firms[0]]}
    assert body_of(owner.post("/relationships/bulk", json=fits)) == {"created": 1, "skipped": 1}
    assert links_stored(owner) == 2
    # Existing pairs and self-links need no room.
    assert body_of(owner.post("/relationships/bulk", json=fits)) == {"created": 0, "skipped": 2}
    one_more = {**bulk, "sourceRecordIds": [small.persons[2]], "targetRecordIds": small.firms}
    full(owner.post("/relationships/bulk", json=one_more), 2)
    assert links_stored(owner) == 2

    # bulk-match: Alice matches two companies, Bob one; only one more link fits.
    twins = insert_records(settings, owner, small.companies, ["alice", "ALICE", "bob"])
    match = {
        "relationshipTypeId": small.type_id,
        "sourceEntityId": small.people,
        "sourceRecordIds": small.persons,
        "criteria": [{"myField": {"type": "name"}, "counterField": {"type": "name"}}],
        "matchMode": "ALL",
    }
    full(owner.post("/relationships/bulk-match", json=match), 2)
    assert links_stored(owner) == 2
    first = {**match, "matchMode": "FIRST", "sourceRecordIds": [small.persons[0]]}
    assert body_of(owner.post("/relationships/bulk-match", json=first)) == {
        "matched": 1,
        "created": 1,
        "skipped": 0,
    }
    related = body_of(owner.get(f"/relationships/record/{twins[0]}"))["data"]
    assert [item["sourceRecordId"] for item in related] == [small.persons[0]]


def test_types_per_entity_count_either_side(tenants: TenantFactory) -> None:
    free = tenants.account(PlanTier.FREE)  # relationshipTypes.maxPerEntity: 5
    a, b, c, d = (str(create(free, slug)["entityId"]) for slug in ("a", "b", "c", "d"))
    new_type(free, "ab1", a, b)
    new_type(free, "ab2", a, b)
    new_type(free, "ca", c, a)
    self_type = new_type(free, "aa", a, a)  # counts once
    new_type(free, "da", d, a)
    assert usage(free)["relationshipTypes.maxPerEntity"] == 5
    for source, target in ((a, c), (c, a), (a, a), (b, a)):
        response = free.post(
            "/relationships/types",
            json={"name": "one more", "sourceEntityId": source, "targetEntityId": target},
        )
        error_of(response, 403, "PlanQuotaExceeded", TYPES_FULL.format(used=5, limit=5))
    member = free.member(Role.MEMBER)
    response = member.post(
        "/relationships/types", json={"name": "x", "sourceEntityId": b, "targetEntityId": a}
    )
    error_of(response, 403, "PlanQuotaExceeded")
    # Types away from the full entity are fine; a duplicate name is a conflict first.
    new_type(free, "bc", b, c)
    duplicate = free.post(
        "/relationships/types", json={"name": "ab1", "sourceEntityId": a, "targetEntityId": b}
    )
    error_of(duplicate, 409, "ConflictException")
    # Deleting a type frees room at once.
    body_of(free.delete(f"/relationships/types/{self_type['relationshipTypeId']}"))
    assert usage(free)["relationshipTypes.maxPerEntity"] == 4
    new_type(free, "ac", a, c)
    assert len(body_of(free.get("/relationships/types", params={"entityId": a}))) == 5
