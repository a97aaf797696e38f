"""recordAccess: a MEMBER never sees (nor touches) a relationship of a record hidden from it."""

from dataclasses import dataclass

import pytest

from crmcore.models.account import Role
from tests.builders import Tenant
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
)


@dataclass(frozen=True)
class Vault:
    """An ENTITY_OWNER_ONLY entity of ``keeper``, with records owned by the keeper, by nobody
    and by a colleague (hidden from the keeper), each linked to Alice by "holds"."""

    entity: str
    type_id: str
    keeper: Tenant
    colleague: Tenant
    mine: str
    unowned: str
    theirs: str
    links: dict[str, str]  # record ID -> relationship ID


@pytest.fixture
def vault(crm: Crm) -> Vault:
    owner = crm.tenant
    keeper = owner.member(Role.MEMBER)
    colleague = owner.member(Role.MEMBER)
    entity = str(
        create(owner, "vault", recordAccess="ENTITY_OWNER_ONLY", ownerId=keeper.member_id)[
            "entityId"
        ]
    )
    holds = new_type(owner, "holds", crm.people, entity)["relationshipTypeId"]
    mine = record(owner, entity, "Gold", ownerId=keeper.member_id)
    unowned = record(owner, entity, "Silver", ownerId=None)
    theirs = record(owner, entity, "Gold", ownerId=colleague.member_id)
    links = {
        target: body_of(
            owner.post("/relationships", json=link_body(holds, crm.person(0), (entity, target)))
        )["relationshipId"]
        for target in (mine, unowned, theirs)
    }
    return Vault(entity, holds, keeper, colleague, mine, unowned, theirs, links)


def test_the_entity_owner_sees_only_links_of_records_it_may_see(crm: Crm, vault: Vault) -> None:
    employed = crm.employ(0, 0)["relationshipId"]
    keeper = vault.keeper
    visible = {vault.links[vault.mine], vault.links[vault.unowned]}
    hidden = vault.links[vault.theirs]
    assert set(every(keeper)) == {*visible, employed}
    assert set(every(keeper, entityId=vault.entity)) == visible
    assert set(every(keeper, recordId=crm.persons[0])) == {*visible, employed}
    related = every(keeper, f"/relationships/record/{crm.persons[0]}")
    assert set(related) == {*visible, employed}
    of_type = body_of(keeper.get(f"/relationships/type/{vault.type_id}"))
    assert {item["relationshipId"] for item in of_type} == visible
    for link_id in visible:
        body_of(keeper.get(f"/relationships/{link_id}"))

    path = f"/relationships/{hidden}"
    error_of(keeper.get(path), 404, "ResourceNotFound", f"Relationship '{hidden}' was not found")
    error_of(keeper.patch(path, json={"metadata": {"x": 1}}), 404, "ResourceNotFound")
    error_of(keeper.delete(path), 404, "ResourceNotFound")
    error_of(keeper.get(f"/relationships/record/{vault.theirs}"), 404, "ResourceNotFound")
    error_of(
        keeper.get("/relationships/list", params={"recordId": vault.theirs}),
        404,
        "ResourceNotFound",
    )
    # Untouched: the OWNER still sees all three.
    assert body_of(crm.tenant.get(path))["metadata"] == {}
    assert set(every(crm.tenant, entityId=vault.entity)) == set(vault.links.values())


def test_the_entity_owner_cannot_link_records_it_may_not_see(crm: Crm, vault: Vault) -> None:
    keeper = vault.keeper
    body = link_body(vault.type_id, crm.person(1), (vault.entity, vault.theirs))
    error_of(
        keeper.post("/relationships", json=body),
        404,
        "ResourceNotFound",
        f"Record '{vault.theirs}' was not found",
    )
    bulk = {
        "relationshipTypeId": vault.type_id,
        "sourceEntityId": crm.people,
        "sourceRecordIds": crm.persons[1:],
        "targetEntityId": vault.entity,
        "targetRecordIds": [vault.mine, vault.theirs],
    }
    error_of(keeper.post("/relationships/bulk", json=bulk), 404, "ResourceNotFound")
    assert links_stored(crm.tenant) == 3
    # Matching by name: "Gold" is the name of a record it sees and of one it does not.
    goldie = record(crm.tenant, crm.people, "gold")
    match = {
        "relationshipTypeId": vault.type_id,
        "sourceEntityId": crm.people,
        "sourceRecordIds": [goldie],
        "criteria": [{"myField": {"type": "name"}, "counterField": {"type": "name"}}],
        "matchMode": "ALL",
    }
    assert body_of(keeper.post("/relationships/bulk-match", json=match)) == {
        "matched": 1,
        "created": 1,
        "skipped": 0,
    }
    assert every(crm.tenant, recordId=goldie) == every(keeper, recordId=goldie)
    assert (
        body_of(keeper.get("/relationships/list", params={"recordId": goldie}))["data"][0][
            "targetRecordId"
        ]
        == vault.mine
    )


def test_a_member_without_access_to_the_entity_sees_none_of_it(crm: Crm, vault: Vault) -> None:
    employed = crm.employ(0, 0)["relationshipId"]
    colleague = vault.colleague
    types = [t["relationshipTypeId"] for t in body_of(colleague.get("/relationships/types"))]
    assert types == [crm.type_id]
    error_of(
        colleague.get("/relationships/types", params={"entityId": vault.entity}), 403, "Forbidden"
    )
    error_of(colleague.get(f"/relationships/types/{vault.type_id}"), 403, "Forbidden")
    error_of(colleague.get(f"/relationships/type/{vault.type_id}"), 403, "Forbidden")
    error_of(
        colleague.get("/relationships/list", params={"entityId": vault.entity}), 403, "Forbidden"
    )
    assert every(colleague) == [employed]
    assert every(colleague, f"/relationships/record/{crm.persons[0]}") == [employed]
    for link_id in vault.links.values():
        error_of(colleague.get(f"/relationships/{link_id}"), 404, "ResourceNotFound")
        error_of(colleague.delete(f"/relationships/{link_id}"), 404, "ResourceNotFound")
    body = link_body(vault.type_id, crm.person(1), (vault.entity, vault.unowned))
    error_of(colleague.post("/relationships", json=body), 403, "Forbidden")
    error_of(
        colleague.patch(f"/relationships/types/{vault.type_id}", json={"name": "x"}),
        403,
        "Forbidden",
    )
    assert links_stored(crm.tenant) == 4

    # An ADMIN_ONLY entity is the same for every MEMBER.
    owner = crm.tenant
    ledger = str(create(owner, "ledger", recordAccess="ADMIN_ONLY")["entityId"])
    audited = new_type(owner, "audited", crm.companies, ledger)["relationshipTypeId"]
    entry = record(owner, ledger, "2026")
    audit = body_of(
        owner.post("/relationships", json=link_body(audited, crm.firm(0), (ledger, entry)))
    )
    for member in (vault.keeper, colleague):
        error_of(member.get(f"/relationships/types/{audited}"), 403, "Forbidden")
        error_of(member.get(f"/relationships/{audit['relationshipId']}"), 404, "ResourceNotFound")
        assert audit["relationshipId"] not in every(member)
        response = member.post(
            "/relationships/types",
            json={"name": "x", "sourceEntityId": crm.people, "targetEntityId": ledger},
        )
        error_of(response, 403, "Forbidden")
    assert audit["relationshipId"] in every(owner)
