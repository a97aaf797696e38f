"""Tenants: accounts, their members and the members' API keys."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKeyConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from crmcore.models.base import Base
from crmcore.models.types import AccountIdType, Json, UtcDateTime


class PlanTier(StrEnum):
    FREE = "FREE"
    STARTER = "STARTER"
    PROFESSIONAL = "PROFESSIONAL"
    ENTERPRISE = "ENTERPRISE"


class AccountStatus(StrEnum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


class Role(StrEnum):
    OWNER = "OWNER"
    MEMBER = "MEMBER"


class MemberStatus(StrEnum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


class KeyStatus(StrEnum):
    ACTIVE = "ACTIVE"
    REVOKED = "REVOKED"


class Account(Base):
    __tablename__ = "accounts"

    account_id: Mapped[str] = mapped_column(AccountIdType(), primary_key=True)
    tier: Mapped[str] = mapped_column(String(16), default=PlanTier.FREE)
    status: Mapped[str] = mapped_column(String(16), default=AccountStatus.ACTIVE)
    # Per-account exceptions to the tier's limits, e.g. {"records.max": 5000000}.
    limit_overrides: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    plan_started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    date_created: Mapped[datetime] = mapped_column(UtcDateTime())


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (
        ForeignKeyConstraint(["account_id"], ["accounts.account_id"], ondelete="CASCADE"),
    )

    account_id: Mapped[str] = mapped_column(AccountIdType(), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(14), primary_key=True)
    # '' is the account itself; a named workspace separates a team's data inside the account.
    workspace_id: Mapped[str] = mapped_column(String(32), default="")
    role: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=MemberStatus.ACTIVE)
    name: Mapped[str | None] = mapped_column(String(100))
    date_created: Mapped[datetime] = mapped_column(UtcDateTime())


class ApiKey(Base):
    """Looked up by key on every request, so keyed by it: on Citus this is a reference table."""

    __tablename__ = "api_keys"
    __table_args__ = (
        ForeignKeyConstraint(
            ["account_id", "member_id"],
            ["members.account_id", "members.member_id"],
            ondelete="CASCADE",
        ),
        Index(None, "account_id", "member_id"),
    )

    api_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(AccountIdType())
    member_id: Mapped[str] = mapped_column(String(14))
    secret_encrypted: Mapped[str] = mapped_column(String(512))
    status: Mapped[str] = mapped_column(String(16), default=KeyStatus.ACTIVE)
    date_created: Mapped[datetime] = mapped_column(UtcDateTime())
    date_revoked: Mapped[datetime | None] = mapped_column(UtcDateTime())


class UsedSignature(Base):
    """The database replay store: a signature seen within its window may not be used again."""

    __tablename__ = "used_signatures"
    __table_args__ = (
        # Purging is global by time; Citus allows a non-unique index without the distribution key.
        Index(None, "expires_at"),
    )

    account_id: Mapped[str] = mapped_column(AccountIdType(), primary_key=True)
    signature: Mapped[str] = mapped_column(String(128), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
