"""R5-R9: delete to the trash, list the trash, restore, bulk delete and bulk restore."""

from datetime import datetime, timedelta
from typing import Any

import pytest

from crmcore.models.account import Role
from tests.builders import Tenant, TenantFactory
from tests.entities.test_entities_create_get import ISO_MS, create
from tests.properties.test_properties_api import add
from tests.records.test_records_crud import (
    UNKNOWN_RECORD,
    assert_error,
    fetch,
    listed,
    new_record,
)


@pytest.fixture
def entity_id(owner: Tenant) -> str:
    return str(create(owner, "deals")["entityId"])


def get_trashed(tenant: Tenant, record_id: str) -> dict[str, Any]:
    response = tenant.get(f"/records/{record_id}", params={"includeDeleted": "true"})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def trash_ids(tenant: Tenant, **params: Any) -> list[str]:
    response = tenant.get("/records/trash", params=params)
    assert response.status_code == 200, response.text
    return [item["recordId"] for item in response.json()["data"]]


def parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def is_gone(tenant: Tenant, record_id: str) -> bool:
    response = tenant.get(f"/records/{record_id}", params={"includeDeleted": "true"})
    return response.status_code == 404


# --- R5: delete ------------------------------------------------------------------------------


def test_delete_moves_the_record_to_the_trash(owner: Tenant, entity_id: str) -> None:
    record = new_record(owner, entity_id, name="Acme", tags=["VIP"])
    path = f"/records/{record['recordId']}"
    response = owner.delete(path)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == {
        "recordId": record["recordId"],
        "entityId": entity_id,
        "isDeleted": True,
        "deletedAt": body["deletedAt"],
    }
    assert ISO_MS.match(body["deletedAt"])

    assert_error(
        owner.get(path), 404, "ResourceNotFound", f"Record '{record['recordId']}' was not found"
    )
    trashed = get_trashed(owner, record["recordId"])
    assert trashed == {
        **record,
        "isDeleted": True,
        "deletedAt": body["deletedAt"],
        "deletedBy": owner.member_id,
        "purgeAt": trashed["purgeAt"],
    }
    assert parse(trashed["purgeAt"]) - parse(body["deletedAt"]) == timedelta(days=14)
    assert ISO_MS.match(trashed["purgeAt"])
    assert listed(owner, entity_id) == []

    again = owner.delete(path)
    assert_error(again, 404, "ResourceNotFound", f"Record '{record['recordId']}' was not found")
    assert get_trashed(owner, record["recordId"])["deletedAt"] == body["deletedAt"]

    trash = owner.get("/records/trash").json()
    assert trash == {"data": [trashed]}


def test_delete_of_unknown_or_foreign_records_is_404(
    owner: Tenant, entity_id: str, tenants: TenantFactory
) -> None:
    record = new_record(owner, entity_id)
    intruder = tenants.account()
    for tenant, record_id in ((owner, UNKNOWN_RECORD), (intruder, record["recordId"])):
        response = tenant.delete(f"/records/{record_id}")
        assert_error(response, 404, "ResourceNotFound", f"Record '{record_id}' was not found")
    assert fetch(owner, record["recordId"]) == record
    assert intruder.get("/records/trash").json() == {"data": []}


def test_member_can_delete_and_restore(owner: Tenant, entity_id: str) -> None:
    member = owner.member(Role.MEMBER)
    record = new_record(owner, entity_id, name="Shared")
    assert member.delete(f"/records/{record['recordId']}").status_code == 200
    assert get_trashed(owner, record["recordId"])["deletedBy"] == member.member_id
    assert trash_ids(member) == [record["recordId"]]
    restored = member.post(f"/records/{record['recordId']}/restore")
    assert restored.status_code == 200, restored.text
    assert restored.json()["updatedBy"] == member.member_id


# --- R7: trash list --------------------------------------------------------------------------


def test_trash_lists_the_newest_deleted_first(owner: Tenant, entity_id: str) -> None:
    other_entity = str(create(owner, "people")["entityId"])
    a, b, c = (new_record(owner, entity_id, name=n)["recordId"] for n in "abc")
    elsewhere = new_record(owner, other_entity, name="elsewhere")["recordId"]
    live = new_record(owner, entity_id, name="live")["recordId"]
    for record_id in (b, elsewhere, a, c):
        assert owner.delete(f"/records/{record_id}").status_code == 200

    assert trash_ids(owner) == [c, a, elsewhere, b]
    assert trash_ids(owner, entityId=entity_id) == [c, a, b]
    assert live not in trash_ids(owner)

    items = owner.get("/records/trash").json()["data"]
    deleted_at = [item["deletedAt"] for item in items]
    assert deleted_at == sorted(deleted_at, reverse=True)
    for item in items:
        assert item["isDeleted"] is True
        assert parse(item["purgeAt"]) - parse(item["deletedAt"]) == timedelta(days=14)

    pages: list[str] = []
    params: dict[str, Any] = {"limit": 3}
    while True:
        page = owner.get("/records/trash", params=params).json()
        pages.append(",".join(item["recordId"] for item in page["data"]))
        if "nextKey" not in page:
            break
        params = {"limit": 3, "startKey": page["nextKey"]}
    assert pages == [f"{c},{a},{elsewhere}", b]


def test_trash_of_an_unknown_entity_is_404(owner: Tenant) -> None:
    response = owner.get("/records/trash", params={"entityId": "CRMET1260423081530123XYZ11122233"})
    assert response.status_code == 404


# --- R6: restore -----------------------------------------------------------------------------


def test_restore_brings_the_record_back(owner: Tenant, entity_id: str) -> None:
    prop = add(owner, entity_id, "City")["propertyId"]
    record = new_record(owner, entity_id, name="Back", data={prop: "Seoul"}, tags=["x"])
    path = f"/records/{record['recordId']}"
    owner.delete(path)

    response = owner.post(f"{path}/restore")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == {**record, "dateUpdated": body["dateUpdated"]}
    assert "deletedAt" not in body
    assert body["dateUpdated"] > record["dateUpdated"]
    assert fetch(owner, record["recordId"]) == body
    assert listed(owner, entity_id) == [record["recordId"]]
    assert trash_ids(owner) == []

    again = owner.post(f"{path}/restore")
    assert_error(
        again, 400, "ValidationError", f"Record '{record['recordId']}' is not in the trash"
    )
    assert fetch(owner, record["recordId"]) == body


def test_restore_of_unknown_foreign_or_purged_records_is_404(
    owner: Tenant, entity_id: str, tenants: TenantFactory
) -> None:
    trashed = new_record(owner, entity_id)["recordId"]
    purged = new_record(owner, entity_id)["recordId"]
    owner.delete(f"/records/{trashed}")
    owner.post("/records/bulk/delete", json={"recordIds": [purged], "permanent": True})
    intruder = tenants.account()
    for tenant, record_id in ((owner, UNKNOWN_RECORD), (intruder, trashed), (owner, purged)):
        response = tenant.post(f"/records/{record_id}/restore")
        assert_error(response, 404, "ResourceNotFound", f"Record '{record_id}' was not found")
    assert get_trashed(owner, trashed)["isDeleted"] is True


# --- R8: bulk delete -------------------------------------------------------------------------


def test_bulk_delete_trashes_and_skips_what_it_cannot(
    owner: Tenant, entity_id: str, tenants: TenantFactory
) -> None:
    a, b, c, kept = (new_record(owner, entity_id, name=n)["recordId"] for n in "abck")
    owner.delete(f"/records/{c}")
    intruder = tenants.account()
    foreign = new_record(intruder, str(create(intruder, "theirs")["entityId"]))

    response = owner.post(
        "/records/bulk/delete",
        json={"recordIds": [a, b, c, foreign["recordId"], UNKNOWN_RECORD, a]},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"deleted": 2, "skipped": 3, "permanent": False}
    # One deletedAt for the whole batch: ties go by recordId, in the same direction.
    assert trash_ids(owner) == [b, a, c]
    assert {get_trashed(owner, r)["isDeleted"] for r in (a, b, c)} == {True}
    assert listed(owner, entity_id) == [kept]
    assert fetch(intruder, foreign["recordId"]) == foreign


def test_bulk_delete_by_another_tenant_touches_nothing(
    owner: Tenant, entity_id: str, tenants: TenantFactory
) -> None:
    a, b = (new_record(owner, entity_id, name=n) for n in "ab")
    owner.delete(f"/records/{b['recordId']}")
    trashed_b = get_trashed(owner, b["recordId"])
    intruder = tenants.account()
    ids = [a["recordId"], b["recordId"]]
    for permanent in (False, True):
        response = intruder.post(
            "/records/bulk/delete", json={"recordIds": ids, "permanent": permanent}
        )
        assert response.json() == {"deleted": 0, "skipped": 2, "permanent": permanent}
    restored = intruder.post("/records/bulk/restore", json={"recordIds": ids})
    assert restored.json() == {"restored": 0, "skipped": 2}
    assert fetch(owner, a["recordId"]) == a
    assert get_trashed(owner, b["recordId"]) == trashed_b


def test_bulk_delete_permanent_removes_records_for_good(
    owner: Tenant, entity_id: str, tenants: TenantFactory
) -> None:
    active, trashed, kept = (new_record(owner, entity_id, name=n)["recordId"] for n in "atk")
    owner.delete(f"/records/{trashed}")
    intruder = tenants.account()
    foreign = new_record(intruder, str(create(intruder, "theirs")["entityId"]))

    response = owner.post(
        "/records/bulk/delete",
        json={"recordIds": [active, trashed, foreign["recordId"]], "permanent": True},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"deleted": 2, "skipped": 1, "permanent": True}
    assert is_gone(owner, active)
    assert is_gone(owner, trashed)
    assert owner.get(f"/records/{active}/logs", params={"includeDeleted": "true"}).status_code == (
        404
    )
    assert trash_ids(owner) == []
    assert listed(owner, entity_id) == [kept]
    assert tenants.count_records(owner.account_id) == 1
    assert fetch(intruder, foreign["recordId"]) == foreign

    again = owner.post("/records/bulk/delete", json={"recordIds": [active], "permanent": True})
    assert again.json() == {"deleted": 0, "skipped": 1, "permanent": True}


@pytest.mark.parametrize(
    ("body", "message_start"),
    [
        ({"recordIds": []}, "recordIds: "),
        ({"recordIds": [UNKNOWN_RECORD] * 1001}, "recordIds: "),
        ({}, "recordIds: "),
        ({"recordIds": "CRMRC1260423081530123REC11122233"}, "recordIds: "),
        ({"recordIds": [5]}, "recordIds.0: "),
        ({"recordIds": [UNKNOWN_RECORD], "permanent": "yes"}, "permanent: "),
    ],
)
def test_bulk_delete_shape_errors_reject_the_whole_request(
    owner: Tenant, entity_id: str, body: dict[str, Any], message_start: str
) -> None:
    record = new_record(owner, entity_id)
    ids = body.get("recordIds")
    if isinstance(ids, list) and ids and ids[0] == UNKNOWN_RECORD:
        body = {**body, "recordIds": [record["recordId"], *ids[1:]]}
    response = owner.post("/records/bulk/delete", json=body)
    assert assert_error(response, 400, "ValidationError").startswith(message_start)
    assert fetch(owner, record["recordId"]) == record


def test_bulk_delete_accepts_exactly_1000_ids(owner: Tenant, entity_id: str) -> None:
    record = new_record(owner, entity_id)["recordId"]
    ids = [record] + [f"CRMRC1260423081530123REC{index:07d}" for index in range(999)]
    response = owner.post("/records/bulk/delete", json={"recordIds": ids})
    assert response.json() == {"deleted": 1, "skipped": 999, "permanent": False}


# --- R9: bulk restore ------------------------------------------------------------------------


def test_bulk_restore_restores_trashed_records_and_skips_the_rest(
    owner: Tenant, entity_id: str, tenants: TenantFactory
) -> None:
    a, b, active = (new_record(owner, entity_id, name=n) for n in "abz")
    owner.post("/records/bulk/delete", json={"recordIds": [a["recordId"], b["recordId"]]})
    intruder = tenants.account()
    theirs = new_record(intruder, str(create(intruder, "theirs")["entityId"]))["recordId"]
    intruder.delete(f"/records/{theirs}")

    response = owner.post(
        "/records/bulk/restore",
        json={
            "recordIds": [
                a["recordId"],
                b["recordId"],
                active["recordId"],
                theirs,
                UNKNOWN_RECORD,
                b["recordId"],
            ]
        },
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"restored": 2, "skipped": 3}
    for record in (a, b):
        body = fetch(owner, record["recordId"])
        assert body == {**record, "dateUpdated": body["dateUpdated"]}
        assert body["dateUpdated"] > record["dateUpdated"]
    assert fetch(owner, active["recordId"]) == active
    assert trash_ids(owner) == []
    assert trash_ids(intruder) == [theirs]


@pytest.mark.parametrize(
    "body", [{"recordIds": []}, {"recordIds": [UNKNOWN_RECORD] * 1001}, {"recordIds": None}]
)
def test_bulk_restore_shape_errors_are_400(owner: Tenant, body: dict[str, Any]) -> None:
    response = owner.post("/records/bulk/restore", json=body)
    assert assert_error(response, 400, "ValidationError").startswith("recordIds: ")


def test_trash_pagination_over_one_bulk_delete(owner: Tenant, entity_id: str) -> None:
    ids = [new_record(owner, entity_id, name=str(index))["recordId"] for index in range(5)]
    deleted = owner.post("/records/bulk/delete", json={"recordIds": ids})
    assert deleted.json() == {"deleted": 5, "skipped": 0, "permanent": False}
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 2, "entityId": entity_id}
    while True:
        page = owner.get("/records/trash", params=params).json()
        seen += [item["recordId"] for item in page["data"]]
        if "nextKey" not in page:
            break
        params = {**params, "startKey": page["nextKey"]}
    assert seen == sorted(ids, reverse=True)


def test_members_see_only_the_trash_they_could_see_masked(owner: Tenant) -> None:
    keeper = owner.member(Role.MEMBER)
    colleague = owner.member(Role.MEMBER)
    entity = str(
        create(owner, "vault", recordAccess="ENTITY_OWNER_ONLY", ownerId=keeper.member_id)[
            "entityId"
        ]
    )
    phone = add(owner, entity, "Phone", "PHONE", isMasked=True)["propertyId"]
    mine = new_record(owner, entity, ownerId=keeper.member_id, data={phone: "010-1234-5678"})
    theirs = new_record(owner, entity, ownerId=colleague.member_id)
    owner.post("/records/bulk/delete", json={"recordIds": [mine["recordId"], theirs["recordId"]]})
    assert trash_ids(owner) == [theirs["recordId"], mine["recordId"]]
    keeper_trash = keeper.get("/records/trash").json()["data"]
    assert [item["recordId"] for item in keeper_trash] == [mine["recordId"]]
    assert keeper_trash[0]["data"] == {phone: "010-****-5678"}
    assert get_trashed(keeper, mine["recordId"])["data"] == {phone: "010-****-5678"}
    assert get_trashed(owner, mine["recordId"])["data"] == {phone: "010-1234-5678"}

    restored = keeper.post(
        "/records/bulk/restore", json={"recordIds": [mine["recordId"], theirs["recordId"]]}
    )
    assert restored.json() == {"restored": 1, "skipped": 1}
    response = keeper.post(f"/records/{theirs['recordId']}/restore")
    assert_error(response, 404, "ResourceNotFound", f"Record '{theirs['recordId']}' was not found")
    assert trash_ids(owner) == [theirs["recordId"]]
