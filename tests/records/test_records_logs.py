"""R12: the change history of a record."""

import base64
import re
from dataclasses import dataclass
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
    log_actions,
    new_record,
)

LOG_ID = re.compile(r"^CRMLG1\d{15}[0-9A-Za-z]{11}$")


@dataclass(frozen=True)
class History:
    """A record that was created, updated by a MEMBER, trashed and restored."""

    record_id: str
    text: str
    phone: str
    member: Tenant
    created: dict[str, Any]
    updated: dict[str, Any]
    restored: dict[str, Any]


def logs(tenant: Tenant, record_id: str, **params: Any) -> dict[str, Any]:
    response = tenant.get(f"/records/{record_id}/logs", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def history(owner: Tenant) -> History:
    entity_id = str(create(owner, "people")["entityId"])
    text = str(add(owner, entity_id, "City")["propertyId"])
    phone = str(add(owner, entity_id, "Phone", "PHONE", isMasked=True)["propertyId"])
    member = owner.member(Role.MEMBER)
    created = new_record(
        owner,
        entity_id,
        name="Acme",
        data={text: "Seoul", phone: "010-1111-2222"},
        tags=["VIP"],
    )
    record_id = created["recordId"]
    response = member.patch(
        f"/records/{record_id}",
        json={
            "name": "Acme Corp",
            "data": {phone: "010-1234-5678", text: None},
            "tags": ["VIP", "2026"],
            "ownerId": None,
        },
    )
    assert response.status_code == 200, response.text
    assert owner.delete(f"/records/{record_id}").status_code == 200
    restored = member.post(f"/records/{record_id}/restore")
    assert restored.status_code == 200, restored.text
    return History(record_id, text, phone, member, created, response.json(), restored.json())


def test_logs_are_newest_first_with_field_level_changes(owner: Tenant, history: History) -> None:
    body = logs(owner, history.record_id)
    assert "nextKey" not in body
    entries = body["data"]
    assert [e["action"] for e in entries] == ["RESTORE", "DELETE", "UPDATE", "CREATE"]
    for entry in entries:
        assert LOG_ID.match(entry["logId"])
        assert ISO_MS.match(entry["dateCreated"])
    restore, delete, update, create_entry = entries
    member_id = history.member.member_id
    assert create_entry == {
        "logId": create_entry["logId"],
        "recordId": history.record_id,
        "action": "CREATE",
        "changes": [
            {"field": "name", "before": None, "after": "Acme"},
            {"field": f"data.{history.text}", "before": None, "after": "Seoul"},
            {"field": f"data.{history.phone}", "before": None, "after": "010-1111-2222"},
            {"field": "tags", "before": None, "after": ["VIP"]},
            {"field": "ownerId", "before": None, "after": owner.member_id},
        ],
        "actorId": owner.member_id,
        "source": "API",
        "dateCreated": history.created["dateCreated"],
    }
    assert update == {
        "logId": update["logId"],
        "recordId": history.record_id,
        "action": "UPDATE",
        "changes": [
            {
                "field": f"data.{history.phone}",
                "before": "010-1111-2222",
                "after": "010-1234-5678",
            },
            {"field": f"data.{history.text}", "before": "Seoul", "after": None},
            {"field": "name", "before": "Acme", "after": "Acme Corp"},
            {"field": "tags", "before": ["VIP"], "after": ["VIP", "2026"]},
            {"field": "ownerId", "before": owner.member_id, "after": None},
        ],
        "actorId": member_id,
        "source": "API",
        "dateCreated": history.updated["dateUpdated"],
    }
    assert delete["changes"] == []
    assert delete["actorId"] == owner.member_id
    assert restore["changes"] == []
    assert restore["actorId"] == member_id
    assert restore["dateCreated"] == history.restored["dateUpdated"]
    assert delete["dateCreated"] <= restore["dateCreated"]


def test_masked_values_in_logs_are_masked_for_members(owner: Tenant, history: History) -> None:
    member_view = logs(history.member, history.record_id)["data"]
    owner_view = logs(owner, history.record_id)["data"]
    assert [e["logId"] for e in member_view] == [e["logId"] for e in owner_view]
    phone_field = f"data.{history.phone}"
    changes = {
        entry["action"]: [c for c in entry["changes"] if c["field"] == phone_field]
        for entry in member_view
    }
    assert changes == {
        "RESTORE": [],
        "DELETE": [],
        "UPDATE": [{"field": phone_field, "before": "010-****-2222", "after": "010-****-5678"}],
        "CREATE": [{"field": phone_field, "before": None, "after": "010-****-2222"}],
    }
    # Unmasked properties and system fields are shown as they are.
    update = member_view[2]
    assert update["changes"][1:] == owner_view[2]["changes"][1:]


def test_pagination_with_limit_and_start_key(owner: Tenant, history: History) -> None:
    everything = [e["logId"] for e in logs(owner, history.record_id)["data"]]
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 1}
    pages = 0
    while True:
        page = logs(owner, history.record_id, **params)
        pages += 1
        assert len(page["data"]) == 1
        seen += [e["logId"] for e in page["data"]]
        if "nextKey" not in page:
            break
        params = {"limit": 1, "startKey": page["nextKey"]}
    assert pages == 4
    assert seen == everything

    first = logs(owner, history.record_id, limit=3)
    assert [e["logId"] for e in first["data"]] == everything[:3]
    rest = logs(owner, history.record_id, limit=3, startKey=first["nextKey"])
    assert [e["logId"] for e in rest["data"]] == everything[3:]
    assert "nextKey" not in rest


def test_forged_or_foreign_cursors_are_400(
    owner: Tenant, history: History, tenants: TenantFactory
) -> None:
    path = f"/records/{history.record_id}/logs"
    next_key = logs(owner, history.record_id, limit=1)["nextKey"]
    raw = bytearray(base64.urlsafe_b64decode(next_key + "=" * (-len(next_key) % 4)))
    raw[len(raw) // 2] ^= 1
    tampered = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    not_issued = "startKey: not a cursor issued by this server"
    for forged in ("abc", "not.base64!"):
        response = owner.get(path, params={"startKey": forged})
        assert_error(response, 400, "ValidationError", not_issued)
    response = owner.get(path, params={"startKey": tampered})
    assert_error(response, 400, "ValidationError", "startKey: the cursor belongs to another query")

    other = new_record(owner, fetch(owner, history.record_id)["entityId"])["recordId"]
    response = owner.get(f"/records/{other}/logs", params={"startKey": next_key})
    assert_error(response, 400, "ValidationError", "startKey: the cursor belongs to another query")

    intruder = tenants.account()
    theirs = new_record(intruder, str(create(intruder, "theirs")["entityId"]))["recordId"]
    intruder.patch(f"/records/{theirs}", json={"name": "x"})
    their_key = logs(intruder, theirs, limit=1)["nextKey"]
    response = owner.get(path, params={"startKey": their_key})
    assert_error(response, 400, "ValidationError", "startKey: the cursor belongs to another query")


@pytest.mark.parametrize("limit", ["0", "-1", "many"])
def test_bad_limits_are_400(owner: Tenant, history: History, limit: str) -> None:
    response = owner.get(f"/records/{history.record_id}/logs", params={"limit": limit})
    assert assert_error(response, 400, "ValidationError").startswith("limit: ")


def test_logs_of_a_trashed_record_need_include_deleted(owner: Tenant, history: History) -> None:
    path = f"/records/{history.record_id}/logs"
    owner.delete(f"/records/{history.record_id}")
    assert_error(
        owner.get(path), 404, "ResourceNotFound", f"Record '{history.record_id}' was not found"
    )
    trashed = logs(owner, history.record_id, includeDeleted="true")["data"]
    assert [e["action"] for e in trashed] == ["DELETE", "RESTORE", "DELETE", "UPDATE", "CREATE"]


def test_logs_of_unknown_or_foreign_records_are_404(
    owner: Tenant, history: History, tenants: TenantFactory
) -> None:
    intruder = tenants.account()
    for tenant, record_id in ((owner, UNKNOWN_RECORD), (intruder, history.record_id)):
        for params in ({}, {"includeDeleted": "true"}):
            response = tenant.get(f"/records/{record_id}/logs", params=params)
            assert_error(response, 404, "ResourceNotFound", f"Record '{record_id}' was not found")


def test_changes_of_a_deleted_property_disappear_from_logs(owner: Tenant, history: History) -> None:
    assert owner.delete(f"/properties/{history.text}").status_code == 200
    entries = logs(owner, history.record_id)["data"]
    fields = {e["action"]: [c["field"] for c in e["changes"]] for e in entries}
    phone = f"data.{history.phone}"
    assert fields == {
        "RESTORE": [],
        "DELETE": [],
        "UPDATE": [phone, "name", "tags", "ownerId"],
        "CREATE": ["name", phone, "tags", "ownerId"],
    }


def test_bulk_operations_write_delete_and_restore_entries(owner: Tenant) -> None:
    entity_id = str(create(owner, "deals")["entityId"])
    ids = [new_record(owner, entity_id, name=n)["recordId"] for n in "ab"]
    owner.post("/records/bulk/delete", json={"recordIds": ids}).raise_for_status()
    owner.post("/records/bulk/restore", json={"recordIds": ids}).raise_for_status()
    for record_id in ids:
        assert log_actions(owner, record_id) == ["RESTORE", "DELETE", "CREATE"]
    entries = logs(owner, ids[0])["data"]
    assert entries[0]["actorId"] == entries[1]["actorId"] == owner.member_id
    assert entries[2]["changes"] == [
        {"field": "name", "before": None, "after": "a"},
        {"field": "ownerId", "before": None, "after": owner.member_id},
    ]


def test_unowned_record_without_values_logs_an_empty_create(owner: Tenant) -> None:
    entity_id = str(create(owner, "deals")["entityId"])
    record = new_record(owner, entity_id, ownerId=None)
    entries = logs(owner, record["recordId"])["data"]
    assert [(e["action"], e["changes"]) for e in entries] == [("CREATE", [])]
