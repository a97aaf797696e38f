"""What every service call receives: the unit of work, who is calling, and when."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from crmcore.config import Settings
from crmcore.db.session import UnitOfWork
from crmcore.kernel.errors import Forbidden
from crmcore.kernel.pagination import CursorCodec
from crmcore.models.account import PlanTier, Role
from crmcore.storage import BlobStore, FileLinks


@dataclass(frozen=True, slots=True)
class Caller:
    account_id: str
    workspace_id: str
    member_id: str
    role: Role
    tier: PlanTier
    #: The account's per-limit overrides of its tier (read with the key, so quota checks need
    #: no second read of the account).
    limit_overrides: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_owner(self) -> bool:
        return self.role is Role.OWNER


class IndexMaintenance(Protocol):
    """Schema work that runs after commit, outside the request (see properties/indexing.py)."""

    def rebuild(self, prop: Any, *, drop_first: bool) -> None: ...

    def drop(self, account_id: str, property_id: str) -> None: ...

    def entity_grew(self, account_id: str, entity_id: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Context:
    uow: UnitOfWork
    caller: Caller
    now: datetime
    cursors: CursorCodec
    indexes: IndexMaintenance
    settings: Settings
    blobs: BlobStore
    links: FileLinks

    @property
    def session(self) -> Session:
        return self.uow.session

    def require_owner(self, action: str) -> None:
        """THE rule for OWNER-only actions (403 ``Forbidden`` for a MEMBER)."""
        if not self.caller.is_owner:
            raise Forbidden(f"Only a CRM OWNER may {action}")
