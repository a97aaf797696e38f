"""The indexes of large entities on PostgreSQL: one per property (sorts and ranges) and two GINs
(equality filters over the values, the full-text search over the names). Built in the background
(CONCURRENTLY, never blocking writes) by one worker per server process, and reconciled at
start-up and periodically so that a server killed mid-build still ends up with every index, and
the indexes of properties and entities purged are dropped.

Only entities that hold many records get them (``entities.properties_indexed``): every partial
index on the shared ``records`` table costs every insert and the planning of every records query,
whichever tenant it belongs to, and a GIN over every entity made each imported row pay for the
values and names of all of them (docs/decisions.md), while the records of a small entity are
found quickly through the entity index. An entity is indexed once it holds
``property_indexes_min_records`` live records, and stays indexed. The worker looks for such
entities (and for missing indexes) at start-up and every ``property_index_check_seconds``, and
at once when an entity's properties change or an import into it ends; an entity being imported
into is left alone until then (each of its rows would pay for indexes that are cheaper to build
once, afterwards).
"""

import logging
import math
import queue
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.exc import DBAPIError

from crmcore.db.dialect import (
    TRIGRAM_INDEX,
    VALUES_INDEX,
    drop_property_index_sql,
    entity_index_name,
    entity_index_sql,
    property_index_name,
    property_index_sql,
)
from crmcore.models import Entity, Property
from crmcore.models.job import JobKind, JobStatus
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


@dataclass(frozen=True, slots=True)
class _EntityChanged:
    """An entity's properties changed or it gained records: index it if it is (now) large."""

    account_id: str
    entity_id: str


@dataclass(frozen=True, slots=True)
class _Marker:
    """Set once every task queued before it is done (``settled``)."""

    reached: threading.Event


_RECONCILE = _Task("-- reconcile")

EntityKey = tuple[str, str]


def _create_task(
    account_id: str, entity_id: str, property_id: str, data_key: str, field_type: str
) -> _Task | None:
    kind = _SORT_KIND[property_type(field_type).value_kind]
    sql = property_index_sql(account_id, entity_id, property_id, data_key, kind)
    return None if sql is None else _Task(sql, property_index_name(account_id, property_id))


class IndexMaintainer:
    """Runs index DDL outside request transactions; a no-op on SQLite."""

    def __init__(self, engine: Engine, *, min_records: int = 0, check_seconds: int = 0) -> None:
        self._engine = engine
        self._min_records = min_records
        self._check_seconds = check_seconds
        self._enabled = engine.dialect.name == "postgresql"
        self._queue: queue.Queue[_Task | _EntityChanged | _Marker | None] = queue.Queue()
        self._worker: threading.Thread | None = None
        if self._enabled:
            self._worker = threading.Thread(target=self._run, name="index-maintainer", daemon=True)
            self._worker.start()

    def rebuild(self, prop: Property, *, drop_first: bool) -> None:
        """After a property was created, restored or changed type: (re)build its index if its
        entity is indexed (or now large enough to be)."""
        if drop_first:
            self.drop(prop.account_id, prop.property_id)
        self.entity_grew(prop.account_id, prop.entity_id)

    def drop(self, account_id: str, property_id: str) -> None:
        if self._enabled:  # no worker on SQLite: nothing would ever take the task
            self._queue.put(_Task(drop_property_index_sql(account_id, property_id)))

    def entity_grew(self, account_id: str, entity_id: str) -> None:
        """Records were added in bulk (an import) or its properties changed: index the entity
        if it is now large enough, and build whichever of its indexes are missing."""
        if self._enabled:
            self._queue.put(_EntityChanged(account_id, entity_id))

    def reconcile(self) -> None:
        """Index the entities that grew large, and build every missing index of the indexed
        (the worker also does every ``check_seconds``)."""
        if self._enabled:
            self._queue.put(_RECONCILE)

    def settled(self, timeout: float) -> bool:
        """Wait until the work queued so far is done; whether it was within ``timeout``."""
        if self._worker is None:
            return True
        marker = _Marker(threading.Event())
        self._queue.put(marker)
        return marker.reached.wait(timeout)

    def close(self, timeout: float = 30) -> None:
        if self._worker is not None:
            self._queue.put(None)
            self._worker.join(timeout)

    def _run(self) -> None:
        period = self._check_seconds or math.inf
        next_check = time.monotonic() + period
        while True:
            try:
                task = self._queue.get(timeout=min(max(0.0, next_check - time.monotonic()), 3600))
            except queue.Empty:
                if time.monotonic() < next_check:
                    continue
                task = _RECONCILE
            if task is None:
                return
            if isinstance(task, _Marker):
                task.reached.set()
                continue
            if task is _RECONCILE:
                next_check = time.monotonic() + period
            try:
                for each in self._expand(task):
                    self._execute(each)
            except Exception:
                log.exception("index maintenance failed: %s", task)

    def _expand(self, task: _Task | _EntityChanged) -> list[_Task]:
        """The DDL statements a task comes to, decided now (the database may have changed since
        the task was queued)."""
        if isinstance(task, _EntityChanged):
            key = (task.account_id, task.entity_id)
            self._promote([key])
            return self._reconciled([key])  # nothing unless it is (now) indexed
        if task is _RECONCILE:
            self._promote(self._candidates())
            return self._reconciled(None)
        return [task]

    def _candidates(self) -> list[EntityKey]:
        """Live entities not indexed yet, except those an import is writing to."""
        importing = (
            "SELECT 1 FROM jobs WHERE jobs.account_id = entities.account_id "
            "AND jobs.kind = :kind AND jobs.status IN (:pending, :processing) "
            "AND jobs.params ->> 'entityId' = entities.entity_id"
        )
        statement = text(
            "SELECT account_id, entity_id FROM entities "
            f"WHERE NOT properties_indexed AND NOT is_deleted AND NOT EXISTS ({importing})"
        )
        parameters = {
            "kind": JobKind.IMPORT,
            "pending": JobStatus.PENDING,
            "processing": JobStatus.PROCESSING,
        }
        with self._engine.connect() as connection:
            return [(row[0], row[1]) for row in connection.execute(statement, parameters)]

    def _promote(self, entities: Iterable[EntityKey]) -> None:
        """Mark indexed those of ``entities`` holding at least ``min_records`` live records."""
        with self._engine.connect() as connection:
            for account_id, entity_id in entities:
                # One short transaction per entity: a long one would hold back every
                # CREATE INDEX CONCURRENTLY meanwhile (they wait for older snapshots).
                connection.commit()
                key = {"account_id": account_id, "entity_id": entity_id}
                # Counted up to the threshold only: the cost stays bounded however large the
                # entity, and the entity index answers it without reading records.
                held = connection.scalar(
                    text(
                        "SELECT count(*) FROM (SELECT 1 FROM records WHERE account_id = "
                        ":account_id AND entity_id = :entity_id AND is_deleted = false "
                        "LIMIT :limit) AS held"
                    ),
                    {**key, "limit": self._min_records},
                )
                if (held or 0) < self._min_records:
                    continue
                connection.execute(
                    text(
                        "UPDATE entities SET properties_indexed = true WHERE account_id = "
                        ":account_id AND entity_id = :entity_id AND NOT properties_indexed"
                    ),
                    key,
                )
            connection.commit()

    def _reconciled(self, entities: list[EntityKey] | None) -> list[_Task]:
        """What makes the indexes match the entities: the GINs of every indexed entity and an
        index for each of its live properties, and no others. ``None``: builds of the missing,
        then drops of the unwanted (their property was trashed or purged, or their entity) and
        of the GINs over all records that databases before migration 0013 hold; else only the
        builds for these entities (none for those not indexed)."""
        if entities is not None and not entities:
            return []
        with self._engine.connect() as connection:
            # Listed before the wanted ones are read: an index is only ever built after its
            # property and its entity's flag have committed, so a listed index that is wanted
            # is always read as wanted, never dropped as a stranger.
            found = {row[0]: bool(row[1]) for row in connection.execute(text(_RECORD_INDEXES))}
            properties = connection.execute(_WANTED).all()
            indexed = connection.execute(_INDEXED_ENTITIES).all()
            trigrams = connection.scalar(text(_HAS_TRIGRAMS)) is not None
        only = None if entities is None else set(entities)
        prefixes = (VALUES_INDEX, TRIGRAM_INDEX) if trigrams else (VALUES_INDEX,)
        wanted: dict[str, _Task] = {}
        for account_id, entity_id in indexed:
            if only is None or (account_id, entity_id) in only:
                for prefix in prefixes:
                    sql = entity_index_sql(prefix, account_id, entity_id)
                    name = entity_index_name(prefix, account_id, entity_id)
                    wanted[name] = _Task(sql, name)
        for row in properties:
            if only is not None and (row.account_id, row.entity_id) not in only:
                continue
            task = _create_task(*row)
            if task is not None and task.index is not None:
                wanted[task.index] = task
        builds = [task for name, task in wanted.items() if not found.get(name)]  # or INVALID
        if only is not None:
            return builds
        drops = [
            _Task(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
            for name in sorted(found)
            if (_OWN_INDEX_NAME.fullmatch(name) and name not in wanted) or name in _SHARED_GINS
        ]
        # Builds first: a failed build stops the list, so the shared GINs are only dropped once
        # every large entity has its own.
        return builds + drops

    def _execute(self, task: _Task) -> None:
        """One statement, retried: a build can fail for reasons that pass (a deadlock with a
        long transaction, the database restarting), and must not stay missing until the next
        start-up."""
        for attempt in range(_ATTEMPTS):
            try:
                with self._engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT"
                ) as connection:
                    _take_build_lock(connection)
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


_ATTEMPTS = 5
_RETRY_SECONDS = 2.0
# Index builds of all server processes run one at a time: two CREATE INDEX CONCURRENTLY on one
# table wait for each other's snapshots and deadlock (seen with properties created concurrently
# through two servers).
_LOCK = {"key": "crmcore:property-indexes"}
_LOCK_POLL_SECONDS = 0.2
# Every index of records, with whether it is valid (a failed build leaves an INVALID one).
_RECORD_INDEXES = (
    "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
    "WHERE i.indrelid = 'records'::regclass"
)
# The properties that should have an index: live, in an indexed entity.
_WANTED = (
    select(
        Property.account_id,
        Property.entity_id,
        Property.property_id,
        Property.data_key,
        Property.field_type,
    )
    .join(
        Entity,
        (Entity.account_id == Property.account_id) & (Entity.entity_id == Property.entity_id),
    )
    .where(Property.is_deleted.is_(False), Entity.properties_indexed.is_(True))
)
_INDEXED_ENTITIES = select(Entity.account_id, Entity.entity_id).where(
    Entity.properties_indexed.is_(True)
)
_HAS_TRIGRAMS = "SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'"
# The indexes this worker makes: per property (ix_rp_), and the GINs of an entity.
_OWN_INDEX_NAME = re.compile(r"ix_r[pvt]_[0-9a-f]{24}")
# GINs over all records, from before migration 0013: it drops them where no entity is large;
# elsewhere the worker does, once the large entities have their own.
_SHARED_GINS = frozenset({"ix_records_data_gin", "ix_records_name_trgm"})


def _take_build_lock(connection: Connection) -> None:
    """Wait for the build lock without a statement running meanwhile. A CREATE INDEX
    CONCURRENTLY waits for every transaction older than its snapshots, a blocked
    ``pg_advisory_lock`` call included, which waits for the build: two server processes
    reconciling at once deadlocked that way. Each try below is a transaction of its own."""
    while not connection.scalar(text("SELECT pg_try_advisory_lock(hashtext(:key))"), _LOCK):
        time.sleep(_LOCK_POLL_SECONDS)


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
