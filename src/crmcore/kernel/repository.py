"""Tenant-scoped repositories: the only way to start a query is already filtered by tenant."""

from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.orm import Session

from crmcore.kernel.context import Caller

M = TypeVar("M")


class AccountRepository(Generic[M]):
    model: ClassVar[type[Any]]

    def __init__(self, session: Session, caller: Caller) -> None:
        self.session = session
        self.account_id = caller.account_id
        self.workspace_id = caller.workspace_id

    def scope(self) -> ColumnElement[bool]:
        """The tenant filter every statement of this repository starts from."""
        model = self.model
        return and_(model.account_id == self.account_id, model.workspace_id == self.workspace_id)

    def select(self) -> Select[M]:
        return select(self.model).where(self.scope())

    def add(self, row: M) -> M:
        self.session.add(row)
        return row


def escape_like(value: str) -> str:
    """Make LIKE wildcards in user input match literally (used with ``escape="\\"``)."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
