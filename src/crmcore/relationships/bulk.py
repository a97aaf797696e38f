"""Bulk linking: sources x targets (``/relationships/bulk``) and matching by field values
(``/relationships/bulk-match``). All-or-nothing: every record is checked and the quota is taken
for the whole request before anything is written; existing links and self-links are skipped."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import ColumnElement, func

from crmcore.db.dialect import json_access
from crmcore.entities import service as entity_service
from crmcore.kernel.context import Context
from crmcore.kernel.errors import Forbidden, ValidationError
from crmcore.models import Record
from crmcore.records import service as record_service
from crmcore.records.query.tree import group_from_list_params
from crmcore.records.values import SCHEMAS, sees_clear_values
from crmcore.relationships import service as link_service
from crmcore.relationships.repository import RelationshipRepository
from crmcore.relationships.schemas import (
    MAX_BULK_PAIRS,
    MAX_MATCH_SOURCES_BY_FILTER,
    BulkCreate,
    BulkMatch,
    FieldRef,
    SourceFilter,
)

_IN_CHUNK = 500
#: What ``str.strip()`` removes (every ``str.isspace()`` character); the database trims the same,
#: so that tabs, line breaks, no-break and ideographic spaces around a value never prevent a match.
_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


@dataclass(frozen=True, slots=True)
class BulkResult:
    matched: int
    created: int
    skipped: int


def _sources(
    ctx: Context,
    entity_id: str,
    record_ids: Sequence[str] | None,
    selection: SourceFilter | None,
    cap: int,
    too_many: str,
) -> list[str]:
    """The source records, by ID (all must be live and visible) or by condition (at most
    ``cap``; more is refused, never silently cut)."""
    if record_ids is not None:
        ids = list(dict.fromkeys(record_ids))
        link_service.records_of(ctx, entity_id, ids, "sourceRecordIds")
        return ids
    assert selection is not None  # the schema requires one of the two
    group = group_from_list_params(selection.filters, selection.keyword)
    entity = entity_service.get_accessible(ctx, entity_id)
    ids = record_service.matching_ids(ctx, entity.entity_id, selection.segment_id, group, cap + 1)
    if len(ids) > cap:
        raise ValidationError(too_many)
    return ids


def _write(
    ctx: Context,
    orientation: link_service.Orientation,
    pairs: Iterable[tuple[str, str]],
    metadata: dict[str, Any],
) -> tuple[int, int]:
    """Link the (source, target) pairs given in the request's orientation; return (created,
    skipped). Self-links and existing links are skipped; the quota covers what is new."""
    rtype = orientation.rtype
    wanted: dict[tuple[str, str], None] = {}
    offered = 0
    for source, target in pairs:
        offered += 1
        if source != target:
            wanted[orientation.stored(source, target)] = None
    existing = RelationshipRepository(ctx.session, ctx.caller).existing_pairs(
        rtype.relationship_type_id, list(wanted)
    )
    new = [pair for pair in wanted if pair not in existing]
    link_service.ensure_room_for(ctx, len(new))
    rows = [link_service.new_row(ctx, rtype, s, t, metadata) for s, t in new]
    created = link_service.insert_links(ctx, rows) if rows else 0
    return created, offered - created


def bulk_create(ctx: Context, body: BulkCreate) -> BulkResult:
    rtype = link_service.get_type(ctx, body.relationship_type_id)
    orientation = link_service.orient(ctx, rtype, body.source_entity_id, body.target_entity_id)
    metadata = link_service.check_metadata(body.metadata)
    targets = list(dict.fromkeys(body.target_record_ids))
    link_service.records_of(ctx, body.target_entity_id, targets, "targetRecordIds")
    too_many = f"sources x targets must not exceed {MAX_BULK_PAIRS} pairs"
    cap = MAX_BULK_PAIRS // len(targets)
    sources = _sources(
        ctx, body.source_entity_id, body.source_record_ids, body.source_filter, cap, too_many
    )
    if len(sources) * len(targets) > MAX_BULK_PAIRS:
        raise ValidationError(too_many)
    pairs = ((source, target) for source in sources for target in targets)
    created, skipped = _write(ctx, orientation, pairs, metadata)
    return BulkResult(matched=created + skipped, created=created, skipped=skipped)


# --- bulk-match -------------------------------------------------------------------------------


def match_key(value: Any) -> Any:
    """Values match when equal after trimming and lower-casing; empty values never match."""
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, str):
        return value.strip(_WHITESPACE).lower() or None
    if isinstance(value, list):
        return tuple(sorted(str(match_key(item)) for item in value))
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float):
        return ("number", float(value))
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def field_value(record: Record, data_key: str | None) -> Any:
    """The record's name (``data_key`` None) or its value under a property's data key."""
    return record.name if data_key is None else record.data.get(data_key)


def _check_field(ctx: Context, entity_id: str, field: FieldRef, where: str) -> str | None:
    """The field's data key in the entity's records (None: the name)."""
    if field.type == "name":
        return None
    schema = SCHEMAS.get(ctx.session, entity_service.get_accessible(ctx, entity_id))
    view = schema.properties.get(field.property_id or "")
    if view is None:
        raise ValidationError(
            f"{where}.propertyId: '{(field.property_id or '')[:64]}' is not a property of "
            f"entity '{entity_id}'"
        )
    if view.is_masked and not sees_clear_values(ctx.caller):
        raise Forbidden(f"{where}.propertyId: masked values cannot be matched by a MEMBER")
    return view.data_key


def field_text(ctx: Context, data_key: str | None) -> ColumnElement[Any]:
    """The name (``data_key`` None) or a property's value as lower-cased, trimmed SQL text, to
    narrow counterparts inside the database."""
    if data_key is None:
        return func.lower(func.trim(Record.name, _WHITESPACE))
    text = json_access(ctx.session).text(Record.data, data_key)
    return func.lower(func.trim(text, _WHITESPACE))


def lowered_alike_everywhere(key: Any) -> bool:
    """Whether SQL ``lower()`` gives this key for every value that has it, whatever the database
    (SQLite lowers ASCII only): text of ASCII and of scripts without case, such as Hangul."""
    return isinstance(key, str) and all(ch.isascii() or ch.upper() == ch for ch in key)


def bulk_match(ctx: Context, body: BulkMatch) -> BulkResult:
    rtype = link_service.get_type(ctx, body.relationship_type_id)
    if body.source_entity_id == rtype.source_entity_id:
        counter_entity_id = rtype.target_entity_id
    elif body.source_entity_id == rtype.target_entity_id:
        counter_entity_id = rtype.source_entity_id
    else:
        raise ValidationError(
            f"sourceEntityId: entity '{body.source_entity_id[:64]}' is not a side of "
            f"relationship type '{rtype.relationship_type_id}'"
        )
    orientation = link_service.orient(ctx, rtype, body.source_entity_id, counter_entity_id)
    my_keys: list[str | None] = []
    counter_keys: list[str | None] = []
    for index, criterion in enumerate(body.criteria):
        where = f"criteria[{index}]"
        my_keys.append(
            _check_field(ctx, body.source_entity_id, criterion.my_field, f"{where}.myField")
        )
        counter_keys.append(
            _check_field(ctx, counter_entity_id, criterion.counter_field, f"{where}.counterField")
        )
    too_many = f"sourceFilter selects more than {MAX_MATCH_SOURCES_BY_FILTER} records"
    source_ids = _sources(
        ctx,
        body.source_entity_id,
        body.source_record_ids,
        body.source_filter,
        MAX_MATCH_SOURCES_BY_FILTER,
        too_many,
    )
    sources = record_service.live_visible(ctx, source_ids)
    keys: dict[str, tuple[Any, ...]] = {}
    for record_id in source_ids:
        key = tuple(match_key(field_value(sources[record_id], k)) for k in my_keys)
        if None not in key:
            keys[record_id] = key
    counterparts = _counterparts(ctx, counter_entity_id, counter_keys, keys)
    pairs: list[tuple[str, str]] = []
    for record_id, key in keys.items():
        found = [c for c in counterparts.get(key, []) if c != record_id]
        pairs += [(record_id, c) for c in (found[:1] if body.match_mode == "FIRST" else found)]
    created, skipped = _write(ctx, orientation, pairs, {})
    return BulkResult(matched=len(pairs), created=created, skipped=skipped)


def _counterparts(
    ctx: Context,
    entity_id: str,
    data_keys: list[str | None],
    keys: dict[str, tuple[Any, ...]],
) -> dict[tuple[Any, ...], list[str]]:
    """Counterpart record IDs by match key, oldest first. The database narrows by the first
    criterion when the sources' values there are text every database lowers alike; every
    criterion is then checked here."""
    if not keys:
        return {}
    first = data_keys[0]
    first_values = {key[0] for key in keys.values()}
    narrow = all(lowered_alike_everywhere(value) for value in first_values)
    chunks: list[list[Any]] = [[]]
    if narrow:
        values = sorted(first_values)
        chunks = [values[i : i + _IN_CHUNK] for i in range(0, len(values), _IN_CHUNK)]
    wanted = set(keys.values())
    found: dict[tuple[Any, ...], list[tuple[Any, str]]] = {}
    for chunk in chunks:
        extra = [field_text(ctx, first).in_(chunk)] if narrow else []
        for record in record_service.live_visible_of_entity(ctx, entity_id, extra):
            key = tuple(match_key(field_value(record, k)) for k in data_keys)
            if key in wanted:
                found.setdefault(key, []).append((record.date_created, record.record_id))
    return {key: [rid for _, rid in sorted(ids)] for key, ids in found.items()}
