import pytest

from crmcore.properties.types import FieldType, property_type
from tests.properties.types.helpers import NO_CHOICES, rejection

TEXTAREA = property_type(FieldType.TEXTAREA)


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("first\n\nsecond", "first\n\nsecond"),
        ("\n  body text \n\n", "body text"),
        ("x" * 20_000, "x" * 20_000),
        ("x" * 2_001, "x" * 2_001),
    ],
)
def test_normalise_accepts(value: str, stored: str) -> None:
    assert TEXTAREA.normalise(value, NO_CHOICES) == stored


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (1.5, "must be a string"),
        (["a", "b"], "must be a string"),
        ("x" * 20_001, "must be at most 20,000 characters long"),
    ],
)
def test_normalise_rejects(value: object, reason: str) -> None:
    assert rejection(lambda: TEXTAREA.normalise(value, NO_CHOICES)) == reason


def test_wire_and_text_forms_are_the_stored_string() -> None:
    assert TEXTAREA.to_wire("a\nb") == "a\nb"
    assert TEXTAREA.as_text("a\nb") == "a\nb"


@pytest.mark.parametrize(("cell", "stored"), [(" a\nb ", "a\nb"), ("", None), ("\n", None)])
def test_parse_text(cell: str, stored: str | None) -> None:
    assert TEXTAREA.parse_text(cell, NO_CHOICES) == stored
