"""Records: one row per record, property values in one JSON document keyed by each property's
short ``data_key`` (see ``Property.data_key``)."""

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKeyConstraint, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, query_expression

from crmcore.models.base import Audited, Base
from crmcore.models.types import AccountIdType, CrmId, Json, UtcDateTime


class Record(Audited, Base):
    __tablename__ = "records"
    __table_args__ = (
        ForeignKeyConstraint(
            ["account_id", "entity_id"],
            ["entities.account_id", "entities.entity_id"],
            ondelete="CASCADE",
        ),
        Index(None, "account_id", "entity_id", "is_deleted", "record_id"),
        Index(
            "ix_records_entity_created",
            "account_id",
            "entity_id",
            "is_deleted",
            "date_created",
            "record_id",
        ),
        # The full-text search's exact tier (lower(name) = q, newest first) walks this; the
        # trigram index would fetch every name that merely contains q's trigrams.
        Index(
            "ix_records_entity_name",
            "account_id",
            "entity_id",
            "is_deleted",
            text("lower(name)"),
            "date_created",
            "record_id",
        ),
        # PostgreSQL, per large entity and made by the servers (properties/indexing.py), not
        # declared here: GINs over its values (ix_rv_, containment for equality filters) and the
        # trigrams of its names (ix_rt_, the full-text search), and an index per property.
    )

    account_id: Mapped[str] = mapped_column(AccountIdType(), primary_key=True)
    record_id: Mapped[str] = mapped_column(CrmId(), primary_key=True)
    entity_id: Mapped[str] = mapped_column(CrmId())
    workspace_id: Mapped[str] = mapped_column(String(32), default="")
    name: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    tags: Mapped[list[str]] = mapped_column(Json, default=list)
    owner_id: Mapped[str | None] = mapped_column(String(14))
    is_deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    deleted_by: Mapped[str | None] = mapped_column(String(14))
    #: Whether the record has files, where a query loaded it (None: not loaded, unknown); lets
    #: a read of a record without files skip the query for them.
    has_files: Mapped[bool | None] = query_expression()


class RecordLog(Base):
    """One entry of a record's history: who changed what, when, from which value to which."""

    __tablename__ = "record_logs"
    __table_args__ = (Index(None, "account_id", "record_id", "log_id"),)

    account_id: Mapped[str] = mapped_column(AccountIdType(), primary_key=True)
    log_id: Mapped[str] = mapped_column(CrmId(), primary_key=True)
    record_id: Mapped[str] = mapped_column(CrmId())
    entity_id: Mapped[str] = mapped_column(CrmId())
    action: Mapped[str] = mapped_column(String(16))
    #: A list of ``{field, before, after}``, or the initial values of a CREATE/IMPORT entry
    #: (see ``records/history.py``).
    changes: Mapped[list[dict[str, Any]] | dict[str, Any]] = mapped_column(Json, default=list)
    actor_id: Mapped[str | None] = mapped_column(String(14))
    source: Mapped[str] = mapped_column(String(16))
    date_created: Mapped[datetime] = mapped_column(UtcDateTime())
