"""Segments: saved condition groups over one entity's records (a documented crmcore extension)."""

from typing import Any

from sqlalchemy import Double, ForeignKeyConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crmcore.models.base import Audited, Base
from crmcore.models.types import AccountIdType, CrmId, Json


class Segment(Audited, Base):
    __tablename__ = "segments"
    __table_args__ = (
        ForeignKeyConstraint(
            ["account_id", "entity_id"],
            ["entities.account_id", "entities.entity_id"],
            ondelete="CASCADE",
        ),
        Index("uq_segments_name", "account_id", "entity_id", "name", unique=True),
    )

    account_id: Mapped[str] = mapped_column(AccountIdType(), primary_key=True)
    segment_id: Mapped[str] = mapped_column(CrmId(), primary_key=True)
    entity_id: Mapped[str] = mapped_column(CrmId())
    workspace_id: Mapped[str] = mapped_column(String(32), default="")
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    condition_group: Mapped[dict[str, Any]] = mapped_column(Json)
    priority: Mapped[float] = mapped_column(Double)
