"""RADIO shares DROPDOWN's rules; the same tables run against it."""

import pytest

from crmcore.properties.types import FieldType, property_type
from tests.properties.types.helpers import rejection
from tests.properties.types.test_dropdown import (
    ACCEPTED,
    CHOICES,
    PARSED,
    REJECTED,
    UNPARSED,
)

RADIO = property_type(FieldType.RADIO)


@pytest.mark.parametrize(("value", "stored"), ACCEPTED)
def test_normalise(value: object, stored: str | None) -> None:
    assert RADIO.normalise(value, CHOICES) == stored


@pytest.mark.parametrize(("value", "reason"), REJECTED)
def test_normalise_rejects(value: object, reason: str) -> None:
    assert rejection(lambda: RADIO.normalise(value, CHOICES)) == reason


def test_wire_and_text_forms_are_the_option_value() -> None:
    assert RADIO.to_wire("WON") == "WON"
    assert RADIO.as_text("WON") == "WON"


@pytest.mark.parametrize(("cell", "stored"), PARSED)
def test_parse_text(cell: str, stored: str | None) -> None:
    assert RADIO.parse_text(cell, CHOICES) == stored


@pytest.mark.parametrize(("cell", "reason"), UNPARSED)
def test_parse_text_rejects(cell: str, reason: str) -> None:
    assert rejection(lambda: RADIO.parse_text(cell, CHOICES)) == reason
