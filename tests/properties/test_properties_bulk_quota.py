"""P4 bulk create and the properties.maxPerEntity quota."""

from typing import Any

from crmcore.models.account import PlanTier
from tests.builders import Tenant, TenantFactory
from tests.entities.test_entities_create_get import create


def item(entity_id: str, name: str, **fields: Any) -> dict[str, Any]:
    return {"entityId": entity_id, "name": name, "fieldType": "TEXT", **fields}


def test_bulk_creates_across_entities_in_request_order(owner: Tenant) -> None:
    deals, people = (create(owner, slug)["entityId"] for slug in ("deals", "people"))
    items = [
        item(deals, "Amount", fieldType="NUMBER", key="contract_amount"),
        item(people, "Contact"),
        item(deals, "Stage"),
    ]
    response = owner.post("/properties/bulk", json={"properties": items})
    assert response.status_code == 200, response.text
    created = response.json()
    assert [(p["entityId"], p["name"]) for p in created] == [
        (i["entityId"], i["name"]) for i in items
    ]
    assert created[0]["key"] == "contract_amount"
    assert owner.get(f"/entities/{deals}").json()["propertyIds"] == [
        created[0]["propertyId"],
        created[2]["propertyId"],
    ]
    assert owner.get(f"/entities/{people}").json()["propertyIds"] == [created[1]["propertyId"]]


def test_bulk_is_all_or_nothing(owner: Tenant) -> None:
    deals = create(owner, "deals")["entityId"]
    cases = [
        ([item(deals, "A"), item(deals, "B", fieldType="MONEY")], 400, "properties.1.fieldType"),
        ([item(deals, "A"), item(deals, "A")], 400, "properties[1].name"),
        ([item(deals, "A", key="k"), item(deals, "B", key="k")], 400, "properties[1].key"),
        ([item(deals, "A"), item("CRMET1260423081530123XYZ11122233", "B")], 404, "Entity"),
        ([item(deals, f"P{i}") for i in range(501)], 400, "properties"),
        ([], 400, "properties"),
    ]
    for items, status, mention in cases:
        response = owner.post("/properties/bulk", json={"properties": items})
        assert response.status_code == status, (mention, response.text)
        assert mention in response.json()["errorMessage"]
    assert owner.get("/properties").json() == []
    assert owner.get(f"/entities/{deals}").json()["propertyIds"] == []


def test_bulk_refuses_names_already_used(owner: Tenant) -> None:
    deals = create(owner, "deals")["entityId"]
    owner.post("/properties", json=item(deals, "Stage")).raise_for_status()
    response = owner.post(
        "/properties/bulk", json={"properties": [item(deals, "New"), item(deals, "Stage")]}
    )
    assert response.status_code == 409
    assert response.json()["errorCode"] == "DuplicateProperty"
    assert [p["name"] for p in owner.get("/properties").json()] == ["Stage"]


def test_starter_quota_is_30_per_entity_and_deleted_properties_count(
    tenants: TenantFactory,
) -> None:
    starter = tenants.account(PlanTier.STARTER)
    deals = create(starter, "deals")["entityId"]
    items = [item(deals, f"P{i}") for i in range(30)]
    created = starter.post("/properties/bulk", json={"properties": items})
    assert created.status_code == 200
    refused = starter.post("/properties", json=item(deals, "One more"))
    assert refused.status_code == 403
    assert refused.json() == {
        "errorCode": "PlanQuotaExceeded",
        "errorMessage": "Maximum properties per entity: 30/30",
    }
    starter.delete(f"/properties/{created.json()[0]['propertyId']}")
    assert starter.post("/properties", json=item(deals, "One more")).status_code == 403
    other = create(starter, "people")["entityId"]
    assert starter.post("/properties", json=item(other, "Fine")).status_code == 200
    assert starter.get("/plans/me").json()["usage"]["properties.maxPerEntity"] == 30


def test_a_bulk_over_the_quota_is_refused_whole(tenants: TenantFactory) -> None:
    starter = tenants.account(PlanTier.STARTER)
    deals = create(starter, "deals")["entityId"]
    starter.post("/properties/bulk", json={"properties": [item(deals, f"P{i}") for i in range(28)]})
    response = starter.post(
        "/properties/bulk", json={"properties": [item(deals, f"Q{i}") for i in range(3)]}
    )
    assert response.status_code == 403
    assert response.json()["errorMessage"] == "Maximum properties per entity: 28/30"
    assert len(starter.get("/properties").json()) == 28
    assert len(starter.get(f"/entities/{deals}").json()["propertyIds"]) == 28
