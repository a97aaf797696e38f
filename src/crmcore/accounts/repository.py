"""Queries over accounts, members and API keys (administration, not tenant-scoped requests)."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from crmcore.models import Account, ApiKey, Member


class AdminRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def any_account(self) -> bool:
        return self.session.scalar(select(Account.account_id).limit(1)) is not None

    def account(self, account_id: str) -> Account | None:
        return self.session.get(Account, account_id)

    def member(self, member_id: str) -> Member | None:
        # Administrative lookup by member alone: a fan-out on Citus, fine for the CLI.
        return self.session.scalars(select(Member).where(Member.member_id == member_id)).first()

    def api_key(self, api_key: str) -> ApiKey | None:
        return self.session.get(ApiKey, api_key)

    def add(self, row: Account | Member | ApiKey) -> None:
        self.session.add(row)
        self.session.flush()
