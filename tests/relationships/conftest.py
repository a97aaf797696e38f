import pytest

from crmcore.config import Settings
from tests.builders import Tenant
from tests.relationships.helpers import Crm, build_crm


@pytest.fixture
def crm(owner: Tenant, settings: Settings) -> Crm:
    """An ENTERPRISE owner's people and companies, linked by "employment" (see ``Crm``)."""
    return build_crm(owner, settings)
