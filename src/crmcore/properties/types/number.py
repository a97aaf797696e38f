"""NUMBER: a finite JSON number; decimal strings such as ``"1200"`` are accepted and converted."""

import math
import re
from decimal import Decimal

from crmcore.properties.types.base import (
    Choices,
    FieldType,
    InvalidValue,
    JsonValue,
    PropertyType,
    ValueKind,
)

_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
# Integers beyond 2**53 are not exact in JavaScript clients, so they are kept as floats.
_EXACT_INT = 2**53


def canonical(number: int | float) -> int | float:
    if isinstance(number, float):
        if not math.isfinite(number):
            raise InvalidValue("must be a finite number")
        if number.is_integer() and abs(number) < _EXACT_INT:
            return int(number)
        return number
    if abs(number) < _EXACT_INT:
        return number
    try:
        return float(number)
    except OverflowError:
        raise InvalidValue("must be a finite number") from None


def parse_decimal(text: str) -> int | float:
    text = text.strip()
    if not _DECIMAL.fullmatch(text):
        if "," in text:
            raise InvalidValue("must be a number with '.' as decimal point and no separators")
        raise InvalidValue("must be a number")
    return canonical(float(text))


def decimal_text(number: int | float) -> str:
    """Shortest form that reads back to the same number, without an exponent for everyday sizes."""
    if isinstance(number, int) or number == 0:
        return str(int(number))
    if 1e-6 <= abs(number) < 1e21:  # JavaScript's Number#toString uses the same window.
        return format(Decimal(repr(number)).normalize(), "f")
    return repr(number)


class NumberType(PropertyType):
    field_type = FieldType.NUMBER
    value_kind = ValueKind.NUMBER

    def _validate(self, value: object, choices: Choices) -> JsonValue:
        # bool is an int subclass: check it first.
        if isinstance(value, bool):
            raise InvalidValue("must be a number, not a boolean")
        if isinstance(value, int | float):
            return canonical(value)
        if isinstance(value, str):
            return parse_decimal(value)
        raise InvalidValue("must be a number")

    def to_wire(self, stored: JsonValue) -> JsonValue:
        # PostgreSQL's JSONB gives a stored 1e16 back as the integer 10000000000000000: canonical()
        # turns it into the float that was written, as SQLite gives it back.
        if isinstance(stored, bool) or not isinstance(stored, int | float):
            return stored
        if isinstance(stored, float) and not math.isfinite(stored):
            return stored
        try:
            return canonical(stored)
        except InvalidValue:  # an integer beyond any float: never written by this code
            return stored

    def as_text(self, stored: JsonValue) -> str:
        if isinstance(stored, int | float) and not isinstance(stored, bool):
            return decimal_text(stored)
        return str(stored)
