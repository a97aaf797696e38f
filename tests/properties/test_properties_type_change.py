"""Changing fieldType converts stored values in one transaction, or refuses with 409."""

from typing import Any

import pytest

from tests.builders import Tenant, TenantFactory
from tests.entities.test_entities_create_get import create
from tests.properties.test_properties_api import STAGES, add


@pytest.fixture
def entity_id(owner: Tenant) -> str:
    return str(create(owner, "deals")["entityId"])


def test_number_to_text_keeps_every_value(
    owner: Tenant, tenants: TenantFactory, entity_id: str
) -> None:
    prop = add(owner, entity_id, "Amount", "NUMBER")
    pid = prop["propertyId"]
    live = tenants.insert_record(owner, entity_id, {pid: 1200})
    trashed = tenants.insert_record(owner, entity_id, {pid: 12.5}, trashed=True)
    empty = tenants.insert_record(owner, entity_id, {})
    response = owner.patch(f"/properties/{pid}", json={"fieldType": "TEXT"})
    assert response.status_code == 200
    assert response.json()["fieldType"] == "TEXT"
    assert tenants.record_data(owner.account_id, live) == {pid: "1200"}
    assert tenants.record_data(owner.account_id, trashed) == {pid: "12.5"}
    assert tenants.record_data(owner.account_id, empty) == {}


def test_lossy_change_is_refused_and_changes_nothing(
    owner: Tenant, tenants: TenantFactory, entity_id: str
) -> None:
    prop = add(owner, entity_id, "Size")
    pid = prop["propertyId"]
    records = [
        tenants.insert_record(owner, entity_id, {pid: value})
        for value in ("12", "large", "7.5", "n/a")
    ]
    response = owner.patch(f"/properties/{pid}", json={"fieldType": "NUMBER", "name": "Size (m)"})
    assert response.status_code == 409
    assert response.json() == {
        "errorCode": "IncompatibleFieldTypeChange",
        "errorMessage": (
            "2 of 4 values of 'Size' cannot be converted to NUMBER; nothing was changed"
        ),
    }
    assert owner.get(f"/properties/{pid}").json() == prop
    assert [tenants.record_data(owner.account_id, r)[pid] for r in records] == [
        "12",
        "large",
        "7.5",
        "n/a",
    ]


def test_text_to_number_converts_numeric_text(
    owner: Tenant, tenants: TenantFactory, entity_id: str
) -> None:
    pid = add(owner, entity_id, "Size")["propertyId"]
    record = tenants.insert_record(owner, entity_id, {pid: "1200"})
    assert owner.patch(f"/properties/{pid}", json={"fieldType": "NUMBER"}).status_code == 200
    assert tenants.record_data(owner.account_id, record) == {pid: 1200}


@pytest.mark.parametrize(
    ("source", "target", "stored", "expected"),
    [
        ("DROPDOWN", "RADIO", "LEAD", "LEAD"),
        ("DROPDOWN", "MULTI_CHECKBOX", "LEAD", ["LEAD"]),
        ("DATE", "DATETIME", "2026-04-23", "2026-04-23T00:00:00.000Z"),
        ("CHECKBOX", "TEXT", True, "true"),
        ("MULTI_CHECKBOX", "TEXTAREA", ["LEAD", "CLOSED_WON"], "LEAD, CLOSED_WON"),
    ],
)
def test_safe_conversions(
    owner: Tenant,
    tenants: TenantFactory,
    entity_id: str,
    source: str,
    target: str,
    stored: Any,
    expected: Any,
) -> None:
    pid = add(owner, entity_id, "Field", source, options=STAGES)["propertyId"]
    record = tenants.insert_record(owner, entity_id, {pid: stored})
    response = owner.patch(f"/properties/{pid}", json={"fieldType": target})
    assert response.status_code == 200, response.text
    assert tenants.record_data(owner.account_id, record) == {pid: expected}


def test_choice_target_checks_the_new_options(
    owner: Tenant, tenants: TenantFactory, entity_id: str
) -> None:
    pid = add(owner, entity_id, "Stage")["propertyId"]
    record = tenants.insert_record(owner, entity_id, {pid: "LEAD"})
    refused = owner.patch(
        f"/properties/{pid}",
        json={
            "fieldType": "DROPDOWN",
            "options": [{"label": "Won", "value": "WON", "priority": 1}],
        },
    )
    assert refused.status_code == 409
    accepted = owner.patch(f"/properties/{pid}", json={"fieldType": "DROPDOWN", "options": STAGES})
    assert accepted.status_code == 200
    assert tenants.record_data(owner.account_id, record) == {pid: "LEAD"}


def test_leaving_a_choice_type_empties_options_and_view_settings(
    owner: Tenant, entity_id: str
) -> None:
    pid = add(owner, entity_id, "Stage", "DROPDOWN", options=STAGES)["propertyId"]
    owner.patch(
        f"/entities/{entity_id}", json={"viewSettings": {"board": {"groupByPropertyId": pid}}}
    ).raise_for_status()
    body = owner.patch(f"/properties/{pid}", json={"fieldType": "TEXT"}).json()
    assert body["options"] == []
    entity = owner.get(f"/entities/{entity_id}").json()
    assert entity["viewSettings"]["board"]["groupByPropertyId"] is None
    assert entity["propertyIds"] == [pid]


def test_removing_an_option_keeps_stored_values(
    owner: Tenant, tenants: TenantFactory, entity_id: str
) -> None:
    pid = add(owner, entity_id, "Stage", "DROPDOWN", options=STAGES)["propertyId"]
    record = tenants.insert_record(owner, entity_id, {pid: "CLOSED_WON"})
    owner.patch(
        f"/entities/{entity_id}",
        json={
            "viewSettings": {"board": {"groupByPropertyId": pid, "closedWonValues": ["CLOSED_WON"]}}
        },
    ).raise_for_status()
    only_lead = [{"label": "Lead", "value": "LEAD", "priority": 1}]
    assert owner.patch(f"/properties/{pid}", json={"options": only_lead}).status_code == 200
    assert tenants.record_data(owner.account_id, record) == {pid: "CLOSED_WON"}
    board = owner.get(f"/entities/{entity_id}").json()["viewSettings"]["board"]
    assert board["groupByPropertyId"] == pid
    assert board["closedWonValues"] == []
