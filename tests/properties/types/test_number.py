import pytest

from crmcore.properties.types import FieldType, JsonValue, property_type
from tests.properties.types.helpers import NO_CHOICES, rejection

NUMBER = property_type(FieldType.NUMBER)
SEPARATORS = "must be a number with '.' as decimal point and no separators"


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        (0, 0),
        (1200, 1200),
        (-3.5, -3.5),
        (1.0, 1),
        (-0.0, 0),
        (0.1, 0.1),
        (2**53 - 1, 2**53 - 1),
        (2**53, 9007199254740992.0),
        (-(2**60), -1.152921504606847e18),
        (1e300, 1e300),
        ("1200", 1200),
        ("-3.5", -3.5),
        (" 7 ", 7),
        ("+5", 5),
        (".5", 0.5),
        ("1e3", 1000),
        ("2.50", 2.5),
    ],
)
def test_normalise_accepts(value: object, stored: int | float) -> None:
    result = NUMBER.normalise(value, NO_CHOICES)
    assert result == stored
    assert type(result) is type(stored)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (True, "must be a number, not a boolean"),
        (False, "must be a number, not a boolean"),
        ("12,5", SEPARATORS),
        ("1,200", SEPARATORS),
        ("abc", "must be a number"),
        ("NaN", "must be a number"),
        ("Infinity", "must be a number"),
        ("inf", "must be a number"),
        ("1_000", "must be a number"),
        ("0x10", "must be a number"),
        ("1 200", "must be a number"),
        ("١٢", "must be a number"),
        ("1e999", "must be a finite number"),
        (float("nan"), "must be a finite number"),
        (float("-inf"), "must be a finite number"),
        (10**400, "must be a finite number"),
        ([1], "must be a number"),
        ({"value": 1}, "must be a number"),
    ],
)
def test_normalise_rejects(value: object, reason: str) -> None:
    assert rejection(lambda: NUMBER.normalise(value, NO_CHOICES)) == reason


@pytest.mark.parametrize(("stored", "wire"), [(1200.0, 1200), (12.5, 12.5), (7, 7), (1e20, 1e20)])
def test_to_wire_turns_integral_floats_into_ints(stored: JsonValue, wire: JsonValue) -> None:
    result = NUMBER.to_wire(stored)
    assert result == wire
    assert type(result) is type(wire)


@pytest.mark.parametrize(
    ("stored", "text"),
    [
        (0, "0"),
        (-0.0, "0"),
        (1200, "1200"),
        (1200.0, "1200"),
        (12.5, "12.5"),
        (-3.5, "-3.5"),
        (0.1, "0.1"),
        (123456.789, "123456.789"),
        (0.000001, "0.000001"),
        (9007199254740992.0, "9007199254740992"),
        (1e20, "100000000000000000000"),
        (1e21, "1e+21"),
        (1.5e-7, "1.5e-07"),
    ],
)
def test_as_text_is_the_shortest_decimal(stored: JsonValue, text: str) -> None:
    assert NUMBER.as_text(stored) == text


@pytest.mark.parametrize(
    ("cell", "stored"), [("1200", 1200), (" -3.5 ", -3.5), ("1e3", 1000), ("", None), (" ", None)]
)
def test_parse_text(cell: str, stored: JsonValue | None) -> None:
    assert NUMBER.parse_text(cell, NO_CHOICES) == stored


@pytest.mark.parametrize(
    ("cell", "reason"), [("1,200", SEPARATORS), ("12,5", SEPARATORS), ("TRUE", "must be a number")]
)
def test_parse_text_rejects(cell: str, reason: str) -> None:
    assert rejection(lambda: NUMBER.parse_text(cell, NO_CHOICES)) == reason
