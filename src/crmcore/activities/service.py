"""The rules of activities: visibility, ownership, references to records and members.

An activity is visible when its own visibility allows it (an OWNER sees all; a MEMBER sees its
own, PUBLIC and unowned ones) and, unless it is a calendar entry, its record is live and visible
to the caller in an entity the caller may use. So trashing a record hides its activities,
restoring brings them back, and purging deletes them (foreign keys cascade).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import ColumnElement, and_, func, or_, tuple_

from crmcore.accounts.members import is_active_member
from crmcore.activities.repository import ActivityRepository
from crmcore.activities.schemas import (
    CALENDAR,
    IMMUTABLE_FIELDS,
    MAX_METADATA_BYTES,
    ActivityCreate,
    ActivityType,
    ActivityUpdate,
    Outcome,
    Visibility,
)
from crmcore.entities import service as entity_service
from crmcore.kernel.context import Context
from crmcore.kernel.errors import Forbidden, ValidationError, not_found
from crmcore.kernel.ids import IdKind, new_id
from crmcore.models import Activity, Record
from crmcore.records import service as record_service


def _repository(ctx: Context) -> ActivityRepository:
    return ActivityRepository(ctx.session, ctx.caller)


# --- visibility -----------------------------------------------------------------------------


def _visible(ctx: Context) -> list[ColumnElement[bool]]:
    """THE visibility rule, as SQL over an activity and its outer-joined record."""
    entities = entity_service.accessible_entities(ctx)
    record_visible = and_(
        Record.is_deleted == False,  # noqa: E712 - SQL "= false"
        record_service.visible_in(ctx, entities, Record),
    )
    conditions = [or_(Activity.record_id.is_(None), record_visible)]
    if not ctx.caller.is_owner:
        conditions.append(
            or_(
                Activity.owner_id == ctx.caller.member_id,
                Activity.visibility == Visibility.PUBLIC,
                Activity.owner_id.is_(None),
            )
        )
    return conditions


def get(ctx: Context, activity_id: str, *, lock: bool = False) -> Activity:
    """A visible activity: unknown, foreign and hidden ones are all 404. ``lock``: its row
    stays locked until commit (a change or a delete)."""
    conditions = [*_visible(ctx), Activity.activity_id == activity_id]
    rows = _repository(ctx).page(conditions, [], limit=1, lock=lock)
    if not rows:
        raise not_found("Activity", activity_id)
    return rows[0]


def _get_own(ctx: Context, activity_id: str) -> Activity:
    """A visible activity the caller may change: an OWNER any, a MEMBER only its own (403)."""
    activity = get(ctx, activity_id, lock=True)
    if not ctx.caller.is_owner and activity.owner_id != ctx.caller.member_id:
        raise Forbidden(f"Only the owner of activity '{activity_id}' or a CRM OWNER may change it")
    return activity


# --- references -----------------------------------------------------------------------------


def _record(ctx: Context, record_id: str) -> Record | None:
    """The live record the caller may see (None for ``CALENDAR``); 404 for anything else, in
    the trash, invisible, of an unusable entity or of another tenant alike."""
    if record_id == CALENDAR:
        return None
    record = record_service.live_visible(ctx, [record_id], share=True).get(record_id)
    if record is None:
        raise not_found("Record", record_id)
    return record


def _related(
    ctx: Context, wanted: Sequence[str], own_record_id: str | None, kept: Sequence[str] = ()
) -> list[str]:
    """Distinct related records without the activity's own; those not in ``kept`` (already on
    the activity) must be live records the caller may see (404 otherwise)."""
    ids = [i for i in dict.fromkeys(wanted) if i != own_record_id]
    new = [i for i in ids if i not in set(kept)]
    found = record_service.live_visible(ctx, new) if new else {}
    for record_id in new:
        if record_id not in found:
            raise not_found("Record", record_id)
    return ids


def _assignees(ctx: Context, wanted: Sequence[str], kept: Sequence[str] = ()) -> list[str]:
    """Distinct member IDs; those not already assigned must be active members (400)."""
    ids = list(dict.fromkeys(wanted))
    for member_id in ids:
        if member_id not in kept and not is_active_member(ctx.session, ctx.caller, member_id):
            raise ValidationError(f"assignedMemberIds: '{member_id}' is not an active CRM member")
    return ids


def _wanted_assignees(body: ActivityCreate | ActivityUpdate) -> list[str] | None:
    """The assignees a body asks for (None: not mentioned). The array wins over the legacy
    single field when both are sent (SOLAPI's documented rule)."""
    fields = body.model_fields_set
    if "assigned_member_ids" in fields and body.assigned_member_ids is not None:
        return body.assigned_member_ids
    if "assigned_member_id" in fields:
        return [] if body.assigned_member_id is None else [body.assigned_member_id]
    return None


def _metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    try:
        size = len(orjson.dumps(metadata))
    except TypeError as error:  # orjson writes at most 254 levels of nesting (it reads 1024)
        raise ValidationError("metadata: nested too deeply") from error
    if size > MAX_METADATA_BYTES:
        raise ValidationError(f"metadata: larger than {MAX_METADATA_BYTES} bytes as JSON")
    return metadata


# --- writes ---------------------------------------------------------------------------------


def create(ctx: Context, body: ActivityCreate) -> Activity:
    record = _record(ctx, body.record_id)
    entity_id = record.entity_id if record is not None else None
    if body.entity_id is not None and body.entity_id != entity_id:
        if record is None:
            raise ValidationError("entityId: a CALENDAR entry belongs to no entity")
        raise ValidationError(
            f"entityId: record '{record.record_id}' belongs to entity '{record.entity_id}'"
        )
    record_id = record.record_id if record is not None else None
    related = _related(ctx, body.related_record_ids, record_id)
    assignees = _assignees(ctx, _wanted_assignees(body) or [])
    completed_at = body.completed_at
    if body.outcome is Outcome.COMPLETED and completed_at is None:
        completed_at = ctx.now
    member_id = ctx.caller.member_id
    activity = Activity(
        account_id=ctx.caller.account_id,
        activity_id=new_id(IdKind.ACTIVITY, ctx.now),
        workspace_id=ctx.caller.workspace_id,
        entity_id=entity_id,
        record_id=record_id,
        activity_type=body.activity_type.value,
        subject=body.subject,
        description=body.description or None,
        related_record_ids=related,
        attachment_ids=list(dict.fromkeys(body.attachment_ids)),
        scheduled_at=body.scheduled_at,
        due_date=body.due_date,
        completed_at=completed_at,
        outcome=body.outcome.value,
        outcome_note=body.outcome_note or None,
        assigned_member_ids=assignees,
        duration_minutes=body.duration_minutes,
        meta=_metadata(body.metadata),
        visibility=body.visibility.value,
        owner_id=member_id,
        created_by=member_id,
        updated_by=member_id,
        date_created=ctx.now,
        date_updated=ctx.now,
    )
    _repository(ctx).add(activity)
    ctx.session.flush()
    return activity


#: Body fields copied as they are (after validation), by attribute name.
_PLAIN_FIELDS = ("subject", "description", "scheduled_at", "due_date", "completed_at",
                 "outcome_note", "duration_minutes")  # fmt: skip


def update(ctx: Context, activity_id: str, body: ActivityUpdate) -> Activity:
    for key in body.model_extra or {}:
        if key in IMMUTABLE_FIELDS:
            raise ValidationError(f"{key}: the field cannot be changed")
    fields = body.model_fields_set & set(ActivityUpdate.model_fields)
    if not fields:
        raise ValidationError("The body must contain at least one field to change")
    activity = _get_own(ctx, activity_id)
    changes: dict[str, Any] = {
        name: getattr(body, name) for name in _PLAIN_FIELDS if name in fields
    }
    for name in ("description", "outcome_note"):
        if name in changes:
            changes[name] = changes[name] or None  # "" is no text, like null
    if "outcome" in fields:
        changes["outcome"] = body.outcome.value
    if "visibility" in fields:
        changes["visibility"] = body.visibility.value
    if "related_record_ids" in fields:
        current = list(activity.related_record_ids)
        changes["related_record_ids"] = _related(
            ctx, body.related_record_ids, activity.record_id, current
        )
    assignees = _wanted_assignees(body)
    if assignees is not None:
        current = list(activity.assigned_member_ids)
        changes["assigned_member_ids"] = _assignees(ctx, assignees, current)
    if "attachment_ids" in fields:
        changes["attachment_ids"] = list(dict.fromkeys(body.attachment_ids))
    if "metadata" in fields:
        changes["meta"] = _metadata(body.metadata)
    completed_at = changes.get("completed_at", activity.completed_at)
    if changes.get("outcome") == Outcome.COMPLETED and completed_at is None:
        changes["completed_at"] = ctx.now
    changed = False
    for name, value in changes.items():
        if _differs(getattr(activity, name), value):
            setattr(activity, name, value)
            changed = True
    if changed:
        activity.updated_by = ctx.caller.member_id
        activity.date_updated = ctx.now
        ctx.session.flush()
    return activity


def _differs(before: Any, after: Any) -> bool:
    if isinstance(before, dict | list) or isinstance(after, dict | list):
        # Types matter (1 vs 1.0 vs true); JSONB reorders object keys, so keys are sorted.
        return orjson.dumps(before, option=orjson.OPT_SORT_KEYS) != orjson.dumps(
            after, option=orjson.OPT_SORT_KEYS
        )
    return bool(before != after)


def delete(ctx: Context, activity_id: str) -> str:
    """Delete for good (SOLAPI documents no trash for activities)."""
    _repository(ctx).delete(_get_own(ctx, activity_id))
    return activity_id


# --- lists ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListQuery:
    record_id: str | None
    entity_id: str | None
    activity_type: ActivityType | None
    start_key: str | None
    limit: int

    def cursor_scope(self, ctx: Context) -> str:
        """A cursor is valid only for the tenant, endpoint and filters it was issued for."""
        caller = ctx.caller
        parts = [caller.account_id, caller.workspace_id, "activities", "list"]
        parts += [self.record_id or "", self.entity_id or "", self.activity_type or ""]
        return "|".join(parts)


@dataclass(frozen=True, slots=True)
class ListPage:
    items: list[Activity]
    next_key: str | None


def _of_record(ctx: Context, record_id: str) -> ColumnElement[bool]:
    record = _record(ctx, record_id)
    if record is None:
        return Activity.record_id.is_(None)
    return Activity.record_id == record.record_id


def list_page(ctx: Context, query: ListQuery) -> ListPage:
    """Newest first by (dateCreated, activityId), with a keyset cursor: one query per page."""
    conditions = _visible(ctx)
    if query.record_id is not None:
        conditions.append(_of_record(ctx, query.record_id))
    if query.entity_id is not None:
        entity = entity_service.get_accessible(ctx, query.entity_id)
        conditions.append(Activity.entity_id == entity.entity_id)
    if query.activity_type is not None:
        conditions.append(Activity.activity_type == query.activity_type.value)
    scope = query.cursor_scope(ctx)
    if query.start_key is not None:
        conditions.append(_before(ctx.cursors.decode(scope, query.start_key)))
    order = [Activity.date_created.desc(), Activity.activity_id.desc()]
    rows = _repository(ctx).page(conditions, order, query.limit + 1)
    next_key = None
    if len(rows) > query.limit:
        rows = rows[: query.limit]
        last = rows[-1]
        next_key = ctx.cursors.encode(scope, [last.date_created.isoformat(), last.activity_id])
    return ListPage(rows, next_key)


def _before(position: list[Any]) -> ColumnElement[bool]:
    try:
        moment, activity_id = position
        when = datetime.fromisoformat(moment)
        if not isinstance(activity_id, str):
            raise TypeError
    except (TypeError, ValueError) as error:
        raise ValidationError("startKey: the cursor belongs to another query") from error
    return tuple_(Activity.date_created, Activity.activity_id) < tuple_(when, activity_id)


def scheduled(ctx: Context, record_id: str, limit: int) -> list[Activity]:
    """A record's (or the calendar's) activities with a planned time or a deadline, soonest
    first by ``coalesce(scheduledAt, dueDate)``."""
    conditions = [
        *_visible(ctx),
        _of_record(ctx, record_id),
        or_(Activity.scheduled_at.is_not(None), Activity.due_date.is_not(None)),
    ]
    order = [func.coalesce(Activity.scheduled_at, Activity.due_date), Activity.activity_id]
    return _repository(ctx).page(conditions, order, limit)
