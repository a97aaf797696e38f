import pytest

from crmcore.properties.types import Choices, FieldType, JsonValue, property_type
from tests.properties.types.helpers import rejection

MULTI = property_type(FieldType.MULTI_CHECKBOX)
CHOICES = Choices(("A", "B", "C", "Seoul, Korea"))
NOT_A_LIST = "must be an array of option values"
UNKNOWN = "must contain only the property's option values"


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        (["A"], ["A"]),
        (["B", "A"], ["B", "A"]),
        (["A", "B", "A", "B"], ["A", "B"]),
        (["Seoul, Korea"], ["Seoul, Korea"]),
        ([], None),
        (None, None),
        ("", None),
    ],
)
def test_normalise(value: object, stored: JsonValue | None) -> None:
    assert MULTI.normalise(value, CHOICES) == stored


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("A", NOT_A_LIST),
        ({"A": True}, NOT_A_LIST),
        (("A",), NOT_A_LIST),
        (["Z"], UNKNOWN),
        (["a"], UNKNOWN),
        (["A", ""], UNKNOWN),
        ([1], "must be an array of strings (option values)"),
        (["A", None], "must be an array of strings (option values)"),
    ],
)
def test_normalise_rejects(value: object, reason: str) -> None:
    assert rejection(lambda: MULTI.normalise(value, CHOICES)) == reason


def test_no_options_means_no_value_is_valid() -> None:
    assert rejection(lambda: MULTI.normalise(["A"], Choices())) == UNKNOWN


def test_wire_and_text_forms() -> None:
    assert MULTI.to_wire(["B", "A"]) == ["B", "A"]
    assert MULTI.as_text(["B", "A"]) == "B, A"
    assert MULTI.as_text(["A"]) == "A"


@pytest.mark.parametrize(
    ("cell", "stored"),
    [
        ("A", ["A"]),
        ("A, B", ["A", "B"]),
        (" B ,A ", ["B", "A"]),
        ("A,,B,", ["A", "B"]),
        ("A, A", ["A"]),
        ("Seoul, Korea", ["Seoul, Korea"]),
        ("", None),
        (" , ", None),
    ],
)
def test_parse_text(cell: str, stored: JsonValue | None) -> None:
    assert MULTI.parse_text(cell, CHOICES) == stored


@pytest.mark.parametrize("cell", ["Z", "A, Z", "a"])
def test_parse_text_rejects(cell: str) -> None:
    assert rejection(lambda: MULTI.parse_text(cell, CHOICES)) == UNKNOWN


def test_cells_show_labels_and_read_back_to_the_values() -> None:
    labelled = Choices(("A", "B"), ("Alpha", "Beta"))
    assert MULTI.cell_text(["B", "A"], labelled) == "Beta, Alpha"
    assert MULTI.parse_text("Beta, alpha", labelled) == ["B", "A"]
