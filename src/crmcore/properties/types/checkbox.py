"""CHECKBOX: a JSON boolean; spreadsheet words (yes/no, 1/0, O/X …) only through ``parse_text``."""

from crmcore.properties.types.base import (
    Choices,
    FieldType,
    InvalidValue,
    JsonValue,
    PropertyType,
    ValueKind,
)

# O/X is the usual Korean spreadsheet notation for yes/no.
_WORDS = {
    **dict.fromkeys(("true", "yes", "y", "1", "o"), True),
    **dict.fromkeys(("false", "no", "n", "0", "x"), False),
}


class CheckboxType(PropertyType):
    field_type = FieldType.CHECKBOX
    value_kind = ValueKind.BOOLEAN

    def _validate(self, value: object, choices: Choices) -> JsonValue:
        if not isinstance(value, bool):
            raise InvalidValue("must be true or false")
        return value

    def as_text(self, stored: JsonValue) -> str:
        return "true" if stored is True else "false" if stored is False else str(stored)

    def cell_text(self, stored: JsonValue, choices: Choices) -> str:
        return "TRUE" if stored is True else "FALSE" if stored is False else str(stored)

    def parse_text(self, text: str, choices: Choices) -> JsonValue | None:
        word = text.strip().lower()
        if not word:
            return None
        if word not in _WORDS:
            raise InvalidValue("must be one of true/false, yes/no, y/n, 1/0, o/x")
        return _WORDS[word]
