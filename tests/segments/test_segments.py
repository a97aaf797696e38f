"""Segments: saved condition groups usable as segmentId in the record list and count."""

from typing import Any

import pytest

from crmcore.models.account import Role
from tests.builders import Tenant, TenantFactory
from tests.entities.test_entities_create_get import create
from tests.properties.test_properties_api import add


@pytest.fixture
def deals(owner: Tenant) -> dict[str, str]:
    entity_id = create(owner, "deals")["entityId"]
    amount = add(owner, entity_id, "Amount", "NUMBER")["propertyId"]
    for index, value in enumerate([5, 50, 500, None]):
        data = {} if value is None else {amount: value}
        body = {"entityId": entity_id, "name": f"Deal {index}", "data": data}
        owner.post("/records", json=body).raise_for_status()
    return {"entity": entity_id, "amount": amount}


def big_deals(deals: dict[str, str], **extra: Any) -> dict[str, Any]:
    group = {
        "operator": "AND",
        "conditions": [{"field": f"data.{deals['amount']}", "operator": "gte", "value": 50}],
    }
    return {"entityId": deals["entity"], "name": "Big deals", "conditionGroup": group, **extra}


def names(response: Any) -> list[str]:
    return sorted(record["name"] for record in response.json()["data"])


def test_segment_lifecycle_and_use(owner: Tenant, deals: dict[str, str]) -> None:
    created = owner.post("/segments", json=big_deals(deals))
    assert created.status_code == 200, created.text
    segment = created.json()
    assert segment["segmentId"].startswith("CRMSG1")
    assert segment["priority"] == 0
    assert owner.get(f"/segments/{segment['segmentId']}").json() == segment
    assert owner.get("/segments", params={"entityId": deals["entity"]}).json() == [segment]
    listed = owner.get("/records", params={"segmentId": segment["segmentId"]})
    assert names(listed) == ["Deal 1", "Deal 2"]
    counted = owner.get("/records/count", params={"segmentId": segment["segmentId"]})
    assert counted.json() == {"count": 2}
    narrowed = owner.get(
        "/records", params={"segmentId": segment["segmentId"], "keyword": "deal 2"}
    )
    assert names(narrowed) == ["Deal 2"]
    changed = owner.patch(
        f"/segments/{segment['segmentId']}",
        json={"conditionGroup": {"operator": "OR", "conditions": []}, "name": "All"},
    )
    assert changed.json()["name"] == "All"
    assert owner.get("/records/count", params={"segmentId": segment["segmentId"]}).json() == {
        "count": 4
    }
    deleted = owner.delete(f"/segments/{segment['segmentId']}")
    assert deleted.json() == {"segmentId": segment["segmentId"], "deleted": True}
    assert owner.get(f"/segments/{segment['segmentId']}").status_code == 404
    assert owner.get("/records", params={"segmentId": segment["segmentId"]}).status_code == 404


def test_invalid_segments_are_400_and_duplicates_409(owner: Tenant, deals: dict[str, str]) -> None:
    bad_field = big_deals(deals)
    bad_field["conditionGroup"]["conditions"][0]["field"] = "data.CRMPP1260423081530123AAA11122233"
    bad_operator = big_deals(deals)
    bad_operator["conditionGroup"]["conditions"][0]["operator"] = "contains"
    for body in (bad_field, bad_operator, {**big_deals(deals), "name": ""}):
        assert owner.post("/segments", json=body).status_code == 400
    assert owner.post("/segments", json=big_deals(deals)).status_code == 200
    duplicate = owner.post("/segments", json=big_deals(deals))
    assert duplicate.status_code == 409
    assert duplicate.json()["errorCode"] == "DuplicateSegment"


def test_deleted_properties_make_conditions_see_no_value(
    owner: Tenant, deals: dict[str, str]
) -> None:
    segment = owner.post("/segments", json=big_deals(deals)).json()
    owner.delete(f"/properties/{deals['amount']}").raise_for_status()
    listed = owner.get("/records", params={"segmentId": segment["segmentId"]})
    assert listed.status_code == 200
    assert listed.json()["data"] == []


def test_segment_and_entity_must_agree(owner: Tenant, deals: dict[str, str]) -> None:
    segment = owner.post("/segments", json=big_deals(deals)).json()
    other = create(owner, "people")["entityId"]
    response = owner.get("/records", params={"segmentId": segment["segmentId"], "entityId": other})
    assert response.status_code == 400


def test_segments_are_tenant_scoped(
    owner: Tenant, deals: dict[str, str], tenants: TenantFactory
) -> None:
    segment = owner.post("/segments", json=big_deals(deals)).json()
    intruder = tenants.account()
    path = f"/segments/{segment['segmentId']}"
    assert intruder.get(path).status_code == 404
    assert intruder.patch(path, json={"name": "x"}).status_code == 404
    assert intruder.delete(path).status_code == 404
    assert intruder.get("/segments").json() == []
    assert intruder.get("/records", params={"segmentId": segment["segmentId"]}).status_code == 404
    member = owner.member(Role.MEMBER)
    assert member.get(path).status_code == 200
    assert owner.get(path).json() == segment
