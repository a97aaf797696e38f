import pytest

from crmcore.properties.types import FieldType, property_type
from tests.properties.types.helpers import NO_CHOICES, rejection

TEXT = property_type(FieldType.TEXT)


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("hello", "hello"),
        ("  padded\t ", "padded"),
        ("inner  spaces kept", "inner  spaces kept"),
        ("line\nbreak", "line\nbreak"),
        ("홍길동", "홍길동"),
        ("x" * 2_000, "x" * 2_000),
        ("  " + "x" * 2_000 + "  ", "x" * 2_000),
    ],
)
def test_normalise_accepts(value: str, stored: str) -> None:
    assert TEXT.normalise(value, NO_CHOICES) == stored


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (123, "must be a string"),
        (True, "must be a string"),
        (["a"], "must be a string"),
        ({"a": 1}, "must be a string"),
        ("x" * 2_001, "must be at most 2,000 characters long"),
    ],
)
def test_normalise_rejects(value: object, reason: str) -> None:
    assert rejection(lambda: TEXT.normalise(value, NO_CHOICES)) == reason


@pytest.mark.parametrize("stored", ["hello", "line\nbreak"])
def test_wire_and_text_forms_are_the_stored_string(stored: str) -> None:
    assert TEXT.to_wire(stored) == stored
    assert TEXT.as_text(stored) == stored


@pytest.mark.parametrize(
    ("cell", "stored"), [("  hi  ", "hi"), ("", None), ("   ", None), ("1200", "1200")]
)
def test_parse_text(cell: str, stored: str | None) -> None:
    assert TEXT.parse_text(cell, NO_CHOICES) == stored


def test_parse_text_applies_the_length_limit() -> None:
    reason = rejection(lambda: TEXT.parse_text("x" * 2_001, NO_CHOICES))
    assert reason == "must be at most 2,000 characters long"
