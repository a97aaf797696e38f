"""Several server processes on one database act as one: a signature spent on one is spent on all."""

import httpx2
import pytest

from crmcore.config import Settings
from tests.builders import Tenant
from tests.live import running_server

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.mark.concurrency
@pytest.mark.parametrize("store", ["database", "redis"])
def test_signature_replayed_against_another_process_is_refused(
    settings: Settings, owner: Tenant, store: str
) -> None:
    extra = {"CRMCORE_REDIS_URL": REDIS_URL} if store == "redis" else {}
    with running_server(settings, **extra) as first, running_server(settings, **extra) as second:
        headers = owner.headers()
        accepted = httpx2.get(first + "/crm-core/v1/entities", headers=headers)
        assert accepted.status_code == 200, accepted.text
        replayed = httpx2.get(second + "/crm-core/v1/entities", headers=headers)
        assert replayed.status_code == 403
        assert replayed.json()["errorCode"] == "DuplicatedSignature"
        again = httpx2.get(first + "/crm-core/v1/entities", headers=headers)
        assert again.json()["errorCode"] == "DuplicatedSignature"
        fresh = httpx2.get(second + "/crm-core/v1/entities", headers=owner.headers())
        assert fresh.status_code == 200
