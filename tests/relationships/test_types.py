"""T1-T5: relationship types (create, list, get, update, delete)."""

from typing import Any

import pytest

from crmcore.config import Settings
from crmcore.db.engine import make_engine
from crmcore.db.session import make_session_factory
from crmcore.kernel.ids import IdKind, new_id
from crmcore.kernel.wire import utc_now
from crmcore.models import RelationshipType
from crmcore.models.account import Role
from tests.builders import Tenant
from tests.entities.test_entities_create_get import ISO_MS, create
from tests.relationships.helpers import (
    TYPE_ID,
    UNKNOWN_ENTITY,
    UNKNOWN_TYPE,
    Crm,
    body_of,
    error_of,
    link_body,
    new_type,
    oldest_first,
    usage,
)


@pytest.fixture
def entities(owner: Tenant) -> tuple[str, str]:
    return str(create(owner, "people")["entityId"]), str(create(owner, "companies")["entityId"])


def type_ids(tenant: Tenant, **params: Any) -> list[str]:
    listed = body_of(tenant.get("/relationships/types", params=params))
    return [item["relationshipTypeId"] for item in listed]


def test_create_returns_the_full_type_and_get_returns_the_same(
    owner: Tenant, entities: tuple[str, str]
) -> None:
    people, companies = entities
    member = owner.member(Role.MEMBER)
    body = new_type(
        member,
        "  affiliation  ",
        people,
        companies,
        sourceLabel=" employee ",
        targetLabel="company",
        description="employee and their company",
    )
    assert TYPE_ID.match(body["relationshipTypeId"])
    assert body == {
        "relationshipTypeId": body["relationshipTypeId"],
        "accountId": owner.account_id,
        "name": "affiliation",
        "description": "employee and their company",
        "sourceEntityId": people,
        "targetEntityId": companies,
        "sourceLabel": "employee",
        "targetLabel": "company",
        "createdBy": member.member_id,
        "updatedBy": member.member_id,
        "dateCreated": body["dateCreated"],
        "dateUpdated": body["dateCreated"],
    }
    assert ISO_MS.match(body["dateCreated"])
    assert body_of(owner.get(f"/relationships/types/{body['relationshipTypeId']}")) == body
    # Optional texts are omitted when absent or empty.
    bare = new_type(owner, "bare", people, companies, sourceLabel="", description="")
    for absent in ("description", "sourceLabel", "targetLabel", "workspaceId"):
        assert absent not in bare


INVALID_CREATES: list[tuple[dict[str, Any], str]] = [
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({"name": None}, "name"),
    ({"name": 7}, "name"),
    ({"name": "x" * 101}, "name"),
    ({"sourceEntityId": None}, "sourceEntityId"),
    ({"targetEntityId": ""}, "targetEntityId"),
    ({"sourceLabel": 3}, "sourceLabel"),
    ({"targetLabel": "x" * 101}, "targetLabel"),
    ({"description": "x" * 1001}, "description"),
]


def test_create_refusals_and_the_unique_name(owner: Tenant, entities: tuple[str, str]) -> None:
    people, companies = entities
    valid = {"name": "affiliation", "sourceEntityId": people, "targetEntityId": companies}
    for change, field in INVALID_CREATES:
        response = owner.post("/relationships/types", json={**valid, **change})
        assert field in error_of(response, 400, "ValidationError"), change
    response = owner.post("/relationships/types", json={"name": "x", "sourceEntityId": people})
    assert "targetEntityId" in error_of(response, 400, "ValidationError")
    # Both entities must exist and be live.
    for source, target in ((UNKNOWN_ENTITY, companies), (people, UNKNOWN_ENTITY)):
        body = {"name": "x", "sourceEntityId": source, "targetEntityId": target}
        response = owner.post("/relationships/types", json=body)
        error_of(response, 404, "ResourceNotFound", f"Entity '{UNKNOWN_ENTITY}' was not found")
    assert type_ids(owner) == []
    # A name is unique per entity pair and direction.
    first = new_type(owner, "affiliation", people, companies)
    duplicate = owner.post("/relationships/types", json={**valid, "name": " affiliation "})
    error_of(duplicate, 409, "ConflictException")
    # The same name elsewhere is another type: other direction, self-reference, other case.
    reverse = new_type(owner, "affiliation", companies, people)
    itself = new_type(owner, "affiliation", people, people)
    other_name = new_type(owner, "Affiliation", people, companies)
    assert itself["sourceEntityId"] == itself["targetEntityId"] == people
    assert type_ids(owner) == oldest_first(
        [first, reverse, itself, other_name], "relationshipTypeId"
    )
    # An entity in the trash.
    body_of(owner.delete(f"/entities/{companies}"))
    response = owner.post("/relationships/types", json={**valid, "name": "new"})
    error_of(response, 410, "Gone", f"Entity '{companies}' is in the trash")
    assert len(type_ids(owner)) == 1  # only the self-reference on people is still usable


def test_update_changes_only_the_fields_sent_and_leaves_relationships_alone(crm: Crm) -> None:
    owner = crm.tenant
    link = crm.employ(0, 0, metadata={"x": 1})
    link_before = body_of(owner.get(f"/relationships/{link['relationshipId']}"))
    path = f"/relationships/types/{crm.type_id}"
    before = body_of(owner.get(path))
    member = owner.member(Role.MEMBER)
    renamed = body_of(member.patch(path, json={"name": " job ", "sourceLabel": "staff"}))
    assert renamed == {
        **before,
        "name": "job",
        "sourceLabel": "staff",
        "updatedBy": member.member_id,
        "dateUpdated": renamed["dateUpdated"],
    }
    assert renamed["dateUpdated"] >= before["dateUpdated"]
    assert body_of(owner.get(f"/relationships/{link['relationshipId']}")) == link_before
    related = body_of(owner.get(f"/relationships/record/{crm.firms[0]}"))["data"]
    assert related[0]["label"] == "staff"
    described = body_of(owner.patch(path, json={"description": "who works where"}))
    assert (described["description"], described["name"]) == ("who works where", "job")
    # Empty texts (or null) clear a label or the description.
    cleared = body_of(owner.patch(path, json={"targetLabel": "", "description": None}))
    assert "targetLabel" not in cleared
    assert "description" not in cleared
    assert cleared["sourceLabel"] == "staff"
    # An empty body changes nothing; neither does a refused one.
    assert body_of(owner.patch(path, json={})) == cleared
    for field in ("sourceEntityId", "targetEntityId", "relationshipTypeId", "accountId"):
        response = owner.patch(path, json={"name": "renamed", field: crm.people})
        assert field in error_of(response, 400, "ValidationError")
    for invalid in ({"name": ""}, {"name": None}, {"sourceLabel": 1}):
        error_of(owner.patch(path, json=invalid), 400, "ValidationError")
    # The name stays unique per entity pair: a rename into a taken name is a conflict.
    new_type(owner, "employment", crm.people, crm.companies)
    error_of(owner.patch(path, json={"name": "employment"}), 409, "ConflictException")
    assert body_of(owner.get(path)) == cleared
    # Its own name, or a name used by another pair, is fine.
    assert body_of(owner.patch(path, json={"name": "job"}))["name"] == "job"
    new_type(owner, "partner", crm.companies, crm.companies)
    assert body_of(owner.patch(path, json={"name": "partner"}))["name"] == "partner"
    unknown = f"/relationships/types/{UNKNOWN_TYPE}"
    message = f"Relationship type '{UNKNOWN_TYPE}' was not found"
    for response in (
        owner.get(unknown),
        owner.patch(unknown, json={"name": "x"}),
        owner.delete(unknown),
    ):
        error_of(response, 404, "ResourceNotFound", message)


def _insert_types(settings: Settings, tenant: Tenant, source: str, target: str, n: int) -> None:
    now = utc_now()
    engine = make_engine(settings)
    try:
        with make_session_factory(engine).begin() as session:
            for index in range(n):
                session.add(
                    RelationshipType(
                        account_id=tenant.account_id,
                        relationship_type_id=new_id(IdKind.RELATIONSHIP_TYPE, now),
                        workspace_id="",
                        name=f"t{index:03d}",
                        source_entity_id=source,
                        target_entity_id=target,
                        created_by=tenant.member_id,
                        updated_by=tenant.member_id,
                        date_created=now,
                        date_updated=now,
                    )
                )
    finally:
        engine.dispose()


def test_list_filters_by_entity_on_either_side_oldest_first_at_most_200(
    owner: Tenant, settings: Settings
) -> None:
    a, b, c, d = (str(create(owner, slug)["entityId"]) for slug in ("a", "b", "c", "d"))
    created = [
        new_type(owner, "ab", a, b),
        new_type(owner, "ca", c, a),
        new_type(owner, "bc", b, c),
        new_type(owner, "aa", a, a),
    ]
    ab, ca, bc, aa = (t["relationshipTypeId"] for t in created)
    assert type_ids(owner) == oldest_first(created, "relationshipTypeId")
    listed = body_of(owner.get("/relationships/types", params={"entityId": b}))
    assert [t["relationshipTypeId"] for t in listed] == oldest_first(
        [created[0], created[2]], "relationshipTypeId"
    )
    assert listed[0] == created[0]
    assert set(type_ids(owner, entityId=a)) == {ab, ca, aa}
    assert type_ids(owner, entityId=d) == []
    unknown = owner.get("/relationships/types", params={"entityId": UNKNOWN_ENTITY})
    assert unknown.status_code == 404, unknown.text
    # No more than 200, however many there are.
    _insert_types(settings, owner, d, d, 199)
    assert len(type_ids(owner)) == 200
    assert len(type_ids(owner, entityId=d)) == 199
    assert set(type_ids(owner, entityId=c)) == {ca, bc}


def test_delete_is_for_owners_and_takes_the_relationships_along(crm: Crm) -> None:
    owner = crm.tenant
    founder = new_type(owner, "founder", crm.people, crm.companies)["relationshipTypeId"]
    employed = [crm.employ(0, 0), crm.employ(1, 0), crm.employ(0, 1)]
    kept = body_of(
        owner.post("/relationships", json=link_body(founder, crm.person(0), crm.firm(0)))
    )
    assert usage(owner)["relationships.max"] == 4
    path = f"/relationships/types/{crm.type_id}"

    member = owner.member(Role.MEMBER)
    error_of(member.delete(path), 403, "Forbidden")
    assert len(body_of(owner.get(f"/relationships/type/{crm.type_id}"))) == 3

    deleted = body_of(owner.delete(path))
    assert deleted == {"relationshipTypeId": crm.type_id, "deletedRelationships": 3}
    error_of(owner.get(path), 404, "ResourceNotFound")
    error_of(owner.delete(path), 404, "ResourceNotFound")
    error_of(owner.get(f"/relationships/type/{crm.type_id}"), 404, "ResourceNotFound")
    for link in employed:
        error_of(owner.get(f"/relationships/{link['relationshipId']}"), 404, "ResourceNotFound")
    listed = body_of(owner.get("/relationships/list"))["data"]
    assert [item["relationshipId"] for item in listed] == [kept["relationshipId"]]
    assert type_ids(owner) == [founder]
    assert usage(owner)["relationships.max"] == 1
    # The name is free again.
    new_type(owner, "employment", crm.people, crm.companies)
