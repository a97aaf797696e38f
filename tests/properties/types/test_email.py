import pytest

from crmcore.properties.types import FieldType, property_type
from tests.properties.types.helpers import NO_CHOICES, rejection

EMAIL = property_type(FieldType.EMAIL)
SHAPE = "must be an e-mail address like name@example.com"


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("hong@example.com", "hong@example.com"),
        ("Hong.Gil@Example.COM", "Hong.Gil@example.com"),
        ("  a@b.co ", "a@b.co"),
        ("user+tag@sub.example.kr", "user+tag@sub.example.kr"),
        ("홍길동@예시.한국", "홍길동@예시.한국"),
        ("a" * 242 + "@example.com", "a" * 242 + "@example.com"),
    ],
)
def test_normalise_accepts(value: str, stored: str) -> None:
    assert EMAIL.normalise(value, NO_CHOICES) == stored


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("hong", SHAPE),
        ("hong@example", SHAPE),
        ("@example.com", SHAPE),
        ("hong@.com", SHAPE),
        ("a b@example.com", SHAPE),
        ("a@@example.com", SHAPE),
        ("a@b@example.com", SHAPE),
        ("a" * 243 + "@example.com", "must be at most 254 characters long"),
        (42, "must be a string"),
    ],
)
def test_normalise_rejects(value: object, reason: str) -> None:
    assert rejection(lambda: EMAIL.normalise(value, NO_CHOICES)) == reason


def test_wire_and_text_forms_are_the_stored_string() -> None:
    assert EMAIL.to_wire("Hong@example.com") == "Hong@example.com"
    assert EMAIL.as_text("Hong@example.com") == "Hong@example.com"


@pytest.mark.parametrize(
    ("cell", "stored"), [(" Hong@EXAMPLE.com ", "Hong@example.com"), ("", None)]
)
def test_parse_text(cell: str, stored: str | None) -> None:
    assert EMAIL.parse_text(cell, NO_CHOICES) == stored


def test_parse_text_validates() -> None:
    assert rejection(lambda: EMAIL.parse_text("hong at example.com", NO_CHOICES)) == SHAPE
