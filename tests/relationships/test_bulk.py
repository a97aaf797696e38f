"""R2 POST /relationships/bulk: sources (by ID or by condition) x targets, all or nothing."""

import json
from typing import Any

from crmcore.config import Settings
from crmcore.models.account import Role
from tests.builders import Tenant, TenantFactory
from tests.entities.test_entities_create_get import create
from tests.properties.test_properties_api import add
from tests.relationships.helpers import (
    UNKNOWN_RECORD,
    UNKNOWN_TYPE,
    Crm,
    body_of,
    error_of,
    insert_records,
    link_every,
    links_stored,
    new_type,
    record,
)


def by_ids(crm: Crm, sources: list[str], targets: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "relationshipTypeId": crm.type_id,
        "sourceEntityId": crm.people,
        "sourceRecordIds": sources,
        "targetEntityId": crm.companies,
        "targetRecordIds": targets,
        **extra,
    }


def pairs(tenant: Tenant, type_id: str) -> set[tuple[str, str]]:
    listed = body_of(tenant.get(f"/relationships/type/{type_id}"))
    return {(item["sourceRecordId"], item["targetRecordId"]) for item in listed}


def test_links_sources_to_targets_and_skips_what_exists_or_repeats(crm: Crm) -> None:
    owner = crm.tenant
    existing = crm.employ(0, 0, metadata={"old": True})
    member = owner.member(Role.MEMBER)
    body = by_ids(crm, crm.persons, crm.firms, metadata={"source": "import"})
    assert body_of(member.post("/relationships/bulk", json=body)) == {"created": 5, "skipped": 1}
    assert pairs(owner, crm.type_id) == {(p, f) for p in crm.persons for f in crm.firms}
    for item in body_of(owner.get(f"/relationships/type/{crm.type_id}")):
        if item["relationshipId"] == existing["relationshipId"]:
            assert item == existing  # untouched
        else:
            assert item["metadata"] == {"source": "import"}
            assert item["createdBy"] == member.member_id
    # Again: everything exists.
    assert body_of(owner.post("/relationships/bulk", json=body)) == {"created": 0, "skipped": 6}
    assert links_stored(owner) == 6

    founder = new_type(owner, "founder", crm.people, crm.companies)["relationshipTypeId"]
    body = {
        "relationshipTypeId": founder,
        "sourceEntityId": crm.companies,
        "sourceRecordIds": [crm.firms[0], crm.firms[0]],
        "targetEntityId": crm.people,
        "targetRecordIds": [crm.persons[1], crm.persons[0], crm.persons[1]],
    }
    # Repeated IDs count once; the pairs are stored in the type's orientation.
    assert body_of(owner.post("/relationships/bulk", json=body)) == {"created": 2, "skipped": 0}
    assert pairs(owner, founder) == {
        (crm.persons[0], crm.firms[0]),
        (crm.persons[1], crm.firms[0]),
    }
    forward = by_ids(
        crm, [crm.persons[0], crm.persons[2]], [crm.firms[0]], relationshipTypeId=founder
    )
    assert body_of(owner.post("/relationships/bulk", json=forward)) == {"created": 1, "skipped": 1}
    # Self-links (under a self-referencing type) are skipped and counted.
    knows = new_type(owner, "knows", crm.people, crm.people)["relationshipTypeId"]
    among = {
        "relationshipTypeId": knows,
        "sourceEntityId": crm.people,
        "sourceRecordIds": crm.persons[:2],
        "targetEntityId": crm.people,
        "targetRecordIds": crm.persons[:2],
    }
    assert body_of(owner.post("/relationships/bulk", json=among)) == {"created": 2, "skipped": 2}
    assert pairs(owner, knows) == {
        (crm.persons[0], crm.persons[1]),
        (crm.persons[1], crm.persons[0]),
    }


def test_refusals_write_nothing(crm: Crm, tenants: TenantFactory) -> None:
    owner = crm.tenant
    base = by_ids(crm, crm.persons, crm.firms)
    without_sources = {k: v for k, v in base.items() if k != "sourceRecordIds"}
    shapes: list[dict[str, Any]] = [
        without_sources,
        {**base, "sourceFilter": {"keyword": "a"}},
        {**base, "targetRecordIds": []},
        {**base, "sourceRecordIds": "CRMRC1"},
        {**base, "metadata": [1]},
        {**base, "metadata": {"k": "x" * 16 * 1024}},
        {k: v for k, v in base.items() if k != "targetRecordIds"},
        {**without_sources, "sourceFilter": {"filters": "{"}},
        {**without_sources, "sourceFilter": {"filters": "[1]"}},
        {**base, "targetRecordIds": ["x"] * 10_001},
    ]
    for body in shapes:
        error_of(owner.post("/relationships/bulk", json=body), 400, "ValidationError")
    # Any unknown, trashed or foreign record, among the sources or the targets: 404.
    trashed = record(owner, crm.people, "Gone")
    owner.delete(f"/records/{trashed}").raise_for_status()
    other = tenants.account()
    foreign = record(other, str(create(other, "people")["entityId"]), "Stranger")
    for missing in (UNKNOWN_RECORD, trashed, foreign):
        for body in (
            by_ids(crm, [*crm.persons, missing], crm.firms),
            by_ids(crm, crm.persons, [crm.firms[0], missing]),
        ):
            response = owner.post("/relationships/bulk", json=body)
            error_of(response, 404, "ResourceNotFound", f"Record '{missing}' was not found")
    # A record of the wrong entity is a 400; so is a pair of entities the type does not join.
    wrong = by_ids(crm, crm.persons, [crm.firms[0], crm.persons[0]])
    assert "targetRecordIds" in error_of(
        owner.post("/relationships/bulk", json=wrong), 400, "ValidationError"
    )
    unrelated = {**by_ids(crm, crm.persons, crm.persons), "targetEntityId": crm.people}
    error_of(owner.post("/relationships/bulk", json=unrelated), 400, "ValidationError")
    unknown_type = {**by_ids(crm, crm.persons, crm.firms), "relationshipTypeId": UNKNOWN_TYPE}
    error_of(owner.post("/relationships/bulk", json=unknown_type), 404, "ResourceNotFound")
    assert links_stored(owner) == 0


def test_more_than_10000_pairs_are_refused(crm: Crm, settings: Settings) -> None:
    owner = crm.tenant
    sources = insert_records(settings, owner, crm.people, [f"p{i}" for i in range(101)])
    targets = insert_records(settings, owner, crm.companies, [f"c{i}" for i in range(100)])
    too_many = "sources x targets must not exceed 10000 pairs"
    by_id = by_ids(crm, sources, targets)
    response = owner.post("/relationships/bulk", json=by_id)
    error_of(response, 400, "ValidationError", too_many)
    by_filter = {k: v for k, v in by_id.items() if k != "sourceRecordIds"}
    by_filter["sourceFilter"] = {"keyword": "p"}
    response = owner.post("/relationships/bulk", json=by_filter)
    error_of(response, 400, "ValidationError", too_many)
    assert links_stored(owner) == 0
    # Exactly 10,000 pairs are allowed (all exist already: skipped, but counted as pairs).
    link_every(settings, owner, crm.type_id, sources[:100], targets)
    allowed = by_ids(crm, sources[:100], targets)
    assert body_of(owner.post("/relationships/bulk", json=allowed)) == {
        "created": 0,
        "skipped": 10_000,
    }
    # By condition too: p0 ... p99 (not p100) x 100 targets.
    not_last = json.dumps({"name": {"op": "ne", "value": "p100"}})
    by_filter["sourceFilter"] = {"keyword": "p", "filters": not_last}
    assert body_of(owner.post("/relationships/bulk", json=by_filter)) == {
        "created": 0,
        "skipped": 10_000,
    }
    assert links_stored(owner) == 10_000


def test_sources_by_segment_keyword_and_filters(crm: Crm) -> None:
    owner = crm.tenant
    level = add(owner, crm.people, "Level", "TEXT")["propertyId"]
    senior = [record(owner, crm.people, n, data={level: "senior"}) for n in ("Sam", "Sue")]
    junior = record(owner, crm.people, "Sid", data={level: "junior"})
    gone = record(owner, crm.people, "Sal", data={level: "senior"})
    owner.delete(f"/records/{gone}").raise_for_status()
    segment = body_of(
        owner.post(
            "/segments",
            json={
                "entityId": crm.people,
                "name": "Seniors",
                "conditionGroup": {
                    "operator": "AND",
                    "conditions": [{"field": f"data.{level}", "operator": "eq", "value": "senior"}],
                },
            },
        )
    )["segmentId"]
    base = {k: v for k, v in by_ids(crm, [], [crm.firms[0]]).items() if k != "sourceRecordIds"}

    def linked_by(source_filter: dict[str, Any], type_name: str) -> set[str]:
        type_id = new_type(owner, type_name, crm.people, crm.companies)["relationshipTypeId"]
        body = {**base, "relationshipTypeId": type_id, "sourceFilter": source_filter}
        result = body_of(owner.post("/relationships/bulk", json=body))
        found = {source for source, _ in pairs(owner, type_id)}
        assert result == {"created": len(found), "skipped": 0}
        return found

    assert linked_by({"segmentId": segment}, "by segment") == set(senior)
    assert linked_by({"keyword": "s"}, "by keyword") == {*senior, junior}
    assert linked_by({"filters": json.dumps({level: "junior"})}, "by filters") == {junior}
    both = {"segmentId": segment, "keyword": "sue"}
    assert linked_by(both, "by segment and keyword") == {senior[1]}
    assert linked_by({}, "everyone") == {*crm.persons, *senior, junior}
    assert linked_by({"keyword": "nobody"}, "nobody") == set()
    # A segment of another entity cannot choose the sources.
    firms_segment = body_of(
        owner.post(
            "/segments",
            json={
                "entityId": crm.companies,
                "name": "All firms",
                "conditionGroup": {"operator": "AND", "conditions": []},
            },
        )
    )["segmentId"]
    wrong = {**base, "sourceFilter": {"segmentId": firms_segment}}
    error_of(owner.post("/relationships/bulk", json=wrong), 400, "ValidationError")
    unknown = {**base, "sourceFilter": {"segmentId": "CRMSG1260423081530123SGM11122233"}}
    error_of(owner.post("/relationships/bulk", json=unknown), 404, "ResourceNotFound")
