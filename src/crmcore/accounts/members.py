"""Who counts as a member of the caller's tenant (owners of entities and records must be one)."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from crmcore.kernel.context import Caller
from crmcore.models import Account, Member
from crmcore.models.account import AccountStatus, MemberStatus, PlanTier, Role


def is_active_member(session: Session, caller: Caller, member_id: str) -> bool:
    if member_id == caller.member_id:
        return True  # authenticated as an active member of this workspace just now
    statement = select(Member.member_id).where(
        Member.account_id == caller.account_id,
        Member.workspace_id == caller.workspace_id,
        Member.member_id == member_id,
        Member.status == MemberStatus.ACTIVE,
    )
    return session.scalar(statement) is not None


def active_caller(session: Session, account_id: str, member_id: str) -> Caller | None:
    """The Caller a member acts as when no request is involved (background jobs, the CLI);
    ``None`` once the member or the account is no longer active."""
    row = session.execute(
        select(Member, Account)
        .join(Account, Account.account_id == Member.account_id)
        .where(Member.account_id == account_id, Member.member_id == member_id)
    ).one_or_none()
    if row is None or row.Member.status != MemberStatus.ACTIVE:
        return None
    if row.Account.status != AccountStatus.ACTIVE:
        return None
    return Caller(
        account_id=account_id,
        workspace_id=row.Member.workspace_id,
        member_id=member_id,
        role=Role(row.Member.role),
        tier=PlanTier(row.Account.tier),
        limit_overrides=dict(row.Account.limit_overrides or {}),
    )


def first_owner(session: Session, account_id: str) -> str | None:
    """The account's earliest active OWNER (whom the CLI acts as)."""
    return session.scalar(
        select(Member.member_id)
        .where(
            Member.account_id == account_id,
            Member.role == Role.OWNER,
            Member.status == MemberStatus.ACTIVE,
        )
        .order_by(Member.date_created)
        .limit(1)
    )


def active_members(session: Session, caller: Caller, member_ids: set[str]) -> set[str]:
    """Which of ``member_ids`` are active members of the caller's tenant (one query)."""
    if not member_ids:
        return set()
    statement = select(Member.member_id).where(
        Member.account_id == caller.account_id,
        Member.workspace_id == caller.workspace_id,
        Member.member_id.in_(sorted(member_ids)),
        Member.status == MemberStatus.ACTIVE,
    )
    return set(session.scalars(statement))
