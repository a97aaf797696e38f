"""Quota checks. Callers lock the account first (``db.dialect.lock_account``) so that counting and
writing happen under one lock: N concurrent creates at the last free slot admit exactly one."""

from crmcore.kernel.errors import PlanFeatureDisabled, QuotaExceeded
from crmcore.plans.limits import LABELS, Dimension, LimitValue


def ensure_room(dimension: Dimension, limit: LimitValue, used: int, requested: int = 1) -> None:
    if limit is None or isinstance(limit, bool):
        return
    if used + requested > limit:
        raise QuotaExceeded(f"{LABELS[dimension]}: {used}/{limit}")


def ensure_enabled(dimension: Dimension, limit: LimitValue) -> None:
    if limit is False:
        raise PlanFeatureDisabled(f"{LABELS[dimension]} is not included in the current plan")
