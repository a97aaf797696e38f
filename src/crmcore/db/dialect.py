"""The only module that branches on the database dialect."""

from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from crmcore.models import Account


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert_ignoring_conflicts(session: Session, table: Table, values: dict[str, Any]) -> bool:
    """Insert one row unless it violates a unique constraint; return whether it was inserted."""
    insert = pg_insert if is_postgresql(session) else sqlite_insert
    first_column = next(iter(table.primary_key.columns))
    # RETURNING, not rowcount: psycopg reports -1 for INSERT ... ON CONFLICT DO NOTHING.
    statement = insert(table).values(**values).on_conflict_do_nothing().returning(first_column)
    return session.execute(statement).first() is not None


def lock_account(session: Session, account_id: str) -> None:
    """Serialise quota-bound writes of one account until the transaction ends.

    PostgreSQL takes a row lock; SQLite transactions already hold the database write lock
    (they begin IMMEDIATE), so a plain read is enough there.
    """
    statement = select(Account.account_id).where(Account.account_id == account_id)
    if is_postgresql(session):
        statement = statement.with_for_update()
    session.execute(statement)
