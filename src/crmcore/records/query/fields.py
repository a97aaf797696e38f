"""What a condition or sort can name: system fields and ``data.<propertyId>``."""

from dataclasses import dataclass
from typing import Any

from crmcore.kernel.errors import ValidationError
from crmcore.models import Record
from crmcore.properties.types import ValueKind
from crmcore.records.values import EntitySchema, PropertyView


@dataclass(frozen=True, slots=True)
class FieldRef:
    """A resolved field: either a column of ``records`` or one property's value in ``data``."""

    name: str
    kind: ValueKind
    column: Any = None
    prop: PropertyView | None = None


_SYSTEM: dict[str, FieldRef] = {
    "name": FieldRef("name", ValueKind.TEXT, column=Record.name),
    "tags": FieldRef("tags", ValueKind.OPTIONS, column=Record.tags),
    "ownerId": FieldRef("ownerId", ValueKind.OPTION, column=Record.owner_id),
    "recordId": FieldRef("recordId", ValueKind.OPTION, column=Record.record_id),
    "dateCreated": FieldRef("dateCreated", ValueKind.DATETIME, column=Record.date_created),
    "dateUpdated": FieldRef("dateUpdated", ValueKind.DATETIME, column=Record.date_updated),
    "deletedAt": FieldRef("deletedAt", ValueKind.DATETIME, column=Record.deleted_at),
}


def resolve_field(name: str, schema: EntitySchema | None) -> FieldRef:
    if name in _SYSTEM:
        return _SYSTEM[name]
    property_id = name.removeprefix("data.")
    if schema is None:
        raise ValidationError(f"'{name[:80]}': property fields need an entityId")
    view = schema.properties.get(property_id)
    if view is None:
        raise ValidationError(f"'{name[:80]}' is not a field of this entity")
    return FieldRef(f"data.{property_id}", view.type.value_kind, prop=view)
