"""Record ``data``: validated through the field-type registry on the way in, filtered to live
properties and masked for callers who may not see clear values on the way out."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from crmcore.kernel.context import Caller
from crmcore.kernel.errors import ValidationError
from crmcore.kernel.lru import LruCache
from crmcore.models import Property
from crmcore.properties.types import Choices, FieldType, InvalidValue, PropertyType, property_type


@dataclass(frozen=True, slots=True)
class PropertyView:
    property_id: str
    #: Where its values live in ``records.data`` (see ``Property.data_key``).
    data_key: str
    name: str
    field_type: FieldType
    choices: Choices
    is_masked: bool
    key: str | None = None

    @property
    def type(self) -> PropertyType:
        return property_type(self.field_type)


@dataclass(frozen=True, slots=True)
class EntitySchema:
    """The live properties of one entity, as record reads and writes need them.

    The API names values by property ID; ``records.data`` stores them under each property's
    short ``data_key``. ``stored`` and ``render_data`` translate between the two."""

    entity_id: str
    properties: Mapping[str, PropertyView]
    by_data_key: Mapping[str, PropertyView]

    @classmethod
    def load(cls, session: Session, account_id: str, entity_id: str) -> "EntitySchema":
        statement = select(
            Property.property_id,
            Property.data_key,
            Property.name,
            Property.field_type,
            Property.options,
            Property.is_masked,
            Property.key,
        ).where(
            Property.account_id == account_id,
            Property.entity_id == entity_id,
            Property.is_deleted.is_(False),
        )
        views = {
            row.property_id: PropertyView(
                row.property_id,
                row.data_key,
                row.name,
                FieldType(row.field_type),
                Choices.of(row.options),
                row.is_masked,
                row.key,
            )
            for row in session.execute(statement)
        }
        return cls(entity_id, views, {view.data_key: view for view in views.values()})

    def stored(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Values per property ID (validated) in their stored form, keyed by data key."""
        properties = self.properties
        return {properties[property_id].data_key: v for property_id, v in values.items()}


class SchemaKey(Protocol):
    """What names one version of an entity's schema (an ``Entity``, or ``EntityFacts``)."""

    @property
    def account_id(self) -> str: ...
    @property
    def entity_id(self) -> str: ...
    @property
    def schema_version(self) -> int: ...


class SchemaCache:
    """Per-process cache of entity schemas, keyed by the entity's ``schema_version``: a property
    change bumps the version in the same transaction, so no process ever reads a stale entry."""

    def __init__(self, size: int = 2048) -> None:
        self._entries: LruCache[tuple[str, str, int], EntitySchema] = LruCache(size)

    def get(self, session: Session, entity: SchemaKey) -> EntitySchema:
        key = (entity.account_id, entity.entity_id, entity.schema_version)
        schema = self._entries.get(key)
        if schema is None:
            schema = EntitySchema.load(session, entity.account_id, entity.entity_id)
            self._entries.put(key, schema)
        return schema


SCHEMAS = SchemaCache()


def sees_clear_values(caller: Caller) -> bool:
    """THE masking rule: OWNERs see masked properties in clear, MEMBERs see them masked."""
    return caller.is_owner


def validate_data(
    data: Mapping[str, Any],
    schema: EntitySchema,
    *,
    current: Mapping[str, Any] | None = None,
    clear_values: bool = True,
) -> dict[str, Any]:
    """Normalised values per property ID; ``None`` means "clear this value". ``current`` is
    the record's stored ``data`` (keyed by data key)."""
    unknown = [key for key in data if key not in schema.properties]
    if unknown:
        listed = ", ".join(f"'{key[:64]}'" for key in unknown[:5])
        raise ValidationError(f"data: not properties of this entity: {listed}")
    result: dict[str, Any] = {}
    for property_id, value in data.items():
        view = schema.properties[property_id]
        kind = view.type
        # A MEMBER sending back the masked rendering it was shown must not destroy the value.
        stored = current.get(view.data_key) if current and view.is_masked else None
        if not clear_values and stored is not None and value == kind.mask(stored):
            continue
        try:
            result[property_id] = kind.normalise(value, view.choices)
        except InvalidValue as error:
            raise ValidationError(f"data.{property_id} ({view.name}): {error.reason}") from error
    return result


def render_data(
    stored: Mapping[str, Any], schema: EntitySchema, *, clear_values: bool
) -> dict[str, Any]:
    """Values of live properties per property ID (deleted properties' values stay stored but
    hidden)."""
    rendered: dict[str, Any] = {}
    views = schema.by_data_key
    for data_key, value in stored.items():
        view = views.get(data_key)
        if view is None or value is None:
            continue
        kind = view.type
        rendered[view.property_id] = (
            kind.mask(value) if view.is_masked and not clear_values else kind.to_wire(value)
        )
    return rendered


def render_value(view: PropertyView | None, value: Any, *, clear_values: bool) -> Any:
    """One value for a log entry: masked like record data."""
    if view is None or value is None:
        return value
    return view.type.mask(value) if view.is_masked and not clear_values else value
