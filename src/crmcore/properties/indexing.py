"""Per-property indexes on PostgreSQL: built in the background (CONCURRENTLY, never blocking
writes) by one worker per server process, and reconciled at start-up so that a server killed
mid-build still ends up with every index."""

import logging
import queue
import threading
import time
from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class _Task:
    sql: str
    #: For a CREATE: the index it builds (an INVALID one of that name is dropped first).
    index: str | None = None


_RECONCILE = _Task("-- reconcile")


def _create_task(
    account_id: str, entity_id: str, property_id: str, data_key: str, field_type: str
) -> _Task | None:
    kind = _SORT_KIND[property_type(field_type).value_kind]
    sql = property_index_sql(account_id, entity_id, property_id, data_key, kind)
    return None if sql is None else _Task(sql, property_index_name(account_id, property_id))


class IndexMaintainer:
    """Runs index DDL outside request transactions; a no-op on SQLite."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._enabled = engine.dialect.name == "postgresql"
        self._queue: queue.Queue[_Task | None] = queue.Queue()
        self._worker: threading.Thread | None = None
        if self._enabled:
            self._worker = threading.Thread(target=self._run, name="index-maintainer", daemon=True)
            self._worker.start()

    def rebuild(self, prop: Property, *, drop_first: bool) -> None:
        if drop_first:
            self.drop(prop.account_id, prop.property_id)
        task = _create_task(
            prop.account_id, prop.entity_id, prop.property_id, prop.data_key, prop.field_type
        )
        if task is not None:
            self._queue.put(task)

    def drop(self, account_id: str, property_id: str) -> None:
        self._queue.put(_Task(drop_property_index_sql(account_id, property_id)))

    def reconcile(self) -> None:
        """Queue the index of every live property that lacks one."""
        self._queue.put(_RECONCILE)

    def close(self, timeout: float = 30) -> None:
        if self._worker is not None:
            self._queue.put(None)
            self._worker.join(timeout)

    def _run(self) -> None:
        while (task := self._queue.get()) is not None:
            try:
                for each in self._missing() if task is _RECONCILE else [task]:
                    self._execute(each)
            except Exception:
                log.exception("index maintenance failed: %s", task.sql[:120])

    def _execute(self, task: _Task) -> None:
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
                        if task.index is not None:
                            _drop_if_invalid(connection, task.index)
                        connection.execute(text(task.sql))
                    finally:
                        # Session-level: it would outlive us on the pooled connection.
                        connection.execute(text("SELECT pg_advisory_unlock(hashtext(:key))"), _LOCK)
                return
            except DBAPIError:
                if attempt == _ATTEMPTS - 1:
                    raise
                log.warning("index maintenance failed, retrying: %s", task.sql[:120])
                time.sleep(_RETRY_SECONDS * (attempt + 1))

    def _missing(self) -> list[_Task]:
        with self._engine.connect() as connection:
            existing = set(connection.scalars(text(_VALID_INDEXES)))
            rows = connection.execute(
                select(
                    Property.account_id,
                    Property.entity_id,
                    Property.property_id,
                    Property.data_key,
                    Property.field_type,
                ).where(Property.is_deleted.is_(False))
            ).all()
        missing = []
        for row in rows:
            task = _create_task(*row)
            if task is not None and task.index not in existing:
                missing.append(task)
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


def _drop_if_invalid(connection: Connection, name: str) -> None:
    """A build that failed half-way leaves an INVALID index of that name, which ``IF NOT
    EXISTS`` would then keep forever: drop it first."""
    valid = connection.scalar(
        text(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = :name"
        ),
        {"name": name},
    )
    if valid is False:
        connection.execute(text(f"DROP INDEX CONCURRENTLY IF EXISTS {name}"))
