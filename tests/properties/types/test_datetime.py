from collections.abc import Callable

import pytest

from crmcore.properties.types import FieldType, property_type
from crmcore.properties.types.base import InvalidValue
from crmcore.properties.types.datetime_ import format_instant, parse_instant
from tests.properties.types.helpers import NO_CHOICES, rejection

DATETIME = property_type(FieldType.DATETIME)
SHAPE = "must be an ISO 8601 date-time with an offset, e.g. 2026-04-22T15:30:00+09:00"
INVALID = "is not a valid date and time"


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("2026-04-22T15:30:00Z", "2026-04-22T15:30:00.000Z"),
        ("2026-04-22T15:30:00.123Z", "2026-04-22T15:30:00.123Z"),
        ("2026-04-22T15:30:00.123+09:00", "2026-04-22T06:30:00.123Z"),
        ("2026-04-22T15:30:00.5Z", "2026-04-22T15:30:00.500Z"),
        ("2026-04-22T15:30:00.123456789Z", "2026-04-22T15:30:00.123Z"),
        ("2026-04-22T15:30:00.9999Z", "2026-04-22T15:30:00.999Z"),
        ("2026-04-22T15:30:00,25Z", "2026-04-22T15:30:00.250Z"),
        ("2026-04-22T15:30Z", "2026-04-22T15:30:00.000Z"),
        ("2026-04-22T15:30:00+0900", "2026-04-22T06:30:00.000Z"),
        ("2026-04-22T15:30:00+09", "2026-04-22T06:30:00.000Z"),
        ("2026-04-22T15:30:00-05:30", "2026-04-22T21:00:00.000Z"),
        ("2026-04-22 15:30:00Z", "2026-04-22T15:30:00.000Z"),
        ("2026-04-22t15:30:00z", "2026-04-22T15:30:00.000Z"),
        ("2026-04-22T00:30:00+01:00", "2026-04-21T23:30:00.000Z"),
        ("  2026-04-22T15:30:00Z ", "2026-04-22T15:30:00.000Z"),
        ("0999-01-01T00:00:00Z", "0999-01-01T00:00:00.000Z"),
    ],
)
def test_normalise_accepts(value: str, stored: str) -> None:
    assert DATETIME.normalise(value, NO_CHOICES) == stored


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2026-04-22T15:30:00", SHAPE),
        ("2026-04-22", SHAPE),
        ("2026-04-22T15Z", SHAPE),
        ("20260422T153000Z", SHAPE),
        ("yesterday", SHAPE),
        (1776871800, SHAPE),
        (True, SHAPE),
        ("2026-02-30T00:00:00Z", INVALID),
        ("2026-04-22T24:00:00Z", INVALID),
        ("2026-04-22T15:30:60Z", INVALID),
        ("0001-01-01T00:00:00+01:00", INVALID),
        ("2026-04-22T15:30:00+24:00", "has an invalid UTC offset"),
        ("2026-04-22T15:30:00+09:60", "has an invalid UTC offset"),
    ],
)
def test_normalise_rejects(value: object, reason: str) -> None:
    assert rejection(lambda: DATETIME.normalise(value, NO_CHOICES)) == reason


def test_wire_and_text_forms_are_the_stored_instant() -> None:
    assert DATETIME.to_wire("2026-04-22T15:30:00.000Z") == "2026-04-22T15:30:00.000Z"
    assert DATETIME.as_text("2026-04-22T15:30:00.000Z") == "2026-04-22T15:30:00.000Z"


@pytest.mark.parametrize(
    ("cell", "stored"),
    [
        ("2026-04-22 15:30", "2026-04-22T15:30:00.000Z"),
        ("2026-04-22 15:30:45", "2026-04-22T15:30:45.000Z"),
        ("2026-04-22T15:30:45", "2026-04-22T15:30:45.000Z"),
        ("2026-04-22T15:30:00+09:00", "2026-04-22T06:30:00.000Z"),
        ("2026-04-22T15:30:00Z", "2026-04-22T15:30:00.000Z"),
        ("2026-04-22", "2026-04-22T00:00:00.000Z"),
        (" 2026-04-22 ", "2026-04-22T00:00:00.000Z"),
        ("", None),
    ],
)
def test_parse_text(cell: str, stored: str | None) -> None:
    assert DATETIME.parse_text(cell, NO_CHOICES) == stored


@pytest.mark.parametrize(
    ("cell", "reason"),
    [("22/04/2026 15:30", SHAPE), ("2026/04/22", SHAPE), ("2026-04-31 10:00", INVALID)],
)
def test_parse_text_rejects(cell: str, reason: str) -> None:
    assert rejection(lambda: DATETIME.parse_text(cell, NO_CHOICES)) == reason


def _outcome(convert: Callable[[], object]) -> object:
    try:
        return convert()
    except InvalidValue as error:
        return ("rejected", error.reason)


@pytest.mark.parametrize(
    "text",
    [
        "2026-04-22T15:30:00Z",
        "2026-04-22T15:30:00.1Z",
        "2026-04-22T15:30:00.123456Z",
        "2024-02-29T23:59:59.999Z",
        "9999-12-31T23:59:59.999999Z",
        "2026-02-29T10:00:00Z",
        "2026-04-31T10:00:00Z",
        "2026-04-22T24:00:00Z",
        "2026-04-22T15:60:00Z",
        "2026-04-22T15:30:60Z",
        "0000-01-01T00:00:00Z",
    ],
)
def test_utc_text_in_the_stored_shape_gets_what_the_general_parser_gives(text: str) -> None:
    """Such text (what exports write) skips the general parser: same value, same refusal."""
    general = _outcome(lambda: format_instant(parse_instant(text)))
    assert _outcome(lambda: DATETIME.parse_text(text, NO_CHOICES)) == general
    assert _outcome(lambda: DATETIME.normalise(text, NO_CHOICES)) == general
