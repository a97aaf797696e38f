"""Many concurrent clients against real server processes: quotas and slugs hold exactly."""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx2
import pytest

from crmcore.config import Settings
from crmcore.models.account import PlanTier
from crmcore.plans.limits import LIMITS, Dimension
from tests.builders import Tenant, TenantFactory
from tests.live import running_server

CLIENTS = 16


def _create_all(base_urls: list[str], tenant: Tenant, slugs: list[str]) -> Counter[int]:
    def create(index: int) -> int:
        url = base_urls[index % len(base_urls)] + "/crm-core/v1/entities"
        body = {"name": slugs[index], "slug": slugs[index]}
        return httpx2.post(url, json=body, headers=tenant.headers(), timeout=60).status_code

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        return Counter(pool.map(create, range(len(slugs))))


@pytest.mark.concurrency
def test_concurrent_creates_at_the_last_free_slot_admit_exactly_one(
    settings: Settings, tenants: TenantFactory
) -> None:
    free = tenants.account(PlanTier.FREE)
    limit = LIMITS[PlanTier.FREE][Dimension.ENTITIES_MAX]
    assert isinstance(limit, int)
    for index in range(limit - 1):
        assert free.post("/entities", json={"name": "E", "slug": f"pre{index}"}).status_code == 200
    with running_server(settings) as first, running_server(settings) as second:
        outcomes = _create_all([first, second], free, [f"race{i}" for i in range(CLIENTS)])
    assert outcomes == Counter({200: 1, 403: CLIENTS - 1})
    assert len(free.get("/entities").json()) == limit


@pytest.mark.concurrency
def test_concurrent_creates_with_one_slug_admit_exactly_one(
    settings: Settings, owner: Tenant
) -> None:
    with running_server(settings) as first, running_server(settings) as second:
        outcomes = _create_all([first, second], owner, ["same"] * CLIENTS)
    assert outcomes == Counter({200: 1, 409: CLIENTS - 1})
    assert [e["slug"] for e in owner.get("/entities").json()] == ["same"]
