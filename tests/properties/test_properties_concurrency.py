"""Concurrent clients on real server processes: names stay unique and the quota holds exactly."""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx2
import pytest

from crmcore.config import Settings
from crmcore.models.account import PlanTier
from tests.builders import Tenant, TenantFactory
from tests.entities.test_entities_create_get import create
from tests.live import running_server

CLIENTS = 12


def _post_all(urls: list[str], tenant: Tenant, bodies: list[dict[str, Any]]) -> Counter[int]:
    def post(index: int) -> int:
        url = urls[index % len(urls)] + "/crm-core/v1/properties"
        return httpx2.post(
            url, json=bodies[index], headers=tenant.headers(), timeout=60
        ).status_code

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        return Counter(pool.map(post, range(len(bodies))))


@pytest.mark.concurrency
def test_concurrent_creates_with_one_name_admit_exactly_one(
    settings: Settings, owner: Tenant
) -> None:
    entity_id = create(owner, "deals")["entityId"]
    body = {"entityId": entity_id, "name": "Stage", "fieldType": "TEXT"}
    with running_server(settings) as first, running_server(settings) as second:
        outcomes = _post_all([first, second], owner, [body] * CLIENTS)
    assert outcomes == Counter({200: 1, 409: CLIENTS - 1})
    assert [p["name"] for p in owner.get("/properties").json()] == ["Stage"]


@pytest.mark.concurrency
def test_concurrent_creates_at_the_last_slot_admit_exactly_one(
    settings: Settings, tenants: TenantFactory
) -> None:
    starter = tenants.account(PlanTier.STARTER)
    entity_id = create(starter, "deals")["entityId"]
    items = [{"entityId": entity_id, "name": f"P{i}", "fieldType": "TEXT"} for i in range(29)]
    starter.post("/properties/bulk", json={"properties": items}).raise_for_status()
    bodies = [
        {"entityId": entity_id, "name": f"Race{i}", "fieldType": "TEXT"} for i in range(CLIENTS)
    ]
    with running_server(settings) as first, running_server(settings) as second:
        outcomes = _post_all([first, second], starter, bodies)
    assert outcomes == Counter({200: 1, 403: CLIENTS - 1})
    assert len(starter.get(f"/entities/{entity_id}").json()["propertyIds"]) == 30
