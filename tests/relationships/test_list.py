"""R4, R5, R9: the paginated list, the relationships of a type, a record's related list."""

from typing import Any

import psycopg
import pytest

from crmcore.config import Settings
from tests.entities.test_entities_create_get import create
from tests.relationships.helpers import (
    UNKNOWN_ENTITY,
    UNKNOWN_RECORD,
    UNKNOWN_TYPE,
    Crm,
    body_of,
    error_of,
    every,
    insert_records,
    link_body,
    link_every,
    new_type,
    newest_first,
    oldest_first,
    pages,
    record,
)


def link_all(crm: Crm, settings: Settings, sources: int, targets: int) -> None:
    """``sources`` x ``targets`` employments between new records."""
    owner = crm.tenant
    people = insert_records(settings, owner, crm.people, [f"p{i}" for i in range(sources)])
    firms = insert_records(settings, owner, crm.companies, [f"c{i}" for i in range(targets)])
    link_every(settings, owner, crm.type_id, people, firms)


def test_pages_run_newest_first_limited_and_end_without_next_key(
    crm: Crm, settings: Settings
) -> None:
    created = [crm.employ(p, f) for p in range(3) for f in range(2)]
    expected = newest_first(created)
    for limit in (1, 4, 6, 100):
        found = pages(crm.tenant, "/relationships/list", limit=limit)
        assert all(len(page) <= limit for page in found)
        assert [item["relationshipId"] for page in found for item in page] == expected
    assert len(pages(crm.tenant, "/relationships/list", limit=6)) == 1
    first = body_of(crm.tenant.get("/relationships/list", params={"limit": 2}))
    assert "nextKey" in first
    # Items are the relationship plus its records' names (the ID when a record has no name).
    by_id = {item["relationshipId"]: item for item in created}
    for page in pages(crm.tenant, "/relationships/list"):
        for item in page:
            names = {
                crm.persons[0]: "Alice",
                crm.persons[1]: "Bob",
                crm.firms[0]: "Acme",
            }
            assert item == {
                **by_id[item["relationshipId"]],
                "sourceRecordName": names.get(item["sourceRecordId"], item["sourceRecordId"]),
                "targetRecordName": names.get(item["targetRecordId"], item["targetRecordId"]),
            }

    # 110 more: the default limit is 50, above 100 is clamped, below 1 is refused.
    owner = crm.tenant
    link_all(crm, settings, 11, 10)
    assert len(body_of(owner.get("/relationships/list"))["data"]) == 50
    clamped = body_of(owner.get("/relationships/list", params={"limit": 1000}))
    rest = body_of(
        owner.get("/relationships/list", params={"limit": 1000, "startKey": clamped["nextKey"]})
    )
    assert (len(clamped["data"]), len(rest["data"])) == (100, 16)
    assert "nextKey" not in rest
    everything = clamped["data"] + rest["data"]
    assert [item["relationshipId"] for item in everything] == newest_first(everything)
    # The filtered pages (two index walks merged) keep the same order, ties included.
    assert every(owner, entityId=crm.companies, limit=7) == newest_first(everything)
    of_acme = [item for item in everything if item["targetRecordId"] == crm.firms[0]]
    assert every(owner, f"/relationships/record/{crm.firms[0]}", limit=2) == newest_first(of_acme)
    for bad in (0, -1, "ten", 1.5):
        response = owner.get("/relationships/list", params={"limit": bad})
        assert "limit" in error_of(response, 400, "ValidationError")
        response = owner.get(f"/relationships/record/{crm.persons[0]}", params={"limit": bad})
        assert "limit" in error_of(response, 400, "ValidationError")


def test_filters_by_type_entity_and_record_on_either_side(crm: Crm) -> None:
    owner = crm.tenant
    places = str(create(owner, "places")["entityId"])
    seoul = record(owner, places, "Seoul")
    based = new_type(owner, "based in", crm.companies, places)["relationshipTypeId"]
    knows = new_type(owner, "knows", crm.people, crm.people)["relationshipTypeId"]
    employed = [crm.employ(0, 0), crm.employ(1, 0), crm.employ(1, 1)]
    located = body_of(
        owner.post("/relationships", json=link_body(based, crm.firm(0), (places, seoul)))
    )
    friends = body_of(
        owner.post("/relationships", json=link_body(knows, crm.person(1), crm.person(0)))
    )
    everything = [*employed, located, friends]
    assert every(owner) == newest_first(everything)

    def expect(params: dict[str, str], items: list[dict[str, Any]]) -> None:
        assert every(owner, **params, limit=2) == newest_first(items), params

    expect({"relationshipTypeId": crm.type_id}, employed)
    expect({"relationshipTypeId": knows}, [friends])
    expect({"entityId": crm.companies}, [*employed, located])  # source or target side
    expect({"entityId": places}, [located])
    expect({"entityId": crm.people}, [*employed, friends])
    expect({"recordId": crm.firms[0]}, [employed[0], employed[1], located])
    expect({"recordId": crm.persons[0]}, [employed[0], friends])  # friends: as the target
    expect({"recordId": crm.persons[1]}, [employed[1], employed[2], friends])
    expect({"recordId": crm.persons[2]}, [])
    expect({"recordId": crm.persons[1], "relationshipTypeId": crm.type_id}, employed[1:])
    expect({"entityId": crm.companies, "relationshipTypeId": based}, [located])
    # Filters combine with AND, the record with the entity too.
    expect({"recordId": crm.firms[0], "entityId": places}, [located])
    expect({"recordId": crm.persons[1], "entityId": crm.companies}, employed[1:])

    # Unknown IDs in a filter are 404, as is a record in the trash.
    trashed = record(owner, crm.people, "Gone")
    owner.delete(f"/records/{trashed}").raise_for_status()
    cases = {
        "relationshipTypeId": (UNKNOWN_TYPE, f"Relationship type '{UNKNOWN_TYPE}' was not found"),
        "entityId": (UNKNOWN_ENTITY, f"Entity '{UNKNOWN_ENTITY}' was not found"),
        "recordId": (UNKNOWN_RECORD, f"Record '{UNKNOWN_RECORD}' was not found"),
    }
    for name, (value, message) in cases.items():
        response = owner.get("/relationships/list", params={name: value})
        error_of(response, 404, "ResourceNotFound", message)
    for params in (
        {"recordId": trashed},
        {"recordId": crm.persons[0], "entityId": UNKNOWN_ENTITY},
        {"recordId": crm.persons[0], "relationshipTypeId": UNKNOWN_TYPE},
    ):
        error_of(owner.get("/relationships/list", params=params), 404, "ResourceNotFound")


@pytest.mark.parametrize(
    "settings", [pytest.param("postgresql", marks=pytest.mark.postgresql)], indirect=True
)
def test_pages_never_skip_nor_repeat_whatever_the_collation(crm: Crm, settings: Settings) -> None:
    """Many servers default to a linguistic collation (en-US puts "a" before "B"), which orders
    mixed-case IDs unlike code points; links created in one millisecond are ordered by ID."""
    with psycopg.connect(settings.database_url, autocommit=True) as connection:
        icu = connection.execute("SELECT 1 FROM pg_collation WHERE collname = 'en-x-icu'")
        if icu.fetchone() is None:
            pytest.skip("this PostgreSQL has no ICU collations")
        connection.execute(
            "ALTER TABLE relationships ALTER COLUMN relationship_id "
            'TYPE varchar(32) COLLATE "en-x-icu"'
        )
    people = insert_records(settings, crm.tenant, crm.people, [f"p{i}" for i in range(30)])
    link_every(settings, crm.tenant, crm.type_id, people, [crm.firms[0]])
    for path, params in (
        ("/relationships/list", {}),
        ("/relationships/list", {"entityId": crm.companies}),
        (f"/relationships/record/{crm.firms[0]}", {}),
    ):
        found = every(crm.tenant, path, limit=4, **params)
        assert len(found) == len(set(found)) == 30, (path, params)


def test_cursors_only_continue_their_own_query(crm: Crm) -> None:
    owner = crm.tenant
    for person in range(3):
        crm.employ(person, 0)
    plain = body_of(owner.get("/relationships/list", params={"limit": 1}))["nextKey"]
    by_type = body_of(
        owner.get("/relationships/list", params={"limit": 1, "relationshipTypeId": crm.type_id})
    )["nextKey"]
    related = body_of(owner.get(f"/relationships/record/{crm.firms[0]}", params={"limit": 1}))[
        "nextKey"
    ]
    by_record = body_of(
        owner.get("/relationships/list", params={"limit": 1, "recordId": crm.firms[0]})
    )["nextKey"]
    refused = [
        owner.get("/relationships/list", params={"startKey": by_type}),
        owner.get("/relationships/list", params={"startKey": related}),
        owner.get("/relationships/list", params={"startKey": "not-a-cursor"}),
        owner.get("/relationships/list", params={"startKey": plain[:-2] + "AA"}),
        owner.get("/relationships/list", params={"startKey": plain, "entityId": crm.people}),
        owner.get(f"/relationships/record/{crm.firms[0]}", params={"startKey": by_record}),
        owner.get(f"/relationships/record/{crm.firms[1]}", params={"startKey": related}),
    ]
    for response in refused:
        assert "startKey" in error_of(response, 400, "ValidationError")
    # Each cursor continues its own query.
    rest = body_of(owner.get("/relationships/list", params={"limit": 5, "startKey": plain}))
    assert len(rest["data"]) == 2
    rest = body_of(owner.get(f"/relationships/record/{crm.firms[0]}", params={"startKey": related}))
    assert len(rest["data"]) == 2


def test_relationships_of_a_type_oldest_first_without_names_at_most_500(
    crm: Crm, settings: Settings
) -> None:
    owner = crm.tenant
    created = [crm.employ(p, f) for p in range(3) for f in range(2)]
    other = new_type(owner, "founder", crm.people, crm.companies)["relationshipTypeId"]
    body_of(owner.post("/relationships", json=link_body(other, crm.person(0), crm.firm(0))))
    listed = body_of(owner.get(f"/relationships/type/{crm.type_id}"))
    assert [item["relationshipId"] for item in listed] == newest_first(created)[::-1]
    assert {item["relationshipId"]: item for item in listed} == {
        item["relationshipId"]: item for item in created
    }
    error_of(
        owner.get(f"/relationships/type/{UNKNOWN_TYPE}"),
        404,
        "ResourceNotFound",
        f"Relationship type '{UNKNOWN_TYPE}' was not found",
    )
    empty = new_type(owner, "empty", crm.companies, crm.people)["relationshipTypeId"]
    assert body_of(owner.get(f"/relationships/type/{empty}")) == []
    # 6 + 500 relationships: the oldest 500 come; the list pages through all of them.
    link_all(crm, settings, 25, 20)
    listed = body_of(owner.get(f"/relationships/type/{crm.type_id}"))
    assert len(listed) == 500
    assert [item["relationshipId"] for item in listed] == oldest_first(listed)
    assert set(newest_first(created)) <= {item["relationshipId"] for item in listed}
    assert len(every(owner, relationshipTypeId=crm.type_id, limit=100)) == 506


def test_a_records_related_list_has_direction_and_label(crm: Crm) -> None:
    owner = crm.tenant
    knows = new_type(owner, "knows", crm.people, crm.people, targetLabel="friend")
    knows_id = knows["relationshipTypeId"]
    bare = new_type(owner, "bare", crm.companies, crm.people)["relationshipTypeId"]
    job = crm.employ(0, 0, metadata={"role": "cto"})
    friend = body_of(
        owner.post("/relationships", json=link_body(knows_id, crm.person(1), crm.person(0)))
    )
    fan = body_of(
        owner.post("/relationships", json=link_body(knows_id, crm.person(0), crm.person(2)))
    )
    unlabelled = body_of(
        owner.post("/relationships", json=link_body(bare, crm.firm(1), crm.person(0)))
    )
    related = [
        item
        for page in pages(owner, f"/relationships/record/{crm.persons[0]}", limit=1)
        for item in page
    ]
    expected = {
        job["relationshipId"]: ("outgoing", "employer", job, "Alice", "Acme"),
        friend["relationshipId"]: ("incoming", None, friend, "Bob", "Alice"),
        fan["relationshipId"]: ("outgoing", "friend", fan, "Alice", crm.persons[2]),
        unlabelled["relationshipId"]: ("incoming", None, unlabelled, crm.firms[1], "Alice"),
    }
    assert [item["relationshipId"] for item in related] == newest_first(related)
    assert {item["relationshipId"] for item in related} == set(expected)
    for item in related:
        direction, label, base, source_name, target_name = expected[item["relationshipId"]]
        want = {
            **base,
            "sourceRecordName": source_name,
            "targetRecordName": target_name,
            "direction": direction,
        }
        if label is not None:
            want["label"] = label
        assert item == want
    # From the company's side the same employment is incoming, labelled with the source label.
    seen_by_firm = body_of(owner.get(f"/relationships/record/{crm.firms[0]}"))["data"]
    assert [(i["direction"], i["label"]) for i in seen_by_firm] == [("incoming", "employee")]
    only_knows = body_of(
        owner.get(
            f"/relationships/record/{crm.persons[0]}", params={"relationshipTypeId": knows_id}
        )
    )["data"]
    assert sorted(i["relationshipId"] for i in only_knows) == sorted(
        [friend["relationshipId"], fan["relationshipId"]]
    )
    assert body_of(
        owner.get(
            f"/relationships/record/{crm.firms[1]}", params={"relationshipTypeId": crm.type_id}
        )
    ) == {"data": []}
