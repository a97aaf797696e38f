import pytest

from crmcore.properties.types import Choices, FieldType, property_type
from tests.properties.types.helpers import rejection

DROPDOWN = property_type(FieldType.DROPDOWN)
CHOICES = Choices.of(
    [
        {"label": "Lead", "value": "LEAD", "priority": 1},
        {"label": "Won", "value": "WON", "priority": 2},
    ]
)
NOT_AN_OPTION = "must be one of the property's option values"
NOT_A_STRING = "must be a string (an option value)"
ACCEPTED = [("LEAD", "LEAD"), ("WON", "WON"), (None, None), ("", None)]
REJECTED = [
    ("lead", NOT_AN_OPTION),
    ("Lead", NOT_AN_OPTION),
    (" LEAD", NOT_AN_OPTION),
    ("LOST", NOT_AN_OPTION),
    (1, NOT_A_STRING),
    (True, NOT_A_STRING),
    (["LEAD"], NOT_A_STRING),
]
# Spreadsheets show labels: a cell may name the option by value or by label (any case).
PARSED = [("LEAD", "LEAD"), ("  WON ", "WON"), ("", None), ("Lead", "LEAD"), ("won", "WON")]
UNPARSED = [("Leads", NOT_AN_OPTION), ("LEAD, WON", NOT_AN_OPTION)]


@pytest.mark.parametrize(("value", "stored"), ACCEPTED)
def test_normalise(value: object, stored: str | None) -> None:
    assert DROPDOWN.normalise(value, CHOICES) == stored


@pytest.mark.parametrize(("value", "reason"), REJECTED)
def test_normalise_rejects(value: object, reason: str) -> None:
    assert rejection(lambda: DROPDOWN.normalise(value, CHOICES)) == reason


def test_no_options_means_no_value_is_valid() -> None:
    assert rejection(lambda: DROPDOWN.normalise("LEAD", Choices())) == NOT_AN_OPTION


def test_wire_and_text_forms_are_the_option_value() -> None:
    assert DROPDOWN.to_wire("LEAD") == "LEAD"
    assert DROPDOWN.as_text("LEAD") == "LEAD"


def test_a_cell_shows_the_label_and_reads_back_to_the_value() -> None:
    assert DROPDOWN.cell_text("LEAD", CHOICES) == "Lead"
    assert DROPDOWN.parse_text(DROPDOWN.cell_text("LEAD", CHOICES), CHOICES) == "LEAD"
    # A value no longer among the options is written as stored.
    assert DROPDOWN.cell_text("GONE", CHOICES) == "GONE"


@pytest.mark.parametrize(("cell", "stored"), PARSED)
def test_parse_text(cell: str, stored: str | None) -> None:
    assert DROPDOWN.parse_text(cell, CHOICES) == stored


@pytest.mark.parametrize(("cell", "reason"), UNPARSED)
def test_parse_text_rejects(cell: str, reason: str) -> None:
    assert rejection(lambda: DROPDOWN.parse_text(cell, CHOICES)) == reason
