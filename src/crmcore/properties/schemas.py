"""Request and response shapes of the Properties API."""

import re
from typing import Any

from pydantic import Field, field_validator

from crmcore.kernel.wire import ABSENT, Name, WireModel, add_audit_fields, json_number
from crmcore.models import Property
from crmcore.properties.types import FieldType, property_type

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
#: Keys that would collide with record system fields or generic identifiers.
RESERVED_KEYS = frozenset(
    {
        "id", "name", "data", "tags", "owner", "owner_id", "record_id", "entity_id", "account_id",
        "workspace_id", "property_id", "created_by", "updated_by", "created_at", "updated_at",
        "date_created", "date_updated", "is_deleted", "deleted_at", "profile_image", "images",
        "attachments", "relationships", "activities", "events", "null", "true", "false",
    }
)  # fmt: skip
HEX_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
MAX_OPTIONS = 200
MAX_PROPERTIES_LISTED = 500
MAX_BULK = 500


class OptionIn(WireModel):
    label: str = Field(min_length=1, max_length=100, strict=True)
    value: str = Field(min_length=1, max_length=100, strict=True)
    priority: float = Field(allow_inf_nan=False, strict=True)
    color: str | None = Field(default=None, pattern=HEX_COLOUR.pattern, strict=True)


def _clean_key(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if not KEY_PATTERN.match(value):
        raise ValueError(
            "must start with a lowercase letter and hold only lowercase letters, digits and "
            "underscores (at most 63 characters)"
        )
    if value in RESERVED_KEYS:
        raise ValueError(f"'{value}' is a reserved word")
    return value


def _distinct_values(options: list[OptionIn] | None) -> list[OptionIn] | None:
    if options is not None:
        values = [option.value for option in options]
        duplicate = next((v for v in values if values.count(v) > 1), None)
        if duplicate is not None:
            raise ValueError(f"option value '{duplicate}' is used more than once")
    return options


class PropertyCreate(WireModel):
    entity_id: str = Field(max_length=64, strict=True)
    name: Name
    field_type: FieldType
    description: str | None = Field(default=None, max_length=1000, strict=True)
    property_group_id: str | None = Field(default=None, max_length=64, strict=True)
    key: str | None = Field(default=None, strict=True)
    is_masked: bool = Field(default=False, strict=True)
    options: list[OptionIn] | None = Field(default=None, max_length=MAX_OPTIONS)

    _key = field_validator("key")(_clean_key)
    _options = field_validator("options")(_distinct_values)


class PropertyBulkCreate(WireModel):
    properties: list[PropertyCreate] = Field(min_length=1, max_length=MAX_BULK)


class PropertyUpdate(WireModel):
    name: Name = Field(default=ABSENT)
    description: str | None = Field(default=None, max_length=1000, strict=True)
    field_type: FieldType = Field(default=ABSENT)
    property_group_id: str | None = Field(default=None, max_length=64, strict=True)
    key: str | None = Field(default=None, strict=True)
    is_masked: bool = Field(default=ABSENT, strict=True)
    options: list[OptionIn] = Field(default=ABSENT, max_length=MAX_OPTIONS)
    entity_id: str = Field(default=ABSENT, strict=True)

    _key = field_validator("key")(_clean_key)
    _options = field_validator("options")(_distinct_values)


class OptionOut(WireModel):
    label: str
    value: str
    priority: float
    color: str | None = None


class PropertyOut(WireModel):
    property_id: str
    account_id: str
    workspace_id: str | None = None
    entity_id: str
    name: str
    description: str | None = None
    field_type: FieldType
    property_group_id: str | None
    options: list[OptionOut]
    is_masked: bool
    key: str | None
    created_by: str
    updated_by: str
    date_created: str
    date_updated: str


class PropertyDeleted(WireModel):
    property_id: str
    entity_id: str
    is_deleted: bool


def stored_options(field_type: FieldType, options: list[OptionIn] | None) -> list[dict[str, Any]]:
    """Options sorted by priority (stable); types without options store none."""
    if not property_type(field_type).has_options or not options:
        return []
    ordered = sorted(options, key=lambda option: option.priority)
    return [option.model_dump(by_alias=True, exclude_none=True) for option in ordered]


def property_to_wire(prop: Property, *, hide_options: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {"propertyId": prop.property_id, "accountId": prop.account_id}
    if prop.workspace_id:
        body["workspaceId"] = prop.workspace_id
    body["entityId"] = prop.entity_id
    body["name"] = prop.name
    if prop.description:
        body["description"] = prop.description
    body.update(
        fieldType=prop.field_type,
        propertyGroupId=prop.property_group_id,
        options=[] if hide_options else [_option(o) for o in prop.options],
        isMasked=prop.is_masked,
        key=prop.key,
    )
    return add_audit_fields(body, prop)


def _option(option: dict[str, Any]) -> dict[str, Any]:
    return {**option, "priority": json_number(option["priority"])}
