"""P1-P6: the Properties API."""

import re
from typing import Any

import pytest

from crmcore.models.account import Role
from crmcore.properties.types import FieldType
from tests.builders import Tenant, TenantFactory
from tests.entities.test_entities_create_get import ISO_MS, create

PROPERTY_ID = re.compile(r"^CRMPP1\d{15}[0-9A-Za-z]{11}$")
STAGES = [
    {"label": "Won", "value": "CLOSED_WON", "priority": 2},
    {"label": "Lead", "value": "LEAD", "priority": 1, "color": "#3B82F6"},
]


def add(tenant: Tenant, entity_id: str, name: str, field_type: str = "TEXT", **fields: Any) -> Any:
    body = {"entityId": entity_id, "name": name, "fieldType": field_type, **fields}
    response = tenant.post("/properties", json=body)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def entity_id(owner: Tenant) -> str:
    return str(create(owner, "deals")["entityId"])


def test_create_returns_the_property_and_appends_a_column(owner: Tenant, entity_id: str) -> None:
    first = add(owner, entity_id, "Stage", "DROPDOWN", options=STAGES, key="stage")
    assert PROPERTY_ID.match(first["propertyId"])
    assert first == {
        "propertyId": first["propertyId"],
        "accountId": owner.account_id,
        "entityId": entity_id,
        "name": "Stage",
        "fieldType": "DROPDOWN",
        "propertyGroupId": None,
        "options": [
            {"label": "Lead", "value": "LEAD", "priority": 1, "color": "#3B82F6"},
            {"label": "Won", "value": "CLOSED_WON", "priority": 2},
        ],
        "isMasked": False,
        "key": "stage",
        "createdBy": owner.member_id,
        "updatedBy": owner.member_id,
        "dateCreated": first["dateCreated"],
        "dateUpdated": first["dateCreated"],
    }
    assert ISO_MS.match(first["dateCreated"])
    second = add(owner, entity_id, "Amount", "NUMBER", description="In KRW")
    assert second["description"] == "In KRW"
    columns = owner.get(f"/entities/{entity_id}").json()["propertyIds"]
    assert columns == [first["propertyId"], second["propertyId"]]
    assert owner.get(f"/properties/{first['propertyId']}").json() == first


@pytest.mark.parametrize("field_type", list(FieldType))
def test_every_field_type_can_be_created(
    owner: Tenant, entity_id: str, field_type: FieldType
) -> None:
    created = add(owner, entity_id, field_type.value.title(), field_type.value, options=STAGES)
    assert created["fieldType"] == field_type.value
    has_options = field_type in (FieldType.DROPDOWN, FieldType.RADIO, FieldType.MULTI_CHECKBOX)
    assert (created["options"] != []) is has_options


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "X", "fieldType": "TEXT"}, "entityId"),
        ({"fieldType": "TEXT"}, "name"),
        ({"name": "  ", "fieldType": "TEXT"}, "name"),
        ({"name": "X"}, "fieldType"),
        ({"name": "X", "fieldType": "MONEY"}, "fieldType"),
        ({"name": "X", "fieldType": "text"}, "fieldType"),
        ({"name": "X", "fieldType": "TEXT", "key": "1abc"}, "key"),
        ({"name": "X", "fieldType": "TEXT", "key": "Abc"}, "key"),
        ({"name": "X", "fieldType": "TEXT", "key": "has space"}, "key"),
        ({"name": "X", "fieldType": "TEXT", "key": "a" * 64}, "key"),
        ({"name": "X", "fieldType": "TEXT", "key": "owner_id"}, "key"),
        ({"name": "X", "fieldType": "TEXT", "isMasked": "yes"}, "isMasked"),
        (
            {"name": "X", "fieldType": "DROPDOWN", "options": [STAGES[0], STAGES[0]]},
            "options",
        ),
        (
            {"name": "X", "fieldType": "DROPDOWN", "options": [{"label": "A", "value": "a"}]},
            "priority",
        ),
        (
            {
                "name": "X",
                "fieldType": "RADIO",
                "options": [{"label": "A", "value": "a", "priority": 1, "color": "blue"}],
            },
            "color",
        ),
        (
            {
                "name": "X",
                "fieldType": "RADIO",
                "options": [{"label": "", "value": "a", "priority": 1}],
            },
            "label",
        ),
    ],
)
def test_invalid_bodies_are_400_naming_the_field(
    owner: Tenant, entity_id: str, body: dict[str, Any], field: str
) -> None:
    if field != "entityId":
        body = {"entityId": entity_id, **body}
    response = owner.post("/properties", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["errorCode"] == "ValidationError"
    assert field in response.json()["errorMessage"]
    assert owner.get("/properties").json() == []


def test_options_are_ignored_for_types_without_options(owner: Tenant, entity_id: str) -> None:
    assert add(owner, entity_id, "Notes", "TEXTAREA", options=STAGES)["options"] == []


def test_empty_key_means_no_key(owner: Tenant, entity_id: str) -> None:
    assert add(owner, entity_id, "Notes", key="")["key"] is None


def test_names_and_keys_are_unique_per_entity(owner: Tenant, entity_id: str) -> None:
    add(owner, entity_id, "Email", "EMAIL", key="email")
    for body in ({"name": "Email"}, {"name": "Other", "key": "email"}):
        response = owner.post(
            "/properties", json={"entityId": entity_id, "fieldType": "TEXT", **body}
        )
        assert response.status_code == 409
        assert response.json()["errorCode"] == "DuplicateProperty"
    other_entity = create(owner, "people")["entityId"]
    add(owner, other_entity, "Email", "EMAIL", key="email")


def test_member_cannot_write_properties(owner: Tenant, entity_id: str) -> None:
    member = owner.member(Role.MEMBER)
    prop = add(owner, entity_id, "Stage")
    path = f"/properties/{prop['propertyId']}"
    attempts = [
        member.post("/properties", json={"entityId": entity_id, "name": "X", "fieldType": "TEXT"}),
        member.post(
            "/properties/bulk",
            json={"properties": [{"entityId": entity_id, "name": "Y", "fieldType": "TEXT"}]},
        ),
        member.patch(path, json={"name": "Renamed"}),
        member.delete(path),
    ]
    assert [a.status_code for a in attempts] == [403, 403, 403, 403]
    assert all(a.json()["errorCode"] == "Forbidden" for a in attempts)
    assert [p["name"] for p in owner.get("/properties").json()] == ["Stage"]
    assert member.get(path).status_code == 200


def test_entity_must_exist_and_be_live(
    owner: Tenant, entity_id: str, tenants: TenantFactory
) -> None:
    foreign = create(tenants.account(), "foreign")["entityId"]
    unknown = owner.post(
        "/properties", json={"entityId": foreign, "name": "X", "fieldType": "TEXT"}
    )
    assert unknown.status_code == 404
    owner.delete(f"/entities/{entity_id}")
    trashed = owner.post(
        "/properties", json={"entityId": entity_id, "name": "X", "fieldType": "TEXT"}
    )
    assert trashed.status_code == 410


def test_list_is_newest_first_and_filters(owner: Tenant, entity_id: str) -> None:
    other = create(owner, "people")["entityId"]
    add(owner, entity_id, "Deal stage")
    add(owner, other, "Person name")
    add(owner, entity_id, "Deal size", "NUMBER")
    assert [p["name"] for p in owner.get("/properties").json()] == [
        "Deal size",
        "Person name",
        "Deal stage",
    ]
    by_entity = owner.get("/properties", params={"entityId": entity_id}).json()
    assert [p["name"] for p in by_entity] == ["Deal size", "Deal stage"]
    found = owner.get("/properties", params={"keyword": "DEAL S"}).json()
    assert [p["name"] for p in found] == ["Deal size", "Deal stage"]
    unknown = owner.get("/properties", params={"entityId": "CRMET1260423081530123XYZ11122233"})
    assert unknown.json() == []
    owner.delete(f"/entities/{other}")
    assert [p["name"] for p in owner.get("/properties").json()] == ["Deal size", "Deal stage"]
    assert owner.get("/properties", params={"entityId": other}).status_code == 410


def test_masked_choice_options_are_hidden(owner: Tenant, entity_id: str) -> None:
    prop = add(owner, entity_id, "Segment", "DROPDOWN", options=STAGES, isMasked=True)
    assert prop["options"] != []
    member = owner.member(Role.MEMBER)
    assert owner.get("/properties").json()[0]["options"] == []
    assert member.get("/properties").json()[0]["options"] == []
    assert len(owner.get(f"/properties/{prop['propertyId']}").json()["options"]) == 2
    assert member.get(f"/properties/{prop['propertyId']}").json()["options"] == []


def test_properties_of_inaccessible_entities_are_hidden(owner: Tenant, entity_id: str) -> None:
    prop = add(owner, entity_id, "Stage")
    owner.patch(f"/entities/{entity_id}", json={"recordAccess": "ADMIN_ONLY"})
    member = owner.member(Role.MEMBER)
    assert member.get("/properties").json() == []
    assert member.get(f"/properties/{prop['propertyId']}").status_code == 403
    assert member.get("/properties", params={"entityId": entity_id}).status_code == 403


def test_update_is_partial_and_replaces_options(owner: Tenant, entity_id: str) -> None:
    prop = add(owner, entity_id, "Stage", "DROPDOWN", options=STAGES, key="stage")
    path = f"/properties/{prop['propertyId']}"
    new_options = [{"label": "Open", "value": "OPEN", "priority": 1}]
    body = owner.patch(path, json={"options": new_options, "description": "Pipeline"}).json()
    assert body["options"] == new_options
    assert body["description"] == "Pipeline"
    assert body["name"] == "Stage"
    assert body["key"] == "stage"
    assert body["dateUpdated"] >= prop["dateUpdated"]
    body = owner.patch(path, json={"key": "", "description": None, "isMasked": True}).json()
    assert body["key"] is None
    assert "description" not in body
    assert body["isMasked"] is True
    assert owner.patch(path, json={}).json() == body


def test_update_refuses_moving_and_duplicates(owner: Tenant, entity_id: str) -> None:
    prop = add(owner, entity_id, "Stage")
    add(owner, entity_id, "Amount", "NUMBER", key="amount")
    path = f"/properties/{prop['propertyId']}"
    other = create(owner, "people")["entityId"]
    assert owner.patch(path, json={"entityId": other}).status_code == 400
    assert owner.patch(path, json={"entityId": entity_id}).status_code == 200
    assert owner.patch(path, json={"name": "Amount"}).status_code == 409
    assert owner.patch(path, json={"key": "amount"}).status_code == 409
    assert owner.patch(path, json={"fieldType": "MONEY"}).status_code == 400
    assert owner.get(path).json()["name"] == "Stage"


def test_delete_hides_the_property_and_frees_its_name(owner: Tenant, entity_id: str) -> None:
    stage = add(owner, entity_id, "Stage", "DROPDOWN", options=STAGES, key="stage")
    amount = add(owner, entity_id, "Amount", "NUMBER")
    owner.patch(
        f"/entities/{entity_id}",
        json={
            "viewSettings": {
                "mode": "BOARD",
                "board": {
                    "groupByPropertyId": stage["propertyId"],
                    "sumPropertyId": amount["propertyId"],
                    "closedWonValues": ["CLOSED_WON"],
                },
            },
            "insightWidgets": [
                {"type": "METRIC", "propertyId": stage["propertyId"]},
                {"type": "METRIC", "propertyId": amount["propertyId"]},
            ],
        },
    ).raise_for_status()
    path = f"/properties/{stage['propertyId']}"
    response = owner.delete(path)
    assert response.json() == {
        "propertyId": stage["propertyId"],
        "entityId": entity_id,
        "isDeleted": True,
    }
    entity = owner.get(f"/entities/{entity_id}").json()
    assert entity["propertyIds"] == [amount["propertyId"]]
    board = entity["viewSettings"]["board"]
    assert board["groupByPropertyId"] is None
    assert board["closedWonValues"] == []
    assert board["sumPropertyId"] == amount["propertyId"]
    assert [w["propertyId"] for w in entity["insightWidgets"]] == [amount["propertyId"]]
    assert owner.get(path).status_code == 410
    assert owner.delete(path).status_code == 410
    assert owner.patch(path, json={"name": "x"}).status_code == 410
    assert [p["name"] for p in owner.get("/properties").json()] == ["Amount"]
    again = add(owner, entity_id, "Stage", key="stage")
    assert again["propertyId"] != stage["propertyId"]


def test_deleted_property_values_stay_in_the_record(
    owner: Tenant, entity_id: str, tenants: TenantFactory
) -> None:
    prop = add(owner, entity_id, "Nickname")
    record_id = tenants.insert_record(owner, entity_id, {prop["propertyId"]: "Gil"})
    owner.delete(f"/properties/{prop['propertyId']}")
    assert tenants.record_data(owner.account_id, record_id) == {prop["propertyId"]: "Gil"}


def test_other_tenants_properties_are_404(
    owner: Tenant, entity_id: str, tenants: TenantFactory
) -> None:
    prop = add(owner, entity_id, "Stage")
    intruder = tenants.account()
    path = f"/properties/{prop['propertyId']}"
    assert intruder.get(path).status_code == 404
    assert intruder.patch(path, json={"name": "pwned"}).status_code == 404
    assert intruder.delete(path).status_code == 404
    assert intruder.get("/properties").json() == []
    assert owner.get(path).json() == prop


@pytest.mark.parametrize(
    ("setting", "field_type"),
    [
        ({"board": {"groupByPropertyId": "{pid}"}}, "TEXT"),
        ({"board": {"sumPropertyId": "{pid}"}}, "DATE"),
        ({"calendar": {"datePropertyId": "{pid}"}}, "NUMBER"),
        ({"calendar": {"colorPropertyId": "{pid}"}}, "MULTI_CHECKBOX"),
    ],
)
def test_view_settings_refuse_properties_of_the_wrong_type(
    owner: Tenant, entity_id: str, setting: dict[str, Any], field_type: str
) -> None:
    pid = add(owner, entity_id, "Field", field_type, options=STAGES)["propertyId"]
    section, values = next(iter(setting.items()))
    key = next(iter(values))
    response = owner.patch(f"/entities/{entity_id}", json={"viewSettings": {section: {key: pid}}})
    assert response.status_code == 400
    assert f"viewSettings.{section}.{key}" in response.json()["errorMessage"]
    assert owner.get(f"/entities/{entity_id}").json()["viewSettings"][section][key] is None
    fitting = {"groupByPropertyId": "DROPDOWN", "sumPropertyId": "NUMBER",
               "datePropertyId": "DATETIME", "colorPropertyId": "RADIO"}[key]  # fmt: skip
    good = add(owner, entity_id, "Good", fitting, options=STAGES)["propertyId"]
    accepted = owner.patch(f"/entities/{entity_id}", json={"viewSettings": {section: {key: good}}})
    assert accepted.status_code == 200
    assert accepted.json()["viewSettings"][section][key] == good
