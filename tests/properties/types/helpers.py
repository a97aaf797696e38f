"""Shared by the type tests: no fixtures, no database."""

from collections.abc import Callable

import pytest

from crmcore.properties.types import Choices, InvalidValue

NO_CHOICES = Choices()


def rejection(call: Callable[[], object]) -> str:
    with pytest.raises(InvalidValue) as caught:
        call()
    return caught.value.reason
