"""G1-G5: property groups, and how properties join them (P3/P5 ``propertyGroupId``)."""

import re
from typing import Any

import pytest

from crmcore.models.account import Role
from tests.builders import Tenant, TenantFactory

ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
GROUP_ID = re.compile(r"^CRMPG1\d{15}[0-9A-Za-z]{11}$")
UNKNOWN_ENTITY = "CRMET1260423081530123XYZ11122233"
UNKNOWN_GROUP = "CRMPG1260423081530123XYZ11122233"
DROP: Any = object()  # marks a field to leave out of a request body

GROUP_KEYS = {
    "propertyGroupId",
    "accountId",
    "entityId",
    "name",
    "priority",
    "propertyIds",
    "createdBy",
    "updatedBy",
    "dateCreated",
    "dateUpdated",
}


def create_entity(tenant: Tenant, slug: str = "customers", **fields: Any) -> str:
    response = tenant.post("/entities", json={"name": slug.title(), "slug": slug, **fields})
    assert response.status_code == 200, response.text
    entity_id: str = response.json()["entityId"]
    return entity_id


def create_group(tenant: Tenant, entity_id: str, name: str = "Contact", **fields: Any) -> Any:
    response = tenant.post("/property-groups", json={"entityId": entity_id, "name": name, **fields})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def create_property(tenant: Tenant, entity_id: str, name: str, group_id: str | None = None) -> str:
    body: dict[str, Any] = {"entityId": entity_id, "name": name, "fieldType": "TEXT"}
    if group_id is not None:
        body["propertyGroupId"] = group_id
    response = tenant.post("/properties", json=body)
    assert response.status_code == 200, response.text
    property_id: str = response.json()["propertyId"]
    return property_id


def group_path(group: dict[str, Any]) -> str:
    return f"/property-groups/{group['propertyGroupId']}"


def fetch(tenant: Tenant, path: str) -> Any:
    response = tenant.get(path)
    assert response.status_code == 200, response.text
    return response.json()


def all_groups(tenant: Tenant) -> Any:
    return fetch(tenant, "/property-groups")


def group_of_property(tenant: Tenant, property_id: str) -> Any:
    return fetch(tenant, f"/properties/{property_id}")["propertyGroupId"]


def assert_error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["errorCode"] == code


# --- G3: create ------------------------------------------------------------------------------


def test_create_returns_the_full_group(owner: Tenant) -> None:
    entity_id = create_entity(owner)
    body = create_group(owner, entity_id, "Contact")
    assert set(body) == GROUP_KEYS
    assert GROUP_ID.match(body["propertyGroupId"])
    assert body["accountId"] == owner.account_id
    assert body["entityId"] == entity_id
    assert body["name"] == "Contact"
    assert body["priority"] == 0
    assert body["propertyIds"] == []
    assert body["createdBy"] == body["updatedBy"] == owner.member_id
    assert ISO_MS.match(body["dateCreated"])
    assert body["dateCreated"] == body["dateUpdated"]
    assert fetch(owner, group_path(body)) == body
    assert all_groups(owner) == [body]


def test_description_is_returned_when_set(owner: Tenant) -> None:
    entity_id = create_entity(owner)
    body = create_group(owner, entity_id, "Contact", description="How to reach them")
    assert set(body) == GROUP_KEYS | {"description"}
    assert body["description"] == "How to reach them"
    assert fetch(owner, group_path(body)) == body


def test_priority_defaults_to_the_highest_plus_one_and_an_explicit_one_is_kept(
    owner: Tenant,
) -> None:
    entity_id = create_entity(owner)
    other_entity_id = create_entity(owner, "deals")
    assert create_group(owner, entity_id, "First")["priority"] == 0
    assert create_group(owner, entity_id, "Second")["priority"] == 1
    assert create_group(owner, entity_id, "Pinned", priority=10)["priority"] == 10
    assert create_group(owner, entity_id, "After")["priority"] == 11
    assert create_group(owner, entity_id, "Half", priority=2.5)["priority"] == 2.5
    assert create_group(owner, other_entity_id, "Own count")["priority"] == 0


def test_a_priority_as_large_as_a_double_is_kept_and_rendered(owner: Tenant) -> None:
    # Found by the OpenAPI fuzzer: create and update answered 500 (an integer too large to
    # render) for an integral priority beyond 2**64.
    entity_id = create_entity(owner)
    group = create_group(owner, entity_id, "Huge", priority=1.7976931348623157e308)
    assert group["priority"] == 1.7976931348623157e308
    assert create_group(owner, entity_id, "After")["priority"] == 1.7976931348623157e308
    response = owner.patch(group_path(group), json={"priority": -1.7976931348623157e308})
    assert response.status_code == 200, response.text
    assert fetch(owner, group_path(group))["priority"] == -1.7976931348623157e308


def test_a_name_of_100_characters_is_accepted(owner: Tenant) -> None:
    entity_id = create_entity(owner)
    assert create_group(owner, entity_id, "x" * 100)["name"] == "x" * 100


@pytest.mark.parametrize(
    "fields",
    [
        {"entityId": DROP},
        {"name": DROP},
        {"name": ""},
        {"name": "   "},
        {"name": None},
        {"name": "x" * 101},
        {"priority": "x"},
        {"entityId": 7},
        {"description": 5},
    ],
)
def test_invalid_create_bodies_are_400_and_write_nothing(
    owner: Tenant, fields: dict[str, Any]
) -> None:
    entity_id = create_entity(owner)
    body = {"entityId": entity_id, "name": "Contact", **fields}
    response = owner.post("/property-groups", json={k: v for k, v in body.items() if v is not DROP})
    assert_error(response, 400, "ValidationError")
    assert all_groups(owner) == []


def test_member_cannot_create_a_group(owner: Tenant) -> None:
    entity_id = create_entity(owner)
    member = owner.member(Role.MEMBER)
    response = member.post("/property-groups", json={"entityId": entity_id, "name": "Contact"})
    assert_error(response, 403, "Forbidden")
    assert all_groups(owner) == []
    group = create_group(owner, entity_id, "Contact")
    duplicate = member.post("/property-groups", json={"entityId": entity_id, "name": "Contact"})
    assert_error(duplicate, 403, "Forbidden")
    assert all_groups(owner) == [group]


def test_existence_is_checked_before_the_role(owner: Tenant) -> None:
    member = owner.member(Role.MEMBER)
    created = member.post("/property-groups", json={"entityId": UNKNOWN_ENTITY, "name": "x"})
    assert_error(created, 404, "ResourceNotFound")
    path = f"/property-groups/{UNKNOWN_GROUP}"
    assert_error(member.patch(path, json={"name": "x"}), 404, "ResourceNotFound")
    assert_error(member.delete(path), 404, "ResourceNotFound")


def test_unknown_entity_is_404(owner: Tenant) -> None:
    response = owner.post("/property-groups", json={"entityId": UNKNOWN_ENTITY, "name": "Contact"})
    assert_error(response, 404, "ResourceNotFound")
    assert all_groups(owner) == []
    assert_error(owner.get(f"/property-groups/{UNKNOWN_GROUP}"), 404, "ResourceNotFound")
    assert_error(
        owner.patch(f"/property-groups/{UNKNOWN_GROUP}", json={"name": "x"}),
        404,
        "ResourceNotFound",
    )
    assert_error(owner.delete(f"/property-groups/{UNKNOWN_GROUP}"), 404, "ResourceNotFound")


def test_a_trashed_entity_answers_410(owner: Tenant) -> None:
    entity_id = create_entity(owner)
    group = create_group(owner, entity_id)
    assert owner.delete(f"/entities/{entity_id}").status_code == 200
    created = owner.post("/property-groups", json={"entityId": entity_id, "name": "Other"})
    assert_error(created, 410, "Gone")
    assert_error(owner.get(group_path(group)), 410, "Gone")
    assert_error(owner.get("/property-groups", params={"entityId": entity_id}), 410, "Gone")
    assert_error(owner.patch(group_path(group), json={"name": "Renamed"}), 410, "Gone")
    assert_error(owner.delete(group_path(group)), 410, "Gone")
    assert all_groups(owner) == []
    restored = owner.post(f"/entities/{entity_id}/restore")
    assert restored.status_code == 200, restored.text
    assert all_groups(owner) == [group]


def test_duplicate_name_in_the_same_entity_is_409(owner: Tenant) -> None:
    entity_id = create_entity(owner)
    other_entity_id = create_entity(owner, "deals")
    group = create_group(owner, entity_id, "Contact")
    for name in ("Contact", "  Contact  "):
        response = owner.post("/property-groups", json={"entityId": entity_id, "name": name})
        assert_error(response, 409, "DuplicatePropertyGroup")
    assert all_groups(owner) == [group]
    elsewhere = create_group(owner, other_entity_id, "Contact")
    assert elsewhere["name"] == "Contact"
    assert fetch(owner, group_path(group)) == group


def test_renaming_to_a_taken_name_is_409(owner: Tenant) -> None:
    entity_id = create_entity(owner)
    other_entity_id = create_entity(owner, "deals")
    create_group(owner, entity_id, "Contact")
    billing = create_group(owner, entity_id, "Billing")
    create_group(owner, other_entity_id, "Shipping")
    response = owner.patch(group_path(billing), json={"name": "Contact", "priority": 9})
    assert_error(response, 409, "DuplicatePropertyGroup")
    assert fetch(owner, group_path(billing)) == billing
    renamed = owner.patch(group_path(billing), json={"name": "Billing"})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "Billing"
    moved = owner.patch(group_path(billing), json={"name": "Shipping"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["name"] == "Shipping"


# --- membership ------------------------------------------------------------------------------


def test_property_ids_are_live_members_in_column_order(owner: Tenant) -> None:
    entity_id = create_entity(owner)
    group = create_group(owner, entity_id, "Contact")
    other = create_group(owner, entity_id, "Billing")
    p1 = create_property(owner, entity_id, "P1", group["propertyGroupId"])
    loose = create_property(owner, entity_id, "Loose")
    p2 = create_property(owner, entity_id, "P2", group["propertyGroupId"])
    billed = create_property(owner, entity_id, "Billed", other["propertyGroupId"])
    p3 = create_property(owner, entity_id, "P3", group["propertyGroupId"])
    assert group_of_property(owner, p1) == group["propertyGroupId"]
    assert group_of_property(owner, loose) is None
    assert fetch(owner, group_path(group))["propertyIds"] == [p1, p2, p3]
    assert fetch(owner, group_path(other))["propertyIds"] == [billed]

    reordered = owner.patch(f"/entities/{entity_id}", json={"propertyIds": [p3, p1, p2]})
    assert reordered.status_code == 200, reordered.text
    assert reordered.json()["propertyIds"] == [p3, p1, p2, loose, billed]
    assert fetch(owner, group_path(group))["propertyIds"] == [p3, p1, p2]
    listed = {g["propertyGroupId"]: g["propertyIds"] for g in all_groups(owner)}
    assert listed == {group["propertyGroupId"]: [p3, p1, p2], other["propertyGroupId"]: [billed]}

    assert owner.delete(f"/properties/{p1}").status_code == 200
    assert fetch(owner, group_path(group))["propertyIds"] == [p3, p2]
    assert fetch(owner, group_path(other))["propertyIds"] == [billed]


def test_a_property_joins_and_leaves_a_group_by_update(owner: Tenant) -> None:
    entity_id = create_entity(owner)
    group = create_group(owner, entity_id, "Contact")
    other = create_group(owner, entity_id, "Billing")
    prop = create_property(owner, entity_id, "Email")
    path = f"/properties/{prop}"
    joined = owner.patch(path, json={"propertyGroupId": group["propertyGroupId"]})
    assert joined.status_code == 200, joined.text
    assert joined.json()["propertyGroupId"] == group["propertyGroupId"]
    assert fetch(owner, group_path(group))["propertyIds"] == [prop]
    owner.patch(path, json={"propertyGroupId": other["propertyGroupId"]})
    assert fetch(owner, group_path(group))["propertyIds"] == []
    assert fetch(owner, group_path(other))["propertyIds"] == [prop]
    left = owner.patch(path, json={"propertyGroupId": None})
    assert left.status_code == 200, left.text
    assert left.json()["propertyGroupId"] is None
    assert fetch(owner, group_path(other))["propertyIds"] == []


def test_a_property_cannot_join_a_group_of_another_entity(owner: Tenant) -> None:
    entity_id = create_entity(owner)
    other_entity_id = create_entity(owner, "deals")
    group = create_group(owner, entity_id, "Contact")
    body = {
        "entityId": other_entity_id,
        "name": "Stage",
        "fieldType": "TEXT",
        "propertyGroupId": group["propertyGroupId"],
    }
    assert_error(owner.post("/properties", json=body), 400, "ValidationError")
    assert fetch(owner, "/properties?entityId=" + other_entity_id) == []
    prop = create_property(owner, other_entity_id, "Stage")
    before = fetch(owner, f"/properties/{prop}")
    response = owner.patch(
        f"/properties/{prop}", json={"propertyGroupId": group["propertyGroupId"]}
    )
    assert_error(response, 400, "ValidationError")
    assert fetch(owner, f"/properties/{prop}") == before
    assert fetch(owner, group_path(group)) == group


def test_a_property_cannot_join_an_unknown_group(owner: Tenant) -> None:
    entity_id = create_entity(owner)
    body = {
        "entityId": entity_id,
        "name": "Email",
        "fieldType": "TEXT",
        "propertyGroupId": UNKNOWN_GROUP,
    }
    assert_error(owner.post("/properties", json=body), 404, "ResourceNotFound")
    assert fetch(owner, "/properties?entityId=" + entity_id) == []
    prop = create_property(owner, entity_id, "Email")
    before = fetch(owner, f"/properties/{prop}")
    response = owner.patch(f"/properties/{prop}", json={"propertyGroupId": UNKNOWN_GROUP})
    assert_error(response, 404, "ResourceNotFound")
    assert fetch(owner, f"/properties/{prop}") == before


# --- G1/G2: list and get ---------------------------------------------------------------------


def test_list_orders_by_entity_then_priority_and_filters_by_entity(owner: Tenant) -> None:
    first = create_entity(owner, "customers")
    second = create_entity(owner, "deals")
    groups = [
        create_group(owner, second, "Late", priority=5),
        create_group(owner, first, "B", priority=2),
        create_group(owner, second, "Early", priority=1),
        create_group(owner, first, "A", priority=0.5),
        create_group(owner, first, "C", priority=7),
    ]
    expected = sorted(groups, key=lambda g: (g["entityId"], g["priority"]))
    assert all_groups(owner) == expected
    by_first = fetch(owner, "/property-groups?entityId=" + first)
    assert [g["name"] for g in by_first] == ["A", "B", "C"]
    by_second = fetch(owner, "/property-groups?entityId=" + second)
    assert [g["name"] for g in by_second] == ["Early", "Late"]
    assert fetch(owner, "/property-groups?entityId=" + UNKNOWN_ENTITY) == []


def test_members_read_groups_but_not_those_of_an_admin_only_entity(owner: Tenant) -> None:
    public = create_entity(owner, "customers")
    hidden = create_entity(owner, "secrets", recordAccess="ADMIN_ONLY")
    visible_group = create_group(owner, public, "Contact")
    hidden_group = create_group(owner, hidden, "Vault")
    member = owner.member(Role.MEMBER)
    assert fetch(member, "/property-groups") == [visible_group]
    assert fetch(member, group_path(visible_group)) == visible_group
    assert_error(member.get(group_path(hidden_group)), 403, "Forbidden")
    assert_error(member.get("/property-groups", params={"entityId": hidden}), 403, "Forbidden")
    listed = all_groups(owner)
    assert sorted(g["propertyGroupId"] for g in listed) == sorted(
        [visible_group["propertyGroupId"], hidden_group["propertyGroupId"]]
    )


# --- G4: update ------------------------------------------------------------------------------


def test_update_is_partial(owner: Tenant) -> None:
    entity_id = create_entity(owner)
    group = create_group(owner, entity_id, "Contact", description="How to reach them")
    path = group_path(group)
    editor = owner.member(Role.OWNER)

    renamed = editor.patch(path, json={"name": "Reach"})
    assert renamed.status_code == 200, renamed.text
    body = renamed.json()
    assert body["name"] == "Reach"
    assert body["updatedBy"] == editor.member_id
    assert ISO_MS.match(body["dateUpdated"])
    assert body["dateUpdated"] >= group["dateUpdated"]
    changed = ("name", "updatedBy", "dateUpdated")
    assert {k: v for k, v in body.items() if k not in changed} == {
        k: v for k, v in group.items() if k not in changed
    }
    assert fetch(owner, path) == body

    cleared = owner.patch(path, json={"description": None}).json()
    assert "description" not in cleared
    assert cleared["name"] == "Reach"
    assert cleared["updatedBy"] == owner.member_id

    moved = owner.patch(path, json={"priority": 5}).json()
    assert moved["priority"] == 5
    assert moved["name"] == "Reach"
    assert "description" not in moved

    described = owner.patch(path, json={"description": "Phone first"}).json()
    assert described["description"] == "Phone first"
    assert described["priority"] == 5
    assert described["dateCreated"] == group["dateCreated"]
    assert fetch(owner, path) == described


def test_empty_patch_changes_nothing(owner: Tenant) -> None:
    entity_id = create_entity(owner)
    group = create_group(owner, entity_id, "Contact", description="d")
    response = owner.patch(group_path(group), json={})
    assert response.status_code == 200, response.text
    assert response.json() == group
    assert fetch(owner, group_path(group)) == group


@pytest.mark.parametrize(
    "body",
    [
        {"name": None},
        {"name": ""},
        {"name": "  "},
        {"name": "x" * 101},
        {"priority": "x"},
        {"priority": None},
        {"description": 5},
    ],
)
def test_invalid_updates_are_400_and_change_nothing(owner: Tenant, body: dict[str, Any]) -> None:
    entity_id = create_entity(owner)
    group = create_group(owner, entity_id, "Contact")
    response = owner.patch(group_path(group), json={**body, "entityId": entity_id})
    assert_error(response, 400, "ValidationError")
    assert fetch(owner, group_path(group)) == group


def test_member_cannot_update_or_delete_a_group(owner: Tenant) -> None:
    entity_id = create_entity(owner)
    group = create_group(owner, entity_id, "Contact")
    prop = create_property(owner, entity_id, "Email", group["propertyGroupId"])
    group = fetch(owner, group_path(group))
    member = owner.member(Role.MEMBER)
    assert_error(member.patch(group_path(group), json={"name": "Renamed"}), 403, "Forbidden")
    assert_error(member.delete(group_path(group)), 403, "Forbidden")
    assert fetch(owner, group_path(group)) == group
    assert group_of_property(owner, prop) == group["propertyGroupId"]
    assert fetch(member, group_path(group)) == group


# --- G5: delete ------------------------------------------------------------------------------


def test_delete_ungroups_its_properties(owner: Tenant) -> None:
    entity_id = create_entity(owner)
    group = create_group(owner, entity_id, "Contact")
    other = create_group(owner, entity_id, "Billing")
    p1 = create_property(owner, entity_id, "P1", group["propertyGroupId"])
    p2 = create_property(owner, entity_id, "P2", group["propertyGroupId"])
    billed = create_property(owner, entity_id, "Billed", other["propertyGroupId"])
    before = {pid: fetch(owner, f"/properties/{pid}") for pid in (p1, p2, billed)}
    other = fetch(owner, group_path(other))

    response = owner.delete(group_path(group))
    assert response.status_code == 200, response.text
    assert response.json() == {"propertyGroupId": group["propertyGroupId"], "deleted": True}
    for pid in (p1, p2):
        assert fetch(owner, f"/properties/{pid}") == {**before[pid], "propertyGroupId": None}
    assert fetch(owner, f"/properties/{billed}") == before[billed]
    assert_error(owner.get(group_path(group)), 404, "ResourceNotFound")
    assert_error(owner.delete(group_path(group)), 404, "ResourceNotFound")
    assert_error(owner.patch(group_path(group), json={"name": "x"}), 404, "ResourceNotFound")
    assert all_groups(owner) == [other]
    assert fetch(owner, f"/entities/{entity_id}")["propertyIds"] == [p1, p2, billed]
    again = create_group(owner, entity_id, "Contact")
    assert again["propertyIds"] == []


# --- tenancy ---------------------------------------------------------------------------------


def test_another_account_cannot_see_or_touch_the_group(
    owner: Tenant, tenants: TenantFactory
) -> None:
    entity_id = create_entity(owner)
    group = create_group(owner, entity_id, "Contact")
    create_property(owner, entity_id, "Email", group["propertyGroupId"])
    group = fetch(owner, group_path(group))
    foreign = tenants.account()
    path = group_path(group)

    assert_error(foreign.get(path), 404, "ResourceNotFound")
    assert_error(foreign.patch(path, json={"name": "Mine"}), 404, "ResourceNotFound")
    assert_error(foreign.delete(path), 404, "ResourceNotFound")
    assert fetch(foreign, "/property-groups") == []
    assert fetch(foreign, "/property-groups?entityId=" + entity_id) == []
    created = foreign.post("/property-groups", json={"entityId": entity_id, "name": "Mine"})
    assert_error(created, 404, "ResourceNotFound")

    foreign_entity = create_entity(foreign, "customers")
    body = {
        "entityId": foreign_entity,
        "name": "Phone",
        "fieldType": "TEXT",
        "propertyGroupId": group["propertyGroupId"],
    }
    assert_error(foreign.post("/properties", json=body), 404, "ResourceNotFound")
    assert fetch(foreign, "/properties?entityId=" + foreign_entity) == []
    foreign_prop = create_property(foreign, foreign_entity, "Phone")
    response = foreign.patch(
        f"/properties/{foreign_prop}", json={"propertyGroupId": group["propertyGroupId"]}
    )
    assert_error(response, 404, "ResourceNotFound")
    assert group_of_property(foreign, foreign_prop) is None
    # a group of the same name in the foreign account is unrelated
    assert create_group(foreign, foreign_entity, "Contact")["propertyIds"] == []

    assert fetch(owner, path) == group
    assert all_groups(owner) == [group]
