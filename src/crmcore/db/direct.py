"""Direct statements: the few statements every create runs, sent straight to psycopg.

SQLAlchemy's ``Connection.execute`` costs about 100 µs of CPU per statement on the bench machine
beyond what psycopg itself needs (its execution context, result metadata, events), as much as
the rest of a small request; a create runs two statements. A ``DirectStatement`` is compiled
once by SQLAlchemy and then run on the session's own psycopg connection, in the session's
transaction, with its values passed through their column types' bind processors exactly as
SQLAlchemy would pass them. On SQLite it simply runs through SQLAlchemy.

A statement can also run *alone*: committed on its own when the transaction has run nothing yet,
which saves the ``BEGIN`` and ``COMMIT`` round trips (two of a create's four); when the session
has not begun at all, on a connection of its own from the pool, so that a request made only of
such statements (a create) never begins its session.
"""

from collections import namedtuple
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import psycopg
from psycopg import pq
from sqlalchemy import Connection, Dialect, Engine, PoolProxiedConnection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Executable, ReturnsRows

from crmcore.db.session import has_unflushed_objects, owes_opening

_IDLE = pq.TransactionStatus.IDLE
_CURSOR = "crmcore.direct.cursor"


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    #: Values SQLAlchemy bound in the statement itself (literals compared with, e.g.).
    fixed: Mapping[str, Any]
    processors: Mapping[str, Callable[[Any], Any]]
    row: type[tuple[Any, ...]]


class DirectStatement:
    """A statement returning rows (a SELECT, or an INSERT with RETURNING) whose result columns
    need no processing by SQLAlchemy on PostgreSQL (checked when first compiled)."""

    def __init__(self, statement: Executable, *, when_alone: Executable | None = None) -> None:
        """``when_alone``: the statement to run instead when it commits on its own (the same
        work, say, with a cheaper commit)."""
        for given in (statement, when_alone):
            if given is not None and not isinstance(given, ReturnsRows):
                raise TypeError("a direct statement must return rows")
        self._statement = statement
        self._when_alone = statement if when_alone is None else when_alone
        self._compiled: dict[tuple[int, bool], _Compiled] = {}

    def first(self, session: Session, parameters: Mapping[str, Any], *, alone: bool = False) -> Any:
        """The first row (its columns as attributes), or None.

        ``alone``: when the session's transaction has not run anything yet, the statement is
        committed on its own (PostgreSQL's autocommit) instead of joining it. Only for a
        statement whose effect must stay whatever the request does next (a spent signature),
        or for the request's last write; on SQLite it joins the transaction."""
        # A session owing its opening begins (which runs the opening) and joins it.
        if alone and not session.in_transaction() and not owes_opening(session):
            bind = session.get_bind()
            if isinstance(bind, Engine) and bind.dialect.name == "postgresql":
                # A connection of its own from the pool, back at once: the session stays
                # unbegun, with nothing to commit or close (about 100 µs of SQLAlchemy's work).
                pooled = bind.raw_connection()
                try:
                    return self._run(bind.dialect, pooled, pooled.invalidate, parameters, True)
                finally:
                    pooled.close()
        alone = alone and not has_unflushed_objects(session)
        return self.first_on(session.connection(), parameters, alone=alone)

    def first_on(
        self, connection: Connection, parameters: Mapping[str, Any], *, alone: bool = False
    ) -> Any:
        """``first`` on a connection (in its transaction, or alone when it has run nothing)."""
        dialect = connection.dialect
        if dialect.name != "postgresql":
            return connection.execute(self._statement, parameters).first()
        pooled = connection.connection
        driver = pooled.driver_connection
        assert isinstance(driver, psycopg.Connection)
        on_its_own = alone and driver.pgconn.transaction_status == _IDLE
        return self._run(dialect, pooled, connection.invalidate, parameters, on_its_own)

    def _run(
        self,
        dialect: Dialect,
        pooled: PoolProxiedConnection,
        invalidate: Callable[[BaseException], None],
        parameters: Mapping[str, Any],
        on_its_own: bool,
    ) -> Any:
        compiled = self._compiled.get((id(dialect), on_its_own))
        if compiled is None:
            statement = self._when_alone if on_its_own else self._statement
            compiled = _compile(cast(ReturnsRows, statement), dialect)
            self._compiled[id(dialect), on_its_own] = compiled
        values = dict(compiled.fixed)
        processors = compiled.processors
        for name, value in parameters.items():
            process = processors.get(name)
            values[name] = value if process is None else process(value)
        driver = pooled.driver_connection
        assert isinstance(driver, psycopg.Connection)
        # One cursor per connection, kept in the pool's record of it (cleared on reconnect):
        # a new cursor per statement cost about 10 µs.
        cursor = pooled.info.get(_CURSOR)
        if cursor is None or cursor.connection is not driver:
            cursor = pooled.info[_CURSOR] = driver.cursor()
        try:
            if on_its_own:
                driver.autocommit = True
            found = cursor.execute(compiled.sql, values).fetchone()
        except psycopg.Error as error:
            if dialect.is_disconnect(cast(Any, error), pooled.dbapi_connection, None):
                invalidate(error)
            raise DBAPIError.instance(
                compiled.sql, None, error, psycopg.Error, hide_parameters=True, dialect=dialect
            ) from error
        finally:
            if on_its_own:
                _end_autocommit(driver, invalidate)
        return None if found is None else compiled.row._make(found)  # type: ignore[attr-defined]


def _compile(statement: ReturnsRows, dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect)
    columns = list(statement.exported_columns)
    for column in columns:
        if column.type.dialect_impl(dialect).result_processor(dialect, None) is not None:
            raise TypeError(f"column {column.key} needs SQLAlchemy to read it")
    binds = compiled.binds
    processors = cast(dict[str, Callable[[Any], Any]], compiled._bind_processors)
    fixed = {}
    for name, bind in binds.items():
        if bind.expanding:
            raise TypeError(f"parameter {name}: lists cannot be bound directly")
        if not bind.required:
            process = processors.get(name)
            fixed[name] = bind.value if process is None else process(bind.value)
    row = namedtuple("Row", [column.key for column in columns])  # type: ignore[misc]
    return _Compiled(compiled.string, fixed, processors, row)


def _end_autocommit(
    driver: psycopg.Connection[Any], invalidate: Callable[[BaseException], None]
) -> None:
    """Back to transactions; a connection that cannot be turned back (it broke) never returns
    to the pool, where it would run the next request's statements without a transaction."""
    if driver.closed:  # already invalidated: it goes nowhere
        return
    try:
        driver.autocommit = False
    except psycopg.Error as error:
        invalidate(error)
