"""Type changes (entities-properties §8.3): conversions, refusals and the always-safe pairs."""

import itertools

import pytest

from crmcore.properties.types import Choices, FieldType, JsonValue, property_type
from crmcore.properties.types.conversion import always_safe, convert
from tests.properties.types.helpers import rejection

F = FieldType
NONE = Choices()
STAGES = Choices(("LEAD", "WON"))

CONVERTED: list[tuple[JsonValue, FieldType, FieldType, Choices, JsonValue]] = [
    (1200, F.NUMBER, F.TEXT, NONE, "1200"),
    (1200.0, F.NUMBER, F.TEXT, NONE, "1200"),
    (12.5, F.NUMBER, F.TEXT, NONE, "12.5"),
    (True, F.CHECKBOX, F.TEXT, NONE, "true"),
    (False, F.CHECKBOX, F.TEXTAREA, NONE, "false"),
    (["LEAD", "WON"], F.MULTI_CHECKBOX, F.TEXT, NONE, "LEAD, WON"),
    ("2026-04-22", F.DATE, F.TEXT, NONE, "2026-04-22"),
    ("2026-04-22T15:30:00.000Z", F.DATETIME, F.TEXT, NONE, "2026-04-22T15:30:00.000Z"),
    ("LEAD", F.DROPDOWN, F.TEXT, NONE, "LEAD"),
    ("a\nb", F.TEXTAREA, F.TEXT, NONE, "a\nb"),
    ("x" * 2_000, F.TEXTAREA, F.TEXT, NONE, "x" * 2_000),
    ("x" * 2_000, F.TEXT, F.TEXTAREA, NONE, "x" * 2_000),
    ("Hong@Example.COM", F.TEXT, F.EMAIL, NONE, "Hong@example.com"),
    ("010-1234-5678", F.TEXT, F.PHONE, NONE, "010-1234-5678"),
    (1012345678, F.NUMBER, F.PHONE, NONE, "1012345678"),
    ("https://example.com", F.TEXT, F.URL, NONE, "https://example.com"),
    ("1200", F.TEXT, F.NUMBER, NONE, 1200),
    ("-3.5", F.TEXT, F.NUMBER, NONE, -3.5),
    ("2.50", F.TEXT, F.NUMBER, NONE, 2.5),
    ("0.5", F.TEXT, F.NUMBER, NONE, 0.5),
    ("TRUE", F.TEXT, F.CHECKBOX, NONE, True),
    ("false", F.TEXT, F.CHECKBOX, NONE, False),
    (1, F.NUMBER, F.CHECKBOX, NONE, True),
    (0, F.NUMBER, F.CHECKBOX, NONE, False),
    ("2026-04-22T00:00:00.000Z", F.DATETIME, F.DATE, NONE, "2026-04-22"),
    ("2026-04-22", F.TEXT, F.DATE, NONE, "2026-04-22"),
    ("2026-04-22T00:00:00Z", F.TEXT, F.DATE, NONE, "2026-04-22"),
    ("2026-04-22", F.DATE, F.DATETIME, NONE, "2026-04-22T00:00:00.000Z"),
    ("2026-04-22T15:30:00+09:00", F.TEXT, F.DATETIME, NONE, "2026-04-22T06:30:00.000Z"),
    ("LEAD", F.TEXT, F.DROPDOWN, STAGES, "LEAD"),
    ("WON", F.RADIO, F.DROPDOWN, STAGES, "WON"),
    ("WON", F.DROPDOWN, F.RADIO, STAGES, "WON"),
    (["LEAD"], F.MULTI_CHECKBOX, F.DROPDOWN, STAGES, "LEAD"),
    (["WON"], F.MULTI_CHECKBOX, F.RADIO, STAGES, "WON"),
    (1, F.NUMBER, F.DROPDOWN, Choices(("1", "2")), "1"),
    (True, F.CHECKBOX, F.RADIO, Choices(("true", "false")), "true"),
    ("LEAD", F.DROPDOWN, F.MULTI_CHECKBOX, STAGES, ["LEAD"]),
    ("WON", F.TEXT, F.MULTI_CHECKBOX, STAGES, ["WON"]),
    ("GONE", F.DROPDOWN, F.DROPDOWN, STAGES, "GONE"),
    (["GONE"], F.MULTI_CHECKBOX, F.MULTI_CHECKBOX, STAGES, ["GONE"]),
]


@pytest.mark.parametrize(("stored", "source", "target", "choices", "converted"), CONVERTED)
def test_convert(
    stored: JsonValue, source: FieldType, target: FieldType, choices: Choices, converted: JsonValue
) -> None:
    result = convert(stored, source, target, choices)
    assert result == converted
    assert type(result) is type(converted)


REFUSED: list[tuple[JsonValue, FieldType, FieldType, Choices, str]] = [
    ("x" * 2_001, F.TEXTAREA, F.TEXT, NONE, "must be at most 2,000 characters long"),
    ("https://e.com/" + "a" * 2_000, F.URL, F.TEXT, NONE, "must be at most 2,000 characters long"),
    ("not an address", F.TEXT, F.EMAIL, NONE, "must be an e-mail address like name@example.com"),
    (
        "12,5",
        F.TEXT,
        F.NUMBER,
        NONE,
        "must be a number with '.' as decimal point and no separators",
    ),
    ("abc", F.TEXT, F.NUMBER, NONE, "must be a number"),
    ("2026-04-22", F.DATE, F.NUMBER, NONE, "must be a number"),
    ("007", F.TEXT, F.NUMBER, NONE, "would lose digits as a NUMBER"),
    ("01012345678", F.PHONE, F.NUMBER, NONE, "would lose digits as a NUMBER"),
    ("12345678901234567890", F.TEXT, F.NUMBER, NONE, "would lose digits as a NUMBER"),
    (True, F.CHECKBOX, F.NUMBER, NONE, "cannot be converted to NUMBER"),
    (["LEAD"], F.MULTI_CHECKBOX, F.NUMBER, NONE, "cannot be converted to NUMBER"),
    ("yes", F.TEXT, F.CHECKBOX, NONE, "cannot be converted to CHECKBOX"),
    (2, F.NUMBER, F.CHECKBOX, NONE, "cannot be converted to CHECKBOX"),
    (0.5, F.NUMBER, F.CHECKBOX, NONE, "cannot be converted to CHECKBOX"),
    ("LEAD", F.DROPDOWN, F.CHECKBOX, NONE, "cannot be converted to CHECKBOX"),
    (
        "2026-04-22T10:00:00.000Z",
        F.DATETIME,
        F.DATE,
        NONE,
        "would lose its time of day as a DATE",
    ),
    ("2026-04-22T00:00:00+09:00", F.TEXT, F.DATE, NONE, "would lose its time of day as a DATE"),
    ("22/04/2026", F.TEXT, F.DATE, NONE, "must be a date in the form YYYY-MM-DD"),
    (20260422, F.NUMBER, F.DATE, NONE, "cannot be converted to DATE"),
    (
        "2026-04-22",
        F.TEXT,
        F.DATETIME,
        NONE,
        "must be an ISO 8601 date-time with an offset, e.g. 2026-04-22T15:30:00+09:00",
    ),
    (1776871800, F.NUMBER, F.DATETIME, NONE, "cannot be converted to DATETIME"),
    ("Lead", F.TEXT, F.DROPDOWN, STAGES, "must be one of the property's option values"),
    ("LOST", F.RADIO, F.DROPDOWN, STAGES, "must be one of the property's option values"),
    (
        ["LEAD", "WON"],
        F.MULTI_CHECKBOX,
        F.DROPDOWN,
        STAGES,
        "only a single value can be converted to DROPDOWN",
    ),
    (
        "LOST",
        F.DROPDOWN,
        F.MULTI_CHECKBOX,
        STAGES,
        "must contain only the property's option values",
    ),
]


@pytest.mark.parametrize(("stored", "source", "target", "choices", "reason"), REFUSED)
def test_convert_refuses(
    stored: JsonValue, source: FieldType, target: FieldType, choices: Choices, reason: str
) -> None:
    assert rejection(lambda: convert(stored, source, target, choices)) == reason


SAFE = [
    *((source, F.TEXTAREA) for source in F if source is not F.MULTI_CHECKBOX),
    *((source, F.TEXT) for source in F if source not in (F.TEXTAREA, F.URL, F.MULTI_CHECKBOX)),
    (F.DROPDOWN, F.RADIO),
    (F.RADIO, F.DROPDOWN),
    (F.DROPDOWN, F.MULTI_CHECKBOX),
    (F.RADIO, F.MULTI_CHECKBOX),
    (F.DATE, F.DATETIME),
    *((field_type, field_type) for field_type in F),
]


@pytest.mark.parametrize(("source", "target"), list(itertools.product(F, F)))
def test_always_safe_pairs(source: FieldType, target: FieldType) -> None:
    assert always_safe(source, target) is ((source, target) in SAFE)


# The longest and most awkward valid value of each type, with the options they need.
EXTREMES: dict[FieldType, list[JsonValue]] = {
    F.TEXT: ["x" * 2_000, "a\nb"],
    F.TEXTAREA: ["x" * 20_000],
    F.NUMBER: [-(2**53) + 1, 1e300, 1.5e-7, 0.1],
    F.PHONE: ["+" + "9" * 20 + "-" * 29],
    F.EMAIL: ["a" * 242 + "@example.com"],
    F.URL: ["https://e.com/" + "a" * 2_034],
    F.CHECKBOX: [True, False],
    F.MULTI_CHECKBOX: [[f"{i:03d}" + "v" * 97 for i in range(200)]],
    F.DATE: ["0001-01-01", "9999-12-31"],
    F.DATETIME: ["9999-12-31T23:59:59.999Z"],
    F.DROPDOWN: ["v" * 100],
    F.RADIO: ["v" * 100],
}
ALL_OPTIONS = Choices(("v" * 100, *(f"{i:03d}" + "v" * 97 for i in range(200))))


@pytest.mark.parametrize("source", list(F))
def test_the_extremes_are_valid_stored_values(source: FieldType) -> None:
    for stored in EXTREMES[source]:
        assert property_type(source).normalise(stored, ALL_OPTIONS) == stored


@pytest.mark.parametrize(("source", "target"), [pair for pair in SAFE if pair[0] != pair[1]])
def test_always_safe_pairs_convert_even_extreme_values(
    source: FieldType, target: FieldType
) -> None:
    for stored in EXTREMES[source]:
        assert convert(stored, source, target, ALL_OPTIONS) is not None


@pytest.mark.parametrize(
    ("source", "target"),
    [(F.URL, F.TEXT), (F.MULTI_CHECKBOX, F.TEXT), (F.MULTI_CHECKBOX, F.TEXTAREA)],
)
def test_pairs_left_out_of_the_safe_list_really_can_fail(
    source: FieldType, target: FieldType
) -> None:
    assert rejection(lambda: convert(EXTREMES[source][0], source, target, ALL_OPTIONS)).startswith(
        "must be at most"
    )
