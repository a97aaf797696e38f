"""Activities and events.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 12:23:07.193908
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from crmcore.models.types import UtcDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "activities",
        sa.Column("account_id", sa.String(length=20), nullable=False),
        sa.Column("activity_id", sa.String(length=32), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=32), nullable=True),
        sa.Column("record_id", sa.String(length=32), nullable=True),
        sa.Column("activity_type", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "related_record_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "attachment_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("scheduled_at", UtcDateTime(), nullable=True),
        sa.Column("due_date", UtcDateTime(), nullable=True),
        sa.Column("completed_at", UtcDateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("outcome_note", sa.Text(), nullable=True),
        sa.Column(
            "assigned_member_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("visibility", sa.String(length=8), nullable=False),
        sa.Column("owner_id", sa.String(length=14), nullable=True),
        sa.Column("created_by", sa.String(length=14), nullable=False),
        sa.Column("updated_by", sa.String(length=14), nullable=False),
        sa.Column("date_created", UtcDateTime(), nullable=False),
        sa.Column("date_updated", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id", "entity_id"],
            ["entities.account_id", "entities.entity_id"],
            name=op.f("fk_activities_account_id_entity_id_entities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "record_id"],
            ["records.account_id", "records.record_id"],
            name=op.f("fk_activities_account_id_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "activity_id", name=op.f("pk_activities")),
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index(
            "ix_activities_created", ["account_id", "date_created", "activity_id"], unique=False
        )
        batch_op.create_index(
            "ix_activities_entity",
            ["account_id", "entity_id", "date_created", "activity_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_activities_record",
            ["account_id", "record_id", "date_created", "activity_id"],
            unique=False,
        )

    op.create_table(
        "events",
        sa.Column("account_id", sa.String(length=20), nullable=False),
        sa.Column("event_id", sa.String(length=32), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.String(length=32), nullable=False),
        sa.Column("event_type", sa.String(length=128), nullable=False),
        sa.Column("category", sa.String(length=128), nullable=True),
        sa.Column("label", sa.String(length=512), nullable=True),
        sa.Column("value", sa.Double(), nullable=True),
        sa.Column(
            "properties",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=14), nullable=False),
        sa.Column("date_created", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id", "entity_id"],
            ["entities.account_id", "entities.entity_id"],
            name=op.f("fk_events_account_id_entity_id_entities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "record_id"],
            ["records.account_id", "records.record_id"],
            name=op.f("fk_events_account_id_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "event_id", name=op.f("pk_events")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_events_entity", ["account_id", "entity_id", "occurred_at", "event_id"], unique=False
        )
        batch_op.create_index(
            "ix_events_record", ["account_id", "record_id", "occurred_at", "event_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_record")
        batch_op.drop_index("ix_events_entity")

    op.drop_table("events")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index("ix_activities_record")
        batch_op.drop_index("ix_activities_entity")
        batch_op.drop_index("ix_activities_created")

    op.drop_table("activities")
