from collections.abc import Iterator

import pytest

from crmcore.config import Settings
from tests.builders import Tenant
from tests.files.helpers import Crm, Storage, create, new_record


@pytest.fixture
def crm(owner: Tenant) -> Crm:
    people = str(create(owner, "people")["entityId"])
    return Crm(owner, people, new_record(owner, people, "Alice"))


@pytest.fixture
def storage(settings: Settings) -> Iterator[Storage]:
    storage = Storage(settings)
    yield storage
    storage.close()
