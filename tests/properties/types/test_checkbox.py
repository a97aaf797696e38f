import pytest

from crmcore.properties.types import FieldType, property_type
from tests.properties.types.helpers import NO_CHOICES, rejection

CHECKBOX = property_type(FieldType.CHECKBOX)
WORDS = "must be one of true/false, yes/no, y/n, 1/0, o/x"


@pytest.mark.parametrize("value", [True, False])
def test_normalise_accepts_booleans_only(value: bool) -> None:
    assert CHECKBOX.normalise(value, NO_CHOICES) is value


@pytest.mark.parametrize("value", [1, 0, 1.0, "true", "false", "yes", [True], {"on": True}])
def test_normalise_rejects(value: object) -> None:
    assert rejection(lambda: CHECKBOX.normalise(value, NO_CHOICES)) == "must be true or false"


@pytest.mark.parametrize(("stored", "text"), [(True, "true"), (False, "false")])
def test_wire_and_text_forms(stored: bool, text: str) -> None:
    assert CHECKBOX.to_wire(stored) is stored
    assert CHECKBOX.as_text(stored) == text


@pytest.mark.parametrize(
    ("cell", "stored"),
    [
        ("true", True),
        ("TRUE", True),
        ("True", True),
        ("yes", True),
        ("Y", True),
        ("1", True),
        ("o", True),
        ("O", True),
        (" yes ", True),
        ("false", False),
        ("FALSE", False),
        ("no", False),
        ("n", False),
        ("0", False),
        ("x", False),
        ("X", False),
        ("", None),
        ("  ", None),
    ],
)
def test_parse_text(cell: str, stored: bool | None) -> None:
    assert CHECKBOX.parse_text(cell, NO_CHOICES) is stored


@pytest.mark.parametrize("cell", ["maybe", "2", "on", "t", "yes!"])
def test_parse_text_rejects(cell: str) -> None:
    assert rejection(lambda: CHECKBOX.parse_text(cell, NO_CHOICES)) == WORDS


@pytest.mark.parametrize("stored", [True, False])
def test_cells_say_true_or_false_and_read_back(stored: bool) -> None:
    cell = CHECKBOX.cell_text(stored, NO_CHOICES)
    assert cell == ("TRUE" if stored else "FALSE")
    assert CHECKBOX.parse_text(cell, NO_CHOICES) is stored
