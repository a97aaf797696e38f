"""DATETIME: an instant, stored as UTC ``YYYY-MM-DDTHH:MM:SS.mmmZ``; input needs an offset or Z."""

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo

from crmcore.properties.types.base import (
    Choices,
    FieldType,
    InvalidValue,
    JsonValue,
    PropertyType,
    ValueKind,
)

_INSTANT = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
    r"(?:(?P<z>[Zz])|(?P<sign>[+-])(?P<oh>\d{2})(?::?(?P<om>\d{2}))?)?",
    re.ASCII,
)
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
# Already UTC and in the stored shape but for the fraction (exports write it, most imports
# repeat it): checked by the C parser and reshaped without the general path, which was an eighth
# of an import's per-row work. Group 1 is the fraction's digits.
_PLAIN_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.(\d{1,6}))?Z", re.ASCII)
_SHAPE = "must be an ISO 8601 date-time with an offset, e.g. 2026-04-22T15:30:00+09:00"


def parse_instant(text: str, naive_zone: tzinfo | None = None) -> datetime:
    """An aware datetime; text without an offset is read in ``naive_zone`` (rejected if None)."""
    match = _INSTANT.fullmatch(text.strip())
    if match is None:
        raise InvalidValue(_SHAPE)
    year, month, day, hour, minute = (int(part) for part in match.groups()[:5])
    second = int(match[6] or 0)
    micro = int((match[7] or "0")[:6].ljust(6, "0"))
    zone = naive_zone
    if match["z"]:
        zone = UTC
    elif match["sign"]:
        sign = -1 if match["sign"] == "-" else 1
        hours, minutes = int(match["oh"]), int(match["om"] or 0)
        if hours > 23 or minutes > 59:
            raise InvalidValue("has an invalid UTC offset")
        zone = timezone(sign * timedelta(hours=hours, minutes=minutes))
    if zone is None:
        raise InvalidValue(_SHAPE)
    try:
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=zone).astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidValue("is not a valid date and time") from None


def format_instant(value: datetime) -> str:
    # isoformat, unlike strftime, zero-pads years below 1000; milliseconds are truncated.
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


class DatetimeType(PropertyType):
    field_type = FieldType.DATETIME
    value_kind = ValueKind.DATETIME

    def _validate(self, value: object, choices: Choices) -> JsonValue:
        if not isinstance(value, str):
            raise InvalidValue(_SHAPE)
        return _plain_utc(value) or format_instant(parse_instant(value))

    def parse_text(self, text: str, choices: Choices) -> JsonValue | None:
        text = text.strip()
        if not text:
            return None
        plain = _plain_utc(text)
        if plain is not None:
            return plain
        if _DATE_ONLY.fullmatch(text):
            text += "T00:00"
        return format_instant(parse_instant(text, naive_zone=UTC))


def _plain_utc(text: str) -> str | None:
    """The stored form of ``YYYY-MM-DDTHH:MM:SS[.f]Z`` if it is a real instant, else None (the
    general path then accepts it or says why not)."""
    match = _PLAIN_UTC.fullmatch(text)
    if match is None:
        return None
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return None
    return f"{text[:19]}.{((match[1] or '') + '000')[:3]}Z"
