"""Per-property indexes on PostgreSQL: built in the background (CONCURRENTLY, never blocking
writes) by one worker per server process, and reconciled at start-up so that a server killed
mid-build still ends up with every index."""

import logging
import queue
import threading
import time

from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.exc import DBAPIError

from crmcore.db.dialect import drop_property_index_sql, property_index_name, property_index_sql
from crmcore.models import Property
from crmcore.properties.types import ValueKind, property_type

log = logging.getLogger(__name__)

_SORT_KIND = {
    ValueKind.TEXT: "text",
    ValueKind.OPTION: "text",
    ValueKind.NUMBER: "jsonb",
    ValueKind.BOOLEAN: "jsonb",
    ValueKind.DATE: "ordinal",
    ValueKind.DATETIME: "ordinal",
    ValueKind.OPTIONS: "none",
}


def _create_statement(
    account_id: str, entity_id: str, property_id: str, field_type: str
) -> str | None:
    kind = _SORT_KIND[property_type(field_type).value_kind]
    return property_index_sql(account_id, entity_id, property_id, kind)


class IndexMaintainer:
    """Runs index DDL outside request transactions; a no-op on SQLite."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._enabled = engine.dialect.name == "postgresql"
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._worker: threading.Thread | None = None
        if self._enabled:
            self._worker = threading.Thread(target=self._run, name="index-maintainer", daemon=True)
            self._worker.start()

    def rebuild(self, prop: Property, *, drop_first: bool) -> None:
        if drop_first:
            self._queue.put(drop_property_index_sql(prop.account_id, prop.property_id))
        statement = _create_statement(
            prop.account_id, prop.entity_id, prop.property_id, prop.field_type
        )
        if statement is not None:
            self._queue.put(statement)

    def drop(self, account_id: str, property_id: str) -> None:
        self._queue.put(drop_property_index_sql(account_id, property_id))

    def reconcile(self) -> None:
        """Queue the index of every live property that lacks one."""
        self._queue.put("-- reconcile")

    def close(self, timeout: float = 30) -> None:
        if self._worker is not None:
            self._queue.put(None)
            self._worker.join(timeout)

    def _run(self) -> None:
        while (statement := self._queue.get()) is not None:
            try:
                for sql in self._missing() if statement == "-- reconcile" else [statement]:
                    self._execute(sql)
            except Exception:
                log.exception("index maintenance failed: %s", statement[:120])

    def _execute(self, sql: str) -> None:
        """One statement, retried: a build can fail for reasons that pass (a deadlock with a
        long transaction, the database restarting), and must not stay missing until the next
        start-up."""
        for attempt in range(_ATTEMPTS):
            try:
                with self._engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT"
                ) as connection:
                    connection.execute(text("SELECT pg_advisory_lock(hashtext(:key))"), _LOCK)
                    try:
                        if sql.startswith("CREATE INDEX"):
                            _drop_if_invalid(connection, sql)
                        connection.execute(text(sql))
                    finally:
                        # Session-level: it would outlive us on the pooled connection.
                        connection.execute(text("SELECT pg_advisory_unlock(hashtext(:key))"), _LOCK)
                return
            except DBAPIError:
                if attempt == _ATTEMPTS - 1:
                    raise
                log.warning("index maintenance failed, retrying: %s", sql[:120])
                time.sleep(_RETRY_SECONDS * (attempt + 1))

    def _missing(self) -> list[str]:
        with self._engine.connect() as connection:
            existing = set(connection.scalars(text(_VALID_INDEXES)))
            rows = connection.execute(
                select(
                    Property.account_id,
                    Property.entity_id,
                    Property.property_id,
                    Property.field_type,
                ).where(Property.is_deleted.is_(False))
            ).all()
        missing = []
        for account_id, entity_id, property_id, field_type in rows:
            statement = _create_statement(account_id, entity_id, property_id, field_type)
            if statement and property_index_name(account_id, property_id) not in existing:
                missing.append(statement)
        return missing


_ATTEMPTS = 5
_RETRY_SECONDS = 2.0
# Index builds of all server processes run one at a time: two CREATE INDEX CONCURRENTLY on one
# table wait for each other's snapshots and deadlock (seen with properties created concurrently
# through two servers).
_LOCK = {"key": "crmcore:property-indexes"}
_VALID_INDEXES = (
    "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
    "WHERE i.indrelid = 'records'::regclass AND i.indisvalid"
)


def _drop_if_invalid(connection: Connection, create_sql: str) -> None:
    """A build that failed half-way leaves an INVALID index of that name, which ``IF NOT
    EXISTS`` would then keep forever: drop it first."""
    name = create_sql.split(" IF NOT EXISTS ", 1)[1].split(" ", 1)[0]
    valid = connection.scalar(
        text(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = :name"
        ),
        {"name": name},
    )
    if valid is False:
        connection.execute(text(f"DROP INDEX CONCURRENTLY IF EXISTS {name}"))
