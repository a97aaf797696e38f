from collections.abc import Iterator

import pytest

from crmcore.config import Settings
from tests.activities.helpers import Crm, Table, build_crm
from tests.builders import Tenant


@pytest.fixture
def crm(owner: Tenant) -> Crm:
    """An ENTERPRISE owner's people Alice, Bob and Carol (see ``Crm``)."""
    return build_crm(owner)


@pytest.fixture
def table(settings: Settings) -> Iterator[Table]:
    table = Table(settings)
    yield table
    table.close()
