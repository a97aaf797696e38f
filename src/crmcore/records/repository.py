"""Every query over records and their logs."""

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Insert,
    Select,
    Table,
    bindparam,
    delete,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import with_expression
from sqlalchemy.orm.attributes import set_committed_value

from crmcore.db.dialect import exact_bitmaps, is_postgresql, record_has_value
from crmcore.db.direct import DirectStatement
from crmcore.db.session import take_opening
from crmcore.entities.repository import UNCHANGED, EntityFacts
from crmcore.kernel.repository import AccountRepository
from crmcore.models import Entity, Record, RecordLog, StoredFile

_BATCH = 1000

# Read with every record shown: the files of records are only looked up when one has any
# (``files.service.rendered``), which most never have.
_WITH_HAS_FILES = with_expression(
    Record.has_files,
    exists().where(
        StoredFile.account_id == Record.account_id, StoredFile.record_id == Record.record_id
    ),
)

# Built once (the hottest read: constructing and cache-keying it per request cost more than
# running it).
_RECORD_WITH_ENTITY = (
    select(Record, Entity)
    .join(Entity, (Entity.account_id == Record.account_id) & (Entity.entity_id == Record.entity_id))
    .where(AccountRepository.bound_scope(Record), Record.record_id == bindparam("record_id"))
    .options(_WITH_HAS_FILES)
)
_RECORD_WITH_ENTITY_LOCKED = _RECORD_WITH_ENTITY.with_for_update(of=Record)


# Of the tables, not the classes: an insert of a mapped class takes the ORM's bulk path.
_RECORDS = cast(Table, Record.__table__)
_LOGS = cast(Table, RecordLog.__table__)
_INSERT_LOG = insert(_LOGS)


def _parameters(table: Table, prefix: str) -> list[Any]:
    """A bound parameter ``prefix + column`` for each column, typed as its column."""
    return [bindparam(prefix + c.name, type_=c.type) for c in table.columns]


def _insert_record(*conditions: ColumnElement[bool]) -> Insert:
    """A new record only while its entity is as the create found it (``EntityFacts``: the facts
    may come from a cache), and ``conditions`` hold."""
    values = select(*_parameters(_RECORDS, "record_")).where(UNCHANGED, *conditions)
    return (
        insert(_RECORDS).from_select(list(_RECORDS.columns), values).returning(_RECORDS.c.record_id)
    )


def _insert_record_and_log(guard: ColumnElement[bool] | None = None) -> Insert:
    """PostgreSQL: the record and its log entry in one statement, one round trip (SQLite takes
    no INSERT inside a WITH); ``guard``: a further condition for the record (a ``GuardedWrite``)."""
    written = _insert_record(*([] if guard is None else [guard])).cte("new_record")
    return (
        insert(_LOGS)
        .from_select(list(_LOGS.columns), select(*_parameters(_LOGS, "log_")).select_from(written))
        .returning(_LOGS.c.log_id)
    )


_INSERT_RECORD_IF_UNCHANGED = _insert_record()
_INSERT_RECORD_AND_LOG_IF_UNCHANGED = DirectStatement(_insert_record_and_log())
# The SET clause is made of the columns given with each execution.
_UPDATE_RECORD = update(cast(Table, Record.__table__)).where(
    Record.__table__.c.account_id == bindparam("key_account_id"),
    Record.__table__.c.record_id == bindparam("key_record_id"),
)


class RecordRepository(AccountRepository[Record]):
    model = Record

    key = Record.record_id

    def get_with_entity(
        self, record_id: str, *, lock: bool = False
    ) -> tuple[Record, Entity] | None:
        """The record and its entity in one round trip; ``lock``: the record's row stays locked
        until commit (concurrent writers of one record queue up and read the winner's row)."""
        statement = _RECORD_WITH_ENTITY_LOCKED if lock else _RECORD_WITH_ENTITY
        parameters = self.scope_parameters(record_id=record_id)
        row = self.session.execute(statement, parameters).one_or_none()
        return None if row is None else (row[0], row[1])

    def by_ids(
        self, record_ids: Sequence[str], *, lock: bool = False, share: bool = False
    ) -> Sequence[Record]:
        """``lock``: locked for a change; ``share``: only kept from being deleted until commit
        (what a row that references them needs; the foreign key check takes the same lock)."""
        statement = self.select().where(Record.record_id.in_(record_ids))
        if lock or share:  # in one order, so that overlapping batches cannot deadlock
            statement = statement.order_by(Record.record_id)
            if lock:
                statement = statement.with_for_update()
            else:
                statement = statement.with_for_update(read=True, key_share=True)
        return self.session.scalars(statement).all()

    def page(
        self,
        conditions: Sequence[ColumnElement[bool]],
        order_by: Sequence[Any],
        sort_expressions: Sequence[Any],
        limit: int,
    ) -> list[tuple[Record, tuple[Any, ...]]]:
        """One page of records with the values they were sorted by (for the next cursor)."""
        statement: Select[Any] = (
            select(Record, *sort_expressions)
            .where(self.scope(), *conditions)
            .order_by(*order_by)
            .limit(limit)
            .options(_WITH_HAS_FILES)
        )
        return [(row[0], tuple(row[1:])) for row in self.session.execute(statement)]

    def ids(self, conditions: Sequence[ColumnElement[bool]], limit: int) -> list[str]:
        statement = (
            select(Record.record_id)
            .where(self.scope(), *conditions)
            .order_by(Record.date_created, Record.record_id)
            .limit(limit)
        )
        return list(self.session.scalars(statement))

    def stream(self, conditions: Sequence[ColumnElement[bool]]) -> Iterator[Record]:
        statement = (
            self.select()
            .where(*conditions)
            .order_by(Record.date_created, Record.record_id)
            .execution_options(yield_per=_BATCH)
        )
        yield from self.session.scalars(statement)

    def count(self, conditions: Sequence[ColumnElement[bool]]) -> int:
        exact_bitmaps(self.session)
        statement = select(func.count()).select_from(Record).where(self.scope(), *conditions)
        return int(self.session.scalar(statement) or 0)

    def count_all(self) -> int:
        """Records of the account, trashed ones included (they count toward records.max)."""
        statement = (
            select(func.count()).select_from(Record).where(Record.account_id == self.account_id)
        )
        return int(self.session.scalar(statement) or 0)

    def delete_permanently(self, records: Sequence[Record]) -> None:
        ids = [record.record_id for record in records]
        for start in range(0, len(ids), _BATCH):
            chunk = ids[start : start + _BATCH]
            self.session.execute(
                delete(RecordLog).where(
                    RecordLog.account_id == self.account_id, RecordLog.record_id.in_(chunk)
                )
            )
            self.session.execute(delete(Record).where(self.scope(), Record.record_id.in_(chunk)))

    def add_logs(self, logs: Sequence[RecordLog]) -> None:
        self.session.add_all(logs)

    def write_update(self, record: Record, values: dict[str, Any], log: Mapping[str, Any]) -> None:
        """Change a locked record's columns and write its log entry with plain statements (as
        ``insert_new``); the loaded record takes the new values as already stored, so the
        session never flushes it and what was read with it (``has_files``) stays."""
        connection = self.session.connection()
        connection.execute(
            _UPDATE_RECORD,
            {**values, "key_account_id": record.account_id, "key_record_id": record.record_id},
        )
        connection.execute(_INSERT_LOG, log)
        for key, value in values.items():
            set_committed_value(record, key, value)

    def insert_new(
        self, record: Mapping[str, Any], log: Mapping[str, Any], facts: EntityFacts
    ) -> bool:
        """Write a new record and its log entry (rows of every column) now, with plain INSERTs
        (an ORM flush of the two cost more than twice the CPU), unless its entity no longer
        matches ``facts``: False then, and nothing is written.

        The request's last write: on PostgreSQL, when its transaction has run nothing else, the
        one statement is committed on its own (``DirectStatement``, ``alone``)."""
        parameters = {"record_" + c.name: record[c.name] for c in _RECORDS.columns}
        parameters.update(facts.unchanged_parameters())
        if is_postgresql(self.session):
            parameters.update(("log_" + c.name, log[c.name]) for c in _LOGS.columns)
            # Nothing ran before: the request's opening (its signature claim) is carried too.
            opening = take_opening(self.session)
            if opening is not None:
                return opening.run_with(self.session, _insert_record_and_log, parameters)
            inserted = _INSERT_RECORD_AND_LOG_IF_UNCHANGED.first(
                self.session, parameters, alone=True
            )
            return inserted is not None
        connection = self.session.connection()
        if connection.execute(_INSERT_RECORD_IF_UNCHANGED, parameters).first() is None:
            return False
        connection.execute(_INSERT_LOG, log)
        return True

    def logs(self, record_id: str, before_log_id: str | None, limit: int) -> Sequence[RecordLog]:
        statement = select(RecordLog).where(
            RecordLog.account_id == self.account_id, RecordLog.record_id == record_id
        )
        if before_log_id is not None:
            statement = statement.where(RecordLog.log_id < before_log_id)
        statement = statement.order_by(RecordLog.log_id.desc()).limit(limit)
        return self.session.scalars(statement).all()

    def property_values(self, entity_id: str, data_key: str) -> Iterator[tuple[str, Any]]:
        """(record ID, stored value) of each record holding a value, trashed records included;
        the records stay locked until commit (the values are written back converted, and a
        concurrent update of the record must neither be overwritten nor overwrite them)."""
        statement = (
            select(Record.record_id, Record.data)
            .where(
                self.scope(),
                Record.entity_id == entity_id,
                record_has_value(self.session, data_key),
            )
            .order_by(Record.record_id)
            .with_for_update(key_share=True)
            .execution_options(yield_per=_BATCH)
        )
        for record_id, data in self.session.execute(statement):
            yield record_id, data[data_key]

    def set_property_values(self, entity_id: str, data_key: str, values: Mapping[str, Any]) -> None:
        """Write one property's value on many records; ``None`` removes the value."""
        record_ids: Sequence[str] = list(values)
        for start in range(0, len(record_ids), _BATCH):
            chunk = record_ids[start : start + _BATCH]
            rows = self.session.scalars(
                self.select().where(Record.entity_id == entity_id, Record.record_id.in_(chunk))
            )
            for record in rows:
                data = dict(record.data)
                value = values[record.record_id]
                if value is None:
                    data.pop(data_key, None)
                else:
                    data[data_key] = value
                record.data = data
        self.session.flush()
