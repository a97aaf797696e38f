"""The rules of the Records API: visibility, values through the field types, quotas, trash, logs."""

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import ColumnElement, and_, func, not_, or_
from sqlalchemy.orm.attributes import flag_modified

from crmcore.accounts.members import is_active_member
from crmcore.db.dialect import (
    BulkRows,
    json_access,
    lock_account,
    plan_with_actual_values,
)
from crmcore.entities import service as entity_service
from crmcore.files.cleanup import discard
from crmcore.files.repository import record_blob_keys
from crmcore.kernel.context import Caller, Context
from crmcore.kernel.errors import Forbidden, Gone, NotFound, ValidationError, not_found
from crmcore.kernel.ids import IdKind, new_id, new_ids
from crmcore.kernel.repository import escape_like
from crmcore.kernel.wire import format_datetime
from crmcore.models import Entity, Record, RecordLog
from crmcore.models.entity import RecordAccess
from crmcore.plans import service as plan_service
from crmcore.plans.limits import Dimension
from crmcore.records.history import initial_changes
from crmcore.records.query import sort as sorting
from crmcore.records.query.compile import Compiler
from crmcore.records.query.tree import Group, check_bounds
from crmcore.records.repository import RecordRepository
from crmcore.records.schemas import RecordCreate, RecordUpdate
from crmcore.records.values import (
    SCHEMAS,
    EntitySchema,
    SchemaKey,
    sees_clear_values,
    validate_data,
)
from crmcore.segments import service as segment_service

#: Trashed records are purged this long after they were deleted (SOLAPI's documented retention).
TRASH_RETENTION = timedelta(days=14)
_ID_CHUNK = 1000


@dataclass(frozen=True, slots=True)
class Found:
    """A record with what rendering it needs."""

    record: Record
    schema: EntitySchema


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Found]
    next_key: str | None


@dataclass(frozen=True, slots=True)
class RecordQuery:
    entity_id: str | None
    group: Group | None
    sort: list[str]
    start_key: str | None
    limit: int
    segment_id: str | None = None

    def cursor_scope(self, ctx: Context, endpoint: str) -> str:
        """A cursor is valid only for the tenant, endpoint and query it was issued for."""
        group = self.group.model_dump_json() if self.group is not None else ""
        caller = ctx.caller
        return "|".join(
            [caller.account_id, caller.workspace_id, endpoint, self.entity_id or "",
             self.segment_id or "", group, ",".join(self.sort)]
        )  # fmt: skip


def _repository(ctx: Context) -> RecordRepository:
    return RecordRepository(ctx.session, ctx.caller)


def _schema(ctx: Context, entity: SchemaKey) -> EntitySchema:
    return SCHEMAS.get(ctx.session, entity)


def visibility(
    ctx: Context, entity: Entity, record: type[Record] = Record
) -> ColumnElement[bool] | None:
    """Inside a restricted entity a MEMBER sees only its own and unowned records.

    ``record`` may be an alias of ``Record`` (other domains join records more than once).
    """
    if ctx.caller.is_owner or entity.record_access == RecordAccess.PUBLIC:
        return None
    return or_(record.owner_id == ctx.caller.member_id, record.owner_id.is_(None))


def _may_see(ctx: Context, entity: Entity, record: Record) -> bool:
    if ctx.caller.is_owner or entity.record_access == RecordAccess.PUBLIC:
        return True
    return record.owner_id in (None, ctx.caller.member_id)


def _find(
    ctx: Context, record_id: str, *, include_deleted: bool = False, lock: bool = False
) -> tuple[Record, Entity]:
    found = _repository(ctx).get_with_entity(record_id, lock=lock)
    if found is None:
        raise not_found("Record", record_id)
    record, entity = found
    entity_service.ensure_usable(ctx, entity)
    if not _may_see(ctx, entity, record) or (record.is_deleted and not include_deleted):
        raise not_found("Record", record_id)
    return record, entity


def _check_owner(ctx: Context, owner_id: str | None) -> None:
    if owner_id is not None and not is_active_member(ctx.session, ctx.caller, owner_id):
        raise ValidationError(f"ownerId: '{owner_id[:64]}' is not an active CRM member")


def _log_row(
    ctx: Context,
    record_id: str,
    entity_id: str,
    action: str,
    changes: list[dict[str, Any]] | dict[str, Any],
) -> dict[str, Any]:
    """A row of ``record_logs``: what the caller changed on the record, and when."""
    return {
        "account_id": ctx.caller.account_id,
        "log_id": new_id(IdKind.LOG, ctx.now),
        "record_id": record_id,
        "entity_id": entity_id,
        "action": action,
        "changes": changes,
        "actor_id": ctx.caller.member_id,
        "source": "API",
        "date_created": ctx.now,
    }


def _log(
    ctx: Context,
    record: Record,
    action: str,
    changes: list[dict[str, Any]] | dict[str, Any],
) -> RecordLog:
    return RecordLog(**_log_row(ctx, record.record_id, record.entity_id, action, changes))


def create(ctx: Context, body: RecordCreate) -> Found:
    # The entity's facts usually come from this process's cache, checked by the insert itself;
    # when they no longer hold, or the data fails a schema that may be stale, the create starts
    # again from the entity's locked row. The insert is the request's last write: on
    # PostgreSQL it may commit on its own (``insert_new``), so nothing may be written after it.
    for fresh in (False, True):
        facts = entity_service.facts_for_write(ctx, body.entity_id, fresh=fresh)
        schema = _schema(ctx, facts)
        try:
            values = {k: v for k, v in validate_data(body.data, schema).items() if v is not None}
        except ValidationError:
            if fresh:
                raise
            continue
        owner_id = body.owner_id if "owner_id" in body.model_fields_set else ctx.caller.member_id
        _check_owner(ctx, owner_id)
        ensure_room_for(ctx, 1)
        row: dict[str, Any] = {
            "account_id": ctx.caller.account_id,
            "record_id": new_id(IdKind.RECORD, ctx.now),
            "entity_id": facts.entity_id,
            "workspace_id": ctx.caller.workspace_id,
            "name": body.name,
            "data": schema.stored(values),
            "tags": body.tags,
            "owner_id": owner_id,
            "is_deleted": False,
            "deleted_at": None,
            "deleted_by": None,
            "created_by": ctx.caller.member_id,
            "updated_by": ctx.caller.member_id,
            "date_created": ctx.now,
            "date_updated": ctx.now,
        }
        changes = initial_changes(body.name, row["data"], body.tags, owner_id)
        log = _log_row(ctx, row["record_id"], row["entity_id"], "CREATE", changes)
        if _repository(ctx).insert_new(row, log, facts):
            return Found(Record.as_written(row), schema)
    raise RuntimeError(f"entity {body.entity_id} changed while its row was locked")


def ensure_room_for(ctx: Context, new_records: int) -> None:
    """``records.max``, race-free: the account lock serialises the creates of one account.
    Unlimited plans skip the lock, so their creates run in parallel."""
    limit = plan_service.limits(ctx)[Dimension.RECORDS_MAX]
    if limit is None or new_records <= 0:
        return
    lock_account(ctx.session, ctx.caller.account_id)
    plan_service.ensure_room(ctx, Dimension.RECORDS_MAX, _repository(ctx).count_all(), new_records)


@dataclass(frozen=True, slots=True)
class NewRecord:
    """A record to create in bulk, its values (per property ID) already validated (see
    ``validate_data``)."""

    name: str
    data: dict[str, Any]
    tags: list[str]
    owner_id: str | None


@dataclass(frozen=True, slots=True)
class PreparedRecords:
    """Records and their ``IMPORT`` log entries ready for one bulk write (see ``BulkRows``)."""

    record_ids: list[str]
    records: BulkRows
    logs: BulkRows


def prepare_many(
    caller: Caller,
    schema: EntitySchema,
    new: Sequence[NewRecord],
    now: datetime,
    *,
    source: str,
    postgresql: bool,
) -> PreparedRecords:
    """Rows for records created in bulk, each with an ``IMPORT`` log entry holding its initial
    values, built without a session (an import builds them on its reader thread)."""
    entity_id = schema.entity_id
    member_id = caller.member_id
    tenant = {"account_id": caller.account_id, "entity_id": entity_id}
    records = BulkRows(
        Record.__table__,  # type: ignore[arg-type]
        postgresql=postgresql,
        constants={**tenant, "workspace_id": caller.workspace_id, "is_deleted": False,
                   "deleted_at": None, "deleted_by": None, "created_by": member_id,
                   "updated_by": member_id, "date_created": now, "date_updated": now},
    )  # fmt: skip
    logs = BulkRows(
        RecordLog.__table__,  # type: ignore[arg-type]
        postgresql=postgresql,
        constants={**tenant, "action": "IMPORT", "actor_id": member_id, "source": source,
                   "date_created": now},
    )  # fmt: skip
    # They share one timestamp; sorted IDs keep them in the given order (lists sort by
    # dateCreated, then recordId).
    record_ids = new_ids(IdKind.RECORD, now, len(new))
    log_ids = new_ids(IdKind.LOG, now, len(new))
    for item, record_id, log_id in zip(new, record_ids, log_ids, strict=True):
        stored = schema.stored(item.data)
        records.add(
            {
                "record_id": record_id,
                "name": item.name,
                "data": stored,
                "tags": item.tags,
                "owner_id": item.owner_id,
            }
        )
        logs.add(
            {
                "log_id": log_id,
                "record_id": record_id,
                "changes": initial_changes(item.name, stored, item.tags, item.owner_id),
            }
        )
    return PreparedRecords(record_ids, records, logs)


def insert_prepared(
    ctx: Context, prepared: PreparedRecords, keep: Sequence[int] | None = None
) -> list[str]:
    """Write prepared records (those at the ``keep`` positions, if given) and their logs; the
    caller has checked owners and room. Returns the IDs written."""
    prepared.records.write(ctx.session, keep)
    prepared.logs.write(ctx.session, keep)
    ids = prepared.record_ids
    return list(ids) if keep is None else [ids[i] for i in keep]


def get(ctx: Context, record_id: str, *, include_deleted: bool) -> Found:
    ctx.uow.reads_only()  # the record, its entity, perhaps its files: two round trips fewer
    record, entity = _find(ctx, record_id, include_deleted=include_deleted)
    return Found(record, _schema(ctx, entity))


def update(ctx: Context, record_id: str, body: RecordUpdate, extra_fields: Sequence[str]) -> Found:
    if extra_fields:
        raise ValidationError(f"{extra_fields[0]}: the field cannot be changed")
    if not body.model_fields_set & set(RecordUpdate.model_fields):
        raise ValidationError("The body must contain at least one of name, data, tags, ownerId")
    record, entity = _find(ctx, record_id, lock=True)
    schema = _schema(ctx, entity)
    changes: list[dict[str, Any]] = []
    updates: dict[str, Any] = {}
    if "data" in body.model_fields_set:
        clear = sees_clear_values(ctx.caller)
        values = validate_data(body.data, schema, current=record.data, clear_values=clear)
        data = dict(record.data)
        for property_id, value in values.items():
            data_key = schema.properties[property_id].data_key
            before = data.get(data_key)
            if value is None:
                data.pop(data_key, None)
            else:
                data[data_key] = value
            if before != value or type(before) is not type(value):
                changes.append({"field": f"data.{property_id}", "before": before, "after": value})
        if changes:
            updates["data"] = data
    if "name" in body.model_fields_set and body.name != record.name:
        changes.append({"field": "name", "before": record.name, "after": body.name})
        updates["name"] = body.name
    if "tags" in body.model_fields_set and body.tags != list(record.tags):
        changes.append({"field": "tags", "before": list(record.tags), "after": body.tags})
        updates["tags"] = body.tags
    if "owner_id" in body.model_fields_set and body.owner_id != record.owner_id:
        _check_owner(ctx, body.owner_id)
        changes.append({"field": "ownerId", "before": record.owner_id, "after": body.owner_id})
        updates["owner_id"] = body.owner_id
    if changes:
        updates.update(updated_by=ctx.caller.member_id, date_updated=ctx.now)
        log = _log_row(ctx, record.record_id, record.entity_id, "UPDATE", changes)
        _repository(ctx).write_update(record, updates, log)
    return Found(record, schema)


def trash(ctx: Context, record_id: str) -> Record:
    record, _entity = _find(ctx, record_id, lock=True)
    _move_to_trash(ctx, [record])
    return record


def restore(ctx: Context, record_id: str) -> Found:
    record, entity = _find(ctx, record_id, include_deleted=True, lock=True)
    if not record.is_deleted:
        raise ValidationError(f"Record '{record_id}' is not in the trash")
    _bring_back(ctx, [record])
    return Found(record, _schema(ctx, entity))


def bulk_delete(ctx: Context, record_ids: Sequence[str], *, permanent: bool) -> tuple[int, int]:
    ids = list(dict.fromkeys(record_ids))
    chosen = [r for r in _visible_of(ctx, ids, lock=True) if permanent or not r.is_deleted]
    if permanent:
        # Their files' rows go by cascade; the blobs once the delete has committed.
        keys = record_blob_keys(
            ctx.session, ctx.caller.account_id, record_ids=[r.record_id for r in chosen]
        )
        _repository(ctx).delete_permanently(chosen)
        if keys:
            ctx.uow.after_commit(partial(discard, ctx.blobs, keys))
    else:
        _move_to_trash(ctx, chosen)
    return len(chosen), len(ids) - len(chosen)


def bulk_restore(ctx: Context, record_ids: Sequence[str]) -> tuple[int, int]:
    ids = list(dict.fromkeys(record_ids))
    chosen = [r for r in _visible_of(ctx, ids, lock=True) if r.is_deleted]
    _bring_back(ctx, chosen)
    return len(chosen), len(ids) - len(chosen)


def _visible_of(
    ctx: Context, record_ids: Sequence[str], *, lock: bool = False, share: bool = False
) -> list[Record]:
    """The records among ``record_ids`` the caller may act on; the others are skipped."""
    entities: dict[str, Entity | None] = {}
    chosen = []
    for record in _repository(ctx).by_ids(record_ids, lock=lock, share=share):
        if record.entity_id not in entities:
            try:
                entities[record.entity_id] = entity_service.get_accessible(ctx, record.entity_id)
            except (NotFound, Gone, Forbidden):
                entities[record.entity_id] = None
        entity = entities[record.entity_id]
        if entity is not None and _may_see(ctx, entity, record):
            chosen.append(record)
    return chosen


def _move_to_trash(ctx: Context, records: Sequence[Record]) -> None:
    for record in records:
        record.is_deleted = True
        record.deleted_at = ctx.now
        record.deleted_by = ctx.caller.member_id
    _repository(ctx).add_logs([_log(ctx, record, "DELETE", []) for record in records])
    ctx.session.flush()


def _bring_back(ctx: Context, records: Sequence[Record]) -> None:
    for record in records:
        record.is_deleted = False
        record.deleted_at = None
        record.deleted_by = None
        record.updated_by = ctx.caller.member_id
        record.date_updated = ctx.now
    _repository(ctx).add_logs([_log(ctx, record, "RESTORE", []) for record in records])
    ctx.session.flush()


@dataclass(frozen=True, slots=True)
class _Compiled:
    conditions: list[ColumnElement[bool]]
    schemas: dict[str, EntitySchema]
    compiler: Compiler


def _compile(ctx: Context, query: RecordQuery, *, trashed: bool) -> _Compiled:
    """Tenant, entity, visibility, segment and condition filters of a record query."""
    plan_with_actual_values(ctx.session)
    # "= false", not "IS false": the partial per-property indexes are declared that way.
    conditions: list[ColumnElement[bool]] = [Record.is_deleted == trashed]
    segment_group = None
    entity_id = query.entity_id
    if query.segment_id is not None:
        segment, segment_entity = segment_service.get(ctx, query.segment_id)
        if entity_id is not None and entity_id != segment_entity.entity_id:
            raise ValidationError("segmentId: the segment belongs to another entity")
        entity_id = segment_entity.entity_id
        segment_group = segment_service.group_of(segment)
    schema: EntitySchema | None = None
    if entity_id is not None:
        entity = entity_service.get_accessible(ctx, entity_id)
        schema = _schema(ctx, entity)
        conditions.append(Record.entity_id == entity.entity_id)
        visible = visibility(ctx, entity)
        if visible is not None:
            conditions.append(visible)
        schemas = {entity.entity_id: schema}
    else:
        entities = entity_service.accessible_entities(ctx)
        schemas = {e.entity_id: _schema(ctx, e) for e in entities}
        conditions.append(visible_in(ctx, entities))
    json = json_access(ctx.session)
    compiler = Compiler(json, schema)
    if segment_group is not None:
        conditions.append(Compiler(json, schema, deleted_fields_empty=True).group(segment_group))
    if query.group is not None:
        check_bounds(query.group)
        conditions.append(compiler.group(query.group))
    return _Compiled(conditions, schemas, compiler)


def search(ctx: Context, query: RecordQuery, endpoint: str, *, trashed: bool = False) -> Page:
    """Records matching the query, sorted, one page after ``query.start_key``."""
    compiled = _compile(ctx, query, trashed=trashed)
    keys = sorting.parse_sort(query.sort, compiled.compiler)
    position = None
    if query.start_key is not None:
        position = ctx.cursors.decode(query.cursor_scope(ctx, endpoint), query.start_key)
    rows: list[tuple[Record, tuple[Any, ...]]] = []
    order, expressions = sorting.order_by(keys), [k.expression for k in keys]
    for segment in sorting.segments(keys, position, compiled.compiler):
        wanted = query.limit + 1 - len(rows)
        rows += _repository(ctx).page([*compiled.conditions, segment], order, expressions, wanted)
        if len(rows) > query.limit:
            break
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    next_key = None
    if more and rows:
        last, values = rows[-1]
        next_key = ctx.cursors.encode(
            query.cursor_scope(ctx, endpoint), sorting.position(keys, values, last.record_id)
        )
    return Page([Found(r, compiled.schemas[r.entity_id]) for r, _ in rows], next_key)


def count(ctx: Context, query: RecordQuery) -> int:
    """How many live records match (an extension: SOLAPI's list returns no count)."""
    return _repository(ctx).count(_compile(ctx, query, trashed=False).conditions)


def fulltext(ctx: Context, entity_id: str, text: str, limit: int) -> list[Found]:
    """Names containing ``text``: exact matches, then prefixes, then the rest; newest first.

    Read as three bounded queries, so a common word never sorts every record that contains it.
    """
    entity = entity_service.get_accessible(ctx, entity_id)
    needle = text.strip().lower()
    if not needle:
        raise ValidationError("q: must not be empty")
    # A rare pattern wants the trigram index, a common one the newest-first walk: only the
    # actual pattern tells them apart.
    plan_with_actual_values(ctx.session)
    conditions: list[ColumnElement[bool]] = [
        Record.is_deleted == False,  # noqa: E712 - "= false", as the indexes are declared
        Record.entity_id == entity.entity_id,
    ]
    visible = visibility(ctx, entity)
    if visible is not None:
        conditions.append(visible)
    name = func.lower(Record.name)
    prefix = name.like(f"{escape_like(needle)}%", escape="\\")
    contains = name.like(f"%{escape_like(needle)}%", escape="\\")
    tiers = [name == needle, and_(prefix, name != needle), and_(contains, not_(prefix))]
    order = [Record.date_created.desc(), Record.record_id.desc()]
    rows: list[tuple[Record, tuple[Any, ...]]] = []
    for tier in tiers:
        if len(rows) >= limit:
            break
        rows += _repository(ctx).page([*conditions, tier], order, [], limit - len(rows))
    schema = _schema(ctx, entity)
    return [Found(record, schema) for record, _ in rows]


def visible_in(
    ctx: Context, entities: Sequence[Entity], record: type[Record] = Record
) -> ColumnElement[bool]:
    """Records of ``entities`` (the accessible ones) that the caller may see."""
    open_ids = [e.entity_id for e in entities if visibility(ctx, e) is None]
    restricted = [e.entity_id for e in entities if visibility(ctx, e) is not None]
    parts: list[ColumnElement[bool]] = [record.entity_id.in_(open_ids)]
    if restricted:
        owned = or_(record.owner_id == ctx.caller.member_id, record.owner_id.is_(None))
        parts.append(record.entity_id.in_(restricted) & owned)
    return or_(*parts)


def logs(
    ctx: Context, record_id: str, start_key: str | None, limit: int, *, include_deleted: bool
) -> tuple[list[RecordLog], EntitySchema, str | None]:
    record, entity = _find(ctx, record_id, include_deleted=include_deleted)
    scope = f"logs|{ctx.caller.account_id}|{record_id}"
    before = None
    if start_key is not None:
        position = ctx.cursors.decode(scope, start_key)
        if len(position) != 1 or not isinstance(position[0], str):
            raise ValidationError("startKey: the cursor belongs to another query")
        before = position[0]
    entries = list(_repository(ctx).logs(record.record_id, before, limit + 1))
    next_key = None
    if len(entries) > limit:
        entries = entries[:limit]
        next_key = ctx.cursors.encode(scope, [entries[-1].log_id])
    return entries, _schema(ctx, entity), next_key


def purge_at(record: Record) -> str | None:
    return (
        None if record.deleted_at is None else format_datetime(record.deleted_at + TRASH_RETENTION)
    )


# --- used by other domains -------------------------------------------------------------------


def property_values(ctx: Context, entity_id: str, data_key: str) -> Iterator[tuple[str, Any]]:
    return _repository(ctx).property_values(entity_id, data_key)


def set_property_values(
    ctx: Context, entity_id: str, data_key: str, values: Mapping[str, Any]
) -> None:
    _repository(ctx).set_property_values(entity_id, data_key, values)


def lock_for_change(ctx: Context, record_id: str) -> Record:
    """A live record the caller may see (404 otherwise, as R3), for a change kept outside it (its
    files): ``dateUpdated``/``updatedBy`` are bumped and flushed at once, so the record's row
    stays locked until commit and concurrent changes of one record queue up."""
    record, _entity = _find(ctx, record_id, lock=True)
    record.updated_by = ctx.caller.member_id
    record.date_updated = ctx.now
    flag_modified(record, "date_updated")  # an UPDATE (and its row lock) even if unchanged
    ctx.session.flush()
    return record


def log_change(ctx: Context, record: Record, action: str, changes: list[dict[str, Any]]) -> None:
    _repository(ctx).add_logs([_log(ctx, record, action, changes)])


def live_visible(
    ctx: Context, record_ids: Sequence[str], *, share: bool = False
) -> dict[str, Record]:
    """The live records among ``record_ids`` that the caller may see, by ID (others are absent).
    ``share``: none of them can be deleted for good before commit (for rows referencing them)."""
    found: dict[str, Record] = {}
    for start in range(0, len(record_ids), _ID_CHUNK):
        chunk = record_ids[start : start + _ID_CHUNK]
        visible = _visible_of(ctx, chunk, share=share)
        found.update((r.record_id, r) for r in visible if not r.is_deleted)
    return found


def matching_ids(
    ctx: Context, entity_id: str, segment_id: str | None, group: Group | None, cap: int
) -> list[str]:
    """IDs of up to ``cap`` live, visible records of the entity matching a segment and a filter,
    oldest first (callers ask for one more than they accept, to refuse oversized selections)."""
    query = RecordQuery(entity_id, group, [], None, cap, segment_id)
    compiled = _compile(ctx, query, trashed=False)
    return _repository(ctx).ids(compiled.conditions, cap)


def live_visible_of_entity(
    ctx: Context, entity_id: str, conditions: Sequence[ColumnElement[bool]]
) -> Iterator[Record]:
    """The entity's live records the caller may see that meet ``conditions``, streamed."""
    entity = entity_service.get_accessible(ctx, entity_id)
    where: list[ColumnElement[bool]] = [
        Record.is_deleted == False,  # noqa: E712 - "= false", as the indexes are declared
        Record.entity_id == entity.entity_id,
        *conditions,
    ]
    visible = visibility(ctx, entity)
    if visible is not None:
        where.append(visible)
    return _repository(ctx).stream(where)
