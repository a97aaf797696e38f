"""Concurrent clients on two real server processes: one link per pair, and quotas hold exactly."""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx2
import pytest

from crmcore.config import Settings
from crmcore.models.account import PlanTier
from tests.builders import Tenant, TenantFactory
from tests.live import running_server
from tests.relationships.helpers import (
    Crm,
    build_crm,
    insert_records,
    link_body,
    links_stored,
    set_limits,
)

CLIENTS = 12


def _post_all(
    urls: list[str], tenant: Tenant, path: str, bodies: list[dict[str, Any]]
) -> Counter[int]:
    def post(index: int) -> int:
        url = urls[index % len(urls)] + "/crm-core/v1" + path
        response = httpx2.post(url, json=bodies[index], headers=tenant.headers(), timeout=60)
        return response.status_code

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        return Counter(pool.map(post, range(len(bodies))))


# SQLite serialises every write transaction anyway; the row locks under test are PostgreSQL's.
@pytest.mark.concurrency
@pytest.mark.parametrize(
    "settings", [pytest.param("postgresql", marks=pytest.mark.postgresql)], indirect=True
)
def test_concurrent_writers_never_duplicate_a_pair_nor_exceed_the_quota(
    settings: Settings, crm: Crm, tenants: TenantFactory
) -> None:
    free = tenants.account(PlanTier.FREE)
    small = build_crm(free, settings)
    racers = insert_records(settings, free, small.people, [f"r{i}" for i in range(CLIENTS)])
    batch = insert_records(settings, free, small.people, [f"b{i}" for i in range(18)])
    set_limits(settings, free.account_id, {"relationships.max": 3})
    small.employ(0, 0)
    small.employ(1, 0)
    same_pair = link_body(crm.type_id, crm.person(0), crm.firm(0))
    last_slot = [link_body(small.type_id, (small.people, p), small.firm(1)) for p in racers]
    # Six bulks of three new links each (companies -> people: the type's reverse orientation).
    bulks = [
        {
            "relationshipTypeId": small.type_id,
            "sourceEntityId": small.companies,
            "sourceRecordIds": [small.firms[0]],
            "targetEntityId": small.people,
            "targetRecordIds": batch[3 * i : 3 * i + 3],
        }
        for i in range(6)
    ]
    with running_server(settings) as first, running_server(settings) as second:
        urls = [first, second]
        # Twelve creates of one pair (no quota on ENTERPRISE): one link, eleven conflicts.
        outcomes = _post_all(urls, crm.tenant, "/relationships", [same_pair] * CLIENTS)
        assert outcomes == Counter({200: 1, 409: CLIENTS - 1})
        assert links_stored(crm.tenant) == 1

        # Twelve creates for the last free slot: exactly one gets it.
        outcomes = _post_all(urls, free, "/relationships", last_slot)
        assert outcomes == Counter({200: 1, 403: CLIENTS - 1})
        assert links_stored(free) == 3

        # Room for nine more: three of the six bulks fit, the others write nothing.
        set_limits(settings, free.account_id, {"relationships.max": 12})
        outcomes = _post_all(urls, free, "/relationships/bulk", bulks)
    assert outcomes == Counter({200: 3, 403: 3})
    assert links_stored(free) == 12
    linked = set(batch) & {
        item["sourceRecordId"]  # stored in the type's orientation: people -> companies
        for item in free.get(
            f"/relationships/record/{small.firms[0]}", params={"limit": 100}
        ).json()["data"]
    }
    groups = [set(batch[3 * i : 3 * i + 3]) for i in range(6)]
    assert [group <= linked for group in groups].count(True) == 3
    assert all(group <= linked or not group & linked for group in groups)
