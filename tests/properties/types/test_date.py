import pytest

from crmcore.properties.types import FieldType, property_type
from tests.properties.types.helpers import NO_CHOICES, rejection

DATE = property_type(FieldType.DATE)
SHAPE = "must be a date in the form YYYY-MM-DD"
CALENDAR = "is not a valid calendar date"
OFFSET = "must be an ISO 8601 date-time with an offset, e.g. 2026-04-22T15:30:00+09:00"


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("2026-04-22", "2026-04-22"),
        (" 2026-04-22 ", "2026-04-22"),
        ("2024-02-29", "2024-02-29"),
        ("0999-12-31", "0999-12-31"),
        ("2026-04-22T15:30:00Z", "2026-04-22"),
        ("2026-04-22T15:30:00.000Z", "2026-04-22"),
        ("2026-04-22T01:00:00+09:00", "2026-04-21"),
        ("2026-04-22T23:30:00-01:00", "2026-04-23"),
    ],
)
def test_normalise_accepts(value: str, stored: str) -> None:
    assert DATE.normalise(value, NO_CHOICES) == stored


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2026-02-30", CALENDAR),
        ("2025-02-29", CALENDAR),
        ("2026-13-01", CALENDAR),
        ("0000-01-01", CALENDAR),
        ("2026/04/22", SHAPE),
        ("20260422", SHAPE),
        ("2026-W17-3", SHAPE),
        ("2026-4-2", SHAPE),
        ("22.04.2026", SHAPE),
        ("tomorrow", SHAPE),
        (20260422, SHAPE),
        (["2026-04-22"], SHAPE),
        ("2026-04-22T10:00:00", OFFSET),
        ("2026-02-30T10:00:00Z", "is not a valid date and time"),
    ],
)
def test_normalise_rejects(value: object, reason: str) -> None:
    assert rejection(lambda: DATE.normalise(value, NO_CHOICES)) == reason


def test_wire_and_text_forms_are_the_iso_date() -> None:
    assert DATE.to_wire("2026-04-22") == "2026-04-22"
    assert DATE.as_text("2026-04-22") == "2026-04-22"


@pytest.mark.parametrize(
    ("cell", "stored"),
    [
        ("2026-04-22", "2026-04-22"),
        ("2026/04/22", "2026-04-22"),
        (" 2026/04/22 ", "2026-04-22"),
        ("2026-04-22 15:30", "2026-04-22"),
        ("2026-04-22T23:59:59", "2026-04-22"),
        ("2026-04-22T15:30:00+09:00", "2026-04-22"),
        ("2026-04-22T01:00:00+09:00", "2026-04-21"),
        ("", None),
    ],
)
def test_parse_text(cell: str, stored: str | None) -> None:
    assert DATE.parse_text(cell, NO_CHOICES) == stored


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("2026/02/30", CALENDAR),
        ("2026-04/22", SHAPE),
        ("22/04/2026", SHAPE),
        ("April 22", SHAPE),
        ("2026-04-22 25:00", "is not a valid date and time"),
    ],
)
def test_parse_text_rejects(cell: str, reason: str) -> None:
    assert rejection(lambda: DATE.parse_text(cell, NO_CHOICES)) == reason
