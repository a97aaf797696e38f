"""Who counts as a member of the caller's tenant (owners of entities and records must be one)."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from crmcore.kernel.context import Caller
from crmcore.models import Member
from crmcore.models.account import MemberStatus


def is_active_member(session: Session, caller: Caller, member_id: str) -> bool:
    statement = select(Member.member_id).where(
        Member.account_id == caller.account_id,
        Member.workspace_id == caller.workspace_id,
        Member.member_id == member_id,
        Member.status == MemberStatus.ACTIVE,
    )
    return session.scalar(statement) is not None
