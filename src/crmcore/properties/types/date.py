"""DATE: a calendar date ``YYYY-MM-DD``; a date-time with an offset is reduced to its UTC date."""

import re
from datetime import UTC, date

from crmcore.properties.types.base import (
    Choices,
    FieldType,
    InvalidValue,
    JsonValue,
    PropertyType,
    ValueKind,
)
from crmcore.properties.types.datetime_ import parse_instant

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_SLASHED = re.compile(r"\d{4}/\d{2}/\d{2}", re.ASCII)


def _is_datetime(text: str) -> bool:
    return len(text) > 10 and _DATE.fullmatch(text[:10]) is not None


class DateType(PropertyType):
    field_type = FieldType.DATE
    value_kind = ValueKind.DATE

    def _validate(self, value: object, choices: Choices) -> JsonValue:
        text = value.strip() if isinstance(value, str) else ""
        if _is_datetime(text):
            return parse_instant(text).date().isoformat()
        match = _DATE.fullmatch(text)
        if match is None:
            raise InvalidValue("must be a date in the form YYYY-MM-DD")
        try:
            return date(*map(int, match.groups())).isoformat()
        except ValueError:
            raise InvalidValue("is not a valid calendar date") from None

    def parse_text(self, text: str, choices: Choices) -> JsonValue | None:
        text = text.strip()
        if _SLASHED.fullmatch(text):
            text = text.replace("/", "-")
        if _is_datetime(text):
            return parse_instant(text, naive_zone=UTC).date().isoformat()
        return self.normalise(text, choices)
