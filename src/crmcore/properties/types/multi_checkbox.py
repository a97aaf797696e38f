"""MULTI_CHECKBOX: a list of option values, duplicates removed, order kept."""

from crmcore.properties.types.base import (
    MASK,
    Choices,
    FieldType,
    InvalidValue,
    JsonValue,
    PropertyType,
    ValueKind,
)


class MultiCheckboxType(PropertyType):
    field_type = FieldType.MULTI_CHECKBOX
    value_kind = ValueKind.OPTIONS
    has_options = True

    def normalise(self, value: object, choices: Choices) -> JsonValue | None:
        if isinstance(value, list) and not value:
            return None
        return super().normalise(value, choices)

    def _validate(self, value: object, choices: Choices) -> JsonValue:
        if not isinstance(value, list):
            raise InvalidValue("must be an array of option values")
        for item in value:
            if not isinstance(item, str):
                raise InvalidValue("must be an array of strings (option values)")
            if item not in choices:
                raise InvalidValue("must contain only the property's option values")
        return list(dict.fromkeys(value))

    def mask(self, stored: JsonValue) -> JsonValue:
        return [MASK]

    def as_text(self, stored: JsonValue) -> str:
        return ", ".join(stored) if isinstance(stored, list) else str(stored)

    def parse_text(self, text: str, choices: Choices) -> JsonValue | None:
        # An option that itself contains a comma is taken whole rather than split.
        whole = text.strip()
        if whole and choices.value_of(whole) in choices:
            return [choices.value_of(whole)]
        parts = [choices.value_of(part) for part in map(str.strip, whole.split(",")) if part]
        return self.normalise(parts, choices)

    def cell_text(self, stored: JsonValue, choices: Choices) -> str:
        if not isinstance(stored, list):
            return self.as_text(stored)
        return ", ".join(choices.label(value) for value in stored)
