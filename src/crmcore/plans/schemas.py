"""Response shape of ``GET /plans/me``."""

from typing import Any

from pydantic import Field

from crmcore.kernel.wire import WireModel


class MyPlan(WireModel):
    account_plan_id: str
    account_id: str
    plan_id: str
    tier: str
    usage: dict[str, int]
    limits: dict[str, Any] = Field(description="Effective limits; null means unlimited")
    overrides: dict[str, Any]
    user_overage_mode: str
    user_overage_cap_krw: int = Field(alias="userOverageCapKRW")
    current_month_overage_krw: int = Field(alias="currentMonthOverageKRW")
    subscription_status: str
    subscription_started_at: str | None
    subscription_renews_at: str | None
    scheduled_tier: str | None
    scheduled_change_at: str | None
    scheduled_action: str | None
    payment_method_id: str | None
    payment_method_last4: str | None
    payment_method_brand: str | None
    payment_failed_at: str | None
    last_billing_amount: int
