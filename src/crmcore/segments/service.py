"""Segments: saved condition groups, checked against the entity's fields when saved."""

from collections.abc import Sequence

from crmcore.db.dialect import json_access
from crmcore.db.session import flush_unique
from crmcore.entities import service as entity_service
from crmcore.kernel.context import Context
from crmcore.kernel.errors import DuplicateSegment, NotFound, not_found
from crmcore.kernel.ids import IdKind, new_id
from crmcore.models import Entity, Segment
from crmcore.records.query.compile import Compiler
from crmcore.records.query.tree import Group, check_bounds
from crmcore.records.values import EntitySchema
from crmcore.segments.repository import SegmentRepository
from crmcore.segments.schemas import SegmentCreate, SegmentUpdate


def _repository(ctx: Context) -> SegmentRepository:
    return SegmentRepository(ctx.session, ctx.caller)


def _validate(ctx: Context, entity: Entity, group: Group) -> dict[str, object]:
    """Compiling once proves every field and operator fits the entity (400 otherwise)."""
    check_bounds(group)
    schema = EntitySchema.load(ctx.session, ctx.caller.account_id, entity.entity_id)
    Compiler(json_access(ctx.session), schema).group(group)
    return group.model_dump(mode="json")


def get(ctx: Context, segment_id: str, *, lock: bool = False) -> tuple[Segment, Entity]:
    """``lock``: its row stays locked until commit (a change or a delete)."""
    segment = _repository(ctx).get(segment_id, lock=lock)
    if segment is None:
        raise not_found("Segment", segment_id)
    return segment, entity_service.get_accessible(ctx, segment.entity_id)


def group_of(segment: Segment) -> Group:
    return Group.model_validate(segment.condition_group)


def list_segments(ctx: Context, entity_id: str | None) -> Sequence[Segment]:
    if entity_id is not None:
        try:
            entity_ids = [entity_service.get_accessible(ctx, entity_id).entity_id]
        except NotFound:
            return []
    else:
        entity_ids = [e.entity_id for e in entity_service.accessible_entities(ctx)]
    return _repository(ctx).list_for(entity_ids)


def create(ctx: Context, body: SegmentCreate) -> Segment:
    entity = entity_service.get_accessible(ctx, body.entity_id)
    repository = _repository(ctx)
    if repository.name_taken(entity.entity_id, body.name):
        raise _duplicate(body.name)
    segment = Segment(
        account_id=ctx.caller.account_id,
        segment_id=new_id(IdKind.SEGMENT, ctx.now),
        entity_id=entity.entity_id,
        workspace_id=ctx.caller.workspace_id,
        name=body.name,
        description=body.description or None,
        condition_group=_validate(ctx, entity, body.condition_group),
        priority=body.priority if body.priority is not None else repository.next_priority(),
        created_by=ctx.caller.member_id,
        updated_by=ctx.caller.member_id,
        date_created=ctx.now,
        date_updated=ctx.now,
    )
    repository.add(segment)
    flush_unique(ctx.session, lambda: _duplicate(body.name))
    return segment


def update(ctx: Context, segment_id: str, body: SegmentUpdate) -> Segment:
    segment, entity = get(ctx, segment_id, lock=True)
    changes = body.model_fields_set
    if not changes:
        return segment
    if "name" in changes and body.name != segment.name:
        if _repository(ctx).name_taken(entity.entity_id, body.name, segment.segment_id):
            raise _duplicate(body.name)
        segment.name = body.name
    if "description" in changes:
        segment.description = body.description or None
    if "condition_group" in changes:
        segment.condition_group = _validate(ctx, entity, body.condition_group)
    if "priority" in changes:
        segment.priority = body.priority
    segment.updated_by = ctx.caller.member_id
    segment.date_updated = ctx.now
    flush_unique(ctx.session, lambda: _duplicate(segment.name))
    return segment


def delete(ctx: Context, segment_id: str) -> str:
    segment, _entity = get(ctx, segment_id, lock=True)
    _repository(ctx).delete(segment)
    return segment_id


def _duplicate(name: str) -> DuplicateSegment:
    return DuplicateSegment(f"A segment named '{name}' already exists")
