"""Rules of the Properties API: OWNER-only writes, unique names and keys, quotas, type changes."""

from collections.abc import Sequence
from functools import partial

from crmcore.db.dialect import lock_account
from crmcore.db.session import flush_unique
from crmcore.entities import service as entity_service
from crmcore.kernel.context import Context
from crmcore.kernel.errors import (
    DuplicateProperty,
    Gone,
    NotFound,
    ValidationError,
    not_found,
)
from crmcore.kernel.ids import IdKind, new_id
from crmcore.models import Entity, Property
from crmcore.plans import quota
from crmcore.plans import service as plan_service
from crmcore.plans.limits import Dimension
from crmcore.properties import type_change
from crmcore.properties.repository import PropertyRepository
from crmcore.properties.schemas import (
    MAX_PROPERTIES_LISTED,
    PropertyCreate,
    PropertyUpdate,
    stored_options,
)
from crmcore.properties.types import FieldType, property_type


def _repository(ctx: Context) -> PropertyRepository:
    return PropertyRepository(ctx.session, ctx.caller)


def options_hidden(ctx: Context, prop: Property, *, listing: bool) -> bool:
    """Masked choice properties list no options; a single GET shows them to OWNERs only."""
    if not prop.is_masked or not property_type(prop.field_type).has_options:
        return False
    return listing or not ctx.caller.is_owner


def get_live(ctx: Context, property_id: str, *, lock: bool = False) -> tuple[Property, Entity]:
    """A live property of an accessible entity: 404 unknown, 410 deleted or entity trashed.
    ``lock``: both rows stay locked until commit (a change or delete of the property)."""
    prop = _repository(ctx).get(property_id, lock=lock)
    if prop is None:
        raise not_found("Property", property_id)
    if prop.is_deleted:
        raise Gone(f"Property '{property_id}' has been deleted")
    return prop, entity_service.get_accessible(ctx, prop.entity_id, lock=lock)


def list_properties(ctx: Context, entity_id: str | None, keyword: str | None) -> Sequence[Property]:
    if entity_id is not None:
        try:
            entity_ids = [entity_service.get_accessible(ctx, entity_id).entity_id]
        except NotFound:  # an unknown entity lists nothing; trashed or forbidden ones still fail
            return []
    else:
        entity_ids = [e.entity_id for e in entity_service.list_entities(ctx, None)]
    return _repository(ctx).list_live(entity_ids, keyword, MAX_PROPERTIES_LISTED)


def create(ctx: Context, data: PropertyCreate) -> Property:
    return create_many(ctx, [data], single=True)[0]


def create_many(
    ctx: Context, items: Sequence[PropertyCreate], *, single: bool = False
) -> list[Property]:
    """All or nothing: every item is checked before anything is written."""
    repository = _repository(ctx)
    entities: dict[str, Entity] = {}
    seen: set[tuple[str, str, str]] = set()
    for index, item in enumerate(items):
        if item.entity_id not in entities:
            entities[item.entity_id] = entity_service.get_accessible(ctx, item.entity_id)
        ctx.require_owner("create properties")
        _check_group(repository, item.entity_id, item.property_group_id, _where(single, index))
        for field, value in (("name", item.name), ("key", item.key)):
            if value is None:
                continue
            if (item.entity_id, field, value) in seen:
                raise ValidationError(
                    f"{_where(single, index)}{field}: '{value}' appears twice in the batch"
                )
            seen.add((item.entity_id, field, value))

    lock_account(ctx.session, ctx.caller.account_id)
    for entity in entities.values():  # their propertyIds and schemaVersion are rewritten below
        entity_service.lock(ctx, entity)
    limit = plan_service.limits(ctx)[Dimension.PROPERTIES_MAX_PER_ENTITY]
    for entity_id in entities:
        requested = sum(1 for item in items if item.entity_id == entity_id)
        used = repository.count_of_entity(entity_id)
        quota.ensure_room(Dimension.PROPERTIES_MAX_PER_ENTITY, limit, used, requested)
    for index, item in enumerate(items):
        if repository.taken(item.entity_id, name=item.name):
            raise DuplicateProperty(
                f"{_where(single, index)}name: '{item.name}' is already used in the entity"
            )
        if item.key is not None and repository.taken(item.entity_id, key=item.key):
            raise DuplicateProperty(
                f"{_where(single, index)}key: '{item.key}' is already used in the entity"
            )

    created = []
    for item in items:
        prop = Property(
            account_id=ctx.caller.account_id,
            property_id=new_id(IdKind.PROPERTY, ctx.now),
            entity_id=item.entity_id,
            data_key=entity_service.issue_data_key(entities[item.entity_id]),
            workspace_id=ctx.caller.workspace_id,
            name=item.name,
            key=item.key,
            description=item.description or None,
            field_type=item.field_type,
            property_group_id=item.property_group_id,
            options=stored_options(item.field_type, item.options),
            is_masked=item.is_masked,
            is_deleted=False,
            created_by=ctx.caller.member_id,
            updated_by=ctx.caller.member_id,
            date_created=ctx.now,
            date_updated=ctx.now,
        )
        repository.add(prop)
        entity_service.append_property(ctx, entities[item.entity_id], prop.property_id)
        created.append(prop)
    flush_unique(ctx.session, _duplicate_name_or_key)
    for prop in created:
        ctx.uow.after_commit(partial(ctx.indexes.rebuild, prop, drop_first=False))
    return created


def update(ctx: Context, property_id: str, data: PropertyUpdate) -> Property:
    changes = data.model_fields_set
    repository = _repository(ctx)
    if "property_group_id" in changes and data.property_group_id is not None:
        # The group first (share-locked until commit): a group delete locks the group, then
        # its properties, so this order cannot deadlock with it.
        repository.group(data.property_group_id)
    prop, entity = get_live(ctx, property_id, lock=True)
    ctx.require_owner("update properties")
    if not changes:
        return prop
    if "entity_id" in changes and data.entity_id != prop.entity_id:
        raise ValidationError("entityId: a property cannot move to another entity")
    if "name" in changes and repository.taken(
        prop.entity_id, name=data.name, except_property_id=prop.property_id
    ):
        raise DuplicateProperty(f"name: '{data.name}' is already used in the entity")
    if (
        "key" in changes
        and data.key is not None
        and repository.taken(prop.entity_id, key=data.key, except_property_id=prop.property_id)
    ):
        raise DuplicateProperty(f"key: '{data.key}' is already used in the entity")
    if "property_group_id" in changes:
        _check_group(repository, prop.entity_id, data.property_group_id, "")

    source = FieldType(prop.field_type)
    target = data.field_type if "field_type" in changes else source
    if "options" in changes:
        options = stored_options(target, data.options)
    elif property_type(target).has_options:
        options = prop.options
    else:
        options = []
    if target != source:
        type_change.convert_stored_values(ctx, prop, target, options)

    if "name" in changes:
        prop.name = data.name
    if "description" in changes:
        prop.description = data.description or None
    if "key" in changes:
        prop.key = data.key
    if "property_group_id" in changes:
        prop.property_group_id = data.property_group_id
    if "is_masked" in changes:
        prop.is_masked = data.is_masked
    prop.field_type = target
    prop.options = options
    prop.updated_by = ctx.caller.member_id
    prop.date_updated = ctx.now
    flush_unique(ctx.session, _duplicate_name_or_key)
    entity_service.schema_changed(entity)
    if target != source or "options" in changes:
        entity_service.forget_properties(ctx, entity)
    if target != source:
        ctx.uow.after_commit(partial(ctx.indexes.rebuild, prop, drop_first=True))
    return prop


def delete(ctx: Context, property_id: str) -> Property:
    prop, entity = get_live(ctx, property_id, lock=True)
    ctx.require_owner("delete properties")
    # Soft delete: values stay in the records, hidden; the quota keeps counting it (as SOLAPI).
    prop.is_deleted = True
    prop.deleted_at = ctx.now
    prop.updated_by = ctx.caller.member_id
    prop.date_updated = ctx.now
    entity_service.schema_changed(entity)
    entity_service.forget_properties(ctx, entity, frozenset({prop.property_id}))
    ctx.uow.after_commit(partial(ctx.indexes.drop, prop.account_id, prop.property_id))
    return prop


def _where(single: bool, index: int) -> str:
    """How error messages name a bulk item."""
    return "" if single else f"properties[{index}]."


def _check_group(
    repository: PropertyRepository, entity_id: str, group_id: str | None, where: str
) -> None:
    if group_id is None:
        return
    group = repository.group(group_id)
    if group is None:
        raise not_found("Property group", group_id)
    if group.entity_id != entity_id:
        raise ValidationError(f"{where}propertyGroupId: the group belongs to another entity")


def _duplicate_name_or_key() -> DuplicateProperty:
    return DuplicateProperty("The name or key is already used in the entity")
