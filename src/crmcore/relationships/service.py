"""The rules of relationship types and relationships: orientation, duplicates, quotas, visibility.

A relationship is visible only while both of its records are live and visible to the caller and
both entities are accessible: trashing a record hides its links, restoring brings them back, and
purging deletes them (foreign keys cascade). Nothing here can show a dangling link.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import ColumnElement, or_, tuple_
from sqlalchemy.exc import IntegrityError

from crmcore.db.dialect import lock_account
from crmcore.db.session import flush_unique
from crmcore.entities import service as entity_service
from crmcore.kernel.context import Context
from crmcore.kernel.errors import (
    DuplicateRelationship,
    DuplicateRelationshipType,
    ValidationError,
    not_found,
)
from crmcore.kernel.ids import IdKind, new_id
from crmcore.models import Record, Relationship, RelationshipType
from crmcore.plans import service as plan_service
from crmcore.plans.limits import Dimension
from crmcore.records import service as record_service
from crmcore.relationships.repository import (
    SOURCE,
    TARGET,
    RelationshipRepository,
    TypeRepository,
)
from crmcore.relationships.schemas import (
    MAX_METADATA_BYTES,
    MAX_OF_TYPE_LISTED,
    RELATIONSHIP_IMMUTABLE_FIELDS,
    TYPE_IMMUTABLE_FIELDS,
    RelationshipCreate,
    TypeCreate,
    TypeUpdate,
)


def _types(ctx: Context) -> TypeRepository:
    return TypeRepository(ctx.session, ctx.caller)


def _links(ctx: Context) -> RelationshipRepository:
    return RelationshipRepository(ctx.session, ctx.caller)


# --- relationship types ---------------------------------------------------------------------


def get_type(ctx: Context, relationship_type_id: str, *, lock: bool = False) -> RelationshipType:
    """A type whose two entities the caller may use (404 unknown, 410 / 403 via its entities).
    ``lock``: its row stays locked until commit (a change or a delete)."""
    rtype = _types(ctx).get(relationship_type_id, lock=lock)
    if rtype is None:
        raise not_found("Relationship type", relationship_type_id)
    entity_service.get_accessible(ctx, rtype.source_entity_id)
    entity_service.get_accessible(ctx, rtype.target_entity_id)
    return rtype


def list_types(ctx: Context, entity_id: str | None) -> Sequence[RelationshipType]:
    if entity_id is not None:
        # 404 / 410 / 403 like every other list filtered by an entity.
        entity_id = entity_service.get_accessible(ctx, entity_id).entity_id
    accessible = {e.entity_id for e in entity_service.accessible_entities(ctx)}
    return _types(ctx).list_between(accessible, entity_id)


def create_type(ctx: Context, body: TypeCreate) -> RelationshipType:
    source = entity_service.get_accessible(ctx, body.source_entity_id)
    target = entity_service.get_accessible(ctx, body.target_entity_id)
    repository = _types(ctx)
    if repository.name_taken(body.name, source.entity_id, target.entity_id):
        raise _duplicate_type(body.name)
    limit = plan_service.limits(ctx)[Dimension.RELATIONSHIP_TYPES_MAX_PER_ENTITY]
    if limit is not None:
        lock_account(ctx.session, ctx.caller.account_id)
        for entity_id in dict.fromkeys([source.entity_id, target.entity_id]):
            used = repository.count_touching(entity_id)
            plan_service.ensure_room(ctx, Dimension.RELATIONSHIP_TYPES_MAX_PER_ENTITY, used)
    rtype = RelationshipType(
        account_id=ctx.caller.account_id,
        relationship_type_id=new_id(IdKind.RELATIONSHIP_TYPE, ctx.now),
        workspace_id=ctx.caller.workspace_id,
        name=body.name,
        description=body.description or None,
        source_entity_id=source.entity_id,
        target_entity_id=target.entity_id,
        source_label=body.source_label or None,
        target_label=body.target_label or None,
        created_by=ctx.caller.member_id,
        updated_by=ctx.caller.member_id,
        date_created=ctx.now,
        date_updated=ctx.now,
    )
    repository.add(rtype)
    flush_unique(ctx.session, lambda: _duplicate_type(body.name))
    return rtype


def update_type(ctx: Context, relationship_type_id: str, body: TypeUpdate) -> RelationshipType:
    _refuse_immutable(body.model_extra, TYPE_IMMUTABLE_FIELDS)
    rtype = get_type(ctx, relationship_type_id, lock=True)
    changes = body.model_fields_set
    if "name" in changes and body.name != rtype.name:
        repository = _types(ctx)
        source, target = rtype.source_entity_id, rtype.target_entity_id
        if repository.name_taken(body.name, source, target, rtype.relationship_type_id):
            raise _duplicate_type(body.name)
        rtype.name = body.name
    if "description" in changes:
        rtype.description = body.description or None
    if "source_label" in changes:
        rtype.source_label = body.source_label or None
    if "target_label" in changes:
        rtype.target_label = body.target_label or None
    if changes:
        rtype.updated_by = ctx.caller.member_id
        rtype.date_updated = ctx.now
        flush_unique(ctx.session, lambda: _duplicate_type(rtype.name))
    return rtype


def delete_type(ctx: Context, relationship_type_id: str) -> int:
    """Delete a type and every relationship of it; return how many relationships went."""
    rtype = get_type(ctx, relationship_type_id, lock=True)
    ctx.require_owner("delete relationship types")
    return _types(ctx).delete(rtype)


def _duplicate_type(name: str) -> DuplicateRelationshipType:
    return DuplicateRelationshipType(
        f"A relationship type named '{name}' already links these entities"
    )


# --- orientation and record checks ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Orientation:
    """How a request's (source, target) entities map onto its type's."""

    rtype: RelationshipType
    swapped: bool

    def stored(self, source_id: str, target_id: str) -> tuple[str, str]:
        """The (source, target) record pair in the type's orientation."""
        return (target_id, source_id) if self.swapped else (source_id, target_id)


def orient(
    ctx: Context, rtype: RelationshipType, source_entity_id: str, target_entity_id: str
) -> Orientation:
    """The entity pair must match the type in one orientation; the reverse one is swapped."""
    given = (source_entity_id, target_entity_id)
    if given == (rtype.source_entity_id, rtype.target_entity_id):
        return Orientation(rtype, swapped=False)
    if given == (rtype.target_entity_id, rtype.source_entity_id):
        return Orientation(rtype, swapped=True)
    for entity_id in given:
        # An unknown (or another tenant's) entity is a 404 like every foreign ID, not a mismatch.
        if entity_id not in (rtype.source_entity_id, rtype.target_entity_id):
            entity_service.get_accessible(ctx, entity_id)
    raise ValidationError(
        f"The entities ({source_entity_id[:64]}, {target_entity_id[:64]}) do not match "
        f"relationship type '{rtype.relationship_type_id}' in either direction"
    )


def records_of(
    ctx: Context, entity_id: str, record_ids: Sequence[str], field: str
) -> dict[str, Record]:
    """The live records the caller may see, all of ``entity_id``: a missing one (unknown, in the
    trash, invisible or another tenant's) is a 404 for the whole request."""
    ids = list(dict.fromkeys(record_ids))
    found = record_service.live_visible(ctx, ids)
    for record_id in ids:
        record = found.get(record_id)
        if record is None:
            raise not_found("Record", record_id)
        if record.entity_id != entity_id:
            raise ValidationError(
                f"{field}: record '{record_id}' does not belong to entity '{entity_id[:64]}'"
            )
    return found


def check_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    try:
        size = len(orjson.dumps(metadata))
    except orjson.JSONEncodeError as error:
        # The request parser already refuses what JSON cannot hold; kept as the last word.
        raise ValidationError("metadata: not representable as JSON") from error
    if size > MAX_METADATA_BYTES:
        raise ValidationError(f"metadata: larger than {MAX_METADATA_BYTES} bytes as JSON")
    return metadata


def ensure_room_for(ctx: Context, new_links: int) -> None:
    """``relationships.max``, race-free: the account lock serialises creates of one account."""
    if new_links <= 0:
        return
    limit = plan_service.limits(ctx)[Dimension.RELATIONSHIPS_MAX]
    if limit is None:
        return
    lock_account(ctx.session, ctx.caller.account_id)
    used = _links(ctx).count_all()
    plan_service.ensure_room(ctx, Dimension.RELATIONSHIPS_MAX, used, new_links)


def new_row(
    ctx: Context, rtype: RelationshipType, source: str, target: str, metadata: dict[str, Any]
) -> dict[str, Any]:
    """A relationship row (column name -> value) in the type's orientation."""
    return {
        "account_id": ctx.caller.account_id,
        "relationship_id": new_id(IdKind.RELATIONSHIP, ctx.now),
        "relationship_type_id": rtype.relationship_type_id,
        "workspace_id": ctx.caller.workspace_id,
        "source_entity_id": rtype.source_entity_id,
        "source_record_id": source,
        "target_entity_id": rtype.target_entity_id,
        "target_record_id": target,
        "metadata": metadata,
        "created_by": ctx.caller.member_id,
        "updated_by": ctx.caller.member_id,
        "date_created": ctx.now,
        "date_updated": ctx.now,
    }


def insert_links(ctx: Context, rows: list[dict[str, Any]]) -> int:
    """Insert rows whose records were checked; a pair linked meanwhile is skipped. Returns how
    many were created. A record purged meanwhile fails its foreign key: a conflict to retry."""
    try:
        return _links(ctx).insert_new(rows)
    except IntegrityError as error:
        raise DuplicateRelationship(
            "The records changed while they were being linked; repeat the request"
        ) from error


# --- relationships --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Listed:
    """A relationship with its records' names (the record ID when a record has no name)."""

    link: Relationship
    source_name: str
    target_name: str


def create(ctx: Context, body: RelationshipCreate) -> Relationship:
    rtype = get_type(ctx, body.relationship_type_id)
    orientation = orient(ctx, rtype, body.source_entity_id, body.target_entity_id)
    if body.source_record_id == body.target_record_id:
        raise ValidationError("A record cannot be linked to itself")
    records_of(ctx, body.source_entity_id, [body.source_record_id], "sourceRecordId")
    records_of(ctx, body.target_entity_id, [body.target_record_id], "targetRecordId")
    source, target = orientation.stored(body.source_record_id, body.target_record_id)
    metadata = check_metadata(body.metadata)
    if _links(ctx).exists(rtype.relationship_type_id, source, target):
        raise _duplicate_link()
    ensure_room_for(ctx, 1)
    link = Relationship(**_attributes(new_row(ctx, rtype, source, target, metadata)))
    _links(ctx).add(link)
    flush_unique(ctx.session, _duplicate_link)
    return link


def _attributes(row: dict[str, Any]) -> dict[str, Any]:
    attributes = dict(row)
    attributes["meta"] = attributes.pop("metadata")
    return attributes


def _duplicate_link() -> DuplicateRelationship:
    return DuplicateRelationship("These records are already linked by this relationship type")


def get(ctx: Context, relationship_id: str, *, lock: bool = False) -> Listed:
    """``lock``: its row stays locked until commit (a change or a delete)."""
    condition = Relationship.relationship_id == relationship_id
    rows = _page(ctx, [condition], limit=1, lock=lock)
    if not rows:
        raise not_found("Relationship", relationship_id)
    return rows[0]


def replace_metadata(
    ctx: Context, relationship_id: str, metadata: dict[str, Any], extra: dict[str, Any] | None
) -> Listed:
    """Replace (never merge) a relationship's metadata."""
    _refuse_immutable(extra, RELATIONSHIP_IMMUTABLE_FIELDS)
    listed = get(ctx, relationship_id, lock=True)
    link = listed.link
    link.meta = check_metadata(metadata)
    link.updated_by = ctx.caller.member_id
    link.date_updated = ctx.now
    ctx.session.flush()
    return listed


def delete(ctx: Context, relationship_id: str) -> str:
    """Delete for good; ``relationships.max`` usage drops at once (it is counted live)."""
    _links(ctx).delete(get(ctx, relationship_id, lock=True).link)
    return relationship_id


@dataclass(frozen=True, slots=True)
class ListQuery:
    relationship_type_id: str | None
    entity_id: str | None
    record_id: str | None
    start_key: str | None
    limit: int

    def cursor_scope(self, ctx: Context, endpoint: str) -> str:
        caller = ctx.caller
        parts = [caller.account_id, caller.workspace_id, "relationships", endpoint]
        parts += [self.relationship_type_id or "", self.entity_id or "", self.record_id or ""]
        return "|".join(parts)


@dataclass(frozen=True, slots=True)
class ListPage:
    items: list[Listed]
    next_key: str | None


def list_page(ctx: Context, query: ListQuery, endpoint: str = "list") -> ListPage:
    """Newest first. With an entity or a record, the source side and the target side are read
    as two index walks whose candidates the same statement merges, so a page costs the same
    wherever it is."""
    conditions: list[ColumnElement[bool]] = []
    if query.relationship_type_id is not None:
        rtype = get_type(ctx, query.relationship_type_id)
        conditions.append(Relationship.relationship_type_id == rtype.relationship_type_id)
    sides: list[ColumnElement[bool]] = []
    if query.entity_id is not None:
        entity = entity_service.get_accessible(ctx, query.entity_id)
        sides = [
            Relationship.source_entity_id == entity.entity_id,
            Relationship.target_entity_id == entity.entity_id,
        ]
    if query.record_id is not None:
        record = record_service.get(ctx, query.record_id, include_deleted=False).record
        if sides:  # both filters apply: the record's relationships that touch the entity
            conditions.append(or_(*sides))
        sides = [
            Relationship.source_record_id == record.record_id,
            Relationship.target_record_id == record.record_id,
        ]
    scope = query.cursor_scope(ctx, endpoint)
    if query.start_key is not None:
        conditions.append(_before(ctx.cursors.decode(scope, query.start_key)))
    wanted = query.limit + 1
    visible = _visibility(ctx)  # once per request, not once per walk
    if sides:
        # The database orders the candidates of both walks: sorting them here would use another
        # collation than the one startKey is compared with (pages would skip and repeat links).
        walks = [[*conditions, side, *visible] for side in sides]
        chosen = _links(ctx).newest_of_walks(walks, wanted)
        rows = _page(ctx, [chosen], limit=wanted, visible=())  # the walks checked visibility
    else:
        rows = _page(ctx, conditions, limit=wanted, visible=visible)
    next_key = None
    if len(rows) > query.limit:
        rows = rows[: query.limit]
        last = rows[-1].link
        next_key = ctx.cursors.encode(scope, [last.date_created.isoformat(), last.relationship_id])
    return ListPage(rows, next_key)


def of_type(ctx: Context, relationship_type_id: str) -> list[Listed]:
    """Every relationship of a type, oldest first, at most 500 (the list pages through more)."""
    rtype = get_type(ctx, relationship_type_id)
    condition = Relationship.relationship_type_id == rtype.relationship_type_id
    return _page(ctx, [condition], limit=MAX_OF_TYPE_LISTED, newest_first=False)


def _before(position: list[Any]) -> ColumnElement[bool]:
    try:
        moment, relationship_id = position
        when = datetime.fromisoformat(moment)
        if not isinstance(relationship_id, str):
            raise TypeError
    except (TypeError, ValueError) as error:
        raise ValidationError("startKey: the cursor belongs to another query") from error
    return tuple_(Relationship.date_created, Relationship.relationship_id) < tuple_(
        when, relationship_id
    )


def _visibility(ctx: Context) -> list[ColumnElement[bool]]:
    """Both records live and visible to the caller, in entities the caller may use."""
    entities = entity_service.accessible_entities(ctx)
    return [
        SOURCE.is_deleted == False,  # noqa: E712 - SQL "= false"
        TARGET.is_deleted == False,  # noqa: E712
        record_service.visible_in(ctx, entities, SOURCE),
        record_service.visible_in(ctx, entities, TARGET),
    ]


def _page(
    ctx: Context,
    conditions: Sequence[ColumnElement[bool]],
    *,
    limit: int,
    newest_first: bool = True,
    visible: Sequence[ColumnElement[bool]] | None = None,
    lock: bool = False,
) -> list[Listed]:
    """``visible`` (from ``_visibility``) may be passed by callers reading several pages."""
    if visible is None:
        visible = _visibility(ctx)
    rows = _links(ctx).page(
        [*conditions, *visible], newest_first=newest_first, limit=limit, lock=lock
    )
    return [
        Listed(link, source_name or link.source_record_id, target_name or link.target_record_id)
        for link, source_name, target_name in rows
    ]


def types_of(ctx: Context, items: Sequence[Listed]) -> dict[str, RelationshipType]:
    """The types of ``items``, by ID (one query)."""
    type_ids = {item.link.relationship_type_id for item in items}
    return {rtype.relationship_type_id: rtype for rtype in _types(ctx).by_ids(type_ids)}


def _refuse_immutable(extra: dict[str, Any] | None, immutable: Sequence[str]) -> None:
    for key in extra or {}:
        if key in immutable:
            raise ValidationError(f"{key}: the field cannot be changed")
