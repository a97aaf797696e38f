"""Another tenant's IDs answer 404 wherever they appear (path, body, query), and write nothing."""

from typing import Any

from crmcore.config import Settings
from crmcore.models.account import Role
from tests.builders import Tenant, TenantFactory
from tests.entities.test_entities_create_get import create
from tests.relationships.helpers import (
    UNKNOWN_ENTITY,
    Crm,
    body_of,
    build_crm,
    error_of,
    every,
    link_body,
    links_stored,
    new_type,
    record,
    usage,
)


def snapshot(tenant: Tenant, crm: Crm) -> Any:
    return (
        body_of(tenant.get("/relationships/types")),
        body_of(tenant.get(f"/relationships/type/{crm.type_id}")),
        usage(tenant),
    )


def test_paths_and_filters_with_another_tenants_ids_are_404(
    crm: Crm, tenants: TenantFactory, settings: Settings
) -> None:
    owner = crm.tenant
    link = crm.employ(0, 0, metadata={"secret": True})
    intruder = tenants.account()
    mine = build_crm(intruder, settings)
    before = snapshot(owner, crm)
    type_path = f"/relationships/types/{crm.type_id}"
    link_path = f"/relationships/{link['relationshipId']}"
    attempts = {
        "get type": intruder.get(type_path),
        "rename type": intruder.patch(type_path, json={"name": "pwned"}),
        "delete type": intruder.delete(type_path),
        "of type": intruder.get(f"/relationships/type/{crm.type_id}"),
        "get link": intruder.get(link_path),
        "update link": intruder.patch(link_path, json={"metadata": {}}),
        "delete link": intruder.delete(link_path),
        "related": intruder.get(f"/relationships/record/{crm.persons[0]}"),
    }
    for what, response in attempts.items():
        assert response.status_code == 404, what
        assert response.json()["errorCode"] == "ResourceNotFound", what
    # Exactly like IDs that do not exist at all.
    assert attempts["get link"].json()["errorMessage"] == (
        f"Relationship '{link['relationshipId']}' was not found"
    )
    assert snapshot(owner, crm) == before
    assert body_of(intruder.get("/relationships/types")) == [
        body_of(intruder.get(f"/relationships/types/{mine.type_id}"))
    ]
    assert every(intruder) == []
    # Query filters.
    mine.employ(0, 0)
    for params in (
        {"relationshipTypeId": crm.type_id},
        {"entityId": crm.people},
        {"recordId": crm.persons[0]},
        {"recordId": mine.persons[0], "entityId": crm.companies},
        {"recordId": mine.persons[0], "relationshipTypeId": crm.type_id},
    ):
        error_of(intruder.get("/relationships/list", params=params), 404, "ResourceNotFound")
    related = f"/relationships/record/{mine.persons[0]}"
    error_of(
        intruder.get(related, params={"relationshipTypeId": crm.type_id}), 404, "ResourceNotFound"
    )
    # An entity filter of the type list shows nothing of the other tenant.
    error_of(
        intruder.get("/relationships/types", params={"entityId": crm.people}),
        404,
        "ResourceNotFound",
    )
    # The owner's cursor does not page the intruder's list.
    crm.employ(1, 0)
    cursor = body_of(owner.get("/relationships/list", params={"limit": 1}))["nextKey"]
    error_of(
        intruder.get("/relationships/list", params={"startKey": cursor}), 400, "ValidationError"
    )
    # An OWNER of the same account sees everything.
    colleague = owner.member(Role.OWNER)
    assert body_of(colleague.get(link_path))["metadata"] == {"secret": True}


def test_bodies_with_another_tenants_ids_are_404_and_write_nothing(
    crm: Crm, tenants: TenantFactory, settings: Settings
) -> None:
    owner = crm.tenant
    intruder = tenants.account()
    mine = build_crm(intruder, settings)
    theirs = {"type": crm.type_id, "people": crm.people, "companies": crm.companies}
    refused = [
        link_body(theirs["type"], mine.person(0), mine.firm(0)),
        link_body(mine.type_id, (mine.people, crm.persons[0]), mine.firm(0)),
        link_body(mine.type_id, mine.person(0), (mine.companies, crm.firms[0])),
    ]
    for body in refused:
        error_of(intruder.post("/relationships", json=body), 404, "ResourceNotFound")
    # Their entity ID answers exactly as an unknown entity does: 404, revealing nothing.
    foreign_entity = intruder.post(
        "/relationships", json=link_body(mine.type_id, crm.person(0), mine.firm(0))
    )
    unknown_entity = intruder.post(
        "/relationships",
        json=link_body(mine.type_id, (UNKNOWN_ENTITY, crm.persons[0]), mine.firm(0)),
    )
    error_of(foreign_entity, 404, "ResourceNotFound")
    error_of(unknown_entity, 404, "ResourceNotFound")
    assert foreign_entity.json()["errorMessage"] == unknown_entity.json()["errorMessage"].replace(
        UNKNOWN_ENTITY, crm.people
    )
    type_body = {"name": "steal", "sourceEntityId": mine.people, "targetEntityId": theirs["people"]}
    error_of(intruder.post("/relationships/types", json=type_body), 404, "ResourceNotFound")

    bulk: dict[str, Any] = {
        "relationshipTypeId": mine.type_id,
        "sourceEntityId": mine.people,
        "sourceRecordIds": mine.persons,
        "targetEntityId": mine.companies,
        "targetRecordIds": mine.firms,
    }
    for change in (
        {"sourceRecordIds": [*mine.persons, crm.persons[0]]},
        {"targetRecordIds": [mine.firms[0], crm.firms[0]]},
        {"relationshipTypeId": crm.type_id},
    ):
        error_of(
            intruder.post("/relationships/bulk", json={**bulk, **change}), 404, "ResourceNotFound"
        )
    by_segment = {k: v for k, v in bulk.items() if k != "sourceRecordIds"}
    segment = body_of(
        owner.post(
            "/segments",
            json={
                "entityId": crm.people,
                "name": "All",
                "conditionGroup": {"operator": "AND", "conditions": []},
            },
        )
    )["segmentId"]
    by_segment["sourceFilter"] = {"segmentId": segment}
    error_of(intruder.post("/relationships/bulk", json=by_segment), 404, "ResourceNotFound")
    match = {
        "relationshipTypeId": mine.type_id,
        "sourceEntityId": mine.people,
        "criteria": [{"myField": {"type": "name"}, "counterField": {"type": "name"}}],
        "matchMode": "ALL",
    }
    match_changes: list[dict[str, Any]] = [
        {"sourceRecordIds": [mine.persons[0], crm.persons[0]]},
        {"sourceRecordIds": mine.persons, "relationshipTypeId": crm.type_id},
        {"sourceFilter": {"segmentId": segment}},
    ]
    for change in match_changes:
        response = intruder.post("/relationships/bulk-match", json={**match, **change})
        error_of(response, 404, "ResourceNotFound")
    assert links_stored(intruder) == 0
    assert links_stored(owner) == 0


def test_workspaces_separate_relationships_inside_one_account(crm: Crm) -> None:
    crm.employ(0, 0)
    team = crm.tenant.member(Role.OWNER, workspace_id="WS1")
    assert body_of(team.get("/relationships/types")) == []
    assert every(team) == []
    error_of(team.get(f"/relationships/types/{crm.type_id}"), 404, "ResourceNotFound")
    error_of(team.get(f"/relationships/record/{crm.persons[0]}"), 404, "ResourceNotFound")
    # The same names are free in the workspace, for its own entities and records.
    people = str(create(team, "people")["entityId"])
    companies = str(create(team, "companies")["entityId"])
    employment = new_type(team, "employment", people, companies)
    assert employment["workspaceId"] == "WS1"
    pair = ((people, record(team, people, "Kim")), (companies, record(team, companies, "Ace")))
    link = body_of(
        team.post("/relationships", json=link_body(employment["relationshipTypeId"], *pair))
    )
    assert link["workspaceId"] == "WS1"
    error_of(crm.tenant.get(f"/relationships/{link['relationshipId']}"), 404, "ResourceNotFound")
    assert len(every(crm.tenant)) == 1
    assert every(team) == [link["relationshipId"]]
