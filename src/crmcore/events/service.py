"""The rules of events: immutable behaviour events attached to a record.

An event is visible while its record is live and visible to the caller in an entity the caller may
use: trashing a record hides its events, restoring brings them back, and purging deletes them
(foreign keys cascade). Nothing here updates or deletes an event.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import ColumnElement, tuple_

from crmcore.entities import service as entity_service
from crmcore.events.repository import EventRepository
from crmcore.events.schemas import MAX_PROPERTIES_BYTES, EventCreate, Summary, parse_item
from crmcore.kernel.context import Context
from crmcore.kernel.errors import NotFound, ValidationError, not_found
from crmcore.kernel.ids import IdKind, new_id
from crmcore.models import Event, Record
from crmcore.records import service as record_service


def _repository(ctx: Context) -> EventRepository:
    return EventRepository(ctx.session, ctx.caller)


# --- writes ---------------------------------------------------------------------------------


def _check_properties(body: EventCreate, where: str) -> None:
    if len(orjson.dumps(body.properties)) > MAX_PROPERTIES_BYTES:
        raise ValidationError(
            f"{where}properties: larger than {MAX_PROPERTIES_BYTES} bytes as JSON"
        )


def _check_records(ctx: Context, bodies: Sequence[EventCreate], bulk: bool) -> None:
    """Every event's record must be live, visible to the caller (404 otherwise, whatever the
    reason) and of the event's entity (400). One query for the whole batch."""
    record_ids = list(dict.fromkeys(b.record_id for b in bodies))
    found = record_service.live_visible(ctx, record_ids, share=True)
    for index, body in enumerate(bodies):
        where = f"events[{index}]." if bulk else ""
        record = found.get(body.record_id)
        if record is None:
            missing = not_found("Record", body.record_id)
            raise NotFound(f"{where}recordId: {missing.message}") if bulk else missing
        if record.entity_id != body.entity_id:
            raise ValidationError(
                f"{where}entityId: record '{record.record_id}' belongs to entity "
                f"'{record.entity_id}'"
            )


def _new_event(ctx: Context, body: EventCreate) -> Event:
    return Event(
        account_id=ctx.caller.account_id,
        event_id=new_id(IdKind.EVENT, ctx.now),
        workspace_id=ctx.caller.workspace_id,
        entity_id=body.entity_id,
        record_id=body.record_id,
        event_type=body.event_type,
        # "" is stored as unset, so that it groups with the events that have none.
        category=body.category or None,
        label=body.label or None,
        value=body.value,
        properties=body.properties,
        occurred_at=body.occurred_at or ctx.now,
        created_by=ctx.caller.member_id,
        date_created=ctx.now,
    )


def create(ctx: Context, body: EventCreate) -> Event:
    _check_properties(body, "")
    _check_records(ctx, [body], bulk=False)
    event = _new_event(ctx, body)
    _repository(ctx).add_all([event])
    return event


def create_bulk(ctx: Context, items: Sequence[Any]) -> int:
    """All or nothing: every item is validated and every record checked before anything is
    written; the first problem (in item order) names its index."""
    bodies = [parse_item(index, item) for index, item in enumerate(items)]
    for index, body in enumerate(bodies):
        _check_properties(body, f"events[{index}].")
    _check_records(ctx, bodies, bulk=True)
    _repository(ctx).add_all([_new_event(ctx, body) for body in bodies])
    return len(bodies)


# --- reads ----------------------------------------------------------------------------------


def _filter(value: str | None) -> str | None:
    """Stored types and categories are trimmed, so filters are too; empty means no filter."""
    return (value or "").strip() or None


@dataclass(frozen=True, slots=True)
class EventQuery:
    entity_id: str
    record_id: str | None = None
    event_type: str | None = None
    category: str | None = None

    @classmethod
    def of(
        cls, entity_id: str, record_id: str | None, event_type: str | None, category: str | None
    ) -> "EventQuery":
        return cls(entity_id, record_id or None, _filter(event_type), _filter(category))

    def cursor_scope(self, ctx: Context) -> str:
        """A cursor is valid only for the tenant, endpoint and filters it was issued for (JSON,
        so that no two filter combinations spell the same scope)."""
        caller = ctx.caller
        parts = [caller.account_id, caller.workspace_id, "events", "list", self.entity_id,
                 self.record_id, self.event_type, self.category]  # fmt: skip
        return orjson.dumps(parts).decode()


def _conditions(ctx: Context, query: EventQuery) -> list[ColumnElement[bool]]:
    """The query's filters plus THE visibility rule, over an event and its joined record.
    The entity must be usable (404 unknown, 410 trashed, 403 no access)."""
    entity = entity_service.get_accessible(ctx, query.entity_id)
    conditions = [
        Event.entity_id == entity.entity_id,
        Record.is_deleted == False,  # noqa: E712 - SQL "= false"
    ]
    visible = record_service.visibility(ctx, entity, Record)
    if visible is not None:
        conditions.append(visible)
    if query.record_id is not None:
        conditions.append(Event.record_id == query.record_id)
    if query.event_type is not None:
        conditions.append(Event.event_type == query.event_type)
    if query.category is not None:
        conditions.append(Event.category == query.category)
    return conditions


@dataclass(frozen=True, slots=True)
class EventPage:
    items: list[Event]
    next_key: str | None


def list_page(ctx: Context, query: EventQuery, start_key: str | None, limit: int) -> EventPage:
    """Newest first by (occurredAt, eventId), with a keyset cursor: one query per page."""
    conditions = _conditions(ctx, query)
    scope = query.cursor_scope(ctx)
    if start_key is not None:
        conditions.append(_before(ctx.cursors.decode(scope, start_key)))
    rows = _repository(ctx).page(conditions, limit + 1)
    next_key = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_key = ctx.cursors.encode(scope, [last.occurred_at.isoformat(), last.event_id])
    return EventPage(rows, next_key)


def _before(position: list[Any]) -> ColumnElement[bool]:
    try:
        moment, event_id = position
        when = datetime.fromisoformat(moment)
        if not isinstance(event_id, str) or when.tzinfo is None:
            raise TypeError
    except (TypeError, ValueError) as error:
        raise ValidationError("startKey: the cursor belongs to another query") from error
    position_types = (Event.occurred_at.type, Event.event_id.type)
    return tuple_(Event.occurred_at, Event.event_id) < tuple_(when, event_id, types=position_types)


def summaries(ctx: Context, query: EventQuery) -> list[Summary]:
    """One entry per (eventType, category), most frequent first, then by eventType and category
    (no category first). Ordered here, by code point, so that both databases agree whatever
    PostgreSQL's collation."""
    rows = _repository(ctx).summaries(_conditions(ctx, query))
    return sorted(
        rows,
        key=lambda row: (
            -row.total_count,
            row.event_type,
            row.category is not None,
            row.category or "",
        ),
    )
