"""Changing a property's ``fieldType`` (entities-properties §8.3): one stored value at a time.

``convert`` either returns the value's stored form under the new type or raises ``InvalidValue``
when it cannot convert, or could only convert by losing information (a time of day, a leading
zero, digits beyond float precision). ``always_safe`` names the pairs whose value *formats* can
never fail, so the pre-conversion scan may be skipped; ``convert`` is still needed for the new
stored form, and choice targets still check option membership there when the options change.
"""

import re
from collections.abc import Callable
from decimal import Decimal

from crmcore.properties.types.base import Choices, FieldType, InvalidValue, JsonValue, PropertyType
from crmcore.properties.types.number import decimal_text, parse_decimal
from crmcore.properties.types.registry import property_type

Converted = JsonValue | None
Rule = Callable[[JsonValue, PropertyType, PropertyType, Choices], Converted]

_LEADING_ZERO = re.compile(r"[+-]?0\d")
_MIDNIGHT = "T00:00:00.000Z"


def _fail(target: PropertyType) -> InvalidValue:
    return InvalidValue(f"cannot be converted to {target.field_type}")


def _to_string(
    stored: JsonValue, old: PropertyType, new: PropertyType, choices: Choices
) -> Converted:
    return new.normalise(old.as_text(stored), choices)


def _to_number(
    stored: JsonValue, old: PropertyType, new: PropertyType, choices: Choices
) -> Converted:
    if isinstance(stored, bool | list):
        raise _fail(new)
    if not isinstance(stored, str):
        return new.normalise(stored, choices)
    text = stored.strip()
    number = parse_decimal(text)
    if _LEADING_ZERO.match(text) or Decimal(text) != Decimal(decimal_text(number)):
        raise InvalidValue("would lose digits as a NUMBER")
    return number


def _to_checkbox(
    stored: JsonValue, old: PropertyType, new: PropertyType, choices: Choices
) -> Converted:
    if isinstance(stored, bool):
        return stored
    if isinstance(stored, str) and stored.lower() in ("true", "false"):
        return stored.lower() == "true"
    if isinstance(stored, int | float) and stored in (0, 1):
        return stored == 1
    raise _fail(new)


def _to_date(
    stored: JsonValue, old: PropertyType, new: PropertyType, choices: Choices
) -> Converted:
    if not isinstance(stored, str):
        raise _fail(new)
    if len(stored) > len("YYYY-MM-DD"):
        instant = property_type(FieldType.DATETIME).normalise(stored, choices)
        if not isinstance(instant, str) or not instant.endswith(_MIDNIGHT):
            raise InvalidValue("would lose its time of day as a DATE")
    return new.normalise(stored, choices)


def _to_datetime(
    stored: JsonValue, old: PropertyType, new: PropertyType, choices: Choices
) -> Converted:
    if not isinstance(stored, str):
        raise _fail(new)
    if old.field_type is FieldType.DATE:
        return f"{stored}{_MIDNIGHT}"
    return new.normalise(stored, choices)


def _to_option(
    stored: JsonValue, old: PropertyType, new: PropertyType, choices: Choices
) -> Converted:
    if isinstance(stored, list):
        if len(stored) != 1:
            raise InvalidValue(f"only a single value can be converted to {new.field_type}")
        return new.normalise(stored[0], choices)
    return new.normalise(old.as_text(stored), choices)


def _to_options(
    stored: JsonValue, old: PropertyType, new: PropertyType, choices: Choices
) -> Converted:
    items = stored if isinstance(stored, list) else [old.as_text(stored)]
    return new.normalise(items, choices)


_RULES: dict[FieldType, Rule] = {
    FieldType.TEXT: _to_string,
    FieldType.TEXTAREA: _to_string,
    FieldType.PHONE: _to_string,
    FieldType.EMAIL: _to_string,
    FieldType.URL: _to_string,
    FieldType.NUMBER: _to_number,
    FieldType.CHECKBOX: _to_checkbox,
    FieldType.DATE: _to_date,
    FieldType.DATETIME: _to_datetime,
    FieldType.DROPDOWN: _to_option,
    FieldType.RADIO: _to_option,
    FieldType.MULTI_CHECKBOX: _to_options,
}


def convert(
    stored: JsonValue, source: FieldType, target: FieldType, target_choices: Choices
) -> JsonValue | None:
    if source == target:
        return stored
    rule = _RULES[target]
    return rule(stored, property_type(source), property_type(target), target_choices)


_SAFE_PAIRS = frozenset(
    {
        (FieldType.DROPDOWN, FieldType.RADIO),
        (FieldType.RADIO, FieldType.DROPDOWN),
        (FieldType.DROPDOWN, FieldType.MULTI_CHECKBOX),
        (FieldType.RADIO, FieldType.MULTI_CHECKBOX),
        (FieldType.DATE, FieldType.DATETIME),
    }
)
# Narrower than the spec's list: a URL (2,048) or joined MULTI_CHECKBOX values (up to 200 options
# of 100 characters, 20,398 with separators) can exceed TEXT's 2,000 and even TEXTAREA's 20,000.
_MAY_OUTGROW_TEXT = frozenset({FieldType.TEXTAREA, FieldType.URL, FieldType.MULTI_CHECKBOX})


def always_safe(source: FieldType, target: FieldType) -> bool:
    if source == target or (source, target) in _SAFE_PAIRS:
        return True
    if target == FieldType.TEXTAREA:
        return source != FieldType.MULTI_CHECKBOX
    if target == FieldType.TEXT:
        return source not in _MAY_OUTGROW_TEXT
    return False
