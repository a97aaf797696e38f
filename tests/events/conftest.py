import pytest

from tests.builders import Tenant
from tests.events.helpers import Shop, build_shop


@pytest.fixture
def shop(owner: Tenant) -> Shop:
    """An ENTERPRISE owner's customers (Alice, Bob) and orders (one order)."""
    return build_shop(owner)
