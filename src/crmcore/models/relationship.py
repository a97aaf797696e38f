"""Relationship types (a named link between two entities) and relationships (one link between two
records). Foreign keys cascade, so purging a record, an entity or a type takes its links with it."""

from typing import Any

from sqlalchemy import ForeignKeyConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crmcore.models.base import Audited, Base
from crmcore.models.types import AccountIdType, CrmId, Json


class RelationshipType(Audited, Base):
    __tablename__ = "relationship_types"
    __table_args__ = (
        ForeignKeyConstraint(
            ["account_id", "source_entity_id"],
            ["entities.account_id", "entities.entity_id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["account_id", "target_entity_id"],
            ["entities.account_id", "entities.entity_id"],
            ondelete="CASCADE",
        ),
        Index(
            "uq_relationship_types_name",
            "account_id",
            "workspace_id",
            "name",
            "source_entity_id",
            "target_entity_id",
            unique=True,
        ),
        Index(None, "account_id", "source_entity_id"),
        Index(None, "account_id", "target_entity_id"),
    )

    account_id: Mapped[str] = mapped_column(AccountIdType(), primary_key=True)
    relationship_type_id: Mapped[str] = mapped_column(CrmId(), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32), default="")
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    source_entity_id: Mapped[str] = mapped_column(CrmId())
    target_entity_id: Mapped[str] = mapped_column(CrmId())
    source_label: Mapped[str | None] = mapped_column(String(100))
    target_label: Mapped[str | None] = mapped_column(String(100))


class Relationship(Audited, Base):
    """Stored in its type's orientation: ``source_entity_id`` is always the type's source entity."""

    __tablename__ = "relationships"
    __table_args__ = (
        ForeignKeyConstraint(
            ["account_id", "relationship_type_id"],
            ["relationship_types.account_id", "relationship_types.relationship_type_id"],
            name="fk_relationships_type",  # the generated name exceeds PostgreSQL's 63 bytes
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["account_id", "source_record_id"],
            ["records.account_id", "records.record_id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["account_id", "target_record_id"],
            ["records.account_id", "records.record_id"],
            ondelete="CASCADE",
        ),
        # One link per (type, source, target): duplicates are refused or skipped by the database.
        Index(
            "uq_relationships_pair",
            "account_id",
            "relationship_type_id",
            "source_record_id",
            "target_record_id",
            unique=True,
        ),
        # The list orders (newest first) per filter path; the record ones also serve the cascades.
        Index("ix_relationships_created", "account_id", "date_created", "relationship_id"),
        Index(
            "ix_relationships_type",
            "account_id",
            "relationship_type_id",
            "date_created",
            "relationship_id",
        ),
        Index(
            "ix_relationships_source_entity",
            "account_id",
            "source_entity_id",
            "date_created",
            "relationship_id",
        ),
        Index(
            "ix_relationships_target_entity",
            "account_id",
            "target_entity_id",
            "date_created",
            "relationship_id",
        ),
        Index(
            "ix_relationships_source_record",
            "account_id",
            "source_record_id",
            "date_created",
            "relationship_id",
        ),
        Index(
            "ix_relationships_target_record",
            "account_id",
            "target_record_id",
            "date_created",
            "relationship_id",
        ),
    )

    account_id: Mapped[str] = mapped_column(AccountIdType(), primary_key=True)
    relationship_id: Mapped[str] = mapped_column(CrmId(), primary_key=True)
    relationship_type_id: Mapped[str] = mapped_column(CrmId())
    workspace_id: Mapped[str] = mapped_column(String(32), default="")
    source_entity_id: Mapped[str] = mapped_column(CrmId())
    source_record_id: Mapped[str] = mapped_column(CrmId())
    target_entity_id: Mapped[str] = mapped_column(CrmId())
    target_record_id: Mapped[str] = mapped_column(CrmId())
    # "metadata" is reserved on declarative classes; the column keeps the wire name.
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", Json, default=dict)
