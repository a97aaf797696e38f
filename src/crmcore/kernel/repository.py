"""Tenant-scoped repositories: the only way to start a query is already filtered by tenant."""

from typing import Any, ClassVar, Generic, Literal, TypeVar

from sqlalchemy import ColumnElement, Select, and_, bindparam, select
from sqlalchemy.orm import Session

from crmcore.kernel.context import Caller

M = TypeVar("M")

#: How ``get(..., lock=True)`` locks the row until commit. "no key update" where other rows
#: point at it by foreign key (their inserts take KEY SHARE and must not wait for the lock).
RowLock = Literal["update", "no key update"]

_BY_KEY: dict[tuple[type[Any], bool], Select[Any]] = {}


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

    @staticmethod
    def bound_scope(model: Any) -> ColumnElement[bool]:
        """``scope()`` with bound parameters, for statements built once and run with
        ``scope_parameters()``."""
        return and_(
            model.account_id == bindparam("account_id"),
            model.workspace_id == bindparam("workspace_id"),
        )

    def scope_parameters(self, **more: Any) -> dict[str, Any]:
        return {"account_id": self.account_id, "workspace_id": self.workspace_id, **more}

    #: The column naming one row inside the tenant (used by ``get``), and the lock it takes.
    key: ClassVar[Any] = None
    row_lock: ClassVar[RowLock] = "update"

    def get(self, key: str, *, lock: bool = False) -> M | None:
        """The tenant's row with this key. ``lock``: the row stays locked until commit and is
        read afresh, so a change derived from it is never written over a concurrent one.

        The statement is built once per repository class: constructing and cache-keying a
        statement cost more than running it, and these lookups start most requests."""
        statement = _BY_KEY.get((type(self), lock))
        if statement is None:
            model = self.model
            statement = select(model).where(
                self.bound_scope(model),
                type(self).key == bindparam("key"),  # not self.key: a descriptor
            )
            if lock:
                statement = statement.with_for_update(
                    key_share=self.row_lock == "no key update"
                ).execution_options(populate_existing=True)
            _BY_KEY[(type(self), lock)] = statement
        parameters = self.scope_parameters(key=key)
        found: M | None = self.session.scalars(statement, parameters).one_or_none()
        return found

    def add(self, row: M) -> M:
        self.session.add(row)
        return row


def escape_like(value: str) -> str:
    """Make LIKE wildcards in user input match literally (used with ``escape="\\"``)."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
