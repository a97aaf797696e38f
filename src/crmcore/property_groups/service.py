"""Property groups: named sections of an entity's properties (OWNER writes, members read)."""

from collections.abc import Sequence

from crmcore.db.session import flush_unique
from crmcore.entities import service as entity_service
from crmcore.kernel.context import Context
from crmcore.kernel.errors import DuplicatePropertyGroup, NotFound, not_found
from crmcore.kernel.ids import IdKind, new_id
from crmcore.models import Entity, PropertyGroup
from crmcore.property_groups.repository import PropertyGroupRepository
from crmcore.property_groups.schemas import GroupCreate, GroupUpdate

MAX_GROUPS_LISTED = 500


def _repository(ctx: Context) -> PropertyGroupRepository:
    return PropertyGroupRepository(ctx.session, ctx.caller)


def get(ctx: Context, group_id: str, *, lock: bool = False) -> tuple[PropertyGroup, Entity]:
    """``lock``: the group's row stays locked until commit (a change or a delete; properties
    joining it share-lock it)."""
    group = _repository(ctx).get(group_id, lock=lock)
    if group is None:
        raise not_found("Property group", group_id)
    return group, entity_service.get_accessible(ctx, group.entity_id)


def list_groups(ctx: Context, entity_id: str | None) -> Sequence[tuple[PropertyGroup, Entity]]:
    if entity_id is not None:
        try:
            entities = [entity_service.get_accessible(ctx, entity_id)]
        except NotFound:
            return []
    else:
        entities = list(entity_service.list_entities(ctx, None))
    by_id = {entity.entity_id: entity for entity in entities}
    groups = _repository(ctx).list_for(list(by_id), MAX_GROUPS_LISTED)
    return [(group, by_id[group.entity_id]) for group in groups]


def property_ids_of(
    ctx: Context, groups: Sequence[tuple[PropertyGroup, Entity]]
) -> dict[str, list[str]]:
    """Each group's live properties, in the entity's column order."""
    members = _repository(ctx).members([group.property_group_id for group, _ in groups])
    return {
        group.property_group_id: [
            pid for pid in entity.property_ids if pid in members[group.property_group_id]
        ]
        for group, entity in groups
    }


def create(ctx: Context, data: GroupCreate) -> tuple[PropertyGroup, Entity]:
    entity = entity_service.get_accessible(ctx, data.entity_id)
    ctx.require_owner("create property groups")
    repository = _repository(ctx)
    if repository.name_taken(entity.entity_id, data.name):
        raise _duplicate(data.name)
    group = PropertyGroup(
        account_id=ctx.caller.account_id,
        property_group_id=new_id(IdKind.PROPERTY_GROUP, ctx.now),
        entity_id=entity.entity_id,
        workspace_id=ctx.caller.workspace_id,
        name=data.name,
        description=data.description or None,
        priority=data.priority
        if data.priority is not None
        else repository.next_priority(entity.entity_id),
        created_by=ctx.caller.member_id,
        updated_by=ctx.caller.member_id,
        date_created=ctx.now,
        date_updated=ctx.now,
    )
    repository.add(group)
    flush_unique(ctx.session, lambda: _duplicate(data.name))
    return group, entity


def update(ctx: Context, group_id: str, data: GroupUpdate) -> tuple[PropertyGroup, Entity]:
    group, entity = get(ctx, group_id, lock=True)
    ctx.require_owner("update property groups")
    changes = data.model_fields_set
    if not changes:
        return group, entity
    if "name" in changes:
        if _repository(ctx).name_taken(group.entity_id, data.name, group.property_group_id):
            raise _duplicate(data.name)
        group.name = data.name
    if "description" in changes:
        group.description = data.description or None
    if "priority" in changes:
        group.priority = data.priority
    group.updated_by = ctx.caller.member_id
    group.date_updated = ctx.now
    flush_unique(ctx.session, lambda: _duplicate(group.name))
    return group, entity


def delete(ctx: Context, group_id: str) -> str:
    """Hard delete; its properties become ungrouped."""
    group, _entity = get(ctx, group_id, lock=True)
    ctx.require_owner("delete property groups")
    _repository(ctx).delete(group)
    return group_id


def _duplicate(name: str) -> DuplicatePropertyGroup:
    return DuplicatePropertyGroup(f"A property group named '{name}' already exists")
