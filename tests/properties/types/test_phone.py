import pytest

from crmcore.properties.types import FieldType, property_type
from tests.properties.types.helpers import NO_CHOICES, rejection

PHONE = property_type(FieldType.PHONE)
CHARACTERS = "must contain only digits, a leading '+', spaces and - ( ) ."
DIGITS = "must have 7 to 20 digits"


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("010-1234-5678", "010-1234-5678"),
        ("  010-1234-5678 ", "010-1234-5678"),
        ("+82 10-1234-5678", "+82 10-1234-5678"),
        ("(02) 123-4567", "(02) 123-4567"),
        ("02.123.4567", "02.123.4567"),
        ("01012345678", "01012345678"),
        ("1234567", "1234567"),
        ("+" + "9" * 20, "+" + "9" * 20),
    ],
)
def test_normalise_accepts(value: str, stored: str) -> None:
    assert PHONE.normalise(value, NO_CHOICES) == stored


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("123456", DIGITS),
        ("9" * 21, DIGITS),
        ("+-() .", DIGITS),
        ("010-1234-567a", CHARACTERS),
        ("010/1234/5678", CHARACTERS),
        ("1+23456789", CHARACTERS),
        ("010\t1234\t5678", CHARACTERS),
        ("٠١٢٣٤٥٦٧", CHARACTERS),
        ("1" + "-" * 50 + "234567", "must be at most 50 characters long"),
        (1012345678, "must be a string"),
    ],
)
def test_normalise_rejects(value: object, reason: str) -> None:
    assert rejection(lambda: PHONE.normalise(value, NO_CHOICES)) == reason


def test_wire_and_text_forms_are_as_given() -> None:
    assert PHONE.to_wire("010-1234-5678") == "010-1234-5678"
    assert PHONE.as_text("+82 10-1234-5678") == "+82 10-1234-5678"


@pytest.mark.parametrize(("cell", "stored"), [(" 010-1234-5678 ", "010-1234-5678"), ("", None)])
def test_parse_text(cell: str, stored: str | None) -> None:
    assert PHONE.parse_text(cell, NO_CHOICES) == stored


def test_parse_text_validates() -> None:
    assert rejection(lambda: PHONE.parse_text("call me", NO_CHOICES)) == CHARACTERS
