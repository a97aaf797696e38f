"""Properties (typed custom fields of an entity) and property groups."""

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Double, ForeignKeyConstraint, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from crmcore.models.base import Audited, Base
from crmcore.models.types import AccountIdType, CrmId, Json, UtcDateTime

_LIVE = text("is_deleted = false")


class Property(Audited, Base):
    __tablename__ = "properties"
    __table_args__ = (
        ForeignKeyConstraint(
            ["account_id", "entity_id"],
            ["entities.account_id", "entities.entity_id"],
            ondelete="CASCADE",
        ),
        # Partial unique indexes: a soft-deleted property frees its name and key.
        Index(
            "uq_properties_live_name",
            "account_id",
            "entity_id",
            "name",
            unique=True,
            postgresql_where=_LIVE,
            sqlite_where=_LIVE,
        ),
        Index(
            "uq_properties_live_key",
            "account_id",
            "entity_id",
            "key",
            unique=True,
            postgresql_where=text("is_deleted = false AND key IS NOT NULL"),
            sqlite_where=text("is_deleted = false AND key IS NOT NULL"),
        ),
        Index(None, "account_id", "entity_id", "date_created"),
        Index("uq_properties_data_key", "account_id", "entity_id", "data_key", unique=True),
    )

    account_id: Mapped[str] = mapped_column(AccountIdType(), primary_key=True)
    property_id: Mapped[str] = mapped_column(CrmId(), primary_key=True)
    entity_id: Mapped[str] = mapped_column(CrmId())
    #: The key of this property's values inside ``records.data``: short ("1", "2", ...) because
    #: a record stores one per value, issued once per entity and never reused (a deleted
    #: property's values stay stored under it, hidden).
    data_key: Mapped[str] = mapped_column(String(10))
    workspace_id: Mapped[str] = mapped_column(String(32), default="")
    name: Mapped[str] = mapped_column(String(100))
    key: Mapped[str | None] = mapped_column(String(63))
    description: Mapped[str | None] = mapped_column(Text)
    field_type: Mapped[str] = mapped_column(String(20))
    property_group_id: Mapped[str | None] = mapped_column(CrmId())
    options: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    is_masked: Mapped[bool] = mapped_column(Boolean, default=False)
    is_deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class PropertyGroup(Audited, Base):
    __tablename__ = "property_groups"
    __table_args__ = (
        ForeignKeyConstraint(
            ["account_id", "entity_id"],
            ["entities.account_id", "entities.entity_id"],
            ondelete="CASCADE",
        ),
        Index("uq_property_groups_name", "account_id", "entity_id", "name", unique=True),
    )

    account_id: Mapped[str] = mapped_column(AccountIdType(), primary_key=True)
    property_group_id: Mapped[str] = mapped_column(CrmId(), primary_key=True)
    entity_id: Mapped[str] = mapped_column(CrmId())
    workspace_id: Mapped[str] = mapped_column(String(32), default="")
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[float] = mapped_column(Double)
