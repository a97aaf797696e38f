"""Entities: the custom object types of an account (Customers, Companies, Deals...)."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    Double,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from crmcore.models.base import Audited, Base
from crmcore.models.types import AccountIdType, CrmId, Json, UtcDateTime


class RecordAccess(StrEnum):
    PUBLIC = "PUBLIC"
    ENTITY_OWNER_ONLY = "ENTITY_OWNER_ONLY"
    ADMIN_ONLY = "ADMIN_ONLY"


class Entity(Audited, Base):
    __tablename__ = "entities"
    __table_args__ = (
        ForeignKeyConstraint(["account_id"], ["accounts.account_id"], ondelete="CASCADE"),
        # Trashed entities keep their slug (restore can never collide); purging frees it.
        UniqueConstraint("account_id", "workspace_id", "slug"),
        Index(None, "account_id", "workspace_id", "is_deleted", "priority"),
    )

    account_id: Mapped[str] = mapped_column(AccountIdType(), primary_key=True)
    entity_id: Mapped[str] = mapped_column(CrmId(), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32), default="")
    name: Mapped[str] = mapped_column(String(100))
    slug: Mapped[str] = mapped_column(String(63))
    description: Mapped[str | None] = mapped_column(Text)
    # Column order of the table view; the properties domain appends and removes IDs.
    property_ids: Mapped[list[str]] = mapped_column(Json, default=list)
    view_settings: Mapped[dict[str, Any]] = mapped_column(Json)
    insight_widgets: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    record_access: Mapped[str] = mapped_column(String(32), default=RecordAccess.PUBLIC)
    owner_id: Mapped[str] = mapped_column(String(14))
    priority: Mapped[float] = mapped_column(Double)
    # Bumped with every change to the entity's properties: keys the in-process schema cache.
    schema_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # How many ``data_key``s its properties were given (the next is this plus one).
    data_keys_issued: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # PostgreSQL: whether its properties have indexes of their own (properties/indexing.py).
    properties_indexed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    is_deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    deleted_by: Mapped[str | None] = mapped_column(String(14))
