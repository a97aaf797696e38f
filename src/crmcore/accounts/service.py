"""Creating tenants, members and keys: what the ``crmcore`` CLI administers."""

from dataclasses import dataclass

from sqlalchemy.orm import Session

from crmcore.accounts.repository import AdminRepository
from crmcore.kernel.errors import NotFound, ValidationError
from crmcore.kernel.ids import new_account_id, new_api_key, new_api_secret, new_member_id
from crmcore.kernel.secrets import SecretBox
from crmcore.kernel.wire import utc_now
from crmcore.models import Account, ApiKey, Member
from crmcore.models.account import (
    AccountStatus,
    KeyStatus,
    MemberStatus,
    PlanTier,
    Role,
)


@dataclass(frozen=True, slots=True)
class Credentials:
    member_id: str
    api_key: str
    api_secret: str


@dataclass(frozen=True, slots=True)
class NewAccount:
    account_id: str
    credentials: Credentials


def any_account(session: Session) -> bool:
    return AdminRepository(session).any_account()


def create_account(session: Session, box: SecretBox, tier: PlanTier) -> NewAccount:
    repository = AdminRepository(session)
    now = utc_now()
    account_id = new_account_id(now)
    while repository.account(account_id) is not None:
        account_id = new_account_id(now)
    repository.add(
        Account(
            account_id=account_id,
            tier=tier,
            status=AccountStatus.ACTIVE,
            limit_overrides={},
            plan_started_at=now,
            date_created=now,
        )
    )
    credentials = create_member(session, box, account_id, Role.OWNER)
    return NewAccount(account_id=account_id, credentials=credentials)


def create_member(
    session: Session, box: SecretBox, account_id: str, role: Role, workspace_id: str = ""
) -> Credentials:
    repository = AdminRepository(session)
    if repository.account(account_id) is None:
        raise NotFound(f"Account '{account_id}' was not found")
    member_id = new_member_id()
    repository.add(
        Member(
            account_id=account_id,
            member_id=member_id,
            workspace_id=workspace_id,
            role=role,
            status=MemberStatus.ACTIVE,
            date_created=utc_now(),
        )
    )
    return create_key(session, box, member_id)


def create_key(session: Session, box: SecretBox, member_id: str) -> Credentials:
    repository = AdminRepository(session)
    member = repository.member(member_id)
    if member is None:
        raise NotFound(f"Member '{member_id}' was not found")
    api_key, api_secret = new_api_key(), new_api_secret()
    repository.add(
        ApiKey(
            api_key=api_key,
            account_id=member.account_id,
            member_id=member.member_id,
            secret_encrypted=box.encrypt(api_secret),
            status=KeyStatus.ACTIVE,
            date_created=utc_now(),
        )
    )
    return Credentials(member_id=member.member_id, api_key=api_key, api_secret=api_secret)


def revoke_key(session: Session, api_key: str) -> None:
    key = AdminRepository(session).api_key(api_key)
    if key is None:
        raise NotFound(f"API key '{api_key}' was not found")
    key.status = KeyStatus.REVOKED
    key.date_revoked = utc_now()
    session.flush()


def set_plan(session: Session, account_id: str, tier: PlanTier) -> None:
    account = AdminRepository(session).account(account_id)
    if account is None:
        raise NotFound(f"Account '{account_id}' was not found")
    if account.tier != tier:
        account.tier = tier
        account.plan_started_at = utc_now()
    session.flush()


def set_member_status(session: Session, member_id: str, status: MemberStatus) -> None:
    member = AdminRepository(session).member(member_id)
    if member is None:
        raise NotFound(f"Member '{member_id}' was not found")
    if status not in MemberStatus:
        raise ValidationError(f"Unknown member status '{status}'")
    member.status = status
    session.flush()
