"""Properties follow their entity through the trash and permanent deletion."""

from tests.builders import Tenant, TenantFactory
from tests.entities.test_entities_create_get import create
from tests.properties.test_properties_api import add


def test_trashed_entity_freezes_its_properties(owner: Tenant) -> None:
    entity_id = create(owner, "deals")["entityId"]
    prop = add(owner, entity_id, "Stage")
    owner.delete(f"/entities/{entity_id}")
    path = f"/properties/{prop['propertyId']}"
    assert owner.get(path).status_code == 410
    assert owner.patch(path, json={"name": "x"}).status_code == 410
    assert owner.get("/properties").json() == []
    owner.post(f"/entities/{entity_id}/restore").raise_for_status()
    assert owner.get(path).json() == prop


def test_permanent_entity_deletion_removes_properties_groups_and_records(
    owner: Tenant, tenants: TenantFactory
) -> None:
    entity_id = create(owner, "deals")["entityId"]
    group = owner.post("/property-groups", json={"entityId": entity_id, "name": "Main"}).json()
    prop = add(owner, entity_id, "Stage", propertyGroupId=group["propertyGroupId"])
    tenants.insert_record(owner, entity_id, {prop["propertyId"]: "x"})
    owner.delete(f"/entities/{entity_id}", params={"permanent": "true"}).raise_for_status()
    assert owner.get(f"/properties/{prop['propertyId']}").status_code == 404
    assert owner.get(f"/property-groups/{group['propertyGroupId']}").status_code == 404
    assert tenants.count_records(owner.account_id) == 0
    # The slug and the property quota are free again.
    again = create(owner, "deals")["entityId"]
    assert add(owner, again, "Stage")["name"] == "Stage"
