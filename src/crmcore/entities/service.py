"""The rules of the Entities API: roles, record access, slugs, quotas, trash."""

from collections.abc import Sequence
from datetime import timedelta
from functools import partial

from crmcore.accounts.members import is_active_member
from crmcore.db.dialect import lock_account
from crmcore.db.session import flush_unique
from crmcore.entities.repository import EntityFacts, EntityRepository
from crmcore.entities.schemas import MAX_ENTITIES_LISTED, EntityCreate, EntityUpdate
from crmcore.entities.view_settings import (
    default_view_settings,
    merge_view_settings,
    normalise_widgets,
    prune_references,
    validate_view_settings,
)
from crmcore.files.cleanup import discard
from crmcore.files.repository import record_blob_keys
from crmcore.kernel.context import Caller, Context
from crmcore.kernel.errors import (
    DuplicateEntity,
    EntityGone,
    Forbidden,
    ValidationError,
    not_found,
)
from crmcore.kernel.ids import IdKind, new_id
from crmcore.kernel.lru import LruCache
from crmcore.kernel.wire import format_datetime
from crmcore.models import Entity
from crmcore.models.entity import RecordAccess
from crmcore.plans import service as plan_service
from crmcore.plans.limits import Dimension

#: Trashed entities are purged after this long (the records' retention, applied to entities).
TRASH_RETENTION = timedelta(days=14)


def can_access(caller: Caller, entity: Entity | EntityFacts) -> bool:
    """``recordAccess``: who may read and use an entity and its records."""
    if caller.is_owner or entity.record_access == RecordAccess.PUBLIC:
        return True
    if entity.record_access == RecordAccess.ENTITY_OWNER_ONLY:
        return entity.owner_id == caller.member_id
    return False


def _repository(ctx: Context) -> EntityRepository:
    return EntityRepository(ctx.session, ctx.caller)


def _find(repository: EntityRepository, entity_id: str, *, lock: bool = False) -> Entity:
    entity = repository.get(entity_id, lock=lock)
    if entity is None:
        raise not_found("Entity", entity_id)
    return entity


def get_accessible(ctx: Context, entity_id: str, *, lock: bool = False) -> Entity:
    """An active entity the caller may use: 404 unknown, 410 trashed, 403 no access.
    ``lock``: for a change derived from the entity's row (see ``EntityRepository.get``)."""
    return ensure_usable(ctx, _find(_repository(ctx), entity_id, lock=lock))


def lock(ctx: Context, entity: Entity) -> None:
    """Lock an entity loaded earlier and read it afresh, before changing its propertyIds or
    schemaVersion (other domains: properties)."""
    ctx.session.refresh(entity, with_for_update={"key_share": True})


#: Facts of the entities this process wrote records into lately (``facts_for_write``).
_FACTS: LruCache[tuple[str, str, str], EntityFacts] = LruCache(4096)


def facts_for_write(ctx: Context, entity_id: str, *, fresh: bool = False) -> EntityFacts:
    """The facts of an active entity the caller may use (errors as ``get_accessible``), for a
    write that checks them again in its own statement (``UNCHANGED``) and asks again with
    ``fresh`` when they no longer hold. Taken from this process's cache when it holds them: a
    create then needs no statement to read its entity. ``fresh`` reads and locks the entity's
    row, so the facts cannot change before the write's commit."""
    key = (ctx.caller.account_id, ctx.caller.workspace_id, entity_id)
    if not fresh:
        cached = _FACTS.get(key)
        # A refusal is never made on cached facts: they may be stale.
        if cached is not None and can_access(ctx.caller, cached):
            return cached
    facts = EntityFacts.of(get_accessible(ctx, entity_id, lock=fresh))
    _FACTS.put(key, facts)
    return facts


def ensure_usable(ctx: Context, entity: Entity) -> Entity:
    """410 for a trashed entity, 403 without access (for an entity loaded some other way)."""
    if entity.is_deleted:
        raise EntityGone(f"Entity '{entity.entity_id}' is in the trash")
    if not can_access(ctx.caller, entity):
        raise Forbidden(f"You do not have access to entity '{entity.entity_id}'")
    return entity


def accessible_entities(ctx: Context) -> Sequence[Entity]:
    """Every active entity the caller may use (no listing cap)."""
    entities = _repository(ctx).list_active(None, None)
    return [entity for entity in entities if can_access(ctx.caller, entity)]


def list_entities(ctx: Context, keyword: str | None) -> Sequence[Entity]:
    entities = _repository(ctx).list_active(keyword, MAX_ENTITIES_LISTED)
    return [entity for entity in entities if can_access(ctx.caller, entity)]


def create(ctx: Context, data: EntityCreate) -> Entity:
    ctx.require_owner("create entities")
    repository = _repository(ctx)
    caller = ctx.caller
    owner_id = data.owner_id or caller.member_id
    if not is_active_member(ctx.session, caller, owner_id):
        raise ValidationError(f"ownerId: '{owner_id}' is not an active CRM member")
    view_settings = default_view_settings()
    if data.view_settings is not None:
        view_settings = merge_view_settings(view_settings, data.view_settings)
    validate_view_settings(view_settings, {})
    widgets = normalise_widgets(data.insight_widgets or [], {})

    lock_account(ctx.session, caller.account_id)
    plan_service.ensure_room(ctx, Dimension.ENTITIES_MAX, repository.count_all())
    if repository.slug_taken(data.slug):
        raise _duplicate_slug(data.slug)
    entity = Entity(
        account_id=caller.account_id,
        entity_id=new_id(IdKind.ENTITY, ctx.now),
        workspace_id=caller.workspace_id,
        name=data.name,
        slug=data.slug,
        description=data.description or None,
        property_ids=[],
        view_settings=view_settings,
        insight_widgets=widgets,
        record_access=data.record_access,
        owner_id=owner_id,
        priority=data.priority if data.priority is not None else repository.next_priority(),
        is_deleted=False,
        created_by=caller.member_id,
        updated_by=caller.member_id,
        date_created=ctx.now,
        date_updated=ctx.now,
    )
    repository.add(entity)
    flush_unique(ctx.session, lambda: _duplicate_slug(data.slug))
    return entity


def update(ctx: Context, entity_id: str, data: EntityUpdate) -> Entity:
    repository = _repository(ctx)
    entity = get_accessible(ctx, entity_id, lock=True)
    changes = data.model_fields_set
    if "record_access" in changes and data.record_access != entity.record_access:
        ctx.require_owner("change recordAccess")
    if "owner_id" in changes and data.owner_id != entity.owner_id:
        ctx.require_owner("change ownerId")
        if not is_active_member(ctx.session, ctx.caller, data.owner_id):
            raise ValidationError(f"ownerId: '{data.owner_id}' is not an active CRM member")
    if not changes:
        return entity

    properties = repository.property_facts(entity)
    if "property_ids" in changes:
        entity.property_ids = _reordered_property_ids(entity.property_ids, data.property_ids)
    if "view_settings" in changes:
        view_settings = merge_view_settings(entity.view_settings, data.view_settings)
        validate_view_settings(view_settings, properties)
        entity.view_settings = view_settings
    if "insight_widgets" in changes:
        entity.insight_widgets = normalise_widgets(data.insight_widgets, properties)
    if "slug" in changes and data.slug != entity.slug:
        if repository.slug_taken(data.slug, except_entity_id=entity.entity_id):
            raise _duplicate_slug(data.slug)
        entity.slug = data.slug
    if "name" in changes:
        entity.name = data.name
    if "description" in changes:
        entity.description = data.description or None
    if "record_access" in changes:
        entity.record_access = data.record_access
    if "owner_id" in changes:
        entity.owner_id = data.owner_id
    if "priority" in changes:
        entity.priority = data.priority
    entity.updated_by = ctx.caller.member_id
    entity.date_updated = ctx.now
    flush_unique(ctx.session, lambda: _duplicate_slug(entity.slug))
    return entity


def _reordered_property_ids(current: Sequence[str], requested: Sequence[str]) -> list[str]:
    """The requested order first; live properties left out keep their relative order after it."""
    if len(set(requested)) != len(requested):
        raise ValidationError("propertyIds: IDs must be distinct")
    unknown = [property_id for property_id in requested if property_id not in current]
    if unknown:
        raise ValidationError(f"propertyIds: '{unknown[0]}' is not a property of this entity")
    chosen = set(requested)
    return [*requested, *(property_id for property_id in current if property_id not in chosen)]


def trash(ctx: Context, entity_id: str) -> Entity:
    entity = _find(_repository(ctx), entity_id, lock=True)
    if entity.is_deleted:
        raise EntityGone(f"Entity '{entity_id}' is already in the trash")
    ctx.require_owner("delete entities")
    entity.is_deleted = True
    entity.deleted_at = ctx.now
    entity.deleted_by = ctx.caller.member_id
    entity.date_updated = ctx.now
    entity.updated_by = ctx.caller.member_id
    ctx.session.flush()
    return entity


def list_trash(ctx: Context) -> Sequence[Entity]:
    ctx.require_owner("list the entity trash")
    return _repository(ctx).list_trashed(MAX_ENTITIES_LISTED)


def restore(ctx: Context, entity_id: str) -> Entity:
    entity = _find(_repository(ctx), entity_id, lock=True)
    ctx.require_owner("restore entities")
    if not entity.is_deleted:
        raise ValidationError(f"Entity '{entity_id}' is not in the trash")
    entity.is_deleted = False
    entity.deleted_at = None
    entity.deleted_by = None
    entity.date_updated = ctx.now
    entity.updated_by = ctx.caller.member_id
    ctx.session.flush()
    return entity


def delete_permanently(ctx: Context, entity_id: str) -> str:
    repository = _repository(ctx)
    entity = _find(repository, entity_id, lock=True)
    ctx.require_owner("delete entities")
    # The records' file rows go by cascade; their blobs once the delete has committed.
    keys = record_blob_keys(ctx.session, ctx.caller.account_id, entity_id=entity.entity_id)
    repository.delete(entity)
    if keys:
        ctx.uow.after_commit(partial(discard, ctx.blobs, keys))
    return entity_id


def reorder(ctx: Context, entity_ids: Sequence[str]) -> Sequence[Entity]:
    if len(set(entity_ids)) != len(entity_ids):
        raise ValidationError("entityIds: IDs must be distinct")
    # Every priority is rewritten from what is read here: one reorder of the account at a time.
    lock_account(ctx.session, ctx.caller.account_id)
    repository = _repository(ctx)
    found = {entity.entity_id: entity for entity in repository.active_by_ids(entity_ids)}
    missing = [entity_id for entity_id in entity_ids if entity_id not in found]
    if missing:
        raise ValidationError(f"entityIds: '{missing[0]}' is not an active entity")
    listed = set(entity_ids)
    others = [e for e in repository.list_active(None, 10_000) if e.entity_id not in listed]
    for position, entity in enumerate([*(found[i] for i in entity_ids), *others]):
        if entity.priority != position:
            entity.priority = float(position)
            entity.date_updated = ctx.now
            entity.updated_by = ctx.caller.member_id
    ctx.session.flush()
    return list_entities(ctx, None)


def purge_at(entity: Entity) -> str | None:
    if entity.deleted_at is None:
        return None
    return format_datetime(entity.deleted_at + TRASH_RETENTION)


def append_property(ctx: Context, entity: Entity, property_id: str) -> None:
    """A new property becomes the last column of the table view."""
    entity.property_ids = [*entity.property_ids, property_id]
    schema_changed(entity)


def issue_data_key(entity: Entity) -> str:
    """The key a new property's values get in ``records.data`` (the entity is locked)."""
    entity.data_keys_issued = (entity.data_keys_issued or 0) + 1
    return str(entity.data_keys_issued)


def schema_changed(entity: Entity) -> None:
    """Properties of the entity were added, changed or deleted (invalidates cached schemas)."""
    entity.schema_version = (entity.schema_version or 0) + 1


def forget_properties(
    ctx: Context, entity: Entity, property_ids: frozenset[str] = frozenset()
) -> None:
    """After properties were deleted, retyped or lost options: drop what no longer fits."""
    ctx.session.flush()
    if property_ids:
        entity.property_ids = [pid for pid in entity.property_ids if pid not in property_ids]
    facts = _repository(ctx).property_facts(entity)
    settings, widgets = prune_references(entity.view_settings, entity.insight_widgets, facts)
    if settings != entity.view_settings:
        entity.view_settings = settings
    if widgets != entity.insight_widgets:
        entity.insight_widgets = widgets


def _duplicate_slug(slug: str) -> DuplicateEntity:
    return DuplicateEntity(f"An entity with slug '{slug}' already exists")
