"""The only module that branches on the database dialect."""

import hashlib
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import (
    ARRAY,
    JSON,
    Boolean,
    ColumnElement,
    Connection,
    Table,
    Text,
    cast,
    exists,
    func,
    literal,
    select,
    text,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from crmcore.models import Account, Record


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


_INSERTS_IGNORING_CONFLICTS: dict[tuple[bool, Table], Any] = {}


def insert_ignoring_conflicts(session: Session, table: Table, values: dict[str, Any]) -> bool:
    """Insert one row unless it violates a unique constraint; return whether it was inserted.

    The statement is built once per table and database (every request inserts its signature
    through here) and runs on the session's connection, past the ORM's execution layer.
    """
    postgresql = is_postgresql(session)
    statement = _INSERTS_IGNORING_CONFLICTS.get((postgresql, table))
    if statement is None:
        insert = pg_insert if postgresql else sqlite_insert
        first_column = next(iter(table.primary_key.columns))
        # RETURNING, not rowcount: psycopg reports -1 for INSERT ... ON CONFLICT DO NOTHING.
        statement = insert(table).on_conflict_do_nothing().returning(first_column)
        _INSERTS_IGNORING_CONFLICTS[(postgresql, table)] = statement
    return session.connection().execute(statement, values).first() is not None


def insert_many_ignoring_conflicts(
    session: Session, table: Table, rows: list[dict[str, Any]]
) -> int:
    """Insert rows, skipping those that violate a unique constraint; return how many went in.

    One executemany: SQLAlchemy batches it into multi-row INSERTs compiled once
    ("insertmanyvalues"), measured 2.5x faster on PostgreSQL and 15x on SQLite (10,000 rows)
    than building a statement per chunk.
    """
    if not rows:
        return 0
    insert = pg_insert if is_postgresql(session) else sqlite_insert
    first_column = next(iter(table.primary_key.columns))
    statement = insert(table).on_conflict_do_nothing().returning(first_column)
    return len(session.execute(statement, rows).all())


def _copy_escaped(text: str) -> str:
    """COPY's text format: backslash, tab, newline and carriage return are escaped.

    ``str.replace`` scans in C and returns the string itself when there is nothing to replace;
    ``str.translate`` looked each character up in a dict and was a third of an import's CPU."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_text(value: Any, as_json: bool) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if as_json:
        # JSON escapes every control character, so only its backslashes need doubling.
        return orjson.dumps(value).decode().replace("\\", "\\\\")
    if isinstance(value, str):
        return _copy_escaped(value)
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return _copy_escaped(str(value))


class BulkRows:
    """New rows of one table, prepared for one bulk write away from any session (an import
    prepares them on its reader thread): COPY text lines for PostgreSQL, so that writing them is
    one call that leaves the interpreter free; plain rows for SQLite's executemany.

    ``constants``: the columns every row of the batch shares (the tenant, the timestamps...),
    written into each line's template once; ``add`` then takes the other columns only, which
    cut the cost of a records line by more than half (it runs for every imported row).
    """

    def __init__(
        self, table: Table, *, postgresql: bool, constants: dict[str, Any] | None = None
    ) -> None:
        self.table = table
        self.postgresql = postgresql
        self.columns = [column.name for column in table.columns]
        self.constants = constants or {}
        json_columns = {column.name for column in table.columns if isinstance(column.type, JSON)}
        self._varying = [(name, name in json_columns) for name in self.columns
                         if name not in self.constants]  # fmt: skip
        # The line with a {} for each varying column (braces of constant text doubled).
        self._template = "\t".join(
            "{}" if name not in self.constants
            else _copy_text(self.constants[name], name in json_columns).replace("{", "{{")
            .replace("}", "}}")
            for name in self.columns
        ) + "\n"  # fmt: skip
        self.lines: list[str] = []
        self.rows: list[dict[str, Any]] = []

    def add(self, row: dict[str, Any]) -> None:
        """One row: every column but the constants."""
        if not self.postgresql:
            self.rows.append({**self.constants, **row})
            return
        self.lines.append(
            self._template.format(
                *[_copy_text(row[name], as_json) for name, as_json in self._varying]
            )
        )

    def write(self, session: Session, keep: Sequence[int] | None = None) -> None:
        """Insert the rows (only those at the ``keep`` positions, if given) in the session's
        transaction."""
        if not self.postgresql:
            rows = self.rows if keep is None else [self.rows[i] for i in keep]
            if rows:
                session.execute(self.table.insert(), rows)
            return
        lines = self.lines if keep is None else [self.lines[i] for i in keep]
        if not lines:
            return
        raw = session.connection().connection.driver_connection
        statement = f"COPY {self.table.name} ({', '.join(self.columns)}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
            copy.write("".join(lines))


def lock_account(session: Session, account_id: str) -> None:
    """Serialise quota-bound writes of one account until the transaction ends.

    PostgreSQL takes a row lock; SQLite transactions already hold the database write lock
    (they begin IMMEDIATE), so a plain read is enough there. ``FOR NO KEY UPDATE``, not ``FOR
    UPDATE``: the foreign-key checks of rows that reference the account (an entity updated twice
    in one transaction) take ``KEY SHARE`` on it, which ``FOR UPDATE`` would block (deadlocks
    between a property create and a property delete of one entity).
    """
    statement = select(Account.account_id).where(Account.account_id == account_id)
    if is_postgresql(session):
        statement = statement.with_for_update(key_share=True)
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


def record_has_value(session: Session, data_key: str) -> ColumnElement[bool]:
    """``records.data`` holds a value under the key (a property's ``data_key``)."""
    return json_access(session).has(Record.data, data_key)


class JsonAccess:
    """How record values inside a JSON column are read and compared, per database.

    SQLite reads them with JSON1 (``json_extract``, ``json_each``); PostgreSQL with JSONB
    operators, using containment (``@>``) for equality so the GIN index of a large entity's values
    serves it. Keys are properties' ``data_key``s, resolved against the entity's properties first.
    """

    postgresql: bool

    def __init__(self, postgresql: bool) -> None:
        self.postgresql = postgresql

    @staticmethod
    def _jsonb(column: Any) -> Any:
        # The column type is JSON-with-a-JSONB-variant; expressions need JSONB's operators.
        return type_coerce(column, JSONB)

    def text(self, column: Any, key: str) -> ColumnElement[Any]:
        """The value as SQL text (strings) or number (SQLite numbers)."""
        if self.postgresql:
            return self._jsonb(column)[key].astext  # type: ignore[no-any-return]
        return func.json_extract(column, f"$.{key}")

    def sortable(self, column: Any, key: str, numeric: bool) -> ColumnElement[Any]:
        """An expression that orders values of one kind correctly (numbers numerically,
        ISO dates and strings by code point)."""
        if self.postgresql:
            if numeric:
                # ``->``, not SQLAlchemy's ``data[key]``: PostgreSQL 14+ subscripting is another
                # expression to the planner, which then never matches the property's index.
                return self._jsonb(column).op("->", return_type=JSONB)(key)  # type: ignore[no-any-return]
            return self._jsonb(column)[key].astext.collate("C")  # type: ignore[no-any-return]
        return func.json_extract(column, f"$.{key}")

    def comparable(self, value: Any) -> Any:
        """A number or boolean to compare with ``sortable(..., numeric=True)``: on PostgreSQL a
        jsonb parameter, sent once (``to_jsonb(:value)`` is STABLE, so the database would call
        it again for every row it filters: a quarter of a count's time over 1M records)."""
        if self.postgresql:
            return literal(value, JSONB)
        return value

    def code_point_order(self, expression: Any) -> Any:
        """Text ordered by code point on every database (SQLite's default; PostgreSQL's "C")."""
        return expression.collate("C") if self.postgresql else expression

    def has(self, column: Any, key: str) -> ColumnElement[bool]:
        if self.postgresql:
            return self._jsonb(column).op("?", return_type=Boolean)(key)  # type: ignore[no-any-return]
        return func.json_type(column, f"$.{key}").is_not(None)

    def equals(self, column: Any, key: str, value: Any) -> ColumnElement[bool]:
        if self.postgresql:
            return self._jsonb(column).contains({key: value})  # type: ignore[no-any-return]
        condition: ColumnElement[bool] = func.json_extract(column, f"$.{key}") == _sqlite_scalar(
            value
        )
        return condition

    def array_not_empty(self, column: Any) -> ColumnElement[bool]:
        length = (
            func.jsonb_array_length(column) if self.postgresql else func.json_array_length(column)
        )
        condition: ColumnElement[bool] = func.coalesce(length, 0) > 0
        return condition

    def array_has_any(self, column: Any, key: str | None, values: list[Any]) -> ColumnElement[bool]:
        """A JSON array (at ``key``, or the column itself) shares an element with ``values``."""
        if self.postgresql:
            jsonb = self._jsonb(column)
            target = jsonb if key is None else jsonb[key]
            if len(values) == 1:
                return target.contains([values[0]])  # type: ignore[no-any-return]
            return target.op("?|", return_type=Boolean)(cast(values, ARRAY(Text())))  # type: ignore[no-any-return]
        path = "$" if key is None else f"$.{key}"
        elements = func.json_each(column, path).table_valued("value").alias("element")
        return exists(select(literal(1)).select_from(elements).where(elements.c.value.in_(values)))


def _sqlite_scalar(value: Any) -> Any:
    # json_extract returns 1/0 for JSON booleans.
    return int(value) if isinstance(value, bool) else value


def json_access(session: Session) -> JsonAccess:
    return JsonAccess(is_postgresql(session))


_SAFE_ID = re.compile(r"^[0-9A-Za-z_-]{1,40}$")


def property_index_name(account_id: str, property_id: str) -> str:
    return "ix_rp_" + hashlib.sha1(f"{account_id}:{property_id}".encode()).hexdigest()[:24]


def _checked_ids(*values: str) -> None:
    """DDL cannot take bound parameters: the IDs written into it come from our own rows and
    must be plain identifiers."""
    for value in values:
        if not _SAFE_ID.match(value):
            raise ValueError(f"unexpected identifier {value!r}")


#: The GIN indexes of one indexed entity, by name prefix: ``ix_rv_`` over its values
#: (containment, ``@>``, for equality filters) and ``ix_rt_`` over the trigrams of its names
#: (the full-text search; only where pg_trgm is installed).
VALUES_INDEX, TRIGRAM_INDEX = "ix_rv_", "ix_rt_"


def entity_index_name(prefix: str, account_id: str, entity_id: str) -> str:
    return prefix + hashlib.sha1(f"{account_id}:{entity_id}".encode()).hexdigest()[:24]


def entity_index_sql(prefix: str, account_id: str, entity_id: str) -> str:
    """PostgreSQL: a GIN index (``VALUES_INDEX`` or ``TRIGRAM_INDEX``) over one entity's records.

    Partial, like the property indexes: one GIN over every record of every entity made each
    import pay for the values and names of all of them (docs/decisions.md). Trashed records
    stay in it, so that the trash's filters use it too.
    """
    _checked_ids(account_id, entity_id)
    method = {
        VALUES_INDEX: "gin (data jsonb_path_ops)",
        TRIGRAM_INDEX: "gin (lower(name) gin_trgm_ops)",
    }[prefix]
    name = entity_index_name(prefix, account_id, entity_id)
    return (
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON records USING {method} "
        f"WHERE account_id = '{account_id}' AND entity_id = '{entity_id}'"
    )


def property_index_sql(
    account_id: str, entity_id: str, property_id: str, data_key: str, sort_kind: str
) -> str | None:
    """PostgreSQL: a partial index over one property's values in one entity, in the exact form the
    record queries sort and compare by (``records/query``), so sorts and ranges walk an index."""
    if sort_kind == "none":
        return None
    _checked_ids(account_id, entity_id, property_id, data_key)
    expression = {
        "text": f"(lower(data ->> '{data_key}') COLLATE \"C\")",
        "jsonb": f"(data -> '{data_key}')",
        "ordinal": f"((data ->> '{data_key}') COLLATE \"C\")",
    }[sort_kind]
    name = property_index_name(account_id, property_id)
    return (
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON records ({expression}, record_id) "
        f"WHERE account_id = '{account_id}' AND entity_id = '{entity_id}' AND is_deleted = false"
    )


def drop_property_index_sql(account_id: str, property_id: str) -> str:
    return f"DROP INDEX CONCURRENTLY IF EXISTS {property_index_name(account_id, property_id)}"


def skip_commit_flush(session: Session) -> None:
    """PostgreSQL: this transaction's commit need not wait for the WAL flush.

    Used for read-only requests, whose only write is the replay record of their signature: a
    database crash in the next few hundred milliseconds could forget it, nothing more.
    """
    if is_postgresql(session):
        session.connection().exec_driver_sql("SET LOCAL synchronous_commit TO OFF")


def exact_bitmaps(session: Session) -> None:
    """PostgreSQL: enough memory in this transaction for exact bitmaps over a large entity.

    A count ANDs the bitmaps of two or more indexes (about 7 MB each per million records);
    at the default 4 MB ``work_mem`` they turn lossy and every row of every page is rechecked,
    which made a count over 1,000,000 records three times slower than with exact ones.
    """
    if is_postgresql(session):
        session.execute(text("SET LOCAL work_mem TO '32MB'"))


def plan_with_actual_values(session: Session) -> None:
    """PostgreSQL: plan this transaction's statements with their actual parameter values.

    Record searches rely on partial expression indexes per (entity, property), which a generic
    (cached) plan cannot use; other requests keep the cheaper cached plans.
    """
    if is_postgresql(session):
        session.execute(text("SET LOCAL plan_cache_mode TO force_custom_plan"))
