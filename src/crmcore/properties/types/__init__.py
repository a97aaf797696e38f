"""Field types of properties: validation, stored and wire forms, text forms, masking."""

from crmcore.properties.types.base import (
    Choices,
    FieldType,
    InvalidValue,
    JsonValue,
    PropertyType,
    ValueKind,
)
from crmcore.properties.types.registry import REGISTRY, property_type

__all__ = [
    "REGISTRY",
    "Choices",
    "FieldType",
    "InvalidValue",
    "JsonValue",
    "PropertyType",
    "ValueKind",
    "property_type",
]
