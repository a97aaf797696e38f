"""§5.13: what trashing, restoring and deleting records, entities and types do to relationships."""

from datetime import timedelta

from sqlalchemy import update

from crmcore.config import Settings
from crmcore.db.engine import make_engine
from crmcore.db.session import make_session_factory
from crmcore.kernel.wire import utc_now
from crmcore.models import Entity, Record
from crmcore.trash.service import purge_expired
from tests.entities.test_entities_create_get import create
from tests.relationships.helpers import (
    Crm,
    body_of,
    error_of,
    every,
    link_body,
    links_stored,
    new_type,
    record,
    usage,
)


def visible_everywhere(crm: Crm) -> set[str]:
    """The relationships every read shows (and checks that the reads agree)."""
    owner = crm.tenant
    listed = set(every(owner))
    of_type = {
        item["relationshipId"] for item in body_of(owner.get(f"/relationships/type/{crm.type_id}"))
    }
    assert of_type == listed
    for link_id in listed:
        body_of(owner.get(f"/relationships/{link_id}"))
    return listed


def test_trashing_a_record_hides_its_relationships_and_restoring_brings_them_back(
    crm: Crm,
) -> None:
    owner = crm.tenant
    alice_acme = crm.employ(0, 0, metadata={"role": "cto"})
    alice_other = crm.employ(0, 1)
    bob_acme = crm.employ(1, 0)
    before = {
        link["relationshipId"]: body_of(owner.get(f"/relationships/{link['relationshipId']}"))
        for link in (alice_acme, alice_other, bob_acme)
    }
    body_of(owner.delete(f"/records/{crm.firms[0]}"))
    assert visible_everywhere(crm) == {alice_other["relationshipId"]}
    for hidden in (alice_acme, bob_acme):
        path = f"/relationships/{hidden['relationshipId']}"
        error_of(owner.get(path), 404, "ResourceNotFound")
        error_of(owner.patch(path, json={"metadata": {}}), 404, "ResourceNotFound")
        error_of(owner.delete(path), 404, "ResourceNotFound")
    related = body_of(owner.get(f"/relationships/record/{crm.persons[0]}"))["data"]
    assert [item["relationshipId"] for item in related] == [alice_other["relationshipId"]]
    assert every(owner, entityId=crm.companies) == [alice_other["relationshipId"]]
    error_of(owner.get(f"/relationships/record/{crm.firms[0]}"), 404, "ResourceNotFound")
    # Hidden relationships still exist, and count toward relationships.max.
    assert links_stored(owner) == 3

    body_of(owner.post(f"/records/{crm.firms[0]}/restore"))
    assert visible_everywhere(crm) == set(before)
    for link_id, body in before.items():
        assert body_of(owner.get(f"/relationships/{link_id}")) == body
    # The bulk trash and restore of records do the same.
    body_of(owner.post("/records/bulk/delete", json={"recordIds": crm.persons[:2]}))
    assert visible_everywhere(crm) == set()
    body_of(owner.post("/records/bulk/restore", json={"recordIds": crm.persons[:2]}))
    assert visible_everywhere(crm) == set(before)


def test_deleting_records_for_good_deletes_their_relationships(
    crm: Crm, settings: Settings
) -> None:
    owner = crm.tenant
    gone = [crm.employ(0, 0), crm.employ(0, 1)]
    kept = crm.employ(1, 0)
    expired = crm.employ(2, 0)
    body_of(owner.delete(f"/records/{crm.persons[0]}"))  # in the trash first: not required
    response = owner.post(
        "/records/bulk/delete", json={"recordIds": [crm.persons[0]], "permanent": True}
    )
    assert body_of(response)["deleted"] == 1
    assert links_stored(owner) == 2
    for link in gone:
        error_of(owner.get(f"/relationships/{link['relationshipId']}"), 404, "ResourceNotFound")
    assert visible_everywhere(crm) == {kept["relationshipId"], expired["relationshipId"]}

    # The retention sweep purges a record 14 days in the trash, and its relationships.
    body_of(owner.post("/records/bulk/delete", json={"recordIds": crm.persons[1:]}))
    engine = make_engine(settings)
    try:
        with make_session_factory(engine).begin() as session:
            session.execute(
                update(Record)
                .where(Record.record_id == crm.persons[2])
                .values(deleted_at=utc_now() - timedelta(days=14, minutes=1))
            )
        with make_session_factory(engine).begin() as session:
            assert purge_expired(session, utc_now()).records == 1
    finally:
        engine.dispose()
    assert links_stored(owner) == 1
    body_of(owner.post("/records/bulk/restore", json={"recordIds": crm.persons[1:]}))
    assert visible_everywhere(crm) == {kept["relationshipId"]}
    error_of(owner.get(f"/relationships/{expired['relationshipId']}"), 404, "ResourceNotFound")

    # A live record deleted for good at once goes the same way.
    owner.post("/records/bulk/delete", json={"recordIds": [crm.firms[0]], "permanent": True})
    assert links_stored(owner) == 0
    assert every(owner) == []


def test_a_trashed_entity_hides_its_types_and_relationships_until_restored(crm: Crm) -> None:
    owner = crm.tenant
    places = str(create(owner, "places")["entityId"])
    based = new_type(owner, "based in", crm.companies, places)["relationshipTypeId"]
    seoul = record(owner, places, "Seoul")
    located = body_of(
        owner.post("/relationships", json=link_body(based, crm.firm(0), (places, seoul)))
    )
    employed = crm.employ(0, 0)
    body_of(owner.delete(f"/entities/{places}"))
    listed = [t["relationshipTypeId"] for t in body_of(owner.get("/relationships/types"))]
    assert listed == [crm.type_id]
    error_of(owner.get(f"/relationships/types/{based}"), 410, "Gone")
    error_of(owner.get(f"/relationships/type/{based}"), 410, "Gone")
    error_of(owner.get(f"/relationships/{located['relationshipId']}"), 404, "ResourceNotFound")
    assert every(owner) == [employed["relationshipId"]]
    assert every(owner, recordId=crm.firms[0]) == [employed["relationshipId"]]

    body_of(owner.post(f"/entities/{places}/restore"))
    assert (
        body_of(owner.get(f"/relationships/{located['relationshipId']}"))["targetRecordName"]
        == "Seoul"
    )
    assert len(every(owner)) == 2


def test_deleting_an_entity_for_good_deletes_its_types_and_relationships(
    crm: Crm, settings: Settings
) -> None:
    owner = crm.tenant
    places = str(create(owner, "places")["entityId"])
    based = new_type(owner, "based in", crm.companies, places)["relationshipTypeId"]
    near = new_type(owner, "near", places, places)["relationshipTypeId"]
    seoul, busan = record(owner, places, "Seoul"), record(owner, places, "Busan")
    body_of(owner.post("/relationships", json=link_body(based, crm.firm(0), (places, seoul))))
    body_of(owner.post("/relationships", json=link_body(near, (places, seoul), (places, busan))))
    employed = crm.employ(0, 0)
    assert usage(owner)["relationshipTypes.maxPerEntity"] == 2
    assert links_stored(owner) == 3

    response = owner.delete(f"/entities/{places}", params={"permanent": "true"})
    assert body_of(response) == {"entityId": places, "deleted": True, "permanent": True}
    for type_id in (based, near):
        error_of(owner.get(f"/relationships/types/{type_id}"), 404, "ResourceNotFound")
    assert [t["relationshipTypeId"] for t in body_of(owner.get("/relationships/types"))] == [
        crm.type_id
    ]
    assert links_stored(owner) == 1
    assert usage(owner)["relationshipTypes.maxPerEntity"] == 1
    assert every(owner) == [employed["relationshipId"]]
    # The same goes for an entity purged from the trash.
    body_of(owner.delete(f"/entities/{crm.companies}"))
    engine = make_engine(settings)
    try:
        with make_session_factory(engine).begin() as session:
            session.execute(
                update(Entity)
                .where(Entity.entity_id == crm.companies)
                .values(deleted_at=utc_now() - timedelta(days=15))
            )
        with make_session_factory(engine).begin() as session:
            assert purge_expired(session, utc_now()).entities == 1
    finally:
        engine.dispose()
    assert links_stored(owner) == 0
    assert body_of(owner.get("/relationships/types")) == []
    assert usage(owner)["relationshipTypes.maxPerEntity"] == 0
