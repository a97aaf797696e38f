"""Wire conventions: UTC timestamps with milliseconds, camelCase JSON."""

from datetime import UTC, datetime
from typing import Annotated, Any, Protocol

from pydantic import BaseModel, ConfigDict, StringConstraints
from pydantic.alias_generators import to_camel

#: Default of a patch field that may be absent but not null. Pydantic does not validate defaults,
#: so an absent field stays out of ``model_fields_set`` while an explicit null fails its type.
ABSENT: Any = None


#: A display name: outer whitespace trimmed first, then 1-100 characters.
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, strict=True)
]


#: Integers beyond 2**53 are not exact in JavaScript clients (and past 2**64 not even JSON that
#: orjson writes), so such integral floats stay floats, as record NUMBER values do.
_EXACT_INT = 2**53


def json_number(value: float) -> int | float:
    """Integral numbers go out as integers (``0``, not ``0.0``), within the exact range."""
    return int(value) if float(value).is_integer() and abs(value) < _EXACT_INT else value


#: Deepest nesting of arrays and objects a request body may have. Nothing the API takes needs a
#: tenth of it; past ~250 levels the response encoder (orjson) and pydantic's serializer give up.
MAX_JSON_DEPTH = 64


def contains_nul(value: Any) -> bool:
    """Whether a parsed JSON value holds U+0000 in any string or key: PostgreSQL text and JSONB
    cannot store it, so it is refused everywhere (on SQLite too, for one behaviour)."""
    pending = [value]
    while pending:  # a loop, not recursion: a value may be nested a thousand levels deep
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def json_depth(value: Any) -> int:
    """Levels of arrays and objects (``1`` for ``{}``, ``0`` for a scalar)."""
    deepest = 0
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
    return deepest


def utc_now() -> datetime:
    """Now, to the millisecond: what is stored is exactly what the API shows (and filters on)."""
    moment = datetime.now(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def format_datetime(value: datetime) -> str:
    """``2026-04-22T15:30:00.000Z``: the one date format of every response."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


class WireModel(BaseModel):
    """Base of every request and response schema: camelCase on the wire, snake_case in Python."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class Audited(Protocol):
    created_by: str
    updated_by: str
    date_created: datetime
    date_updated: datetime


class Trashable(Audited, Protocol):
    is_deleted: bool
    deleted_at: datetime | None
    deleted_by: str | None


def add_audit_fields(body: dict[str, Any], row: Audited) -> dict[str, Any]:
    """``createdBy``, ``updatedBy``, ``dateCreated``, ``dateUpdated``: the tail of every object."""
    body.update(
        createdBy=row.created_by,
        updatedBy=row.updated_by,
        dateCreated=format_datetime(row.date_created),
        dateUpdated=format_datetime(row.date_updated),
    )
    return body


def add_trash_fields(body: dict[str, Any], row: Trashable, purge_at: str | None) -> None:
    """``deletedAt``, ``deletedBy`` (and the ``purgeAt`` extension) while in the trash."""
    if row.is_deleted and row.deleted_at is not None:
        body["deletedAt"] = format_datetime(row.deleted_at)
        body["deletedBy"] = row.deleted_by
        if purge_at is not None:
            body["purgeAt"] = purge_at
