"""The only module that branches on the database dialect."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from crmcore.models import Account, Record


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


#: Arbitrary constant naming the advisory lock that serialises schema migrations.
_MIGRATION_LOCK = 72_616_377


@contextmanager
def migration_lock(connection: Connection) -> Iterator[None]:
    """Several servers starting at once must not run the migration chain concurrently.

    PostgreSQL: a session advisory lock. SQLite: the first migration statement takes the database
    write lock, which already serialises them.
    """
    if connection.dialect.name != "postgresql":
        yield
        return
    connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _MIGRATION_LOCK})
    connection.commit()
    try:
        yield
    finally:
        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _MIGRATION_LOCK})
        connection.commit()


def record_has_value(session: Session, property_id: str) -> ColumnElement[bool]:
    """``records.data`` holds a value for the property (property IDs are alphanumeric)."""
    if is_postgresql(session):
        return Record.data.op("?")(property_id)
    return func.json_type(Record.data, f"$.{property_id}").is_not(None)
