"""Plans: GET /plans/me and the entities.max quota."""

import pytest

from crmcore.models.account import PlanTier
from crmcore.plans.limits import LIMITS, Dimension
from tests.builders import Tenant, TenantFactory


def test_my_plan_reports_tier_limits_and_usage(tenants: TenantFactory) -> None:
    starter = tenants.account(PlanTier.STARTER)
    starter.post("/entities", json={"name": "A", "slug": "a"})
    response = starter.get("/plans/me")
    assert response.status_code == 200
    plan = response.json()
    assert plan["accountId"] == starter.account_id
    assert plan["tier"] == "STARTER"
    assert plan["limits"]["properties.maxPerEntity"] == 30
    assert plan["limits"] == {d.value: v for d, v in LIMITS[PlanTier.STARTER].items()}
    assert plan["usage"]["entities.max"] == 1
    assert plan["subscriptionStatus"] == "ACTIVE"


def test_known_solapi_figures() -> None:
    assert LIMITS[PlanTier.STARTER][Dimension.PROPERTIES_MAX_PER_ENTITY] == 30
    assert LIMITS[PlanTier.PROFESSIONAL][Dimension.PROPERTIES_MAX_PER_ENTITY] == 100
    assert set(LIMITS) == set(PlanTier)
    assert all(set(limits) == set(Dimension) for limits in LIMITS.values())


def test_entity_quota_counts_trashed_entities(tenants: TenantFactory) -> None:
    free = tenants.account(PlanTier.FREE)
    limit = LIMITS[PlanTier.FREE][Dimension.ENTITIES_MAX]
    assert isinstance(limit, int)
    ids = []
    for index in range(limit):
        response = free.post("/entities", json={"name": f"E{index}", "slug": f"e{index}"})
        assert response.status_code == 200
        ids.append(response.json()["entityId"])
    refused = free.post("/entities", json={"name": "One more", "slug": "one-more"})
    assert refused.status_code == 403
    assert refused.json() == {
        "errorCode": "PlanQuotaExceeded",
        "errorMessage": f"Maximum entities per account: {limit}/{limit}",
    }
    free.delete(f"/entities/{ids[0]}")
    assert free.post("/entities", json={"name": "X", "slug": "x"}).status_code == 403
    free.delete(f"/entities/{ids[0]}", params={"permanent": "true"})
    assert free.post("/entities", json={"name": "X", "slug": "x"}).status_code == 200


@pytest.mark.parametrize("tier", [PlanTier.STARTER, PlanTier.ENTERPRISE])
def test_plan_change_applies_at_once(tenants: TenantFactory, owner: Tenant, tier: PlanTier) -> None:
    tenants.set_plan(owner.account_id, tier)
    assert owner.get("/plans/me").json()["tier"] == tier.value
