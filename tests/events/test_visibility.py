"""Who sees which events: tenants, workspaces, recordAccess, and the record's trash lifecycle."""

from crmcore.config import Settings
from crmcore.models.account import Role
from tests.builders import TenantFactory
from tests.entities.test_entities_create_get import create
from tests.events.helpers import (
    Shop,
    body_of,
    build_shop,
    error_of,
    every,
    record,
    stored_events,
    summaries,
)


def test_another_tenants_ids_are_404_and_write_nothing(
    shop: Shop, tenants: TenantFactory, settings: Settings
) -> None:
    shop.add(shop.alice, value=5)
    intruder = tenants.account()
    theirs = build_shop(intruder)
    not_found = f"Record '{shop.alice}' was not found"
    error_of(intruder.post("/events", json=shop.on(shop.alice)), 404, "ResourceNotFound", not_found)
    # Even with the intruder's own entity: the record is not theirs.
    body = theirs.on(theirs.alice) | {"recordId": shop.alice}
    error_of(intruder.post("/events", json=body), 404, "ResourceNotFound", not_found)
    bulk = {"events": [theirs.on(theirs.alice), shop.on(shop.alice)]}
    message = f"events[1].recordId: {not_found}"
    error_of(intruder.post("/events/bulk", json=bulk), 404, "ResourceNotFound", message)
    entity_gone = f"Entity '{shop.customers}' was not found"
    for path in ("/events", "/events/summaries"):
        response = intruder.get(path, params={"entityId": shop.customers})
        error_of(response, 404, "ResourceNotFound", entity_gone)
    # Their own filter on our record matches nothing of ours.
    assert every(intruder, entityId=theirs.customers, recordId=shop.alice) == []
    assert summaries(intruder, entityId=theirs.customers) == []
    assert stored_events(settings, intruder.account_id) == 0
    assert stored_events(settings, shop.tenant.account_id) == 1

    # A workspace of the same account is another tenant too.
    team = shop.tenant.member(Role.OWNER, workspace_id="WS1")
    error_of(team.post("/events", json=shop.on(shop.alice)), 404, "ResourceNotFound", not_found)
    error_of(team.get("/events", params={"entityId": shop.customers}), 404, "ResourceNotFound")
    assert stored_events(settings, shop.tenant.account_id) == 1


def test_members_see_events_of_the_records_they_may_see(shop: Shop) -> None:
    owner = shop.tenant
    keeper = owner.member(Role.MEMBER)
    colleague = owner.member(Role.MEMBER)
    vault = create(owner, "vault", recordAccess="ENTITY_OWNER_ONLY", ownerId=keeper.member_id)
    vault_id = str(vault["entityId"])
    mine = record(owner, vault_id, "Gold", ownerId=keeper.member_id)
    unowned = record(owner, vault_id, "Silver", ownerId=None)
    theirs = record(owner, vault_id, "Bronze", ownerId=colleague.member_id)
    on = {rid: {"entityId": vault_id, "recordId": rid, "eventType": "OPEN", "value": 1}
          for rid in (mine, unowned, theirs)}  # fmt: skip
    body_of(owner.post("/events/bulk", json={"events": list(on.values())}))

    # The entity's owner (a MEMBER) sees its own and unowned records' events only.
    listed = body_of(keeper.get("/events", params={"entityId": vault_id}))["data"]
    assert {event["recordId"] for event in listed} == {mine, unowned}
    assert summaries(keeper, entityId=vault_id)[0]["totalCount"] == 2
    assert every(keeper, entityId=vault_id, recordId=theirs) == []
    error_of(keeper.post("/events", json=on[theirs]), 404, "ResourceNotFound")
    message = f"events[0].recordId: Record '{theirs}' was not found"
    bulk = {"events": [on[theirs], on[mine]]}
    error_of(keeper.post("/events/bulk", json=bulk), 404, "ResourceNotFound", message)
    assert body_of(keeper.post("/events", json=on[mine]))["recordId"] == mine
    # A MEMBER without access to the entity: no event in, no list out.
    error_of(colleague.post("/events", json=on[theirs]), 404, "ResourceNotFound")
    for path in ("/events", "/events/summaries"):
        error_of(colleague.get(path, params={"entityId": vault_id}), 403, "Forbidden")
    # OWNERs see every event; MEMBERs see everything in a PUBLIC entity.
    assert summaries(owner, entityId=vault_id)[0]["totalCount"] == 4
    shop.add(shop.alice)
    assert len(every(colleague, entityId=shop.customers)) == 1
    assert body_of(colleague.post("/events", json=shop.on(shop.bob)))["recordId"] == shop.bob


def test_trash_hides_events_restore_brings_them_back_and_purge_deletes_them(
    shop: Shop, settings: Settings
) -> None:
    owner = shop.tenant
    shop.bulk([shop.on(shop.alice, value=2), shop.on(shop.alice, value=3), shop.on(shop.bob)])
    before = every(owner, entityId=shop.customers)
    alice_events = every(owner, entityId=shop.customers, recordId=shop.alice)
    assert len(before) == 3
    assert len(alice_events) == 2

    body_of(owner.delete(f"/records/{shop.alice}"))
    assert every(owner, entityId=shop.customers) == [e for e in before if e not in alice_events]
    assert every(owner, entityId=shop.customers, recordId=shop.alice) == []
    assert summaries(owner, entityId=shop.customers)[0]["totalCount"] == 1
    error_of(owner.post("/events", json=shop.on(shop.alice)), 404, "ResourceNotFound")
    assert stored_events(settings, owner.account_id) == 3  # hidden, not deleted

    body_of(owner.post(f"/records/{shop.alice}/restore"))
    assert every(owner, entityId=shop.customers) == before
    (purchases,) = summaries(owner, entityId=shop.customers)
    assert (purchases["totalCount"], purchases["totalValue"]) == (3, 5)

    # Bulk trash and restore behave the same.
    body_of(owner.post("/records/bulk/delete", json={"recordIds": [shop.alice, shop.bob]}))
    assert every(owner, entityId=shop.customers) == []
    body_of(owner.post("/records/bulk/restore", json={"recordIds": [shop.alice, shop.bob]}))
    assert every(owner, entityId=shop.customers) == before

    # Purging a record deletes its events with it (foreign keys cascade).
    purge = {"recordIds": [shop.alice], "permanent": True}
    body_of(owner.post("/records/bulk/delete", json=purge))
    assert stored_events(settings, owner.account_id) == 1
    assert every(owner, entityId=shop.customers) == [e for e in before if e not in alice_events]
    # Trashed records go too when purged.
    body_of(owner.delete(f"/records/{shop.bob}"))
    body_of(owner.post("/records/bulk/delete", json={"recordIds": [shop.bob], "permanent": True}))
    assert stored_events(settings, owner.account_id) == 0
