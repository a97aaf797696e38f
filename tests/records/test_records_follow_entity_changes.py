"""A create follows every change of its entity at once.

Each server process remembers what its creates learnt of an entity (active, who may use it,
which properties it has), so that a create needs no statement to read it; every insert checks
those facts again. These tests change the entity after a create has taught the process its
facts, through the API and behind its back (as another server process would), and expect the
next create to answer as if nothing were remembered.
"""

from sqlalchemy import Update, update

from crmcore.db.engine import make_engine
from crmcore.db.session import make_session_factory
from crmcore.models import Entity, Property
from crmcore.models.account import Role
from tests.builders import Tenant
from tests.entities.test_entities_create_get import create
from tests.properties.test_properties_api import add
from tests.records.test_records_crud import assert_error, fetch, new_record


def _entity_with_a_record(owner: Tenant) -> str:
    entity_id = str(create(owner, "deals")["entityId"])
    new_record(owner, entity_id, name="first")  # the process now knows the entity
    return entity_id


def _entity(owner: Tenant, entity_id: str) -> Update:
    return update(Entity).where(
        Entity.account_id == owner.account_id, Entity.entity_id == entity_id
    )


def _change_behind_the_servers_back(owner: Tenant, *statements: Update) -> None:
    """Changes made as another server process would make them: this process's caches hear
    nothing of them."""
    engine = make_engine(owner.factory.settings)
    try:
        with make_session_factory(engine).begin() as session:
            for statement in statements:
                session.execute(statement)
    finally:
        engine.dispose()


def test_trashed_entity_takes_no_record_and_restored_takes_them_again(owner: Tenant) -> None:
    entity_id = _entity_with_a_record(owner)
    assert owner.delete(f"/entities/{entity_id}").status_code == 200
    response = owner.post("/records", json={"entityId": entity_id, "name": "late"})
    assert_error(response, 410, "Gone")
    assert owner.post(f"/entities/{entity_id}/restore").status_code == 200
    assert new_record(owner, entity_id, name="back")["entityId"] == entity_id


def test_property_added_since_the_last_create_takes_values_at_once(owner: Tenant) -> None:
    entity_id = _entity_with_a_record(owner)
    amount = add(owner, entity_id, "Amount", "NUMBER")["propertyId"]
    record = new_record(owner, entity_id, name="with amount", data={amount: 12})
    assert fetch(owner, record["recordId"])["data"] == {amount: 12}


def test_deleted_property_takes_no_more_values(owner: Tenant) -> None:
    entity_id = str(create(owner, "deals")["entityId"])
    amount = add(owner, entity_id, "Amount", "NUMBER")["propertyId"]
    new_record(owner, entity_id, name="with amount", data={amount: 1})
    assert owner.delete(f"/properties/{amount}").status_code == 200
    response = owner.post(
        "/records", json={"entityId": entity_id, "name": "late", "data": {amount: 2}}
    )
    assert amount in assert_error(response, 400, "ValidationError")


def test_record_access_change_applies_to_the_next_create(owner: Tenant) -> None:
    member = owner.member(Role.MEMBER)
    entity_id = _entity_with_a_record(owner)
    new_record(member, entity_id, name="while public")
    locked = {"recordAccess": "ENTITY_OWNER_ONLY", "ownerId": owner.member_id}
    assert owner.patch(f"/entities/{entity_id}", json=locked).status_code == 200
    response = member.post("/records", json={"entityId": entity_id, "name": "refused"})
    assert_error(response, 403, "Forbidden")
    # A refusal is remembered no more than a permission: handing the entity over lets it in.
    assert (
        owner.patch(f"/entities/{entity_id}", json={"ownerId": member.member_id}).status_code == 200
    )
    assert new_record(member, entity_id, name="as its owner")["entityId"] == entity_id


def test_entity_trashed_by_another_process_takes_no_record(owner: Tenant) -> None:
    entity_id = _entity_with_a_record(owner)
    _change_behind_the_servers_back(owner, _entity(owner, entity_id).values(is_deleted=True))
    response = owner.post("/records", json={"entityId": entity_id, "name": "late"})
    assert_error(response, 410, "Gone")


def test_access_closed_by_another_process_refuses_the_next_create(owner: Tenant) -> None:
    member = owner.member(Role.MEMBER)
    entity_id = _entity_with_a_record(owner)
    new_record(member, entity_id, name="while public")
    closed = {"record_access": "ENTITY_OWNER_ONLY", "owner_id": owner.member_id}
    _change_behind_the_servers_back(owner, _entity(owner, entity_id).values(**closed))
    response = member.post("/records", json={"entityId": entity_id, "name": "refused"})
    assert_error(response, 403, "Forbidden")
    listed = owner.get("/records", params={"entityId": entity_id}).json()["data"]
    assert [item["name"] for item in listed] == ["while public", "first"]


def test_property_deleted_by_another_process_takes_no_more_values(owner: Tenant) -> None:
    """Another process deleting a property bumps the entity's schema version in the same
    transaction: the properties this process remembers are not used for the next create."""
    entity_id = str(create(owner, "deals")["entityId"])
    amount = add(owner, entity_id, "Amount", "NUMBER")["propertyId"]
    new_record(owner, entity_id, name="with amount", data={amount: 1})
    _change_behind_the_servers_back(
        owner,
        update(Property)
        .where(Property.account_id == owner.account_id, Property.property_id == amount)
        .values(is_deleted=True),
        _entity(owner, entity_id).values(schema_version=Entity.schema_version + 1),
    )
    response = owner.post(
        "/records", json={"entityId": entity_id, "name": "late", "data": {amount: 2}}
    )
    assert amount in assert_error(response, 400, "ValidationError")
