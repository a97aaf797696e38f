"""Activities (calls, meetings, tasks, notes ... on a record or on the calendar) and events
(behaviour events attached to a record). Foreign keys cascade: purging a record or an entity
takes its activities and events with it."""

from datetime import datetime
from typing import Any

from sqlalchemy import Double, ForeignKeyConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crmcore.models.base import Audited, Base
from crmcore.models.types import AccountIdType, CrmId, Json, UtcDateTime


class Activity(Audited, Base):
    """``record_id`` is NULL for a general calendar entry (``"CALENDAR"`` on the wire)."""

    __tablename__ = "activities"
    __table_args__ = (
        ForeignKeyConstraint(
            ["account_id", "record_id"],
            ["records.account_id", "records.record_id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["account_id", "entity_id"],
            ["entities.account_id", "entities.entity_id"],
            ondelete="CASCADE",
        ),
        Index("ix_activities_created", "account_id", "date_created", "activity_id"),
        Index("ix_activities_record", "account_id", "record_id", "date_created", "activity_id"),
        Index("ix_activities_entity", "account_id", "entity_id", "date_created", "activity_id"),
    )

    account_id: Mapped[str] = mapped_column(AccountIdType(), primary_key=True)
    activity_id: Mapped[str] = mapped_column(CrmId(), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32), default="")
    entity_id: Mapped[str | None] = mapped_column(CrmId())
    record_id: Mapped[str | None] = mapped_column(CrmId())
    activity_type: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    related_record_ids: Mapped[list[str]] = mapped_column(Json, default=list)
    attachment_ids: Mapped[list[str]] = mapped_column(Json, default=list)
    scheduled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    due_date: Mapped[datetime | None] = mapped_column(UtcDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    outcome: Mapped[str] = mapped_column(String(16))
    outcome_note: Mapped[str | None] = mapped_column(Text)
    assigned_member_ids: Mapped[list[str]] = mapped_column(Json, default=list)
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    # "metadata" is reserved on declarative classes; the column keeps the wire name.
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", Json, default=dict)
    visibility: Mapped[str] = mapped_column(String(8))
    owner_id: Mapped[str | None] = mapped_column(String(14))


class Event(Base):
    """Immutable once written (SOLAPI documents no update or delete)."""

    __tablename__ = "events"
    __table_args__ = (
        ForeignKeyConstraint(
            ["account_id", "record_id"],
            ["records.account_id", "records.record_id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["account_id", "entity_id"],
            ["entities.account_id", "entities.entity_id"],
            ondelete="CASCADE",
        ),
        Index("ix_events_entity", "account_id", "entity_id", "occurred_at", "event_id"),
        Index("ix_events_record", "account_id", "record_id", "occurred_at", "event_id"),
    )

    account_id: Mapped[str] = mapped_column(AccountIdType(), primary_key=True)
    event_id: Mapped[str] = mapped_column(CrmId(), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32), default="")
    entity_id: Mapped[str] = mapped_column(CrmId())
    record_id: Mapped[str] = mapped_column(CrmId())
    event_type: Mapped[str] = mapped_column(String(128))
    category: Mapped[str | None] = mapped_column(String(128))
    label: Mapped[str | None] = mapped_column(String(512))
    value: Mapped[float | None] = mapped_column(Double)
    properties: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(14))
    date_created: Mapped[datetime] = mapped_column(UtcDateTime())
