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


@pytest.mark.concurrency
def test_a_property_added_through_one_process_is_seen_by_the_other(
    settings: Settings, owner: Tenant
) -> None:
    """Each process caches entity schemas; a property change must invalidate them everywhere."""
    entity = owner.post("/entities", json={"name": "Deals", "slug": "deals"}).json()["entityId"]
    with running_server(settings) as first, running_server(settings) as second:
        api = "/crm-core/v1"
        created = httpx2.post(
            first + api + "/records",
            json={"entityId": entity, "name": "A"},
            headers=owner.headers(),
        )
        assert created.status_code == 200, created.text
        record_id = created.json()["recordId"]
        assert (
            httpx2.get(f"{first}{api}/records/{record_id}", headers=owner.headers()).json()["data"]
            == {}
        )
        prop = httpx2.post(
            second + api + "/properties",
            json={"entityId": entity, "name": "Size", "fieldType": "NUMBER", "isMasked": True},
            headers=owner.headers(),
        ).json()["propertyId"]
        updated = httpx2.patch(
            f"{first}{api}/records/{record_id}", json={"data": {prop: 7}}, headers=owner.headers()
        )
        assert updated.status_code == 200, updated.text
        assert updated.json()["data"] == {prop: 7}
