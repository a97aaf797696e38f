"""A record's create by a key the server remembers: its signature is claimed, and the key's facts
checked, by the create's own insert. Whatever changed about the key since the server last read
it (revoked, deactivated, another role or plan) is answered at once, and nothing is written; a
create that fails for its own reasons still spends its signature. Each test first makes the
server remember the key (and its entity) with a create of its own."""

from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from crmcore.accounts import service as account_service
from crmcore.config import Settings
from crmcore.models import Member
from crmcore.models.account import MemberStatus, Role
from tests.auth.test_authentication import assert_error
from tests.builders import Tenant, TenantFactory, body_of
from tests.entities.test_entities_create_get import create
from tests.records.test_records_crud import set_records_max
from tests.signing import sign


def _create(tenant: Tenant, entity_id: str, name: str, **headers: str) -> Any:
    body = {"entityId": entity_id, "name": name}
    return tenant.client.post("/crm-core/v1/records", json=body, headers=headers or None)


def _remembered(tenant: Tenant, entity_id: str) -> None:
    """The server has read the key's row (and the entity) for a create of this key."""
    body_of(tenant.post("/records", json={"entityId": entity_id, "name": "first"}))


@pytest.fixture
def deals(owner: Tenant) -> str:
    entity_id = str(create(owner, "deals")["entityId"])
    _remembered(owner, entity_id)
    return entity_id


def test_creates_of_a_remembered_key_are_written_and_logged(owner: Tenant, deals: str) -> None:
    for index in range(3):
        created = body_of(owner.post("/records", json={"entityId": deals, "name": f"r{index}"}))
        logs = body_of(owner.get(f"/records/{created['recordId']}/logs"))
        assert [entry["action"] for entry in logs["data"]] == ["CREATE"]
    assert owner.factory.count_records(owner.account_id) == 4


def test_a_revoked_key_creates_nothing(owner: Tenant, deals: str, tenants: TenantFactory) -> None:
    tenants.revoke(owner.api_key)
    assert_error(
        owner.post("/records", json={"entityId": deals, "name": "x"}), 403, "InvalidAPIKey"
    )
    assert tenants.count_records(owner.account_id) == 1


def test_a_deactivated_member_creates_nothing_until_active_again(
    owner: Tenant, deals: str, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        account_service.set_member_status(session, owner.member_id, MemberStatus.INACTIVE)
    assert_error(owner.post("/records", json={"entityId": deals, "name": "x"}), 403, "Forbidden")
    assert owner.factory.count_records(owner.account_id) == 1
    with sessions.begin() as session:
        account_service.set_member_status(session, owner.member_id, MemberStatus.ACTIVE)
    body_of(owner.post("/records", json={"entityId": deals, "name": "y"}))
    assert owner.factory.count_records(owner.account_id) == 2


def test_a_lowered_quota_applies_to_the_next_create(
    owner: Tenant, deals: str, settings: Settings
) -> None:
    set_records_max(settings, owner.account_id, 1)
    refused = owner.post("/records", json={"entityId": deals, "name": "x"})
    assert_error(refused, 403, "PlanQuotaExceeded")
    assert owner.factory.count_records(owner.account_id) == 1


def test_a_demoted_owner_is_refused_an_admins_only_entity(
    owner: Tenant, sessions: sessionmaker[Session]
) -> None:
    admins = str(create(owner, "payroll", recordAccess="ADMIN_ONLY")["entityId"])
    second = owner.member(Role.OWNER)
    _remembered(second, admins)
    member = owner.member(Role.MEMBER)
    as_member = member.post("/records", json={"entityId": admins, "name": "x"})
    assert as_member.status_code >= 400
    with sessions.begin() as session:
        session.execute(
            update(Member).where(Member.member_id == second.member_id).values(role=Role.MEMBER)
        )
    demoted = second.post("/records", json={"entityId": admins, "name": "x"})
    assert (demoted.status_code, demoted.json()) == (as_member.status_code, as_member.json())
    assert owner.factory.count_records(owner.account_id) == 1


def test_the_same_header_creates_once(owner: Tenant, deals: str) -> None:
    authorization = sign(owner.api_key, owner.api_secret)
    assert _create(owner, deals, "once", Authorization=authorization).status_code == 200
    replayed = _create(owner, deals, "twice", Authorization=authorization)
    assert_error(replayed, 403, "DuplicatedSignature")
    assert owner.factory.count_records(owner.account_id) == 2


def test_authentication_comes_before_the_datas_validation(
    owner: Tenant, deals: str, tenants: TenantFactory
) -> None:
    tenants.revoke(owner.api_key)
    body = {"entityId": deals, "name": "x", "data": {"NOPE": 1}}
    assert_error(owner.post("/records", json=body), 403, "InvalidAPIKey")


def test_a_create_refused_for_its_data_spends_its_signature(owner: Tenant, deals: str) -> None:
    headers = {"Authorization": sign(owner.api_key, owner.api_secret)}
    invalid = {"entityId": deals, "name": "x", "data": {"NOPE": 1}}
    refused = owner.client.post("/crm-core/v1/records", json=invalid, headers=headers)
    assert_error(refused, 400, "ValidationError")
    assert_error(_create(owner, deals, "valid", **headers), 403, "DuplicatedSignature")
    assert owner.factory.count_records(owner.account_id) == 1


def test_a_create_into_an_entity_not_yet_seen_spends_its_signature(
    owner: Tenant, deals: str
) -> None:
    """The entity is read before the insert: the claim runs first, in the same transaction."""
    other = str(create(owner, "leads")["entityId"])
    headers = {"Authorization": sign(owner.api_key, owner.api_secret)}
    assert _create(owner, other, "first lead", **headers).status_code == 200
    assert_error(_create(owner, other, "again", **headers), 403, "DuplicatedSignature")
    assert owner.factory.count_records(owner.account_id) == 2


def test_a_revoked_key_creates_nothing_in_an_entity_not_yet_seen(
    owner: Tenant, deals: str, tenants: TenantFactory
) -> None:
    """The entity's read comes first: the claim runs before it, and finds the key gone."""
    other = str(create(owner, "leads")["entityId"])
    tenants.revoke(owner.api_key)
    assert_error(
        owner.post("/records", json={"entityId": other, "name": "x"}), 403, "InvalidAPIKey"
    )
    assert tenants.count_records(owner.account_id) == 1
