"""The caller's plan: effective limits, usage, and the checks other domains call."""

from typing import Any

from sqlalchemy import func, select

from crmcore.kernel.context import Context
from crmcore.kernel.wire import format_datetime
from crmcore.models import Account, Entity, Property, Record, Relationship, RelationshipType
from crmcore.plans import quota
from crmcore.plans.limits import Dimension, LimitValue, effective_limits


def _account(ctx: Context) -> Account:
    account = ctx.session.get(Account, ctx.caller.account_id)
    assert account is not None  # the caller was authenticated against it
    return account


def limits(ctx: Context) -> dict[Dimension, LimitValue]:
    return effective_limits(ctx.caller.tier, ctx.caller.limit_overrides)


def ensure_room(ctx: Context, dimension: Dimension, used: int, requested: int = 1) -> None:
    quota.ensure_room(dimension, limits(ctx)[dimension], used, requested)


def ensure_enabled(ctx: Context, dimension: Dimension) -> None:
    quota.ensure_enabled(dimension, limits(ctx)[dimension])


def _usage(ctx: Context) -> dict[str, int]:
    account_id = ctx.caller.account_id
    entities = ctx.session.scalar(
        select(func.count()).select_from(Entity).where(Entity.account_id == account_id)
    )
    # The per-entity dimension reports the fullest entity.
    per_entity = (
        select(func.count().label("n"))
        .select_from(Property)
        .where(Property.account_id == account_id)
        .group_by(Property.entity_id)
        .subquery()
    )
    properties = ctx.session.scalar(select(func.max(per_entity.c.n)))
    records = ctx.session.scalar(
        select(func.count()).select_from(Record).where(Record.account_id == account_id)
    )
    relationships = ctx.session.scalar(
        select(func.count()).select_from(Relationship).where(Relationship.account_id == account_id)
    )
    # A type counts for both of its entities (once for a self-referencing type).
    ends = (
        select(RelationshipType.source_entity_id.label("entity_id"))
        .where(RelationshipType.account_id == account_id)
        .union_all(
            select(RelationshipType.target_entity_id).where(
                RelationshipType.account_id == account_id,
                RelationshipType.target_entity_id != RelationshipType.source_entity_id,
            )
        )
        .subquery()
    )
    per_entity_types = (
        select(func.count().label("n")).select_from(ends).group_by(ends.c.entity_id).subquery()
    )
    types = ctx.session.scalar(select(func.max(per_entity_types.c.n)))
    return {
        Dimension.ENTITIES_MAX.value: int(entities or 0),
        Dimension.PROPERTIES_MAX_PER_ENTITY.value: int(properties or 0),
        Dimension.RECORDS_MAX.value: int(records or 0),
        Dimension.RELATIONSHIPS_MAX.value: int(relationships or 0),
        Dimension.RELATIONSHIP_TYPES_MAX_PER_ENTITY.value: int(types or 0),
    }


def my_plan(ctx: Context) -> dict[str, Any]:
    account = _account(ctx)
    tier = ctx.caller.tier
    current = effective_limits(tier, account.limit_overrides)
    return {
        "accountPlanId": f"PLAN-{account.account_id}",
        "accountId": account.account_id,
        "planId": f"crmcore-{tier.value.lower()}",
        "tier": tier.value,
        "usage": _usage(ctx),
        "limits": {dimension.value: value for dimension, value in current.items()},
        "overrides": dict(account.limit_overrides or {}),
        "userOverageMode": "BLOCK",
        "userOverageCapKRW": 0,
        "currentMonthOverageKRW": 0,
        "subscriptionStatus": "ACTIVE",
        "subscriptionStartedAt": format_datetime(account.plan_started_at),
        "subscriptionRenewsAt": None,
        "scheduledTier": None,
        "scheduledChangeAt": None,
        "scheduledAction": None,
        "paymentMethodId": None,
        "paymentMethodLast4": None,
        "paymentMethodBrand": None,
        "paymentFailedAt": None,
        "lastBillingAmount": 0,
    }
