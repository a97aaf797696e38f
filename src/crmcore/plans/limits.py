"""THE quota table: every limit of every tier, in one place.

``None`` means unlimited. Only ``properties.maxPerEntity`` for STARTER (30) and PROFESSIONAL (100)
are SOLAPI's published figures; the rest are ours (see docs/decisions.md).
"""

from collections.abc import Mapping
from enum import StrEnum

from crmcore.models.account import PlanTier


class Dimension(StrEnum):
    ENTITIES_MAX = "entities.max"
    PROPERTIES_MAX_PER_ENTITY = "properties.maxPerEntity"
    RECORDS_MAX = "records.max"
    RELATIONSHIPS_MAX = "relationships.max"
    RELATIONSHIP_TYPES_MAX_PER_ENTITY = "relationshipTypes.maxPerEntity"
    RECORDS_EXPORT_ENABLED = "records.exportEnabled"


LimitValue = int | bool | None

LIMITS: dict[PlanTier, dict[Dimension, LimitValue]] = {
    PlanTier.FREE: {
        Dimension.ENTITIES_MAX: 5,
        Dimension.PROPERTIES_MAX_PER_ENTITY: 10,
        Dimension.RECORDS_MAX: 1_000,
        Dimension.RELATIONSHIPS_MAX: 2_000,
        Dimension.RELATIONSHIP_TYPES_MAX_PER_ENTITY: 5,
        Dimension.RECORDS_EXPORT_ENABLED: False,
    },
    PlanTier.STARTER: {
        Dimension.ENTITIES_MAX: 20,
        Dimension.PROPERTIES_MAX_PER_ENTITY: 30,
        Dimension.RECORDS_MAX: 50_000,
        Dimension.RELATIONSHIPS_MAX: 100_000,
        Dimension.RELATIONSHIP_TYPES_MAX_PER_ENTITY: 20,
        Dimension.RECORDS_EXPORT_ENABLED: True,
    },
    PlanTier.PROFESSIONAL: {
        Dimension.ENTITIES_MAX: 100,
        Dimension.PROPERTIES_MAX_PER_ENTITY: 100,
        Dimension.RECORDS_MAX: 1_000_000,
        Dimension.RELATIONSHIPS_MAX: 2_000_000,
        Dimension.RELATIONSHIP_TYPES_MAX_PER_ENTITY: 50,
        Dimension.RECORDS_EXPORT_ENABLED: True,
    },
    PlanTier.ENTERPRISE: {
        Dimension.ENTITIES_MAX: None,
        Dimension.PROPERTIES_MAX_PER_ENTITY: 300,
        Dimension.RECORDS_MAX: None,
        Dimension.RELATIONSHIPS_MAX: None,
        Dimension.RELATIONSHIP_TYPES_MAX_PER_ENTITY: 200,
        Dimension.RECORDS_EXPORT_ENABLED: True,
    },
}

#: How a quota message names each dimension ("<label>: used/limit").
LABELS: dict[Dimension, str] = {
    Dimension.ENTITIES_MAX: "Maximum entities per account",
    Dimension.PROPERTIES_MAX_PER_ENTITY: "Maximum properties per entity",
    Dimension.RECORDS_MAX: "Maximum records per account",
    Dimension.RELATIONSHIPS_MAX: "Maximum relationships per account",
    Dimension.RELATIONSHIP_TYPES_MAX_PER_ENTITY: "Maximum relationship types per entity",
    Dimension.RECORDS_EXPORT_ENABLED: "Record export",
}


def effective_limits(
    tier: PlanTier, overrides: Mapping[str, LimitValue] | None = None
) -> dict[Dimension, LimitValue]:
    limits = dict(LIMITS[tier])
    known = {dimension.value: dimension for dimension in Dimension}
    for key, value in (overrides or {}).items():
        if key in known:
            limits[known[key]] = value
    return limits
