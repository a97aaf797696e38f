"""R1, R6, R7, R8: create, get, update (replace metadata) and delete one relationship."""

from typing import Any

from crmcore.models.account import Role
from tests.entities.test_entities_create_get import ISO_MS, create
from tests.relationships.helpers import (
    LINK_ID,
    UNKNOWN_LINK,
    UNKNOWN_RECORD,
    UNKNOWN_TYPE,
    Crm,
    body_of,
    error_of,
    link_body,
    links_stored,
    new_type,
    record,
)

#: ``{"k": "..."}`` takes 8 bytes besides the string: this is the largest metadata allowed.
LARGEST = {"k": "x" * (16 * 1024 - 8)}
TOO_LARGE = {"k": "x" * (16 * 1024 - 7)}


def test_create_returns_the_relationship_and_get_adds_the_names(crm: Crm) -> None:
    member = crm.tenant.member(Role.MEMBER)
    metadata = {"role": "primary", "isPrimary": True, "since": {"year": 2020}, "tags": [1, "a"]}
    created = crm.employ(0, 0, tenant=member, metadata=metadata)
    assert LINK_ID.match(created["relationshipId"])
    assert created == {
        "relationshipId": created["relationshipId"],
        "accountId": crm.tenant.account_id,
        "relationshipTypeId": crm.type_id,
        "sourceEntityId": crm.people,
        "sourceRecordId": crm.persons[0],
        "targetEntityId": crm.companies,
        "targetRecordId": crm.firms[0],
        "metadata": metadata,
        "createdBy": member.member_id,
        "updatedBy": member.member_id,
        "dateCreated": created["dateCreated"],
        "dateUpdated": created["dateCreated"],
    }
    assert ISO_MS.match(created["dateCreated"])
    fetched = body_of(crm.tenant.get(f"/relationships/{created['relationshipId']}"))
    assert fetched == {**created, "sourceRecordName": "Alice", "targetRecordName": "Acme"}

    # Without metadata: an empty object. Records without a name show their ID instead.
    bare = crm.employ(2, 1)
    assert bare["metadata"] == {}
    fetched = body_of(crm.tenant.get(f"/relationships/{bare['relationshipId']}"))
    assert (fetched["sourceRecordName"], fetched["targetRecordName"]) == (
        crm.persons[2],
        crm.firms[1],
    )
    # A later rename shows at once.
    crm.tenant.patch(f"/records/{crm.persons[2]}", json={"name": "Carol"}).raise_for_status()
    fetched = body_of(crm.tenant.get(f"/relationships/{bare['relationshipId']}"))
    assert fetched["sourceRecordName"] == "Carol"
    # The largest metadata allowed is stored as sent.
    assert crm.employ(1, 1, metadata=LARGEST)["metadata"] == LARGEST


def test_orientation_is_the_types_and_self_references_keep_theirs(crm: Crm) -> None:
    owner = crm.tenant
    body = link_body(crm.type_id, crm.firm(0), crm.person(1), metadata={"a": 1})
    created = body_of(owner.post("/relationships", json=body))
    assert created["sourceEntityId"] == crm.people
    assert created["sourceRecordId"] == crm.persons[1]
    assert created["targetEntityId"] == crm.companies
    assert created["targetRecordId"] == crm.firms[0]
    assert created["metadata"] == {"a": 1}
    stored = body_of(crm.tenant.get(f"/relationships/{created['relationshipId']}"))
    assert (stored["sourceRecordName"], stored["targetRecordName"]) == ("Bob", "Acme")
    # The same pair, in either orientation, is a duplicate.
    for again in (body, link_body(crm.type_id, crm.person(1), crm.firm(0))):
        error_of(
            crm.tenant.post("/relationships", json=again),
            409,
            "ConflictException",
            "These records are already linked by this relationship type",
        )
    assert links_stored(crm.tenant) == 1

    # A self-referencing type keeps the direction: A -> B and B -> A are two relationships.
    manages = new_type(owner, "manages", crm.people, crm.people)["relationshipTypeId"]
    forward = link_body(manages, crm.person(0), crm.person(1))
    backward = link_body(manages, crm.person(1), crm.person(0))
    first = body_of(owner.post("/relationships", json=forward))
    assert (first["sourceRecordId"], first["targetRecordId"]) == (crm.persons[0], crm.persons[1])
    second = body_of(owner.post("/relationships", json=backward))
    assert (second["sourceRecordId"], second["targetRecordId"]) == (crm.persons[1], crm.persons[0])
    error_of(owner.post("/relationships", json=forward), 409, "ConflictException")
    itself = link_body(manages, crm.person(0), crm.person(0))
    message = error_of(owner.post("/relationships", json=itself), 400, "ValidationError")
    assert message == "A record cannot be linked to itself"
    # The same pair under another type is another relationship.
    body_of(owner.post("/relationships", json=link_body(crm.type_id, crm.person(0), crm.firm(0))))
    assert links_stored(owner) == 4


def test_create_refusals_write_nothing(crm: Crm) -> None:
    owner = crm.tenant
    places = str(create(owner, "places")["entityId"])
    place = record(owner, places, "Seoul")
    trashed = record(owner, crm.people, "Gone")
    owner.delete(f"/records/{trashed}").raise_for_status()
    valid = link_body(crm.type_id, crm.person(0), crm.firm(0))

    def attempt(change: dict[str, Any]) -> Any:
        return owner.post("/relationships", json={**valid, **change})

    # Shape.
    for field in ("relationshipTypeId", "sourceEntityId", "sourceRecordId", "targetRecordId"):
        without = {key: value for key, value in valid.items() if key != field}
        message = error_of(owner.post("/relationships", json=without), 400, "ValidationError")
        assert field in message
    for metadata in ([1, 2], "text", 3, None, True, TOO_LARGE):
        assert "metadata" in error_of(attempt({"metadata": metadata}), 400, "ValidationError")
    error_of(attempt({"sourceRecordId": 12}), 400, "ValidationError")
    # The entities must match the type (either way), each record its entity.
    error_of(attempt({"targetEntityId": places, "targetRecordId": place}), 400, "ValidationError")
    error_of(attempt({"sourceEntityId": crm.companies}), 400, "ValidationError")
    firm_to_firm = link_body(crm.type_id, crm.firm(0), crm.firm(1))
    error_of(owner.post("/relationships", json=firm_to_firm), 400, "ValidationError")
    message = error_of(attempt({"targetRecordId": crm.persons[1]}), 400, "ValidationError")
    assert "targetRecordId" in message
    # Existence.
    error_of(
        attempt({"relationshipTypeId": UNKNOWN_TYPE}),
        404,
        "ResourceNotFound",
        f"Relationship type '{UNKNOWN_TYPE}' was not found",
    )
    for missing in (UNKNOWN_RECORD, trashed):
        for side in ("sourceRecordId", "targetRecordId"):
            error_of(
                attempt({side: missing}),
                404,
                "ResourceNotFound",
                f"Record '{missing}' was not found",
            )
    # An entity of the type in the trash.
    owner.delete(f"/entities/{crm.companies}").raise_for_status()
    error_of(owner.post("/relationships", json=valid), 410, "Gone")
    assert links_stored(owner) == 0


def test_update_replaces_the_metadata(crm: Crm) -> None:
    created = crm.employ(0, 0, metadata={"b": 2, "keep": True})
    path = f"/relationships/{created['relationshipId']}"
    member = crm.tenant.member(Role.MEMBER)
    updated = body_of(member.patch(path, json={"metadata": {"a": 1}}))
    assert updated == {
        **created,
        "metadata": {"a": 1},
        "updatedBy": member.member_id,
        "dateUpdated": updated["dateUpdated"],
    }
    assert updated["dateUpdated"] >= created["dateUpdated"]
    assert body_of(crm.tenant.get(path))["metadata"] == {"a": 1}
    assert body_of(crm.tenant.patch(path, json={"metadata": LARGEST}))["metadata"] == LARGEST
    assert body_of(crm.tenant.patch(path, json={"metadata": {}}))["metadata"] == {}
    assert body_of(crm.tenant.get(path))["metadata"] == {}
    # Refusals change nothing.
    body_of(crm.tenant.patch(path, json={"metadata": {"keep": 1}}))
    immutable = {
        "relationshipTypeId": UNKNOWN_TYPE,
        "sourceEntityId": crm.companies,
        "sourceRecordId": crm.persons[1],
        "targetEntityId": crm.people,
        "targetRecordId": crm.firms[1],
        "relationshipId": UNKNOWN_LINK,
    }
    for field, value in immutable.items():
        response = crm.tenant.patch(path, json={"metadata": {"x": 1}, field: value})
        assert field in error_of(response, 400, "ValidationError")
    for body in ({}, {"metadata": None}, {"metadata": [1]}, {"metadata": TOO_LARGE}):
        assert "metadata" in error_of(crm.tenant.patch(path, json=body), 400, "ValidationError")
    assert body_of(crm.tenant.get(path))["metadata"] == {"keep": 1}
    error_of(
        crm.tenant.patch(f"/relationships/{UNKNOWN_LINK}", json={"metadata": {}}),
        404,
        "ResourceNotFound",
        f"Relationship '{UNKNOWN_LINK}' was not found",
    )


def test_delete_is_permanent_and_frees_the_pair(crm: Crm) -> None:
    first = crm.employ(0, 0)
    second = crm.employ(1, 0)
    assert links_stored(crm.tenant) == 2
    member = crm.tenant.member(Role.MEMBER)
    path = f"/relationships/{first['relationshipId']}"
    assert body_of(member.delete(path)) == {"relationshipId": first["relationshipId"]}
    assert links_stored(crm.tenant) == 1
    error_of(crm.tenant.get(path), 404, "ResourceNotFound")
    error_of(crm.tenant.delete(path), 404, "ResourceNotFound")
    error_of(crm.tenant.patch(path, json={"metadata": {}}), 404, "ResourceNotFound")
    # The records and the other relationship stay; the pair may be linked again.
    body_of(crm.tenant.get(f"/records/{crm.persons[0]}"))
    body_of(crm.tenant.get(f"/relationships/{second['relationshipId']}"))
    again = crm.employ(0, 0)
    assert again["relationshipId"] != first["relationshipId"]
    error_of(
        crm.tenant.delete(f"/relationships/{UNKNOWN_LINK}"),
        404,
        "ResourceNotFound",
        f"Relationship '{UNKNOWN_LINK}' was not found",
    )
