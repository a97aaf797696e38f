import pytest

from crmcore.properties.types import Choices


def test_of_orders_by_priority_and_keeps_request_order_on_ties() -> None:
    choices = Choices.of(
        [
            {"label": "Won", "value": "WON", "priority": 2},
            {"label": "Lead", "value": "LEAD", "priority": 1},
            {"label": "Lost", "value": "LOST", "priority": 2},
            {"label": "New", "value": "NEW", "priority": 0.5},
        ]
    )
    assert choices == Choices(("NEW", "LEAD", "WON", "LOST"))


@pytest.mark.parametrize(("value", "present"), [("LEAD", True), ("lead", False), (1, False)])
def test_membership(value: object, present: bool) -> None:
    assert (value in Choices(("LEAD", "WON"))) is present


def test_types_without_options_use_the_empty_choices() -> None:
    assert Choices() == Choices.of([])
    assert "x" not in Choices()
